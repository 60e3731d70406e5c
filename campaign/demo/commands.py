"""`campaign demo`: load the demo content."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from campaign.extensions import db


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo content (idempotent): the #HumansAgainstTorture campaign and its petitions."""
    from campaign.demo.campaigns import load_demo

    summary = load_demo(db.session)
    db.session.commit()
    click.echo(summary)
