"""`campaign keys generate` and `campaign delivery-pack` (build, and `verify`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from campaign.config import LOCALES
from campaign.delivery.keys import KeyProblem, generate_key, key_id, public_key_text
from campaign.delivery.packs import PackProblem, make_pack
from campaign.delivery.verification import PackInvalid, verify_pack
from campaign.extensions import db
from campaign.models import Petition, utcnow
from campaign.web.i18n import organisation_name
from campaign.web.links import absolute_url


class BadPackRequest(click.ClickException):
    """Bad input to a command: nothing was written, and the exit status is 2."""

    exit_code = 2


@click.group("keys")
def keys_group() -> None:
    """The platform's signing key for delivery packs."""


@keys_group.command("generate")
@with_appcontext
def generate_keys() -> None:
    """Make the Ed25519 key that signs delivery packs (at DELIVERY_KEY_FILE, mode 600)."""
    path = Path(current_app.config["DELIVERY_KEY_FILE"])
    try:
        public = generate_key(path)
    except KeyProblem as exc:
        raise BadPackRequest(str(exc)) from None
    except OSError as exc:
        raise BadPackRequest(f"cannot write {path}: {exc.strerror}") from None
    click.echo(f"Private key written to {path} (keep it secret, and back it up).")
    click.echo(f"Key id: {key_id(public)}")
    click.echo(
        f"Public key (published at /.well-known/campaign-keys.json): {public_key_text(public)}"
    )


class _PackGroup(click.Group):
    """`delivery-pack PETITION ...` builds; `delivery-pack verify DIR` checks."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["build", *args]
        return super().parse_args(ctx, args)


@click.group("delivery-pack", cls=_PackGroup)
def delivery_pack_group() -> None:
    """Build a petition's signed delivery pack, or verify one."""


@delivery_pack_group.command("build")
@click.argument("petition_slug", metavar="PETITION")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="A new folder.")
@click.option("--lang", "language", type=click.Choice(LOCALES), help="The pack's language.")
@click.option(
    "--to", "to", metavar="ISO_DATE", help="Only signatures confirmed up to this day (UTC)."
)
@with_appcontext
def build_command(petition_slug: str, out: Path, language: str | None, to: str | None) -> None:
    """Write PETITION's delivery pack into the folder --out: signatures.csv, summary.pdf and
    the signed manifest.json. Recorded in the audit log."""
    petition = db.session.scalar(select(Petition).where(Petition.slug == petition_slug))
    if petition is None:
        raise BadPackRequest(f"no petition {petition_slug!r}")
    try:
        day = date.fromisoformat(to) if to else None
    except ValueError:
        raise BadPackRequest(f"--to {to!r} is not a date such as 2026-12-31") from None
    language = language or petition.default_locale
    config = current_app.config
    try:
        pack = make_pack(
            db.session,
            petition,
            out,
            language=language,
            to=day,
            now=utcnow(),
            key_file=Path(config["DELIVERY_KEY_FILE"]),
            font_dir=Path(config["DELIVERY_FONT_DIR"]),
            min_country_count=config["COUNTRY_MIN_COUNT"],
            organisation=organisation_name(language),
            public_url=absolute_url("public.petition", lang=language, slug=petition.slug),
            actor_id=None,
            origin=None,
            via="cli",
        )
    except PackProblem as exc:
        db.session.rollback()
        raise BadPackRequest(str(exc)) from None
    db.session.commit()
    click.echo(f"{pack.signature_count} signatures written to {out}")
    click.echo(f"manifest.json SHA-256: {pack.manifest_sha256}")


@delivery_pack_group.command("verify")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--public-key", help="The base64 key the pack must be signed with.")
def verify_command(folder: Path, public_key: str | None) -> None:
    """Check every file of the pack in FOLDER and its signature: exit 0 and print the count
    when intact, exit 1 naming the first file or field that is not."""
    try:
        pack = verify_pack(folder, public_key=public_key)
    except PackInvalid as exc:
        click.echo(f"INVALID {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"OK {pack.count} signatures, signed by key {pack.key_id}")
