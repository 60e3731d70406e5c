"""Signature exports: the pure CSV core, filters, streaming in flat memory, the audit trail,
the web form and the `campaign export` command."""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import STAFF_PASSWORD
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, update

from campaign.extensions import db
from campaign.models import AuditEvent, Signature
from campaign.privacy.exports import (
    COLUMNS,
    CRM_HEADER,
    DEFAULT_COLUMNS,
    FORMULA_START,
    PRESETS,
    ExportFilters,
    cell,
    consent_version,
    count_rows,
    csv_chunks,
    export_select,
    iter_batches,
    neutralise,
    with_consent_versions,
)

TRICKY = [
    '=HYPERLINK("http://evil.example","click")',
    "+33 1 23 45",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTabbed",
    "\rCarriage",
    "Ordinary, with a comma",
    'Quote " inside',
    "Line\nbreak",
    "ليلى العربية",
    "Zoë Ångström",
    "",
]


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def csv_text(header, rows, *, bom: bool = False, batch: int = 3) -> str:
    batches = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    return b"".join(csv_chunks(header, batches, bom=bom)).decode("utf-8")


def reference_csv(header, rows, *, bom: bool = False) -> str:
    """The export as first written, one `csv.writer` row and one `cell` call at a time: what
    the export must still give, byte for byte."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(name)) for name in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return ("\ufeff" if bom else "") + buffer.getvalue()


# --- the pure core -----------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_starts_are_neutralised(start):
    assert neutralise(start + "1+1") == "'" + start + "1+1"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Jean;=cmd|' /C calc'!A0", "Jean;'=cmd|' /C calc'!A0"),
        ("Jean,=cmd|' /C calc'!A0", "Jean,'=cmd|' /C calc'!A0"),
        ("Jean\t@SUM(A1)", "Jean\t'@SUM(A1)"),
        ("a;b;  +33 1 23", "a;b;'  +33 1 23"),
        ('a;"=1+1"', 'a;\'"=1+1"'),
        (" =1+1", "' =1+1"),
        ("=a;-b\n+c", "'=a;'-b\n'+c"),
        ("\t=x", "'\t'=x"),
        ("a;b, c\td-e", "a;b, c\td-e"),  # no formula after a separator: untouched
    ],
)
def test_formulas_after_a_separator_inside_a_cell_are_neutralised(value, written):
    """A spreadsheet that splits fields on ";" or a tab starts a field inside the cell."""
    assert neutralise(value) == written


# A field a spreadsheet could start anywhere in the file, splitting on any separator, and what
# it would evaluate there once it trims spaces and quotes.
FIELD_START = re.compile(r"(?:^|[,;\t\r\n])[ \"]*([=+\-@])", re.MULTILINE)


def test_csv_round_trips_through_the_csv_module():
    rows = [(value, f"row{i}@example.org") for i, value in enumerate(TRICKY)]
    text = csv_text(["name", "email"], rows)
    parsed = parse(text)
    assert parsed[0] == ["name", "email"]
    assert len(parsed) == len(TRICKY) + 1
    for (name, email), (original, original_email) in zip(parsed[1:], rows, strict=True):
        assert name == neutralise(original)
        assert email == original_email
        # Only the one added quote stands between the cell and the original value.
        assert name.removeprefix("'") == original
    assert [row[0] for row in parsed[1:] if not row[0].startswith("'")] == TRICKY[6:]
    assert text.endswith("\r\n") and not text.startswith("\ufeff")


def test_csv_formats_values_and_adds_a_bom_on_request():
    moment = datetime(2026, 5, 4, 3, 2, 1, 999, tzinfo=UTC)
    text = csv_text(["a", "b", "c", "d"], [(moment, True, False, None)], bom=True)
    assert text.startswith("\ufeffa,b,c,d\r\n")
    assert parse(text.removeprefix("\ufeff"))[1] == ["2026-05-04T03:02:01+00:00", "yes", "no", ""]


def test_csv_comes_in_one_piece_per_batch_with_the_header_in_the_first():
    rows = [(f"Signer {i}", "ليلى") for i in range(7)]
    pieces = list(csv_chunks(["=name", "email"], [rows[:3], rows[3:6], rows[6:]], bom=True))
    assert len(pieces) == 3
    assert pieces[0].startswith("\ufeff'=name,email\r\nSigner 0,ليلى\r\n".encode())
    assert pieces[2] == "Signer 6,ليلى\r\n".encode()
    assert list(csv_chunks(["name"], [])) == [b"name\r\n"]  # no rows: the header alone


@pytest.mark.parametrize(
    "inside", [",", '"', "\r", "\n", "\r\n", "\t", "=", "'", ";", ";=", "; -", "\t+", ",@"]
)
@pytest.mark.parametrize("width", [1, 2])
def test_text_that_needs_quotes_is_quoted_as_the_csv_module_does(inside, width):
    rows = [("plain",) * width, (f"a{inside}b",) * width, ("",) * width, ("z",) * width]
    header = ["h"] * width
    assert csv_text(header, rows, batch=4) == reference_csv(header, rows)


# Cells as the database or a caller may give them, with what needs quoting or neutralising
# over-represented; the fast path and the csv module must agree on every one.
cell_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from([",", ";", '"', "\r", "\n", "\t", "=", "+", "-", "@", "'", " ", "ع", "é"]),
    ),
    max_size=12,
)
cells = st.one_of(
    cell_text,
    cell_text,
    st.none(),
    st.booleans(),
    st.integers(),
    st.datetimes(timezones=st.just(UTC)),
)


@settings(max_examples=300, deadline=None)
@given(
    width=st.integers(1, 4),
    data=st.data(),
    batch=st.integers(1, 5),
    bom=st.booleans(),
)
def test_csv_is_byte_for_byte_the_reference(width, data, batch, bom):
    header = data.draw(st.lists(cell_text, min_size=width, max_size=width))
    rows = data.draw(st.lists(st.tuples(*[cells] * width), max_size=12))
    assert csv_text(header, rows, bom=bom, batch=batch) == reference_csv(header, rows, bom=bom)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), width=st.integers(1, 4))
def test_csv_of_plain_text_is_byte_for_byte_the_reference(data, width):
    """Mostly text that needs nothing, as a real export is, with the odd cell that does."""
    plain = st.text(alphabet="abcé ع@.-;0123456789", max_size=8)
    rare = st.one_of(plain, plain, plain, plain, cell_text)
    rows = data.draw(st.lists(st.tuples(*[rare] * width), max_size=20))
    header = [f"c{i}" for i in range(width)]
    assert csv_text(header, rows, batch=7) == reference_csv(header, rows)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), width=st.integers(1, 4))
def test_no_field_of_the_file_starts_a_formula_whatever_the_separator(data, width):
    """Split the written file on any separator a spreadsheet may use (and on line breaks, inside
    quotes or not): no field starts a formula, and the only change to a cell is added quotes."""
    rows = data.draw(st.lists(st.tuples(*[cell_text] * width), min_size=1, max_size=8))
    text = csv_text([f"c{i}" for i in range(width)], rows)
    assert FIELD_START.search(text) is None
    for written, original in zip(parse(text)[1:], rows, strict=True):
        for cell_written, cell_original in zip(written, original, strict=True):
            assert cell_written.replace("'", "") == cell_original.replace("'", "")
            assert not cell_written.startswith(FORMULA_START)


# --- queries -----------------------------------------------------------------------------------


@pytest.fixture
def signed(make_petition, make_signature):
    """A petition with signatures that each filter keeps or drops."""
    petition = make_petition()
    other = make_petition()
    day = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
    make_signature(petition, name="Ana", country="ES", created_at=day, newsletter=True)
    make_signature(petition, name="Bruno", country="FR", created_at=day + timedelta(days=1))
    make_signature(petition, name="Chloé", country="FR", created_at=day + timedelta(days=2),
                   newsletter=True)  # fmt: skip
    make_signature(petition, name="Pending Pat", country="FR", confirmed=False, created_at=day)
    make_signature(other, name="Elsewhere", country="FR", created_at=day)
    return petition


def names(session, petition, filters) -> list[str]:
    query = export_select(petition.id, filters, ["name"])
    return [row[0] for batch in iter_batches(session, query, batch_size=2) for row in batch]


def test_filters(session, signed):
    assert names(session, signed, ExportFilters()) == ["Ana", "Bruno", "Chloé"]
    assert names(session, signed, ExportFilters(include_pending=True)) == [
        "Ana",
        "Bruno",
        "Chloé",
        "Pending Pat",
    ]
    assert names(session, signed, ExportFilters(country="FR")) == ["Bruno", "Chloé"]
    assert names(session, signed, ExportFilters(newsletter_only=True)) == ["Ana", "Chloé"]
    assert names(
        session, signed, ExportFilters(date_from=date(2026, 4, 11), date_to=date(2026, 4, 11))
    ) == ["Bruno"]
    assert names(session, signed, ExportFilters(date_to=date(2026, 4, 10))) == ["Ana"]
    assert count_rows(session, signed.id, ExportFilters(include_pending=True)) == 4


def test_the_database_writes_every_column_as_the_reference_does(
    session, make_petition, make_signature
):
    """The query renders cells in SQL (times, yes/no, NULLs); the file must be the one the
    reference writes from the Python values, on SQLite and PostgreSQL alike."""
    petition = make_petition()
    starts = ["=", "+", "-", "@", "\t", "\r", '"', ""]
    moments = [
        datetime(2026, 4, 10, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 4, 11, 0, 0, 0, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
    ]
    for i, start in enumerate(starts):
        make_signature(
            petition,
            name=f"{start}{TRICKY[i % len(TRICKY)] or 'x'}",
            email=f"{start}cmd{i}@example.org",
            country=f"{start or 'F'}R"[-2:] if start else "FR",
            locale=f"{start}ar",
            source_channel=None if i % 3 == 0 else f"{start}share,{i}",
            newsletter=i % 2 == 0,
            confirmed=i % 4 != 3,
            created_at=moments[i % len(moments)],
        )
    for i, name in enumerate(["ليلى العربية", "Zoë Ångström", 'Quote " inside', "Line\nbreak"]):
        make_signature(petition, name=name, email=f"plain{i}@example.org", country="EG")
    session.execute(
        update(Signature)
        .where(Signature.petition_id == petition.id, Signature.confirmed_at.is_not(None))
        .values(confirmed_at=datetime(2026, 4, 12, 8, 30, 1, 999_999, tzinfo=UTC))
    )
    session.commit()
    columns = [name for name in COLUMNS if name not in RENDERED_OTHERWISE]
    filters = ExportFilters(include_pending=True)
    query = export_select(petition.id, filters, columns)
    written = b"".join(
        csv_chunks(columns, iter_batches(session, query, batch_size=4), bom=True)
    ).decode("utf-8")
    python_values = session.execute(
        select(*(COLUMNS[name] for name in columns))
        .where(Signature.petition_id == petition.id)
        .order_by(Signature.id)
    ).all()
    assert len(python_values) == len(starts) + 4
    assert written == reference_csv(columns, python_values, bom=True)
    rows = parse(written.removeprefix("\ufeff"))[1:]
    for row in rows[: len(starts) - 2]:  # the formula starts, in every text column
        assert all(row[columns.index(name)].startswith("'") for name in ("name", "email", "locale"))
    assert rows[0][columns.index("signed_at")] == "2026-04-10T23:59:59+00:00"
    assert rows[3][columns.index("confirmed_at")] == ""  # pending


# Columns whose cell is not `cell` of the value read: the split dates and times, the petition
# (read through a join) and the cells derived in Python.
RENDERED_OTHERWISE = {
    "petition",
    "country_name",
    "consent_version",
    "signed_on",
    "signed_time",
    "confirmed_on",
    "confirmed_time",
}


def test_split_dates_petition_country_names_and_consent_versions(
    session, make_petition, make_signature
):
    petition = make_petition()
    late = datetime(2026, 4, 10, 23, 59, 59, 999_999, tzinfo=UTC)
    make_signature(petition, name="Ana", country="EG", created_at=late)
    make_signature(petition, name="Pat", country="FR", confirmed=False)
    columns = [*RENDERED_OTHERWISE, "signature_id"]
    query = export_select(petition.id, ExportFilters(include_pending=True), columns, lang="fr")
    batches = with_consent_versions(iter_batches(session, query, batch_size=1), columns)
    rows = [dict(zip(columns, row, strict=True)) for batch in batches for row in batch]
    ids = session.scalars(
        select(Signature.public_id)
        .where(Signature.petition_id == petition.id)
        .order_by(Signature.id)
    ).all()
    # The public id, never the row's id, OSDI-style after the system's name.
    assert [row["signature_id"] for row in rows] == [f"campaign:{id}" for id in ids]
    assert rows[0] | {"signature_id": None} == {
        "signature_id": None,
        "petition": petition.slug,
        "country_name": "Égypte",
        "consent_version": consent_version("I agree"),
        "signed_on": "2026-04-10",
        "signed_time": "23:59:59",
        "confirmed_on": "2026-04-10",
        "confirmed_time": "23:59:59",
    }
    assert rows[1]["country_name"] == "France"
    assert rows[1]["confirmed_on"] == rows[1]["confirmed_time"] == ""  # pending
    assert re.fullmatch(r"[0-9a-f]{12}", consent_version("I agree"))
    assert consent_version("I agree!") != consent_version("I agree") and consent_version("") == ""


def test_presets_keep_email_out_of_the_file_for_the_target():
    assert "email" not in PRESETS["target"] and PRESETS["target"] == DEFAULT_COLUMNS
    assert set(PRESETS["records"]) >= set(PRESETS["target"]) | {"email", "consent_version"}
    assert all(name in COLUMNS for preset in PRESETS.values() for name in preset)
    assert [CRM_HEADER[name] for name in PRESETS["crm"]][:4] == [
        "identifier",
        "petition",
        "full_name",
        "email_address",
    ]


def test_unknown_columns_are_refused(session, signed):
    with pytest.raises(ValueError, match="unknown"):
        export_select(signed.id, ExportFilters(), ["name", "password_hash"])


def add_confirmed_signatures(session, petition_id: int, how_many: int) -> None:
    """Many rows at once, in one statement (counters are not the point here)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    session.execute(
        insert(Signature),
        [
            {
                "petition_id": petition_id,
                "name": f"Bulk signer number {i}",
                "email": f"bulk{i}@example.org",
                "email_normalized": f"bulk{i}@example.org",
                "country": "FR",
                "locale": "en",
                "consent_text": "I agree",
                "consented_at": now,
                "created_at": now,
                "confirmed_at": now,
            }
            for i in range(how_many)
        ],
    )
    session.commit()


