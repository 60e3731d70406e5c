"""Delivery packs from real signatures: built, verified, and refused when any byte changes."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from helpers import confirm_link, pdf_text, sign_fields
from pypdf import PdfReader
from sqlalchemy import select

from campaign.delivery import packs
from campaign.delivery.keys import generate_key
from campaign.delivery.verification import PackInvalid, verify_pack
from campaign.delivery.worldmap import NO_FIGURES, SHADES
from campaign.extensions import db
from campaign.models import (
    AuditEvent,
    DeliveryPack,
    DeliveryPackReceipt,
    OutboxEmail,
    PetitionText,
    utcnow,
)

FILES = ("signatures.csv", "summary.pdf", "manifest.json")


@pytest.fixture
def key_file(tmp_path) -> Path:
    path = tmp_path / "keys" / "delivery.pem"
    generate_key(path)
    return path


@pytest.fixture
def app(make_app, key_file):
    return make_app(DELIVERY_KEY_FILE=str(key_file), RECEIPT_RATE_LIMIT="1000 per minute")


def sign_and_confirm(app, client, petition, *, email: str, country: str) -> str:
    """Sign through the form, confirm through the emailed link; the page's receipt code."""
    response = client.post(
        f"/en/petitions/{petition.slug}",
        data=sign_fields(email=email, country=country, name=f"Signer {email.split('@')[0]}"),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        message = db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.to_address == email)
        ).one()
        link = confirm_link(message.text_body)
    page = client.post(link.removeprefix("http://localhost")).get_data(as_text=True)
    assert "data-receipt=" in page
    return page.split('data-receipt="', 1)[1].split('"', 1)[0]


def build(runner, slug: str, out: Path, *extra: str):
    return runner.invoke(args=["delivery-pack", slug, "--out", str(out), *extra])


def test_a_pack_of_real_signatures_verifies_and_any_changed_byte_is_named(
    app, client, runner, make_petition, tmp_path
):
    petition = make_petition()
    for n, country in enumerate(["FR", "FR", "SN", "AR"]):
        sign_and_confirm(app, client, petition, email=f"s{n}@example.org", country=country)
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email="pending@example.org"))
    out = tmp_path / "pack"

    result = build(runner, petition.slug, out)

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    verified = verify_pack(out)
    assert verified.count == 4
    checked = runner.invoke(args=["delivery-pack", "verify", str(out)])
    assert checked.exit_code == 0 and "4" in checked.output

    text = (out / "signatures.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["name", "country_code", "country", "signed_on"]
    assert len(rows) - 1 == 4
    assert "@" not in text
    assert {row[1] for row in rows[1:]} == {"FR", "SN", "AR"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["countries"] == {"AR": 1, "FR": 2, "SN": 1}
    assert len(manifest["receipts"]) == 4

    for name in FILES:
        path = out / name
        original = path.read_bytes()
        changed = bytearray(original)
        middle = len(changed) // 2
        changed[middle] ^= 0x01
        path.write_bytes(bytes(changed))
        with pytest.raises(PackInvalid) as refused:
            verify_pack(out)
        assert refused.value.where == name
        failed = runner.invoke(args=["delivery-pack", "verify", str(out)])
        assert failed.exit_code == 1
        assert name in failed.output
        path.write_bytes(original)
    assert verify_pack(out).count == 4

    with app.app_context():
        pack = db.session.scalars(select(DeliveryPack)).one()
        assert pack.signature_count == 4
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "delivery_pack")
        ).one()
        assert event.details["manifest_sha256"] == pack.manifest_sha256


def test_the_summary_says_title_and_count_and_an_arabic_pack_its_arabic_title(
    app, runner, make_petition, make_signature, tmp_path
):
    petition = make_petition(locales=("en", "ar"))
    arabic_title = "أوقفوا التعذيب الآن"
    with app.app_context():
        texts = {
            text.locale: text
            for text in db.session.scalars(
                select(PetitionText).where(PetitionText.petition_id == petition.id)
            )
        }
        texts["ar"].title = arabic_title
        english_title, target = texts["en"].title, texts["en"].target
        db.session.commit()
    first, last = utcnow() - timedelta(days=40), utcnow() - timedelta(days=2)
    for at in (first, last, last):
        make_signature(petition, country="EG", created_at=at)

    english = build(runner, petition.slug, tmp_path / "en", "--lang", "en")
    arabic = build(runner, petition.slug, tmp_path / "ar", "--lang", "ar")

    assert english.exit_code == 0, english.output
    assert arabic.exit_code == 0, arabic.output
    page = pdf_text(tmp_path / "en" / "summary.pdf")
    assert english_title in page
    assert f"Addressed to: {target}" in page
    assert app.config["ORGANISATION_NAME"] in page
    assert "Confirmed signatures: 3" in page
    assert "Egypt" in page
    assert f"First signature: {format_date(first.date(), 'long', locale='en')}" in page
    assert f"Last signature: {format_date(last.date(), 'long', locale='en')}" in page
    assert "Signatures confirmed before" in page and "campaign delivery-pack verify" in page
    manifest = json.loads((tmp_path / "en" / "manifest.json").read_text(encoding="utf-8"))
    # The key may be broken over two lines of the page.
    assert manifest["key"]["public_key"] in page.replace("\n", "")
    arabic_page = pdf_text(tmp_path / "ar" / "summary.pdf")
    # Shaped and ordered right to left, the title comes out whole and joined.
    assert arabic_title in arabic_page.splitlines()
    assert english_title not in arabic_page
    assert "مصر" in arabic_page  # Egypt, in the Arabic table
    # "Confirmed signatures: 3", the colon placed by the extractor's idea of direction.
    [count_line] = [
        line
        for line in arabic_page.splitlines()
        if line.endswith("التوقيعات المؤكَّدة") or line.startswith("التوقيعات المؤكَّدة:")
    ]
    assert "3" in count_line
    rows = (tmp_path / "ar" / "signatures.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1].endswith(",EG,مصر," + first.date().isoformat())


def map_colours(pdf: Path) -> set[str]:
    """The fill colours the summary's drawing operators set, as #rrggbb."""
    found = set()
    for page in PdfReader(pdf).pages:
        for rgb in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) rg", page.get_contents().get_data()):
            found.add("#" + "".join(f"{round(float(part) * 255):02x}" for part in rgb))
    return found


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_summary_draws_the_map_folding_small_countries(
    app, runner, make_petition, make_signature, tmp_path, lang
):
    petition = make_petition(locales=("en", "ar"))
    day = utcnow() - timedelta(days=1)
    for _ in range(app.config["COUNTRY_MIN_COUNT"]):
        make_signature(petition, country="EG", created_at=day)
    make_signature(petition, country="SN", created_at=day)

    built = build(runner, petition.slug, tmp_path / "pack", "--lang", lang)

    assert built.exit_code == 0, built.output
    colours = map_colours(tmp_path / "pack" / "summary.pdf")
    # Egypt in the darkest shade, every other country as land with no figures: Senegal's one
    # signature is folded away as on the public map.
    assert NO_FIGURES in colours
    assert set(SHADES) & colours == {SHADES[-1]}
    verified = runner.invoke(args=["delivery-pack", "verify", str(tmp_path / "pack")])
    assert verified.exit_code == 0, verified.output


