"""`campaign updates send`: an update to a petition's signers, for scripts."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from campaign.config import LOCALES
from campaign.extensions import db
from campaign.models import OUTCOMES, Petition, Update, utcnow
from campaign.text.message_files import BadMessageFile, parse_headed, read_message_files
from campaign.updates.composing import InvalidUpdate, UpdateDraft, send_update
from campaign.updates.queuing import BATCH, queue_next_batch

_PROBLEMS = {
    "missing": "is missing",
    "too_long": "is too long",
    "direction_controls": "has characters that change the direction of text, or a line break",
    "unknown": "is not one of " + ", ".join(OUTCOMES),
    "past": "is in the past",
    "unknown_language": "is not a language of the site",
}


def parse_message(data: bytes) -> tuple[str, str]:
    """(subject, Markdown body) of a message file."""
    return parse_headed(data, "Subject")


def _texts(message_files: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    try:
        return read_message_files(message_files, "Subject", LOCALES)
    except BadMessageFile as exc:
        raise click.UsageError(str(exc)) from exc


def _send_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.UsageError(f"--at {value!r} is not an ISO 8601 time") from exc
    # A time without a zone is UTC, as everywhere on the command line.
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


@click.group("updates")
def updates_group() -> None:
    """Send updates to the signers who asked to be kept informed."""


@updates_group.command("send")
@click.option("--petition", "slug", required=True, metavar="SLUG")
@click.option(
    "--message-file",
    "message_files",
    multiple=True,
    required=True,
    metavar="LANG=PATH",
    help="'Subject: ...', a blank line, then Markdown. Once per language.",
)
@click.option(
    "--campaign-wide", is_flag=True, help="To the signers of every petition of the campaign."
)
@click.option("--outcome", type=click.Choice(OUTCOMES), help="Record the petition's outcome.")
@click.option("--at", "at", metavar="ISO_TIME", help="Send at this time (UTC unless it says).")
@click.option("--yes", is_flag=True, help="Send: without it nothing happens.")
@with_appcontext
def send(
    slug: str,
    message_files: tuple[str, ...],
    campaign_wide: bool,
    outcome: str | None,
    at: str | None,
    yes: bool,
) -> None:
    """Queue an update to the confirmed signers who opted in, in each one's language."""
    texts = _texts(message_files)
    draft = UpdateDraft(texts, campaign_wide=campaign_wide, outcome=outcome, send_at=_send_at(at))
    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None:
        raise click.UsageError(f"no petition {slug!r}")
    if not yes:
        raise click.UsageError("this emails the petition's signers: add --yes to send")
    now = utcnow()
    try:
        item, counts = send_update(
            db.session, petition, draft, now=now, actor_id=None, origin=None, via="cli"
        )
    except InvalidUpdate as exc:
        db.session.rollback()
        problems = "; ".join(f"{key} {_PROBLEMS[problem]}" for key, problem in exc.errors.items())
        raise click.UsageError(problems) from exc
    db.session.commit()
    update_id, send_at = item.id, item.send_at
    for lang, count in counts.items():
        click.echo(f"{lang}: {count} recipients")
    if draft.send_at is not None:
        click.echo(f"update {update_id} scheduled for {send_at.isoformat()}")
        return
    queued = 0
    while True:
        queued += queue_next_batch(db.session, update_id, now=now, batch=BATCH)
        if db.session.get(Update, update_id).status != "queuing":
            break
    click.echo(f"update {update_id}: {queued} emails queued")
