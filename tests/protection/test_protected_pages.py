"""Protected petitions on the staff form and the public pages: chosen at creation, fixed once
anyone has signed; the sign form says what it means in every language and offers no updates;
the privacy page explains it."""

from __future__ import annotations

import base64

import pytest
from helpers import sign_fields
from nacl.public import PrivateKey
from sqlalchemy import select

from campaign.campaigns.authoring import change_petition_status
from campaign.extensions import db
from campaign.models import Petition, ProtectionKey, Signature, utcnow
from campaign.protection.keys import register_key

PROTECTED_NOTICE = {
    "en": "This petition protects who signs it.",
    "fr": "Cette pétition protège celles et ceux qui la signent.",
    "es": "Esta petición protege a quienes la firman.",
    "ar": "هذه العريضة تحمي من يوقّع عليها.",
}

PRIVACY_HEADING = {
    "en": "Protected petitions",
    "fr": "Pétitions protégées",
    "es": "Peticiones protegidas",
    "ar": "العرائض المحمية",
}


@pytest.fixture
def protection_key(app) -> int:
    public = base64.b64encode(bytes(PrivateKey.generate().public_key)).decode()
    with app.app_context():
        key = register_key(db.session, "Trusted team", public)
        db.session.commit()
        return key.id


def _staff(app, make_user, log_in):
    client = app.test_client()
    log_in(client, make_user("admin"))
    return client


def _form(slug: str, **extra) -> dict:
    return {
        "slug": slug,
        "default_locale": "en",
        "goal": "100",
        "action": "save",
        "text_en-title": "At risk",
        "text_en-body": "Release them.",
        **extra,
    }


def test_staff_choose_protection_when_creating_and_cannot_change_it_once_signed(
    app, make_user, log_in, make_campaign, protection_key
):
    staff = _staff(app, make_user, log_in)
    campaign = make_campaign()
    form_page = staff.get(f"/staff/campaigns/{campaign.slug}/petitions/new")
    assert "Trusted team" in form_page.text
    created = staff.post(
        f"/staff/campaigns/{campaign.slug}/petitions/new",
        data=_form("at-risk", protected_by=str(protection_key), count_by_country="y"),
    )
    assert created.status_code == 303
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == "at-risk"))
        assert (petition.protection_key_id, petition.count_by_country) == (protection_key, True)
        petition.status = "open"
        db.session.commit()
    signed = app.test_client().post("/en/petitions/at-risk", data=sign_fields())
    assert signed.status_code == 200
    edit = staff.get("/staff/petitions/at-risk/edit")
    assert "This cannot change now that the petition has opened or people have signed." in edit.text
    assert 'name="protected_by"' not in edit.text
    # Whatever is posted, the protection stays as it was; the rest is saved.
    saved = staff.post(
        "/staff/petitions/at-risk/edit", data=_form("at-risk", protected_by="", goal="500")
    )
    assert saved.status_code == 303
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == "at-risk"))
        assert (petition.protection_key_id, petition.goal) == (protection_key, 500)


def test_an_open_petition_keeps_its_protection_even_before_anyone_signs(
    app, make_user, log_in, make_petition, protection_key
):
    staff = _staff(app, make_user, log_in)
    petition = make_petition(status="preview")
    with app.app_context():
        change_petition_status(db.session.get(Petition, petition.id), "open", now=utcnow())
        db.session.commit()
    edit = staff.get(f"/staff/petitions/{petition.slug}/edit")
    assert "This cannot change now that the petition has opened" in edit.text
    assert 'name="protected_by"' not in edit.text
    saved = staff.post(
        f"/staff/petitions/{petition.slug}/edit",
        data=_form(petition.slug, protected_by=str(protection_key)),
    )
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.get(Petition, petition.id).protection_key_id is None


def test_an_unknown_key_is_refused_with_a_message(app, make_user, log_in, make_campaign):
    staff = _staff(app, make_user, log_in)
    campaign = make_campaign()
    refused = staff.post(
        f"/staff/campaigns/{campaign.slug}/petitions/new", data=_form("x", protected_by="999")
    )
    assert refused.status_code == 422
    assert "Not a valid choice" in refused.text
    with app.app_context():
        assert db.session.scalar(select(ProtectionKey.id)) is None


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar"])
def test_the_sign_form_says_what_protection_means_and_offers_no_updates(
    app, client, make_petition, protection_key, lang
):
    plain, petition = (make_petition(locales=("en", "fr", "es", "ar")) for _ in range(2))
    with app.app_context():
        db.session.execute(
            db.update(Petition)
            .where(Petition.id == petition.id)
            .values(protection_key_id=protection_key)
        )
        db.session.commit()
    unprotected = client.get(f"/{lang}/petitions/{plain.slug}")
    assert 'name="newsletter"' in unprotected.text and "data-protected" not in unprotected.text
    page = client.get(f"/{lang}/petitions/{petition.slug}")
    assert PROTECTED_NOTICE[lang] in page.text
    assert 'name="newsletter"' not in page.text


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar"])
def test_the_privacy_page_explains_protected_petitions(client, lang):
    page = client.get(f"/{lang}/privacy")
    assert page.status_code == 200
    assert 'id="protected"' in page.text
    assert PRIVACY_HEADING[lang] in page.text


def test_staff_erase_a_protected_signer_from_the_address_they_give(
    app, make_user, log_in, make_petition, protection_key
):
    petition = make_petition()
    with app.app_context():
        db.session.execute(
            db.update(Petition)
            .where(Petition.id == petition.id)
            .values(protection_key_id=protection_key)
        )
        db.session.commit()
    signed = app.test_client().post(
        f"/en/petitions/{petition.slug}", data=sign_fields(email="Hidden.Person@Example.org")
    )
    assert signed.status_code == 200
    staff = _staff(app, make_user, log_in)
    shown = staff.post("/staff/erasure", data={"email": "hidden.person@example.org"})
    assert shown.status_code == 200 and petition.slug in shown.text
    done = staff.post(
        "/staff/erasure/confirm", data={"email": "HIDDEN.PERSON@example.org", "confirm": "y"}
    )
    assert done.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Signature.id)) is None
