"""`campaign markdown refresh`: staff Markdown stored rendered under the sanitiser's current
rules (campaign.models.rendered), after an upgrade changed them."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from campaign.extensions import db


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
