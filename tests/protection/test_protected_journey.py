"""A protected petition over real HTTP and SMTP, then every byte the database keeps, read
without the key: no address, no name, in any of the encodings one would try, nor in any log
record; yet the count, the refusal to count a mailbox twice, erasure and the export opened
offline all work."""

from __future__ import annotations

import base64
import csv
import io
import logging
import subprocess
from pathlib import Path

import pytest
import requests
from helpers import confirm_link_in, count, sign_fields, signatures
from sqlalchemy import make_url, select

from campaign.extensions import db
from campaign.mail.addresses import address_policy
from campaign.models import OutboxEmail, Petition, Signature
from campaign.privacy.erasure import erase_mailbox

TIMEOUT = 10
NAME = "Yusra Quillfeather-Haddad"
EMAIL = "Yusra.Quillfeather+Detained@Example.ORG"
# As the address is written to: the domain in lower case.
DELIVERED = "Yusra.Quillfeather+Detained@example.org"
SHOUTED = "YUSRA.QUILLFEATHER+DETAINED@example.org"


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url)


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def _encodings(value: str) -> set[bytes]:
    """`value` as it could sit in a file: as is, lower-case, hex and base64 (at each of the
    three alignments, its edges trimmed where they mix with neighbouring bytes)."""
    found = set()
    for text in {value, value.lower(), value.upper()}:
        raw = text.encode()
        found |= {raw, raw.hex().encode(), raw.hex().upper().encode()}
        for shift in range(3):
            encoded = base64.b64encode(b"\0" * shift + raw)
            found.add(encoded[4 if shift else 0 : -4])
    return found


