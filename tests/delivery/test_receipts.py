"""Receipts: shown once on confirming, found in the delivered pack, never stored in clear."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from helpers import body_text, confirm_link, outbox, sign_fields
from sqlalchemy import select
from test_packs import build, sign_and_confirm

from campaign.delivery.delivering import mark_delivered
from campaign.delivery.keys import generate_key
from campaign.delivery.receipts import RECEIPT_PATTERN, issue_receipt, new_receipt_code
from campaign.extensions import db
from campaign.models import (
    DeliveryPack,
    DeliveryPackReceipt,
    OutboxEmail,
    Petition,
    Signature,
    utcnow,
)
from campaign.petitions.signing import confirmation_token
from campaign.protection.keys import register_key, write_key_pair


@pytest.fixture
def app(make_app, tmp_path, smtp_server):
    key = tmp_path / "delivery.pem"
    generate_key(key)
    return make_app(
        DELIVERY_KEY_FILE=str(key), RECEIPT_RATE_LIMIT="1000 per minute", MAIL_URL=smtp_server.url
    )


def check(client, slug: str, code: str, lang: str = "en"):
    return client.post(f"/{lang}/petitions/{slug}/receipt", data={"code": code})


def deliver(app, petition_id: int) -> None:
    with app.app_context():
        pack = db.session.scalars(
            select(DeliveryPack).where(DeliveryPack.petition_id == petition_id)
        ).one()
        now = utcnow()
        mark_delivered(
            db.session, pack, on=now.date(), note="", now=now, actor_id=None, origin=None
        )
        db.session.commit()


def test_a_receipt_is_found_after_delivery_and_not_before(
    app, client, runner, make_petition, tmp_path
):
    petition = make_petition()
    code = sign_and_confirm(app, client, petition, email="ann@example.org", country="FR")
    assert RECEIPT_PATTERN.match(code)

    before = check(client, petition.slug, code)
    assert 'data-receipt-result="not-delivered"' in before.get_data(as_text=True)

    assert build(runner, petition.slug, tmp_path / "pack").exit_code == 0
    manifest = json.loads((tmp_path / "pack" / "manifest.json").read_text(encoding="utf-8"))
    assert hashlib.sha256(code.encode()).hexdigest() in manifest["receipts"]
    # Made, not yet delivered: still nothing to find it in.
    assert 'data-receipt-result="not-delivered"' in check(client, petition.slug, code).text
    deliver(app, petition.id)

    found = check(client, petition.slug, code)
    assert found.status_code == 200
    assert 'data-receipt-result="found"' in found.text
    assert found.headers["Cache-Control"] == "no-store, private"
    typed = check(client, petition.slug, code.lower().replace("-", " "))
    assert 'data-receipt-result="found"' in typed.text
    stranger = check(client, petition.slug, new_receipt_code())
    assert 'data-receipt-result="not-found"' in stranger.text
    with app.app_context():
        stored = db.session.scalars(select(Signature.receipt_hash)).one()
    assert stored == hashlib.sha256(code.encode()).hexdigest()


def test_the_check_answers_what_the_delivered_manifest_lists(
    app, client, runner, make_petition, make_signature, tmp_path
):
    petition = make_petition()
    kept = sign_and_confirm(app, client, petition, email="ann@example.org", country="FR")
    removed = sign_and_confirm(app, client, petition, email="ben@example.org", country="FR")
    # Confirmed before receipts were given: its receipt comes after the pack was made.
    late_id = make_signature(petition, country="FR")
    assert build(runner, petition.slug, tmp_path / "pack").exit_code == 0
    deliver(app, petition.id)
    with app.app_context():
        signature = db.session.get(Signature, late_id)
        late = issue_receipt(db.session, signature.public_id)
        db.session.execute(
            db.delete(Signature).where(
                Signature.receipt_hash == hashlib.sha256(removed.encode()).hexdigest()
            )
        )
        db.session.commit()
        stored = set(db.session.scalars(select(DeliveryPackReceipt.receipt_hash)))
    manifest = json.loads((tmp_path / "pack" / "manifest.json").read_text(encoding="utf-8"))

    assert stored == set(manifest["receipts"]) and len(stored) == 2
    assert 'data-receipt-result="found"' in check(client, petition.slug, kept).text
    # Erased after the delivery: still in the pack the target holds, so still found.
    assert 'data-receipt-result="found"' in check(client, petition.slug, removed).text
    # Not in the manifest, though its signature is older than the cut-off.
    assert late is not None
    assert 'data-receipt-result="not-found"' in check(client, petition.slug, late).text


def receipt_emails(app) -> list[OutboxEmail]:
    return outbox(app, OutboxEmail.kind == "signature_receipt")


def test_the_signer_is_emailed_the_receipt_shown_on_the_page(
    app, client, make_petition, smtp_server, run_worker
):
    petition = make_petition()
    code = sign_and_confirm(app, client, petition, email="ann@example.org", country="FR")

    [queued] = receipt_emails(app)
    assert queued.to_address == "ann@example.org" and queued.locale == "en"
    run_worker()
    [message] = [m for m in smtp_server.inbox.messages if "counts" in m["Subject"]]
    assert message["To"] == "ann@example.org"
    text = body_text(message)
    assert code in text
    assert f"http://localhost/en/petitions/{petition.slug}/receipt" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert code in html


def test_a_second_click_sends_no_second_receipt(app, client, make_petition):
    petition = make_petition()
    sign_and_confirm(app, client, petition, email="ben@example.org", country="FR")
    with app.app_context():
        signature = db.session.scalars(select(Signature)).one()
        token = confirmation_token(app.config["SECRET_KEY"], signature)

    again = client.post(f"/en/confirm/{token}")

    assert again.status_code == 200 and "data-receipt=" not in again.text
    assert len(receipt_emails(app)) == 1


def test_the_receipt_email_is_in_the_signers_language(app, client, make_petition):
    petition = make_petition(locales=("en", "fr"))
    client.post(
        f"/fr/petitions/{petition.slug}",
        data=sign_fields(email="chloe@example.org", country="FR", name="Chloé Martin"),
    )
    [pending] = outbox(app, OutboxEmail.to_address == "chloe@example.org")
    page = client.post(confirm_link(pending.text_body).removeprefix("http://localhost")).text
    code = page.split('data-receipt="', 1)[1].split('"', 1)[0]

    [email] = receipt_emails(app)

    assert email.locale == "fr"
    assert "Votre code de reçu" in email.text_body and code in email.text_body
    assert f"/fr/petitions/{petition.slug}/receipt" in email.text_body
    assert email.subject.startswith("Votre signature compte")


def test_a_protected_petitions_signer_gets_no_receipt_email(app, client, make_petition, tmp_path):
    petition = make_petition()
    files = write_key_pair(tmp_path / "protection")
    with app.app_context():
        key = register_key(db.session, "Trusted team", files.public.read_text())
        db.session.execute(
            db.update(Petition).where(Petition.id == petition.id).values(protection_key_id=key.id)
        )
        db.session.commit()

    code = sign_and_confirm(app, client, petition, email="dina@example.org", country="SY")

    assert RECEIPT_PATTERN.match(code)
    assert receipt_emails(app) == []
    with app.app_context():
        assert db.session.scalar(select(Signature.confirmed_at)) is not None


def test_the_receipt_is_shown_once_and_kept_on_the_page_after_opting_in(
    app, client, make_petition, make_signature
):
    petition = make_petition()
    code = sign_and_confirm(app, client, petition, email="ben@example.org", country="FR")
    with app.app_context():
        signature = db.session.scalars(select(Signature)).one()
        token = confirmation_token(app.config["SECRET_KEY"], signature)
    again = client.post(f"/en/confirm/{token}").get_data(as_text=True)
    assert "data-receipt=" not in again
    opted = client.post(f"/en/confirm/{token}/updates", data={"receipt": code}).text
    assert f'data-receipt="{code}"' in opted
    forged = client.post(f"/en/confirm/{token}/updates", data={"receipt": new_receipt_code()})
    assert "data-receipt=" not in forged.text


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar"])
def test_a_code_of_the_wrong_shape_is_refused_in_the_visitors_language(
    app, client, make_petition, lang
):
    petition = make_petition(locales=("en", "fr", "es", "ar"))
    english = check(client, petition.slug, "not a code").text

    response = check(client, petition.slug, "not a code", lang)

    assert response.status_code == 422
    message = "A receipt code has 32 letters and digits"
    assert (message in response.text) == (lang == "en")
    assert message in english


def test_many_wrong_codes_from_one_address_are_limited(make_app, make_petition, tmp_path):
    app = make_app(RECEIPT_RATE_LIMIT="3 per minute", DELIVERY_KEY_FILE=str(tmp_path / "none"))
    client = app.test_client()
    petition = make_petition()
    statuses = [check(client, petition.slug, new_receipt_code()).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_receipt_page_answers_a_get_with_its_form(app, client, make_petition):
    petition = make_petition()
    page = client.get(f"/en/petitions/{petition.slug}/receipt")
    assert page.status_code == 200
    assert "data-receipt-form" in page.text


def test_keys_document_is_empty_without_a_key(make_app, tmp_path):
    app = make_app(DELIVERY_KEY_FILE=str(Path(tmp_path) / "missing.pem"))
    assert app.test_client().get("/.well-known/campaign-keys.json").get_json() == {"keys": []}
