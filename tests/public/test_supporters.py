"""Around signing, as a supporter meets it: closing dates, campaign totals, a paused campaign,
sending the email again, the confirmation email's first line and sender, the confirmed page's
next steps, a campaign's donation page, and the country field left to the browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from flask import template_rendered
from helpers import count, outbox, sign_fields, signatures
from sqlalchemy import update

from campaign.campaigns.authoring import is_donation_url
from campaign.config import ConfigError, Settings, sender_named
from campaign.extensions import db
from campaign.models import Campaign, OutboxEmail, Petition, Signature
from campaign.petitions.closing import closing
from campaign.petitions.signing import confirmation_token
from campaign.web.i18n import organisation_name

RESEND = re.compile(r'name="resend" value="([^"]+)"')


def _token(response) -> str:
    return RESEND.search(response.get_data(as_text=True))[1]


# --- 14: closing dates -------------------------------------------------------------------------


def test_closing_is_a_date_on_the_organisations_clock(app, session, make_petition):
    petition = session.get(Petition, make_petition().id)
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    petition.closes_at = datetime(2026, 3, 4, 11, 30, tzinfo=UTC)  # 00:30 on the 5th in Auckland

    here = closing(petition, now, "UTC")
    auckland = closing(petition, now, "Pacific/Auckland")
    assert (here.closed, here.days_left, here.at.date().isoformat()) == (False, 3, "2026-03-04")
    assert (auckland.days_left, auckland.at.date().isoformat()) == (3, "2026-03-05")

    petition.closes_at = now + timedelta(days=30)
    assert closing(petition, now, "UTC").days_left is None  # far off: a date, no countdown
    petition.closes_at = None
    assert closing(petition, now, "UTC") is None
    petition.status, petition.closed_at = "closed", now - timedelta(days=2)
    ended = closing(petition, now, "UTC")
    assert ended.closed and ended.at == now - timedelta(days=2)


@pytest.mark.parametrize(
    ("lang", "countdown", "date"),
    [
        ("en", "Closes in 3 days", "Closes on"),
        ("fr", "Se termine dans 3 jours", "Se termine le"),
        ("es", "Se cierra en 3 días", "Se cierra el"),
        ("ar", "تُغلق خلال 3 أيام", "تُغلق في"),
    ],
)
def test_the_petition_page_shows_its_closing_date(client, make_petition, lang, countdown, date):
    # Noon three days from today (the organisation's zone is UTC here): three calendar days
    # at any time of day, where "now + 3 days and an hour" is four after 23:00.
    now = datetime.now(UTC)
    noon = datetime.combine(now.date() + timedelta(days=3), time(12), UTC)
    petition = make_petition(closes_in=noon - now, locales=("en",))
    html = client.get(f"/{lang}/petitions/{petition.slug}").get_data(as_text=True)
    assert "data-closing" in html and countdown in html and date in html


def test_a_closed_petition_says_when_it_closed(app, client, make_petition):
    petition = make_petition(status="closed")
    with app.app_context():
        db.session.execute(
            update(Petition)
            .where(Petition.id == petition.id)
            .values(closed_at=datetime(2026, 2, 10, 23, 30, tzinfo=UTC))
        )
        db.session.commit()
    html = client.get(f"/en/petitions/{petition.slug}").get_data(as_text=True)
    assert "Closed on February 10, 2026" in html


def test_the_organisation_time_zone_is_checked():
    assert Settings.from_environ({"ORGANISATION_TIMEZONE": "Europe/Zurich"}).flask_config()[
        "BABEL_DEFAULT_TIMEZONE"
    ] == ("Europe/Zurich")
    with pytest.raises(ConfigError, match="ORGANISATION_TIMEZONE"):
        Settings.from_environ({"ORGANISATION_TIMEZONE": "Mars/Olympus"}).check()


# --- 15 and 23: campaign teasers --------------------------------------------------------------


def test_a_campaign_teaser_counts_every_public_petition(client, make_campaign, make_petition):
    campaign = make_campaign()
    make_petition(campaign=campaign, signature_count=1200)
    make_petition(campaign=campaign, status="closed", signature_count=34)
    make_petition(campaign=campaign, status="draft", signature_count=5000)
    html = client.get("/en/").get_data(as_text=True)
    assert 'data-campaign-count="1234"' in html
    assert "<strong>1,234</strong> signatures" in html


def test_paused_signing_shows_on_campaign_pages_and_teasers(
    app, client, runner, make_campaign, make_petition
):
    campaign = make_campaign()
    petition = make_petition(campaign=campaign)
    assert "Sign the petition" in client.get(f"/en/campaigns/{campaign.slug}").text
    result = runner.invoke(args=["signing", "pause", "--petition", petition.slug])
    assert result.exit_code == 0, result.output

    page = client.get(f"/en/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "Sign the petition" not in page and page.count("Signing is paused") == 2
    home = client.get("/fr/").get_data(as_text=True)
    assert "data-paused" in home and "Les signatures sont suspendues" in home


# --- 16: the menu and the landing --------------------------------------------------------------


def test_the_header_has_a_menu_for_phones_and_sign_links_land_on_the_ask(
    client, make_campaign, make_petition
):
    campaign = make_campaign()
    petition = make_petition(campaign=campaign)
    page = client.get(f"/ar/campaigns/{campaign.slug}").get_data(as_text=True)
    assert '<details class="site-menu">' in page and "القائمة" in page
    assert f'/ar/petitions/{petition.slug}#petition"' in page
    assert 'id="petition"' in client.get(f"/ar/petitions/{petition.slug}").text


# --- 17: check your email ----------------------------------------------------------------------


def test_the_answer_to_a_signing_carries_its_resend_token_in_the_page_only(client, make_petition):
    petition = make_petition()
    response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert 'method="post" action="/en/petitions/' in html and _token(response)
    assert "ann@example.org" not in html
    assert "Wrong address? Sign again" in html
    assert "Share en" not in html  # the petition's "I signed" share text waits for confirmation


def test_each_signer_gets_their_own_token_on_a_page_rendered_once(app, client, make_petition):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"
    rendered = []
    with template_rendered.connected_to(lambda _app, template, context: rendered.append(template)):
        first = client.post(url, data=sign_fields())
        second = client.post(url, data=sign_fields(name="Bo Other", email="bo@example.org"))
    assert [t.name for t in rendered].count("public/check_email.html") == 1
    assert _token(first) != _token(second)
    assert first.text.replace(_token(first), "") == second.text.replace(_token(second), "")

    client.post(f"{url}/resend", data={"resend": _token(second)})
    assert outbox(app)[-1].to_address == "bo@example.org"


def test_sending_again_resends_and_answers_alike(app, client, make_petition):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"
    token = _token(client.post(url, data=sign_fields()))

    again = client.post(f"{url}/resend", data={"resend": token})
    assert again.status_code == 200 and "We are sending the email again" in again.text
    assert [e.kind for e in outbox(app)] == ["confirm_signature", "confirm_signature"]
    assert count(app, Signature) == 1

    with app.app_context():  # erased meanwhile: the same answer, a fresh pending row
        db.session.execute(db.delete(Signature))
        db.session.commit()
    erased = client.post(f"{url}/resend", data={"resend": token})
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", erased.text) == strip.sub("", again.text)


def test_sending_again_is_capped_and_rate_limited(app, client, make_petition):
    app.config["RESEND_RATE_LIMIT"] = "3 per minute"
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"
    token = _token(client.post(url, data=sign_fields()))
    statuses = [client.post(f"{url}/resend", data={"resend": token}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert count(app, OutboxEmail) == 4


@pytest.mark.parametrize("token", ["", "forged", "x" * 300])
def test_a_bad_resend_token_is_a_clear_400(app, client, make_petition, token):
    petition = make_petition()
    response = client.post(f"/en/petitions/{petition.slug}/resend", data={"resend": token})
    assert response.status_code == 400 and "Check your email" in response.text
    assert count(app, OutboxEmail) == 0


def test_a_resend_token_works_on_its_own_petition_only(app, client, make_petition):
    first, second = make_petition(), make_petition()
    token = _token(client.post(f"/en/petitions/{first.slug}", data=sign_fields()))
    response = client.post(f"/en/petitions/{second.slug}/resend", data={"resend": token})
    assert response.status_code == 400
    assert count(app, OutboxEmail) == 1


# --- 18: the confirmation email ----------------------------------------------------------------


def test_the_confirmation_email_names_the_organisation_and_the_petition_first(
    app, client, make_petition
):
    petition = make_petition(locales=("en", "fr"))
    client.post(f"/fr/petitions/{petition.slug}", data=sign_fields())
    [email] = outbox(app)
    with app.app_context():
        organisation = organisation_name("fr")  # as French names it
    first_line = email.text_body.strip().splitlines()[0]
    assert organisation in first_line
    assert f"Petition {petition.slug.split('-')[1]} [fr]" in first_line
    assert "confirmer votre signature" in first_line
    assert organisation in re.sub(r"<[^>]+>", "", email.html_body).split("Bonjour")[0]


def test_the_sender_defaults_to_the_organisations_name():
    assert sender_named("campaigns@ngo.example", "OMCT") == "OMCT <campaigns@ngo.example>"
    assert sender_named("Team <t@ngo.example>", "OMCT") == "Team <t@ngo.example>"
    config = Settings.from_environ({"ORGANISATION_NAME": "OMCT"}).flask_config()
    assert config["MAIL_FROM"] == "OMCT <campaigns@localhost>"


# --- 19: next steps ----------------------------------------------------------------------------


def _confirm_over_http(app, client, petition, *, newsletter: bool):
    fields = sign_fields(**({"newsletter": "y"} if newsletter else {}))
    client.post(f"/en/petitions/{petition.slug}", data=fields)
    [signature] = signatures(app)
    token = confirmation_token(app.config["SECRET_KEY"], signature)
    headers = {"Sec-Fetch-Site": "same-origin"}
    return token, client.post(f"/en/confirm/{token}", headers=headers)


def test_the_confirmed_page_offers_next_steps(app, client, make_campaign, make_petition):
    campaign = make_campaign()
    petition = make_petition(campaign=campaign)
    other = make_petition(campaign=campaign)
    with app.app_context():
        db.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign.id)
            .values(donation_url="https://give.example.org/")
        )
        db.session.commit()
    token, page = _confirm_over_http(app, client, petition, newsletter=False)
    html = page.get_data(as_text=True)
    assert "What you can do next" in html
    assert f'href="/en/petitions/{other.slug}#petition"' in html
    assert 'href="https://give.example.org/"' in html
    assert f'action="/en/confirm/{token}/updates"' in html

    opted = client.post(f"/en/confirm/{token}/updates", headers={"Sec-Fetch-Site": "same-origin"})
    assert opted.status_code == 200 and "data-updates-opted-in" in opted.text
    assert "no-store" in opted.headers["Cache-Control"]
    assert signatures(app)[0].newsletter is True


def test_no_updates_offer_to_who_ticked_it_and_no_opt_in_without_a_genuine_token(
    app, client, make_petition
):
    petition = make_petition()
    token, page = _confirm_over_http(app, client, petition, newsletter=True)
    assert "data-updates-opt-in" not in page.text and "data-donate" not in page.text
    forged = client.post("/en/confirm/forged/updates", headers={"Sec-Fetch-Site": "same-origin"})
    assert forged.status_code == 400
    cross_site = client.post(
        f"/en/confirm/{token}/updates", headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross_site.status_code == 403


def test_a_pending_signature_cannot_opt_in(app, client, make_petition):
    petition = make_petition()
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    [signature] = signatures(app)
    token = confirmation_token(app.config["SECRET_KEY"], signature)
    response = client.post(
        f"/en/confirm/{token}/updates", headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 400
    assert signatures(app)[0].newsletter is False


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://give.example.org/omct?c=1", True),
        ("http://give.example.org/", False),
        ("javascript:alert(1)", False),
        ("https://user@evil.example/", False),
        ("https:///nohost", False),
        ("https://give.example.org/\nx", False),
    ],
)
def test_donation_pages_are_https_only(url, accepted):
    assert is_donation_url(url) is accepted


def test_staff_set_a_campaigns_donation_page(app, client, make_user, log_in, make_campaign):
    campaign = make_campaign()
    log_in(client, make_user("admin"))
    form = {
        "slug": campaign.slug,
        "default_locale": "en",
        "hashtag": "",
        "action": "save",
        "text_en-title": "Title",
        "text_en-summary": "",
        "text_en-body": "",
    }
    refused = client.post(
        f"/staff/campaigns/{campaign.slug}", data={**form, "donation_url": "http://a.example/"}
    )
    assert refused.status_code == 422 and "starting with https://" in refused.text
    saved = client.post(
        f"/staff/campaigns/{campaign.slug}", data={**form, "donation_url": "https://a.example/"}
    )
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.get(Campaign, campaign.id).donation_url == "https://a.example/"


def test_the_database_refuses_a_donation_page_that_is_not_https(session, make_campaign):
    from sqlalchemy.exc import IntegrityError

    campaign = session.get(Campaign, make_campaign().id)
    campaign.donation_url = "http://a.example/"
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


# --- 21: the country field ---------------------------------------------------------------------


def test_the_country_is_left_to_the_browser_and_the_page_stays_shared(client, make_petition):
    petition = make_petition()
    response = client.get(
        f"/en/petitions/{petition.slug}", headers={"Accept-Language": "fr-FR,fr;q=0.9"}
    )
    html = response.get_data(as_text=True)
    assert "data-country" in html and "/static/js/country.js" in html
    assert "selected" not in re.search(r'<select[^>]*id="country".*?</select>', html, re.S)[0]
    assert "public" in response.headers["Cache-Control"]
    assert "Accept-Language" not in response.headers.get("Vary", "")


def test_the_country_list_is_in_each_pages_language_and_keeps_a_choice_shown_again(
    client, make_petition
):
    petition = make_petition()
    select = re.compile(r'<select[^>]*id="country".*?</select>', re.S)
    english = select.search(client.get(f"/en/petitions/{petition.slug}").text)[0]
    french = select.search(client.get(f"/fr/petitions/{petition.slug}").text)[0]
    assert ">Germany<" in english and ">Choose your country<" in english
    assert ">Allemagne<" in french and ">Choisissez votre pays<" in french

    refused = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(name="", country="DE"))
    assert refused.status_code == 422
    assert re.search(r'<option selected value="DE">', select.search(refused.text)[0])
    again = select.search(client.get(f"/en/petitions/{petition.slug}").text)[0]
    assert again == english and "selected" not in again