def test_memory_stays_flat_however_many_rows(session, make_petition):
    petition = make_petition()
    add_confirmed_signatures(session, petition.id, 60_000)
    query = export_select(petition.id, ExportFilters(), DEFAULT_COLUMNS)
    tracemalloc.start()
    try:
        total = 0
        for piece in csv_chunks(DEFAULT_COLUMNS, iter_batches(session, query, batch_size=1000)):
            total += len(piece)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total > 60_000 * 40  # every row went through
    # The whole file is ~4 MB and the rows as objects far more; a stream holds one batch.
    assert peak < 3 * 1024 * 1024, peak


# --- over HTTP ---------------------------------------------------------------------------------


def export_form(**extra) -> dict:
    return {"preset": "records", "lang": "en", **extra}


def test_exporter_downloads_a_correct_audited_csv(app, client, make_user, signed):
    exporter = make_user("exporter")
    login = client.post("/staff/login", data={"email": exporter.email, "password": STAFF_PASSWORD})
    assert login.status_code == 303
    form = client.get(f"/staff/petitions/{signed.slug}/export")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="target"', html)  # the default preset
    assert not re.search(r'<input checked[^>]*value="records"', html)
    assert "never email addresses" in html and "email addresses included" in html
    response = client.post(
        f"/staff/petitions/{signed.slug}/export",
        data=export_form(country="FR", bom="y"),
        buffered=False,
    )
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "no-store" in response.headers["Cache-Control"]
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{signed.slug}-signatures-{today}.csv"'
    )
    body = response.get_data().decode("utf-8")
    response.close()
    assert body.startswith("\ufeff")
    rows = parse(body.removeprefix("\ufeff"))
    assert rows[0][:9] == [
        "Signature ID",
        "Petition",
        "Name",
        "Email address",
        "Country code",
        "Country",
        "Language",
        "Date signed (UTC)",
        "Time signed (UTC)",
    ]
    assert [row[2] for row in rows[1:]] == ["Bruno", "Chloé"]
    assert rows[1][1] == signed.slug and rows[1][4:6] == ["FR", "France"]
    assert rows[1][7:9] == ["2026-04-11", "12:00:00"]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert event.actor_id == exporter.id
        assert event.origin and "127.0.0.1" not in event.origin
        assert event.details["petition"] == signed.slug
        assert event.details["filters"]["country"] == "FR"
        assert event.details["filters"]["include_pending"] is False
        assert event.details["preset"] == "records"
        assert event.details["columns"] == list(PRESETS["records"])
        assert event.details["rows"] == 2 and event.details["complete"] is True
        assert event.details["via"] == "web"