def test_bad_requests_exit_2_and_leave_nothing(app, runner, make_petition, tmp_path):
    petition = make_petition()
    future = (utcnow() + timedelta(days=2)).date().isoformat()
    # Tests may run as root, whom no mode stops: a file where the folder should be does.
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    cases = [
        (["delivery-pack", "no-such-petition", "--out", str(tmp_path / "a")], "no petition"),
        (["delivery-pack", petition.slug, "--out", str(tmp_path / "b"), "--to", future], "future"),
        (["delivery-pack", petition.slug, "--out", str(not_a_folder / "pack")], "cannot write"),
        (["delivery-pack", petition.slug, "--out", str(not_a_folder)], "not an empty folder"),
    ]
    for args, said in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 2, result.output
        assert said in result.output
    missing_key = app.config["DELIVERY_KEY_FILE"] + ".gone"
    app.config["DELIVERY_KEY_FILE"] = missing_key
    result = build(runner, petition.slug, tmp_path / "c")
    assert result.exit_code == 2 and "campaign keys generate" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "keys"]
    with app.app_context():
        assert db.session.scalars(select(DeliveryPack)).all() == []


def test_a_failure_while_writing_leaves_no_partial_pack(
    app, runner, make_petition, make_signature, tmp_path
):
    petition = make_petition()
    make_signature(petition)
    (tmp_path / "no-fonts").mkdir()
    app.config["DELIVERY_FONT_DIR"] = str(tmp_path / "no-fonts")

    # signatures.csv is written before the summary finds its fonts missing.
    result = build(runner, petition.slug, tmp_path / "pack")

    assert result.exit_code == 2 and "font" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys", "no-fonts"]
    with app.app_context():
        assert db.session.scalars(select(DeliveryPack)).all() == []


def test_a_pack_whose_receipts_changed_while_it_was_written_is_refused(
    app, client, runner, make_petition, tmp_path, monkeypatch
):
    petition = make_petition()
    for n in range(2):
        sign_and_confirm(app, client, petition, email=f"s{n}@example.org", country="FR")
    written = packs._receipts
    # As if a signature were removed between the manifest and the record of its receipts.
    monkeypatch.setattr(packs, "_receipts", lambda *args: itertools.islice(written(*args), 1, None))

    result = build(runner, petition.slug, tmp_path / "pack")

    assert result.exit_code == 2 and "make it again" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys"]
    with app.app_context():
        assert db.session.scalars(select(DeliveryPack)).all() == []
        assert db.session.scalars(select(DeliveryPackReceipt)).all() == []


def test_the_cut_off_leaves_out_later_signatures(
    app, runner, make_petition, make_signature, tmp_path
):
    petition = make_petition()
    make_signature(petition, created_at=utcnow() - timedelta(days=3))
    make_signature(petition, created_at=utcnow())
    day = (utcnow() - timedelta(days=2)).date().isoformat()

    result = build(runner, petition.slug, tmp_path / "pack", "--to", day)

    assert result.exit_code == 0, result.output
    assert verify_pack(tmp_path / "pack").count == 1


def test_keys_generate_writes_a_private_key_only_its_owner_reads(make_app, tmp_path):
    path = tmp_path / "instance" / "key.pem"
    app = make_app(DELIVERY_KEY_FILE=str(path))

    result = app.test_cli_runner().invoke(args=["keys", "generate"])
    again = app.test_cli_runner().invoke(args=["keys", "generate"])

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public = result.output.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    document = app.test_client().get("/.well-known/campaign-keys.json")
    assert document.status_code == 200
    assert document.get_json()["keys"][0]["public_key"] == public
    assert again.exit_code == 2 and "exists" in again.output
