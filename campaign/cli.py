"""The `campaign` command: Flask's CLI over create_app, plus the platform's own commands."""

from __future__ import annotations

import logging
import signal
import sys
import time
from datetime import timedelta
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from campaign.abuse_commands import signatures_group, signing_group
from campaign.data_commands import export_command, purge_command
from campaign.extensions import db
from campaign.statements.commands import endorsements_group
from campaign.translations import translations_group

log = logging.getLogger("campaign.worker")
# While the database is unreachable the worker waits longer each time, up to this (in seconds).
LONGEST_OUTAGE_PAUSE = 10.0


def _create_app() -> Flask:
    from campaign import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Campaign and petition platform."""


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(users_group)
    app.cli.add_command(translations_group)
    app.cli.add_command(endorsements_group)
    app.cli.add_command(export_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(signing_group)
    app.cli.add_command(signatures_group)
    app.cli.add_command(markdown_group)


@click.group("markdown")
def markdown_group() -> None:
    """The stored HTML of staff-written Markdown."""


@markdown_group.command("refresh")
@with_appcontext
def markdown_refresh_command() -> None:
    """Render again the texts stored under older rendering rules (run after upgrading)."""
    from campaign.models import CampaignText, PetitionText, StatementText
    from campaign.models.rendered import refresh_stale

    refreshed = refresh_stale(db.session, [CampaignText, PetitionText, StatementText])
    db.session.commit()
    click.echo(f"{refreshed} texts rendered again")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo content (idempotent): the #HumansAgainstTorture campaign and its petitions."""
    from campaign.demo import load_demo

    summary = load_demo(db.session)
    db.session.commit()
    click.echo(summary)


def _mail_domain() -> str:
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
    from campaign.mailer import SmtpConnection, SmtpSettings
    from campaign.outbox import deliver_batch, mark_delivered_to_mailbox

    stopping = False

    def stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    mail_url = current_app.config["MAIL_URL"]
    if not mail_url and not current_app.config["DEV_MAILBOX"]:
        raise click.UsageError("MAIL_URL is not set")
    sender, domain = current_app.config["MAIL_FROM"], _mail_domain()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    connection = SmtpConnection(SmtpSettings.from_url(mail_url)) if mail_url else None
    if not once:
        click.echo(f"worker delivering to {'SMTP' if connection else 'the development mailbox'}")
    outages = 0
    try:
        while not stopping:
            try:
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
                    )
            except Exception as exc:  # the database may be back in a moment
                # The class only: a database error's message can quote the row it was writing.
                log.error("delivery interrupted: %s", exc.__class__.__name__)
                db.session.remove()  # rolls back; leased emails come back when their lease ends
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
            if report.handled:
                log.info(
                    "sent %s, retrying %s, failed %s", report.sent, report.retrying, report.failed
                )
            if once:
                if report.handled < batch:
                    break
                continue
            if report.handled < batch:
                if connection is not None:
                    connection.close()
                time.sleep(interval)
    finally:
        if connection is not None:
            connection.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@click.group("users")
def users_group() -> None:
    """Staff accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["admin", "campaigner", "exporter"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(email: str, role: str, password_stdin: bool) -> None:
    """Create a staff account."""
    from campaign.accounts import AccountError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, email=email, role=role, password=password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {user.role} account {user.email}")