def test_export_neutralises_formulas_end_to_end(
    client, make_user, log_in, make_petition, make_signature
):
    petition = make_petition()
    for i, value in enumerate(TRICKY[:6]):
        make_signature(petition, name=value or "x", email=f"=cmd{i}@example.org")
    log_in(client, make_user("admin"))
    response = client.post(f"/staff/petitions/{petition.slug}/export", data=export_form())
    rows = parse(response.get_data(as_text=True))[1:]
    assert [row[2] for row in rows] == ["'" + value for value in TRICKY[:6]]
    assert all(row[3].startswith("'=cmd") for row in rows)
    assert not response.get_data().startswith(b"\xef\xbb\xbf")  # no BOM unless asked


def test_export_neutralises_formulas_after_a_separator_end_to_end(
    client, make_user, log_in, make_petition, make_signature
):
    petition = make_petition()
    make_signature(petition, name="Jean;=cmd|' /C calc'!A0", email="jean@example.org")
    make_signature(petition, name="Ana\t+1", email="ana@example.org")
    log_in(client, make_user("admin"))
    response = client.post(
        f"/staff/petitions/{petition.slug}/export", data=export_form(preset="crm")
    )
    text = response.get_data(as_text=True)
    assert ",Jean;'=cmd|' /C calc'!A0,jean@example.org," in text
    assert FIELD_START.search(text) is None
    assert [row[2] for row in parse(text)[1:]] == ["Jean;'=cmd|' /C calc'!A0", "Ana\t'+1"]


