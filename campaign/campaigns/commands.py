"""`campaign petitions create`: a petition in a campaign, for scripts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from campaign.campaigns.authoring import (
    InvalidContent,
    PetitionData,
    SlugTaken,
    TextData,
    change_petition_status,
    save_petition,
)
from campaign.config import LOCALES
from campaign.extensions import db
from campaign.models import Campaign, ProtectionKey, utcnow
from campaign.text.message_files import BadMessageFile, read_message_files


@click.group("petitions")
def petitions_group() -> None:
    """Create petitions."""


@petitions_group.command("create")
@click.option("--campaign", "campaign_slug", required=True, metavar="SLUG")
@click.option("--slug", required=True, metavar="SLUG")
@click.option(
    "--message-file",
    "message_files",
    multiple=True,
    required=True,
    metavar="LANG=PATH",
    help="'Title: ...', a blank line, then the Markdown text; once per language.",
)
@click.option("--goal", type=click.IntRange(min=1), required=True)
@click.option(
    "--protected-by",
    "key_name",
    metavar="KEYNAME",
    help="Seal signers' identities to this protection key (campaign keys add-protection).",
)
@click.option(
    "--count-by-country",
    is_flag=True,
    help="Protected only: keep the country in clear, to count signatures by country.",
)
@click.option("--open", "open_now", is_flag=True, help="Open it to signatures now.")
@with_appcontext
def create(
    campaign_slug: str,
    slug: str,
    message_files: tuple[str, ...],
    goal: int,
    key_name: str | None,
    count_by_country: bool,
    open_now: bool,
) -> None:
    """Create a petition; it stays a draft unless --open is given."""
    try:
        texts = read_message_files(message_files, "Title", LOCALES)
    except BadMessageFile as exc:
        raise click.UsageError(str(exc)) from exc
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == campaign_slug))
    if campaign is None:
        raise click.UsageError(f"--campaign {campaign_slug!r}: no such campaign")
    key_id = None
    if key_name is not None:
        key_id = db.session.scalar(select(ProtectionKey.id).where(ProtectionKey.name == key_name))
        if key_id is None:
            raise click.UsageError(f"--protected-by {key_name!r}: no protection key of that name")
    elif count_by_country:
        raise click.UsageError("--count-by-country applies to protected petitions only")
    # The first language given is the main one.
    data = PetitionData(
        slug=slug,
        default_locale=next(iter(texts)),
        texts={lang: TextData(title=title, body=body) for lang, (title, body) in texts.items()},
        goal=goal,
        protection_key_id=key_id,
        count_by_country=count_by_country,
    )
    try:
        petition = save_petition(db.session, campaign, None, data, now=utcnow())
        if open_now:
            change_petition_status(petition, "preview", now=utcnow())
            change_petition_status(petition, "open", now=utcnow())
    except InvalidContent as exc:
        db.session.rollback()
        problems = ", ".join(f"{field} ({problem})" for field, problem in exc.errors.items())
        raise click.UsageError(f"refused: {problems}") from None
    except SlugTaken:
        db.session.rollback()
        raise click.UsageError(f"--slug {slug!r} is taken") from None
    db.session.commit()
    protected = f", protected by {key_name!r}" if key_name else ""
    click.echo(f"petition {petition.slug!r} created ({petition.status}{protected})")
