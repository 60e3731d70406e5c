"""`campaign webhooks add` and `campaign tokens create|revoke`: the secret or token is printed
once, alone on the last line, so that a script can take it with `tail -n 1`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from campaign.extensions import db
from campaign.integrations.endpoints import InvalidEndpoint, add_endpoint
from campaign.integrations.events import EVENTS
from campaign.integrations.tokens import InvalidApiToken, create_token, revoke_token
from campaign.models import ApiToken, utcnow
from campaign.models.integrations import TOKEN_ROLES

_PROBLEMS = {
    ("url", "required"): "a URL is required",
    ("url", "invalid"): "is not a URL",
    ("url", "scheme"): "must start with https:// (or http://)",
    ("url", "credentials"): "must not hold a user name or password",
    ("url", "platform"): "points at this platform itself",
    ("url", "http"): "must use https:// (set WEBHOOKS_ALLOW_HTTP=1 to allow http://)",
    ("url", "private"): "resolves to a private, loopback or link-local address, or to none "
    "(set WEBHOOKS_ALLOW_HTTP=1 for an endpoint on your own network)",
    ("events", "required"): "name at least one event",
    ("events", "unknown"): "choose among " + ", ".join(EVENTS),
    ("petition", "unknown"): "no petition has this slug",
    ("name", "required"): "a name is required",
    ("name", "too_long"): "is too long",
    ("name", "taken"): "another token has this name",
    ("role", "unknown"): "choose among " + ", ".join(TOKEN_ROLES),
}


def _refusal(errors: dict[str, str]) -> click.ClickException:
    return click.ClickException(
        "; ".join(f"{field}: {_PROBLEMS[(field, problem)]}" for field, problem in errors.items())
    )


@click.group("webhooks")
def webhooks_group() -> None:
    """Send the platform's events to the organisation's own tools."""


@webhooks_group.command("add")
@click.option("--url", required=True, help="Where to POST the events (https://).")
@click.option("--events", required=True, help="Comma-separated: " + ", ".join(EVENTS) + ".")
@click.option("--petition", "petition_slug", help="Only this petition's events.")
@with_appcontext
def add_webhook(url: str, events: str, petition_slug: str | None) -> None:
    """Add an endpoint; prints its signing secret once, on the last line."""
    try:
        endpoint, secret = add_endpoint(
            db.session,
            url,
            events,
            petition_slug=petition_slug,
            allow_http=current_app.config["WEBHOOKS_ALLOW_HTTP"],
            base_url=current_app.config["BASE_URL"],
            actor_id=None,
            origin=None,
        )
    except InvalidEndpoint as exc:
        db.session.rollback()
        raise _refusal(exc.errors) from None
    db.session.commit()
    click.echo(f"webhook {endpoint.id} added for {endpoint.events}; its signing secret:")
    click.echo(secret)


@click.group("tokens")
def tokens_group() -> None:
    """Tokens for the staff API."""


@tokens_group.command("create")
@click.option("--name", required=True, help="Who or what uses the token, e.g. crm-sync.")
@click.option("--role", required=True, type=click.Choice(TOKEN_ROLES))
@with_appcontext
def create_token_command(name: str, role: str) -> None:
    """Create a token; prints it once, on the last line."""
    try:
        token, clear = create_token(db.session, name, role, actor_id=None, origin=None)
    except InvalidApiToken as exc:
        db.session.rollback()
        raise _refusal(exc.errors) from None
    db.session.commit()
    click.echo(f"token {token.name!r} created ({token.role}); keep it safe, it is shown once:")
    click.echo(clear)


@tokens_group.command("revoke")
@click.option("--name", required=True)
@with_appcontext
def revoke_token_command(name: str) -> None:
    """Revoke a token: the API refuses it from now on."""
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == name))
    if token_id is None or not revoke_token(
        db.session, token_id, now=utcnow(), actor_id=None, origin=None
    ):
        raise click.ClickException(f"no live token is named {name!r}")
    db.session.commit()
    click.echo(f"token {name!r} revoked")
