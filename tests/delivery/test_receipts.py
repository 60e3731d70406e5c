"""Receipts: shown once on confirming, found in the delivered pack, never stored in clear."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from test_packs import build, sign_and_confirm

from campaign.delivery.delivering import mark_delivered
from campaign.delivery.keys import generate_key
from campaign.delivery.receipts import RECEIPT_PATTERN, new_receipt_code
from campaign.extensions import db
from campaign.models import DeliveryPack, Signature, utcnow
from campaign.petitions.signing import confirmation_token


@pytest.fixture
def app(make_app, tmp_path):
    key = tmp_path / "delivery.pem"
    generate_key(key)
    return make_app(DELIVERY_KEY_FILE=str(key), RECEIPT_RATE_LIMIT="1000 per minute")


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
