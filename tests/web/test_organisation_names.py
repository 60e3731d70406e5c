"""The organisation's name in each language: pages, emails, and the consent stored with each
signature."""

from __future__ import annotations

from sqlalchemy import select

from campaign.config import Settings
from campaign.extensions import db
from campaign.models import OutboxEmail, Signature

OMCT = {
    "en": "World Organisation Against Torture",
    "fr": "Organisation Mondiale Contre la Torture",
    "es": "Organización Mundial Contra la Tortura",
    "ar": "المنظمة العالمية لمناهضة التعذيب",
}


def test_without_a_name_set_the_platform_is_omct_in_every_language():
    assert dict(Settings.from_environ({}).flask_config()["ORGANISATION_NAMES"]) == OMCT


def test_a_deployment_that_names_itself_is_that_name_unless_it_translates_it():
    alone = Settings.from_environ({"ORGANISATION_NAME": "Rights Watchers"}).flask_config()
    assert alone["ORGANISATION_NAME"] == "Rights Watchers" and alone["ORGANISATION_NAMES"] == {}
    translated = Settings.from_environ(
        {"ORGANISATION_NAME": "Rights Watchers", "ORGANISATION_NAME_FR": "Veilleurs des droits"}
    ).flask_config()
    assert translated["ORGANISATION_NAMES"] == {"fr": "Veilleurs des droits"}


def test_pages_name_the_organisation_in_their_language(client, make_petition):
    petition = make_petition(locales=("en", "fr", "es", "ar"))
    for lang, name in OMCT.items():
        html = client.get(f"/{lang}/petitions/{petition.slug}").get_data(as_text=True)
        assert f"· {name}</title>" in html
        others = [other for code, other in OMCT.items() if code != lang]
        assert not any(other in html for other in others)


def test_a_language_without_its_own_name_uses_the_default(make_app, make_petition):
    app = make_app(ORGANISATION_NAME="Rights Watchers", ORGANISATION_NAMES={"fr": "Veilleurs"})
    petition = make_petition(locales=("en",))
    client = app.test_client()
    assert "· Veilleurs</title>" in client.get(f"/fr/petitions/{petition.slug}").text
    assert "· Rights Watchers</title>" in client.get(f"/es/petitions/{petition.slug}").text


def test_the_consent_stored_with_a_signature_names_the_organisation_in_the_signers_language(
    app, client, make_petition
):
    petition = make_petition(locales=("en", "ar"))
    page = client.get(f"/ar/petitions/{petition.slug}").get_data(as_text=True)
    assert OMCT["ar"] in page.split('name="consent"', 1)[1].split("</label>", 1)[0]
    response = client.post(
        f"/ar/petitions/{petition.slug}",
        data={"name": "ليلى", "email": "layla@example.org", "country": "EG", "consent": "y"},
    )
    assert response.status_code == 200
    with app.app_context():
        consent = db.session.scalars(select(Signature.consent_text)).one()
    assert OMCT["ar"] in consent and OMCT["en"] not in consent


def test_an_invitation_names_the_organisation_in_the_invitees_language(
    app, client, make_user, log_in
):
    log_in(client, make_user("admin"))
    response = client.post(
        "/staff/users",
        data={"email": "colleague@example.org", "role": "campaigner", "locale": "fr"},
    )
    assert response.status_code == 303
    with app.app_context():
        email = db.session.scalars(select(OutboxEmail)).one()
    assert OMCT["fr"] in email.subject and OMCT["fr"] in email.text_body
