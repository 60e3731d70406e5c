"""Reminders to signers who have not confirmed, over real HTTP and a real SMTP server: one per
signature, in the signer's language, with a working confirmation link and a "This wasn't me"
link; none after the petition closed, to a suppressed address, or when turned off."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from conftest import body_text
from helpers import confirm_link_in, count, outbox, sign_fields, signature_count, signatures
from processes import process_env, wait_for, worker
from sqlalchemy import update

from campaign.config import ConfigError, Settings, parse_duration
from campaign.extensions import db
from campaign.mail.suppressions import suppress
from campaign.models import OutboxEmail, Petition, Signature, Suppression, utcnow

TIMEOUT = 10
NOT_ME_LINK = re.compile(r"https?://\S+/not-me/[A-Za-z0-9_.\-]+")


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url)


def sign_over_http(base: str, slug: str, email: str, lang: str = "en") -> None:
    signed = requests.post(
        f"{base}/{lang}/petitions/{slug}", data=sign_fields(email=email), timeout=TIMEOUT
    )
    assert signed.history == [] and 'name="resend"' in signed.text


def send_reminders(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "send", *args])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def reminders_to(smtp_server, address: str) -> list:
    return [
        m for m in smtp_server.inbox.to(address) if m["Subject"].startswith(("Reminder", "Rappel"))
    ]


def not_me_link_in(message) -> str:
    [link] = NOT_ME_LINK.findall(body_text(message))
    return link


def test_a_pending_signer_gets_one_reminder_whose_link_confirms(
    app, live_server, smtp_server, run_worker, make_petition
):
    petition = make_petition()
    sign_over_http(live_server.url, petition.slug, "ann@example.org")
    run_worker()  # the confirmation email
    assert len(smtp_server.inbox.to("ann@example.org")) == 1

    assert send_reminders(app, "--older-than", "0s") == "1 reminder queued"
    run_worker()

    [reminder] = reminders_to(smtp_server, "ann@example.org")
    assert petition.text_for("en").title in reminder["Subject"]
    assert "/not-me/" in body_text(reminder)
    assert "/not-me/" in reminder.get_body(preferencelist=("html",)).get_content()
    link = confirm_link_in(reminder)
    assert requests.get(link, timeout=TIMEOUT).status_code == 200
    confirmed = requests.post(link, timeout=TIMEOUT)
    assert confirmed.status_code == 200
    assert signature_count(app, petition.id) == 1

    assert send_reminders(app, "--older-than", "0s") == "0 reminders queued"
    run_worker()
    assert len(reminders_to(smtp_server, "ann@example.org")) == 1


def test_an_unconfirmed_signer_is_reminded_once_only(
    app, live_server, smtp_server, run_worker, make_petition
):
    petition = make_petition()
    sign_over_http(live_server.url, petition.slug, "ann@example.org")
    assert send_reminders(app, "--older-than", "0s") == "1 reminder queued"
    assert send_reminders(app, "--older-than", "0s") == "0 reminders queued"
    run_worker()
    assert len(reminders_to(smtp_server, "ann@example.org")) == 1


def test_the_reminder_speaks_the_signer_language(
    app, live_server, smtp_server, run_worker, make_petition
):
    petition = make_petition(locales=("en", "fr"))
    sign_over_http(live_server.url, petition.slug, "anne@example.org", lang="fr")
    send_reminders(app, "--older-than", "0s")
    run_worker()
    [reminder] = reminders_to(smtp_server, "anne@example.org")
    assert reminder["Subject"].startswith("Rappel")
    assert "/fr/confirm/" in body_text(reminder)
    assert "/fr/not-me/" in body_text(reminder)


def test_signatures_younger_than_the_delay_are_left_alone(app, live_server, make_petition):
    petition = make_petition()
    sign_over_http(live_server.url, petition.slug, "ann@example.org")
    assert send_reminders(app, "--older-than", "30m") == "0 reminders queued"
    assert send_reminders(app) == "0 reminders queued"  # REMINDER_AFTER: 24 hours


def test_the_worker_reminds_on_its_own_after_reminder_after(
    app, smtp_server, make_petition, make_signature, migrated_database
):
    petition = make_petition()
    make_signature(
        petition,
        email="old@example.org",
        confirmed=False,
        created_at=utcnow() - timedelta(hours=25),
    )
    make_signature(petition, email="new@example.org", confirmed=False)
    env = process_env(migrated_database, MAIL_URL=smtp_server.url)
    with worker(env, "--interval", "0.1"):
        wait_for(lambda: reminders_to(smtp_server, "old@example.org"), message="no reminder")
    assert reminders_to(smtp_server, "new@example.org") == []
    assert count(app, OutboxEmail, OutboxEmail.kind == "reminder") == 1


def test_reminders_can_be_turned_off(make_app, smtp_server, make_petition, make_signature):
    off = make_app(MAIL_URL=smtp_server.url, REMINDER_AFTER=0)
    petition = make_petition()
    make_signature(petition, confirmed=False, created_at=utcnow() - timedelta(days=3))
    result = off.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "0 reminders queued" in send_reminders(off)
    assert count(off, OutboxEmail) == 0


def test_no_reminder_after_the_petition_closed(app, make_petition, make_signature):
    closed = make_petition(status="closed")
    past = make_petition(closes_in=timedelta(seconds=-1))
    for petition in (closed, past):
        make_signature(petition, confirmed=False, created_at=utcnow() - timedelta(days=2))
    assert send_reminders(app, "--older-than", "0s") == "0 reminders queued"


def test_no_reminder_to_a_suppressed_address(
    app, session, make_campaign, make_petition, make_signature
):
    campaign = make_campaign()
    petition = make_petition(campaign=campaign)
    for name in ("everything", "campaign", "petition", "free"):
        make_signature(petition, email=f"{name}@example.org", confirmed=False)
    suppress(session, "everything@example.org", scope="all", reason="bounced")
    suppress(
        session,
        "campaign@example.org",
        scope="campaign",
        scope_id=campaign.id,
        reason="unsubscribed",
    )
    suppress(
        session, "petition@example.org", scope="petition", scope_id=petition.id, reason="not_me"
    )
    session.commit()
    assert send_reminders(app, "--older-than", "0s") == "1 reminder queued"
    assert [e.to_address for e in outbox(app, OutboxEmail.kind == "reminder")] == [
        "free@example.org"
    ]


def test_no_reminder_past_the_signature_email_cap(app, make_petition, make_signature):
    petition = make_petition()
    signature_id = make_signature(petition, confirmed=False)
    with app.app_context():
        db.session.execute(
            update(Signature)
            .where(Signature.id == signature_id)
            .values(emails_sent=app.config["MAX_EMAILS_PER_SIGNATURE"])
        )
        db.session.commit()
    assert send_reminders(app, "--older-than", "0s") == "0 reminders queued"


def test_a_bad_duration_is_refused(app):
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--older-than", "soon"])
    assert result.exit_code == 2
    assert "soon" in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0s", timedelta(0)),
        ("0", timedelta(0)),
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("2d", timedelta(days=2)),
        ("90", timedelta(seconds=90)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


def test_reminder_after_is_read_from_the_environment():
    assert Settings.from_environ({}).flask_config()["REMINDER_AFTER"] == 24 * 3600
    assert Settings.from_environ({"REMINDER_AFTER": "30m"}).flask_config()["REMINDER_AFTER"] == 1800
    assert Settings.from_environ({"REMINDER_AFTER": "0"}).flask_config()["REMINDER_AFTER"] == 0
    with pytest.raises(ConfigError, match="REMINDER_AFTER"):
        Settings.from_environ({"REMINDER_AFTER": "a day"})


# --- "This wasn't me" ----------------------------------------------------------------------


@pytest.fixture
def reminded(app, live_server, smtp_server, run_worker, make_petition):
    """A pending signer reminded, with a second confirmation email still waiting: the
    petition, and the "This wasn't me" link."""
    petition = make_petition()
    sign_over_http(live_server.url, petition.slug, "ann@example.org")
    run_worker()
    send_reminders(app, "--older-than", "0s")
    run_worker()
    [reminder] = reminders_to(smtp_server, "ann@example.org")
    sign_over_http(live_server.url, petition.slug, "ann@example.org")  # a fresh link, waiting
    assert count(app, OutboxEmail, OutboxEmail.status == "pending") == 1
    return petition, not_me_link_in(reminder)


def test_this_was_not_me_removes_the_pending_signature_and_its_emails(app, reminded):
    petition, link = reminded
    page = requests.get(link, timeout=TIMEOUT)
    assert page.status_code == 200
    assert "Remove the signature" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.headers["Cache-Control"]
    assert len(signatures(app)) == 1, "a GET changes nothing"

    done = requests.post(link, timeout=TIMEOUT)
    assert done.status_code == 200
    assert "The signature is removed" in done.text
    assert signatures(app) == []
    assert count(app, OutboxEmail, OutboxEmail.status == "pending") == 0
    with app.app_context():
        [row] = db.session.scalars(db.select(Suppression)).all()
        assert (row.email_key, row.scope, row.scope_id, row.reason) == (
            "ann@example.org",
            "petition",
            petition.id,
            "not_me",
        )

    again = requests.post(link, timeout=TIMEOUT)
    assert again.status_code == 410
    assert "nothing left to remove" in again.text


def test_this_was_not_me_on_a_confirmed_signature_keeps_it(app, reminded):
    petition, link = reminded
    with app.app_context():
        db.session.execute(update(Signature).values(confirmed_at=utcnow()))
        db.session.commit()
    for answer in (requests.get(link, timeout=TIMEOUT), requests.post(link, timeout=TIMEOUT)):
        assert answer.status_code == 200
        assert "This signature was confirmed" in answer.text
        assert app.config["PRIVACY_CONTACT"] in answer.text
    assert len(signatures(app)) == 1
    assert count(app, Suppression) == 0


def test_this_was_not_me_from_another_site_is_refused(app, reminded):
    _, link = reminded
    answer = requests.post(link, headers={"Origin": "https://evil.example"}, timeout=TIMEOUT)
    assert answer.status_code == 403
    assert len(signatures(app)) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_tampered_not_me_link_answers_a_clear_page(app, reminded, method):
    _, link = reminded
    answer = requests.request(method, link[:-3] + "AAA", timeout=TIMEOUT)
    assert answer.status_code == 400
    assert "This link does not work" in answer.text
    assert len(signatures(app)) == 1


def test_an_expired_not_me_link_answers_a_clear_page(make_app, reminded, live_server):
    _, link = reminded
    strict = make_app(SIGNATURE_TOKEN_MAX_AGE=-1)
    answer = strict.test_client().get(link.removeprefix(live_server.url))
    assert answer.status_code == 410
    assert "This link has expired" in answer.get_data(as_text=True)


def test_the_not_me_page_in_arabic_reads_right_to_left(app, reminded):
    _, link = reminded
    page = requests.get(link.replace("/en/not-me/", "/ar/not-me/"), timeout=TIMEOUT)
    assert page.status_code == 200
    assert "لم أكن أنا" in page.text
    assert 'dir="rtl"' in page.text


def test_a_closed_petition_is_not_reminded_even_if_open_when_signed(
    app, session, make_petition, make_signature
):
    petition = make_petition()
    make_signature(petition, confirmed=False)
    session.execute(update(Petition).where(Petition.id == petition.id).values(status="closed"))
    session.commit()
    assert send_reminders(app, "--older-than", "0s") == "0 reminders queued"
