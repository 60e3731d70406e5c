"""Pausing signing: everywhere or on one petition, from the command line or the SIGNING_PAUSED
setting; a friendly page instead of the form, a translated 503 for a POST, nothing stored, and
signatures made before the pause can still be confirmed."""

from __future__ import annotations

import time

import pytest
from flask_babel import force_locale, gettext
from helpers import count, sign_fields, signature_count, signatures
from sqlalchemy import insert

from campaign.extensions import db
from campaign.models import OutboxEmail, Petition, Signature, SiteSetting, StatementEndorsement
from campaign.petitions.signing import SigningPaused, confirmation_token, sign_petition
from campaign.petitions.switches import (
    UnknownPetition,
    set_signing_paused,
    signing_paused,
    site_signing_paused,
)

NOTICE = "Signing is paused"


def pause(runner, *args: str) -> str:
    result = runner.invoke(args=["signing", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_switches_in_the_domain(app, make_petition):
    first, second = make_petition(), make_petition()
    with app.app_context():
        one, two = db.session.get(Petition, first.id), db.session.get(Petition, second.id)

        def paused(petition: Petition, *, forced: bool = False) -> bool:
            site_paused = site_signing_paused(db.session)
            return signing_paused(petition, site_paused=site_paused, forced=forced)

        assert not paused(one)
        set_signing_paused(db.session, True, petition_slug=first.slug)
        assert paused(one) and not paused(two)
        set_signing_paused(db.session, True)
        assert paused(two)
        set_signing_paused(db.session, False)
        set_signing_paused(db.session, False, petition_slug=first.slug)
        assert not paused(one)
        assert paused(one, forced=True)
        with pytest.raises(UnknownPetition):
            set_signing_paused(db.session, True, petition_slug="nope")
        db.session.rollback()


def test_sign_petition_refuses_while_paused(app, session, make_petition):
    from helpers import signature_data

    from campaign.models import utcnow

    petition = session.get(Petition, make_petition().id)
    with pytest.raises(SigningPaused):
        sign_petition(
            session,
            petition,
            signature_data(),
            locale="en",
            now=utcnow(),
            secret_key=app.config["SECRET_KEY"],
            paused=True,
        )
    assert session.query(Signature).count() == 0


def test_pausing_one_petition_shows_the_notice_and_refuses_posts(
    app, client, runner, make_petition
):
    paused, other = make_petition(), make_petition()
    assert "signing paused on" in pause(runner, "pause", "--petition", paused.slug)

    page = client.get(f"/en/petitions/{paused.slug}")
    posted = client.post(f"/en/petitions/{paused.slug}", data=sign_fields())
    widget = client.get(f"/embed/petitions/{paused.slug}")

    assert page.status_code == 200
    assert NOTICE in page.get_data(as_text=True)
    assert 'class="sign-form"' not in page.get_data(as_text=True)
    assert NOTICE in widget.get_data(as_text=True)
    assert posted.status_code == 503
    assert int(posted.headers["Retry-After"]) > 0
    assert NOTICE in posted.get_data(as_text=True)
    assert count(app, Signature) == 0 and count(app, OutboxEmail) == 0
    # The other petition goes on.
    assert 'class="sign-form"' in client.get(f"/en/petitions/{other.slug}").get_data(as_text=True)
    assert client.post(f"/en/petitions/{other.slug}", data=sign_fields()).status_code == 200

    pause(runner, "resume", "--petition", paused.slug)
    assert client.post(f"/en/petitions/{paused.slug}", data=sign_fields()).status_code == 200


def test_the_site_wide_pause_holds_every_petition_and_endorsement(
    app, client, runner, make_petition, make_statement
):
    petition = make_petition()
    joint = make_statement(kind="joint_statement", open_for_endorsement=True, petitions=[petition])
    pause(runner, "pause")
    assert "everywhere: paused" in pause(runner, "status")

    statement_page = client.get(f"/en/statements/{joint.slug}").get_data(as_text=True)
    endorsed = client.post(
        f"/en/statements/{joint.slug}/endorse",
        data={
            "endorse-organisation": "Org",
            "endorse-country": "MX",
            "endorse-email": "o@example.org",
            "endorse-consent": "y",
        },
    )

    assert client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 503
    assert 'class="sign-form"' not in statement_page
    assert 'class="endorse-form"' not in statement_page
    assert statement_page.count(NOTICE) == 2
    assert endorsed.status_code == 503
    assert count(app, StatementEndorsement) == 0 and count(app, OutboxEmail) == 0

    pause(runner, "resume")
    assert "everywhere: open" in pause(runner, "status")
    assert client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 200


def test_a_pause_from_another_server_holds_here_within_the_cache_time(app, client, make_petition):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"
    assert client.post(url, data=sign_fields(email="ann@example.org")).status_code == 200
    # Another app server (or `campaign signing pause` elsewhere) writes the switch.
    with app.app_context(), db.engine.begin() as other:
        other.execute(insert(SiteSetting).values(key="signing_paused", value="1"))
    cache = app.extensions["pagecache.countless"]
    cache.clock = lambda: time.monotonic() + app.config["PAGE_CACHE_SECONDS"] + 0.1

    assert client.post(url, data=sign_fields(email="ben@example.org")).status_code == 503
    assert count(app, Signature) == 1


def test_the_setting_pauses_without_the_database(make_app, make_petition):
    app = make_app(SIGNING_PAUSED=True)
    petition = make_petition()
    client = app.test_client()
    assert client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 503
    assert (
        "paused (SIGNING_PAUSED)" in app.test_cli_runner().invoke(args=["signing", "status"]).output
    )


def test_the_pause_page_is_translated(app, client, runner, make_petition):
    petition = make_petition(locales=("en", "fr"))
    pause(runner, "pause")
    response = client.post(f"/fr/petitions/{petition.slug}", data=sign_fields())
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert '<html lang="fr"' in page
    with app.test_request_context(), force_locale("fr"):
        assert gettext(NOTICE) in page


def test_signatures_made_before_the_pause_still_count(app, client, runner, make_petition):
    petition = make_petition()
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    token = confirmation_token(app.config["SECRET_KEY"], signatures(app)[0])
    pause(runner, "pause")

    confirmed = client.post(f"/en/confirm/{token}")

    assert confirmed.status_code == 200
    assert signature_count(app, petition.id) == 1


def test_a_honeypot_answer_is_not_given_while_paused(app, client, runner, make_petition):
    """While paused everyone gets the pause page: a bot learns nothing either way."""
    petition = make_petition()
    pause(runner, "pause", "--petition", petition.slug)
    response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(homepage="x"))
    assert response.status_code == 503


def test_unknown_petition_is_an_error(runner):
    result = runner.invoke(args=["signing", "pause", "--petition", "nope"])
    assert result.exit_code != 0
    assert "no petition 'nope'" in result.output
