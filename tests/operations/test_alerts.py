"""Alert emails to ALERT_EMAIL: one when mail is late or failing, one when it recovers, no more
than one "trouble" email an hour, over SMTP at once or through the outbox when SMTP is down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import body_text
from helpers import outbox, sign_fields
from sqlalchemy import update

from campaign.extensions import db
from campaign.models import OutboxEmail, utcnow
from campaign.operations.alerts import alert_for_worker

OPS = "ops@example.org"


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url, ALERT_EMAIL=OPS, MAIL_LATE_AFTER=60)


@pytest.fixture
def late_mail(app, client, make_petition):
    """A confirmation email that has waited two minutes."""
    petition = make_petition()
    assert client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 200
    _outbox_values(app, created_at=utcnow() - timedelta(minutes=2))


def _outbox_values(app, **values) -> None:
    with app.app_context():
        db.session.execute(update(OutboxEmail).values(**values))
        db.session.commit()


def _alerts(smtp_server) -> list[str]:
    return [m["Subject"] for m in smtp_server.inbox.to(OPS)]


def test_one_alert_when_mail_is_late_and_one_when_it_recovers(app, session, smtp_server, late_mail):
    now = utcnow()
    assert alert_for_worker(session, now) == 0  # sent at once, nothing queued
    assert alert_for_worker(session, now + timedelta(seconds=1)) == 0
    assert _alerts(smtp_server) == ["Emails are not leaving"]
    [alert] = smtp_server.inbox.to(OPS)
    text = body_text(alert)
    assert "the oldest has waited 2 minutes" in text
    assert "Emails waiting: 1" in text
    assert "ann@example.org" not in alert.as_string()

    _outbox_values(app, status="sent")
    alert_for_worker(session, now + timedelta(seconds=2))
    alert_for_worker(session, now + timedelta(seconds=3))
    assert _alerts(smtp_server) == ["Emails are not leaving", "Emails are leaving again"]

    # Late again within the hour: no third email; after it, one more.
    _outbox_values(app, status="pending")
    alert_for_worker(session, now + timedelta(minutes=30))
    assert len(_alerts(smtp_server)) == 2
    alert_for_worker(session, now + timedelta(hours=1, seconds=1))
    assert _alerts(smtp_server)[2:] == ["Emails are not leaving"]


def test_deliveries_that_keep_failing_raise_an_alert(
    app, session, smtp_server, client, make_petition
):
    petition = make_petition()
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    _outbox_values(
        app, attempts=3, last_error="cannot reach the SMTP server: ConnectionRefusedError"
    )
    alert_for_worker(session, utcnow())
    [alert] = smtp_server.inbox.to(OPS)
    assert "Deliveries keep failing: 1 emails have failed several attempts." in body_text(alert)


def test_with_smtp_down_the_alert_waits_in_the_outbox(app, session, smtp_server, late_mail):
    smtp_server.stop()
    assert alert_for_worker(session, utcnow()) == 1
    [alert] = outbox(app, OutboxEmail.kind == "mail_alert")
    assert alert.to_address == OPS and alert.subject == "Emails are not leaving"


def test_the_worker_sends_the_alert(app, smtp_server, late_mail, run_worker):
    run_worker()
    assert _alerts(smtp_server) == ["Emails are not leaving"]
    assert smtp_server.inbox.to("ann@example.org"), "and then delivers the late email"


def test_no_alert_without_alert_email(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url)
    with app.app_context():
        assert alert_for_worker(db.session, utcnow()) == 0
    assert smtp_server.inbox.messages == []