def test_the_default_export_is_the_one_for_the_target_without_email(
    app, client, make_user, log_in, signed
):
    log_in(client, make_user("exporter"))
    response = client.post(f"/staff/petitions/{signed.slug}/export", data={"lang": "fr"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "@" not in text  # no address, whatever the columns
    rows = parse(text)
    assert rows[0] == [
        "Identifiant de la signature",
        "Pétition",
        "Nom",
        "Code du pays",
        "Pays",
        "Date de signature (UTC)",
        "Heure de signature (UTC)",
    ]
    assert rows[1][2:] == ["Ana", "ES", "Espagne", "2026-04-10", "12:00:00"]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent)).one()
        assert event.details["preset"] == "target"
        assert event.details["columns"] == list(PRESETS["target"])


def test_crm_export_has_fixed_osdi_like_names_and_pending_rows_on_request(
    client, make_user, log_in, signed
):
    log_in(client, make_user("admin"))
    response = client.post(
        f"/staff/petitions/{signed.slug}/export",
        data=export_form(preset="crm", lang="ar", include_pending="y"),
    )
    rows = parse(response.get_data(as_text=True))
    assert rows[0] == [
        "identifier",
        "petition",
        "full_name",
        "email_address",
        "country",
        "language",
        "action_date",
        "confirmed_date",
        "opt_in",
        "source",
        "consent_version",
        "consent_text",
        "consent_date",
    ]
    by_name = {row[2]: row for row in rows[1:]}
    assert by_name["Ana"][6] == "2026-04-10T12:00:00+00:00" and by_name["Ana"][8] == "yes"
    assert by_name["Pending Pat"][7] == "" and by_name["Pending Pat"][8] == "no"
    assert by_name["Ana"][10] == consent_version("I agree") and by_name["Ana"][11] == "I agree"


