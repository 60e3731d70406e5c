"""`campaign demo`: load the demo content."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from campaign.extensions import db


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo content (idempotent): the #HumansAgainstTorture campaign, its petitions and
    wall of support, and statements."""
    from campaign.demo.campaigns import load_demo

    summary = load_demo(db.session, upload_dir=current_app.config["UPLOAD_DIR"])
    db.session.commit()
    click.echo(summary)
