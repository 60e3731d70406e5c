"""`campaign users create`: staff accounts for scripts and the first administrator."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from campaign.extensions import db


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
    from campaign.staff.accounts import AccountError, create_user

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
