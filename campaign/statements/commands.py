"""`campaign endorsements list|approve ID`: staff review of endorsements from scripts (the staff
pages offer the same). Contact addresses are personal data and are never printed."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from campaign.extensions import db
from campaign.models import StatementEndorsement, utcnow
from campaign.statements.endorsing import (
    EndorsementNotConfirmed,
    approve_endorsement,
    endorsements,
)


@click.group("endorsements")
def endorsements_group() -> None:
    """Organisations' endorsements of joint statements."""


@endorsements_group.command("list")
@click.option(
    "--state",
    type=click.Choice(["pending", "confirmed", "approved", "all"]),
    default="all",
    show_default=True,
    help="pending: not yet confirmed by email; confirmed: waiting for approval.",
)
@click.option("--statement", "statement_slug", help="Only this statement (its slug).")
@with_appcontext
def list_command(state: str, statement_slug: str | None) -> None:
    """List endorsements, oldest first."""
    rows = endorsements(
        db.session, state=None if state == "all" else state, statement_slug=statement_slug
    )
    if not rows:
        click.echo("no endorsements")
        return
    for e in rows:
        click.echo(
            "\t".join(
                [
                    str(e.id),
                    e.state,
                    e.statement.slug,
                    e.organisation,
                    e.country,
                    e.website or "-",
                    e.created_at.date().isoformat(),
                ]
            )
        )


@endorsements_group.command("approve")
@click.argument("endorsement_id", type=int)
@with_appcontext
def approve_command(endorsement_id: int) -> None:
    """List a confirmed endorsement among its statement's signatories."""
    endorsement = db.session.get(StatementEndorsement, endorsement_id)
    if endorsement is None:
        raise click.ClickException(f"no endorsement {endorsement_id}")
    try:
        signatory = approve_endorsement(db.session, endorsement, now=utcnow())
    except EndorsementNotConfirmed as exc:
        raise click.ClickException(
            f"endorsement {endorsement_id} is not confirmed by its contact yet"
        ) from exc
    db.session.commit()
    click.echo(
        f"approved endorsement {endorsement_id}: {signatory.name} signs "
        f"{endorsement.statement.slug}"
    )
