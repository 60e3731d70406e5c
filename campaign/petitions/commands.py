"""`campaign signing pause|resume|status` and `campaign signatures fast|invalidate`: the bad-day
tools on the command line, beside their staff pages; `campaign reminders send`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from campaign.config import parse_duration
from campaign.extensions import db
from campaign.models import Petition, utcnow
from campaign.petitions.invalidation import (
    Criteria,
    InvalidCriteria,
    invalidate_signatures,
    preview,
)
from campaign.petitions.reminders import queue_due_reminders
from campaign.petitions.switches import UnknownPetition, set_signing_paused, site_signing_paused
from campaign.petitions.velocity import signing_speed

REMINDER_BATCH = 1000  # reminders queued per transaction


@click.group("signing")
def signing_group() -> None:
    """Pause or resume signing, everywhere or on one petition."""


def _switch(paused: bool, petition: str | None) -> None:
    try:
        set_signing_paused(db.session, paused, petition_slug=petition)
    except UnknownPetition as exc:
        raise click.ClickException(f"no petition {petition!r}") from exc
    db.session.commit()
    where = f"on {petition}" if petition else "everywhere"
    click.echo(f"signing {'paused' if paused else 'resumed'} {where}")


@signing_group.command("pause")
@click.option("--petition", metavar="SLUG", help="Only this petition.")
@with_appcontext
def pause(petition: str | None) -> None:
    """Stop taking signatures (confirmations of earlier ones still count)."""
    _switch(True, petition)


@signing_group.command("resume")
@click.option("--petition", metavar="SLUG", help="Only this petition.")
@with_appcontext
def resume(petition: str | None) -> None:
    """Take signatures again."""
    _switch(False, petition)


@signing_group.command("status")
@with_appcontext
def status() -> None:
    """Say where signing is paused."""
    forced = current_app.config["SIGNING_PAUSED"]
    everywhere = site_signing_paused(db.session)
    click.echo(
        "everywhere: "
        + ("paused (SIGNING_PAUSED)" if forced else "paused" if everywhere else "open")
    )
    for slug in db.session.scalars(
        select(Petition.slug).where(Petition.signing_paused).order_by(Petition.slug)
    ):
        click.echo(f"paused on {slug}")


@click.group("signatures")
def signatures_group() -> None:
    """Look for and undo floods of fake signatures."""


def _petition(slug: str) -> Petition:
    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None:
        raise click.ClickException(f"no petition {slug!r}")
    return petition


@signatures_group.command("fast")
@click.option("--petition", "slug", required=True, metavar="SLUG")
@click.option("--hour-threshold", type=click.IntRange(min=1), help="Default from config.")
@click.option("--day-threshold", type=click.IntRange(min=1), help="Default from config.")
@with_appcontext
def fast(slug: str, hour_threshold: int | None, day_threshold: int | None) -> None:
    """List hashed addresses and email domains signing a petition unusually fast."""
    config = current_app.config
    windows = signing_speed(
        db.session,
        _petition(slug).id,
        now=utcnow(),
        hour_threshold=hour_threshold or config["VELOCITY_THRESHOLD_HOUR"],
        day_threshold=day_threshold or config["VELOCITY_THRESHOLD_DAY"],
    )
    for window in windows:
        label = "last hour" if window.span.days == 0 else "last day"
        click.echo(f"{label} (at least {window.threshold}):")
        if not window.sources:
            click.echo("  nothing above the threshold")
        for source in window.sources:
            click.echo(f"  {source.signatures:>7}  {source.kind:<7}  {source.value}")


def _moment(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@signatures_group.command("invalidate")
@click.option("--petition", "slug", metavar="SLUG", help="Only this petition.")
@click.option(
    "--domain",
    help="Email domain, matched whole: evil.example and its subdomains (mx.evil.example), "
    "never notevil.example or evil.example.com.",
)
@click.option("--ip-hash", help="A hashed address, as `signatures fast` shows it.")
@click.option("--from", "created_from", type=click.DateTime(), help="Signed at or after (UTC).")
@click.option("--until", "created_until", type=click.DateTime(), help="Signed before (UTC).")
@click.option("--yes", is_flag=True, help="Delete without asking (for scripts).")
@with_appcontext
def invalidate(
    slug: str | None,
    domain: str | None,
    ip_hash: str | None,
    created_from: datetime | None,
    created_until: datetime | None,
    yes: bool,
) -> None:
    """Delete the signatures matching every criterion given; counters go down."""
    try:
        criteria = Criteria(
            petition_id=_petition(slug).id if slug else None,
            email_domain=domain,
            ip_hash=ip_hash,
            created_from=_moment(created_from),
            created_until=_moment(created_until),
        )
    except InvalidCriteria as exc:
        raise click.UsageError(_CRITERIA_PROBLEMS[str(exc)]) from exc
    tally = preview(db.session, criteria)
    click.echo(
        f"{tally.total} signatures match ({tally.confirmed} confirmed, {tally.pending} pending)"
    )
    if not tally.total:
        return
    if not yes and not click.confirm("Delete them?"):
        raise click.Abort
    result = invalidate_signatures(db.session, criteria, now=utcnow())
    db.session.commit()
    click.echo(
        f"deleted {result.tally.total} signatures; counters lowered by {result.tally.confirmed}"
    )


_CRITERIA_PROBLEMS = {
    "empty": "give at least one of --domain, --ip-hash, --from, --until",
    "email_domain": "--domain must be a domain name like example.org",
    "ip_hash": "--ip-hash must be 32 hexadecimal characters",
    "dates": "--from must be before --until",
}


@click.group("reminders")
def reminders_group() -> None:
    """Remind signers who have not confirmed (the worker does it on its own: REMINDER_AFTER)."""


@reminders_group.command("send")
@click.option(
    "--older-than",
    default=None,
    help="Remind signatures pending longer than this (30m, 24h, 0s); default: REMINDER_AFTER.",
)
@with_appcontext
def send_reminders_command(older_than: str | None) -> None:
    """Queue the due reminders now; the worker delivers them. Prints how many."""
    config = current_app.config
    if older_than is None:
        if config["REMINDER_AFTER"] <= 0:
            click.echo("reminders are off (REMINDER_AFTER=0): 0 reminders queued")
            return
        after = timedelta(seconds=config["REMINDER_AFTER"])
    else:
        try:
            after = parse_duration(older_than)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--older-than") from None
    queued = 0
    while True:
        batch = queue_due_reminders(
            db.session,
            now=utcnow(),
            older_than=after,
            limit=REMINDER_BATCH,
            secret_key=config["SECRET_KEY"],
            max_emails=config["MAX_EMAILS_PER_SIGNATURE"],
        )
        db.session.commit()
        queued += batch
        if batch < REMINDER_BATCH:
            break
    click.echo(f"{queued} reminder{'s' if queued != 1 else ''} queued")