def test_export_form_refuses_bad_input(client, make_user, log_in, signed):
    log_in(client, make_user("exporter"))
    url = f"/staff/petitions/{signed.slug}/export"
    for data, message in (
        (export_form(preset="everything"), "Not a valid choice"),
        (export_form(lang="xx"), "Not a valid choice"),
        (export_form(date_from="2026-05-02", date_to="2026-05-01"), "The end date is before"),
        (export_form(date_from="yesterday"), "Not a valid date value"),
        (export_form(country="XX"), "Not a valid choice"),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data


def test_an_abandoned_download_is_audited_as_incomplete(
    app, client, make_user, log_in, make_petition
):
    petition = make_petition()
    with app.app_context():
        add_confirmed_signatures(db.session, petition.id, 5000)
    log_in(client, make_user("exporter"))
    response = client.post(
        f"/staff/petitions/{petition.slug}/export", data=export_form(), buffered=False
    )
    first = next(iter(response.response))
    assert first
    response.close()  # the browser went away
    with app.app_context():
        event = db.session.scalars(select(AuditEvent)).one()
        assert event.details["complete"] is False
        assert 0 < event.details["rows"] < 5000


# --- the command line --------------------------------------------------------------------------


def test_export_command_writes_the_same_csv_and_is_audited(app, runner, signed, tmp_path):
    out = tmp_path / "out.csv"
    result = runner.invoke(
        args=["export", signed.slug, "--out", str(out), "--country", "fr", "--bom",
              "--columns", "name,country,newsletter"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"exported 2 signatures of {signed.slug}" in result.output
    assert out.stat().st_mode & 0o777 == 0o600  # personal data: readable by its owner only
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    assert parse(text.removeprefix("\ufeff")) == [
        ["name", "country", "newsletter"],
        ["Bruno", "FR", "no"],
        ["Chloé", "FR", "yes"],
    ]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent)).one()
        assert event.action == "export" and event.actor_id is None and event.origin is None
        assert event.details["via"] == "cli" and event.details["rows"] == 2
        assert event.details["complete"] is True


def test_export_command_presets(app, runner, signed, tmp_path):
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["export", signed.slug, "--out", str(out), "--lang", "es"])
    assert result.exit_code == 0, result.output
    rows = parse(out.read_text(encoding="utf-8"))
    assert rows[0] == list(PRESETS["target"]) and rows[1][2:5] == ["Ana", "ES", "España"]
    result = runner.invoke(args=["export", signed.slug, "--out", str(out), "--preset", "crm"])
    assert result.exit_code == 0, result.output
    assert parse(out.read_text(encoding="utf-8"))[0][:4] == [
        "identifier",
        "petition",
        "full_name",
        "email_address",
    ]
    with app.app_context():
        presets = db.session.scalars(select(AuditEvent.details)).all()
        assert [details["preset"] for details in presets] == ["target", "crm"]


def test_export_command_filters_by_date_and_pending(runner, signed, tmp_path):
    out = tmp_path / "out.csv"
    result = runner.invoke(
        args=["export", signed.slug, "--out", str(out), "--include-pending",
              "--from", "2026-04-10", "--to", "2026-04-10", "--columns", "name"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert parse(out.read_text(encoding="utf-8")) == [["name"], ["Ana"], ["Pending Pat"]]


def test_export_command_refuses_bad_input(runner, signed, tmp_path):
    out = str(tmp_path / "out.csv")
    assert runner.invoke(args=["export", "no-such-petition", "--out", out]).exit_code != 0
    bad_column = runner.invoke(args=["export", signed.slug, "--out", out, "--columns", "x"])
    assert bad_column.exit_code != 0 and "choose among" in bad_column.output
    both = ["export", signed.slug, "--out", out, "--columns", "name", "--preset", "crm"]
    assert "not both" in runner.invoke(args=both).output
    bad_preset = runner.invoke(args=["export", signed.slug, "--out", out, "--preset", "all"])
    assert bad_preset.exit_code != 0
    bad_country = runner.invoke(args=["export", signed.slug, "--out", out, "--country", "ZZ"])
    assert bad_country.exit_code != 0