def _database_bytes(app) -> bytes:
    """Everything the database keeps on disk (SQLite: the file and its write-ahead log), or
    all a backup would hold (PostgreSQL: pg_dump)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        return b"".join(file.read_bytes() for file in files if file.exists())
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(
        ["pg_dump", "--no-owner", "--dbname", plain], check=True, capture_output=True
    ).stdout


def _assert_nothing_readable(app, *needles: str) -> None:
    dump = _database_bytes(app)
    assert len(dump) > 10_000
    for needle in needles:
        for encoded in _encodings(needle):
            assert encoded not in dump, f"{needle!r} found as {encoded!r}"


def _cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def test_a_protected_signature_leaves_no_name_or_address_in_the_database(
    app, live_server, smtp_server, http, make_campaign, tmp_path, caplog
):
    # Every record of the platform's, SQL included, as an operator chasing a problem would log.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    keys, other_keys = tmp_path / "keys", tmp_path / "other"
    assert _cli(app, "keys", "generate-protection", "--out", str(keys)).exit_code == 0
    assert _cli(app, "keys", "generate-protection", "--out", str(other_keys)).exit_code == 0
    added = _cli(
        app,
        "keys",
        "add-protection",
        "--public-key",
        str(keys / "protection-public.key"),
        "--name",
        "Trusted team",
    )
    assert added.exit_code == 0, added.output
    campaign = make_campaign()
    text = tmp_path / "en.md"
    text.write_text("Title: Free the detained defenders\n\nRelease them **now**.\n")
    created = _cli(
        app,
        "petitions",
        "create",
        "--campaign",
        campaign.slug,
        "--slug",
        "free-them",
        "--message-file",
        f"en={text}",
        "--goal",
        "100",
        "--protected-by",
        "Trusted team",
        "--open",
    )
    assert created.exit_code == 0, created.output
    base = live_server.url

    page = http.get(f"{base}/en/petitions/free-them", timeout=TIMEOUT)
    assert "This petition protects who signs it." in page.text
    assert 'name="newsletter"' not in page.text
    signed = http.post(
        f"{base}/en/petitions/free-them",
        data=sign_fields(name=NAME, email=EMAIL, newsletter="y", country="SY"),
        timeout=TIMEOUT,
    )
    assert signed.status_code == 200 and "Check your email" in signed.text
    assert _cli(app, "worker", "--once").exit_code == 0
    [message] = smtp_server.inbox.messages
    assert message["To"] == DELIVERED
    assert NAME in message.get_body(preferencelist=("plain",)).get_content()
    link = confirm_link_in(message)
    confirmed = http.post(link, timeout=TIMEOUT)
    assert confirmed.status_code == 200 and "Your signature counts" in confirmed.text
    assert "ref%3D" not in confirmed.text and "?ref=" not in confirmed.text, "no referral code"
    assert "/updates" not in confirmed.text, "no updates are offered"

    [signature] = signatures(app)
    assert signature.confirmed_at is not None
    assert (signature.ip_hash, signature.referrer_id, signature.newsletter) == (None, None, False)
    assert signature.country == "ZZ", "the country is sealed unless counted by country"
    [email] = _outbox(app)
    assert (email.status, email.to_address, email.text_body, email.html_body) == (
        "sent",
        "",
        "",
        "",
    )
    _assert_nothing_readable(app, EMAIL, _normalized(app), NAME)

    # Signing again, spelled otherwise, counts nothing and adds no row; the mailbox is told.
    again = http.post(
        f"{base}/en/petitions/free-them",
        data=sign_fields(name=NAME, email=EMAIL.upper(), country="SY"),
        timeout=TIMEOUT,
    )
    assert again.status_code == 200 and "Check your email" in again.text
    assert _cli(app, "worker", "--once").exit_code == 0
    assert len(smtp_server.inbox.messages) == 2
    assert smtp_server.inbox.messages[1]["To"] == SHOUTED
    assert count(app, Signature) == 1
    assert _signature_count(app) == 1
    _assert_nothing_readable(app, EMAIL, _normalized(app), NAME)

    # The export holds sealed values only; the private key opens them, another key does not.
    exported = tmp_path / "export.csv"
    # Everything, under the CRM preset's fixed column names.
    assert (
        _cli(app, "export", "free-them", "--preset", "crm", "--out", str(exported)).exit_code == 0
    )
    sealed = exported.read_text(encoding="utf-8-sig")
    assert NAME not in sealed and EMAIL not in sealed
    # A two-letter code can turn up inside sealed base64 by chance, so cells are compared whole.
    [sealed_row] = list(csv.DictReader(io.StringIO(sealed)))
    assert "SY" not in sealed_row.values()
    opened = tmp_path / "opened.csv"
    refused = _cli(
        app,
        "decrypt-export",
        str(exported),
        "--private-key",
        str(other_keys / "protection-private.key"),
        "--out",
        str(opened),
    )
    assert refused.exit_code != 0 and not opened.exists()
    decrypted = _cli(
        app,
        "decrypt-export",
        str(exported),
        "--private-key",
        str(keys / "protection-private.key"),
        "--out",
        str(opened),
    )
    assert decrypted.exit_code == 0, decrypted.output
    [row] = list(csv.DictReader(io.StringIO(opened.read_text(encoding="utf-8"))))
    assert (row["full_name"], row["email_address"], row["country"]) == (NAME, DELIVERED, "SY")

    # Erasure from the address the person gives, in any spelling.
    with app.app_context():
        result = erase_mailbox(
            db.session,
            EMAIL.lower(),
            actor_id=None,
            origin=None,
            secret_key=app.config["SECRET_KEY"],
            addresses=address_policy(),
        )
        db.session.commit()
    assert (result.confirmed, result.pending) == (1, 0)
    assert count(app, Signature) == 0
    assert _signature_count(app) == 0
    _assert_nothing_readable(app, EMAIL, _normalized(app), NAME)
    # aiosmtpd ("mail.log") stands in for the provider's mail server: its log is not ours.
    logged = "\n".join(
        caplog.handler.format(record)
        for record in caplog.records
        if not record.name.startswith("mail.log")
    )
    assert any(record.name == "sqlalchemy.engine.Engine" for record in caplog.records)
    for needle in (EMAIL, _normalized(app), NAME):
        assert needle.lower() not in logged.lower()


def _normalized(app) -> str:
    with app.app_context():
        return address_policy().parse(EMAIL).key


def _outbox(app) -> list[OutboxEmail]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
        db.session.expunge_all()
        return list(rows)


def _signature_count(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Petition.signature_count).where(Petition.slug == "free-them")
        )
