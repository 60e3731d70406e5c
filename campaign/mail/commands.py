"""`campaign worker`: deliver the outbox over SMTP, or to the development mailbox.

Each loop is recorded in the worker's heartbeat row (campaign.mail.health): the staff
dashboard, /readyz and the alerts notice a worker that stopped or keeps failing.

Before each batch the worker runs the tasks features register under
`app.extensions["worker.tasks"]` (callables `(session, now) -> how much they did`, committing
it): the platform's own timed emails, such as reminders, need no other process. The worker
rests only when neither the outbox nor a task had anything to do. Tasks that wait on other
servers (webhooks) run beside it instead (campaign.mail.background).
"""

from __future__ import annotations

import logging
import signal
import time
from datetime import timedelta
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from campaign.database import forget_overwritten
from campaign.extensions import db
from campaign.mail.background import BackgroundTask
from campaign.mail.health import Heartbeat
from campaign.models import utcnow
from campaign.web.metrics import count_email_deliveries

# The name operators filter on, kept from before the worker had a module of its own.
log = logging.getLogger("campaign.worker")
# While the database is unreachable the worker waits longer each time, up to this (in seconds).
LONGEST_OUTAGE_PAUSE = 10.0
# How long a stopping worker lets a background round finish (a slow receiver's batch).
BACKGROUND_STOP_SECONDS = 30.0


def mail_domain() -> str:
    sender = current_app.config["MAIL_FROM"]
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return (
        address.rpartition("@")[2]
        or urlsplit(current_app.config["BASE_URL"]).hostname
        or "localhost"
    )


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due, then stop.")
@click.option(
    "--interval", default=1.0, show_default=True, help="Seconds to wait when nothing is due."
)
@click.option("--batch", default=50, show_default=True, help="Emails claimed at a time.")
@with_appcontext
def worker_command(once: bool, interval: float, batch: int) -> None:
    """Deliver the outbox over SMTP (MAIL_URL), retrying with backoff."""
    from campaign.mail.addresses import address_policy
    from campaign.mail.mailer import SmtpConnection, SmtpSettings
    from campaign.mail.outbox import deliver_batch, mark_delivered_to_mailbox

    stopping = False

    def stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    mail_url = current_app.config["MAIL_URL"]
    if not mail_url and not current_app.config["DEV_MAILBOX"]:
        raise click.UsageError("MAIL_URL is not set")
    sender, domain = current_app.config["MAIL_FROM"], mail_domain()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    rules = address_policy().rules
    tasks = current_app.extensions.get("worker.tasks", ())
    beside = current_app.extensions.get("worker.background_tasks", ())
    background = []
    if once:
        tasks = (*tasks, *beside)
    else:
        app = current_app._get_current_object()
        background = [BackgroundTask(app, task, interval=interval).start() for task in beside]
    connection = SmtpConnection(SmtpSettings.from_url(mail_url)) if mail_url else None
    if not once:
        click.echo(f"worker delivering to {'SMTP' if connection else 'the development mailbox'}")
    outages = 0
    heartbeat = Heartbeat()
    started = False
    # Emails emptied (protected signers') whose old bytes may linger in SQLite's write-ahead log.
    overwritten = False
    try:
        while not stopping:
            busy = False
            try:
                if not started:
                    heartbeat.start(db.session, utcnow())
                    started = True
                for task in tasks:
                    done = task(db.session, utcnow())
                    if done:
                        busy = True
                        log.info("%s by %s", done, task.__name__)
                if connection is None:
                    report = mark_delivered_to_mailbox(db.session, limit=batch, lease=lease)
                else:
                    report = deliver_batch(
                        db.session,
                        connection,
                        sender=sender,
                        domain=domain,
                        limit=batch,
                        lease=lease,
                        rules=rules,
                    )
                count_email_deliveries(
                    sent=report.sent, retrying=report.retrying, failed=report.failed
                )
                if report.error_kind and not report.sent:
                    heartbeat.failed(db.session, utcnow(), report.error_kind)
                else:
                    heartbeat.succeeded(db.session, utcnow())
            except Exception as exc:  # the database may be back in a moment
                # The class only: a database error's message can quote the row it was writing.
                log.error("delivery interrupted: %s", exc.__class__.__name__)
                db.session.remove()  # rolls back; leased emails come back when their lease ends
                _record_failure(heartbeat, exc.__class__.__name__)
                if connection is not None:
                    connection.close()
                if once:
                    raise click.ClickException(
                        f"delivery interrupted: {exc.__class__.__name__}"
                    ) from None
                outages += 1
                time.sleep(min(interval * 2 ** (outages - 1), LONGEST_OUTAGE_PAUSE))
                continue
            outages = 0
            db.session.remove()
            overwritten = report.erased > 0 or overwritten
            if overwritten:
                overwritten = not forget_overwritten(db.engine, wait=once)
            if report.handled:
                log.info(
                    "sent %s, retrying %s, failed %s", report.sent, report.retrying, report.failed
                )
            if once:
                if report.handled < batch:
                    break
                continue
            if report.handled < batch and not busy:
                if connection is not None:
                    connection.close()
                time.sleep(interval)
    finally:
        for task in background:
            task.stop(timeout=BACKGROUND_STOP_SECONDS)
        if connection is not None:
            connection.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _record_failure(heartbeat: Heartbeat, kind: str) -> None:
    """Say why the loop failed, if the database listens: it may be what failed."""
    try:
        heartbeat.failed(db.session, utcnow(), kind)
    except Exception as exc:  # noqa: BLE001  (the loop's own error is the one logged)
        log.debug("heartbeat not written: %s", exc.__class__.__name__)
    finally:
        db.session.remove()
