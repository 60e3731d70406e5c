"""Alert emails to ALERT_EMAIL, sent by the outbox worker: one when mail is late or deliveries
keep failing, one when it is flowing again, and at most one "trouble" email an hour however
often it flaps (ALERT_EVERY_SECONDS).

An alert about mail cannot rely on the outbox alone: it is tried over SMTP at once, and only
queued in the outbox when that fails, so that it still goes out once the server answers.
What is sent and stored is the queue's figures, never an address from it.

The state is one row of site_settings, `ok:<time>` or `trouble:<time>` (the time of the last
trouble email); changing it is a guarded UPDATE, so of several workers one sends.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign.mail.commands import mail_domain
from campaign.mail.emails import RenderedEmail, queue_rendered, render_email
from campaign.mail.health import MailHealth, mail_health
from campaign.mail.mailer import SmtpConnection, SmtpSettings, build_message
from campaign.models import SiteSetting

log = logging.getLogger(__name__)
STATE_KEY = "mail_alert"
# The alert's own SMTP attempt must not hold the worker for long when the server hangs.
DIRECT_TIMEOUT_SECONDS = 10.0
NEVER = datetime.fromtimestamp(0, UTC)


def alert_for_worker(session: Session, now: datetime) -> int:
    """A worker task (campaign.mail.commands): send the alert the mail's state calls for.
    Returns the number of emails queued in the outbox (0 when sent directly)."""
    config = current_app.config
    address = config["ALERT_EMAIL"]
    if not address:
        return 0
    health = mail_health(
        session,
        now=now,
        late_after=timedelta(seconds=config["MAIL_LATE_AFTER"]),
        silent_after=timedelta(seconds=config["WORKER_SILENT_SECONDS"]),
    )
    in_trouble = health.late or health.failing
    state, last_trouble_at = _read_state(session)
    every = timedelta(seconds=config["ALERT_EVERY_SECONDS"])
    if in_trouble and state == "ok" and now - last_trouble_at >= every:
        if not _move(session, f"{state}:{_stamp(last_trouble_at)}", f"trouble:{_stamp(now)}"):
            return 0
        return _send(session, address, health, recovered=False)
    if not in_trouble and state == "trouble":
        stamp = _stamp(last_trouble_at)
        if not _move(session, f"trouble:{stamp}", f"ok:{stamp}"):
            return 0
        return _send(session, address, health, recovered=True)
    return 0


def _stamp(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def _read_state(session: Session) -> tuple[str, datetime]:
    row = session.get(SiteSetting, STATE_KEY)
    if row is None:
        try:
            with session.begin_nested():
                session.add(SiteSetting(key=STATE_KEY, value=f"ok:{_stamp(NEVER)}"))
            session.commit()
        except IntegrityError:  # another worker wrote it first
            session.rollback()
        row = session.get(SiteSetting, STATE_KEY)
    state, _, stamp = row.value.partition(":")
    return state, datetime.fromtimestamp(int(stamp or 0), UTC)


def _move(session: Session, old: str, new: str) -> bool:
    """Change the state from `old` to `new` unless another worker did first."""
    changed = session.execute(
        update(SiteSetting)
        .where(SiteSetting.key == STATE_KEY, SiteSetting.value == old)
        .values(value=new)
    ).rowcount
    session.commit()
    return changed == 1


def _send(session: Session, address: str, health: MailHealth, *, recovered: bool) -> int:
    config = current_app.config
    age = health.oldest_age
    email = render_email(
        "mail_alert",
        locale=config["BABEL_DEFAULT_LOCALE"],
        recovered=recovered,
        late=health.late,
        failing=health.failing,
        pending=health.pending,
        oldest_minutes=int(age.total_seconds() // 60) if age is not None else 0,
        retrying=health.retrying,
        error_kind=health.last_error_kind,
        dashboard_url=f"{config['BASE_URL']}/staff/",
    )
    log.warning("mail %s: alert sent to ALERT_EMAIL", "recovered" if recovered else "in trouble")
    if config["MAIL_URL"] and _sent_directly(address, email):
        return 0
    queue_rendered(session, email, to=address)
    session.commit()
    return 1


def _sent_directly(address: str, email: RenderedEmail) -> bool:
    config = current_app.config
    settings = replace(SmtpSettings.from_url(config["MAIL_URL"]), timeout=DIRECT_TIMEOUT_SECONDS)
    try:
        message = build_message(
            sender=config["MAIL_FROM"],
            to=address,
            subject=email.subject,
            text=email.text_body,
            html=email.html_body,
            domain=mail_domain(),
        )
        with SmtpConnection(settings) as connection:
            connection.send(message)
    except Exception as exc:  # noqa: BLE001  (the outbox will carry it instead)
        log.warning("alert not sent directly (%s): queued in the outbox", exc.__class__.__name__)
        return False
    return True
