"""`campaign keys generate-protection`, `campaign keys add-protection` and
`campaign decrypt-export`: protection keys and protected exports, for scripts."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from campaign.extensions import db
from campaign.protection.decrypting import decrypt_csv
from campaign.protection.keys import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    InvalidKey,
    InvalidKeyName,
    KeyAlreadyRegistered,
    KeyNameTaken,
    WrongHalf,
    read_private_key,
    register_key,
    write_key_pair,
)
from campaign.protection.sealing import CannotOpen


@click.command("generate-protection")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
def generate_protection_command(out: Path) -> None:
    """Make an X25519 key pair for protected petitions in DIR. Keep the private key offline."""
    try:
        files = write_key_pair(out)
    except FileExistsError as exc:
        raise click.ClickException(f"{exc.args[0]} exists already: nothing written") from None
    click.echo(f"private key (keep it offline, never upload it): {files.private}")
    click.echo(f"public key (register it: campaign keys add-protection): {files.public}")


@click.command("add-protection")
@click.option(
    "--public-key", "public_key", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--name", required=True, help="What staff choose the key by.")
@with_appcontext
def add_protection_command(public_key: Path, name: str) -> None:
    """Register a protection public key, which protected petitions can then be sealed to."""
    try:
        text = public_key.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {public_key} as a key file") from exc
    try:
        key = register_key(db.session, name, text)
    except WrongHalf:
        db.session.rollback()
        raise click.ClickException(
            f"{public_key} is a private key: it must stay offline. Register the public key "
            f"({PUBLIC_KEY_FILE}) instead; nothing was registered"
        ) from None
    except InvalidKey:
        db.session.rollback()
        raise click.ClickException(
            f"{public_key} does not hold a public key (one line of base64, 32 bytes)"
        ) from None
    except InvalidKeyName:
        db.session.rollback()
        raise click.ClickException("--name must be 1 to 80 characters") from None
    except KeyNameTaken:
        db.session.rollback()
        raise click.ClickException(f"a key named {name!r} exists already") from None
    except KeyAlreadyRegistered:
        db.session.rollback()
        raise click.ClickException("this public key is registered already") from None
    db.session.commit()
    click.echo(f"protection key {key.name!r} registered")


@click.command("decrypt-export")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--private-key", "private_key", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def decrypt_export_command(source: Path, private_key: Path, out: Path) -> None:
    """Open the sealed cells of a protected petition's export with its private key, offline."""
    try:
        key = read_private_key(private_key.read_text(encoding="ascii"))
    except WrongHalf:
        raise click.ClickException(
            f"{private_key} is the public key; the private key ({PRIVATE_KEY_FILE}) opens"
        ) from None
    except (OSError, UnicodeDecodeError, InvalidKey):
        raise click.ClickException(f"{private_key} does not hold a private key") from None
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{source} is not a UTF-8 CSV file") from None
    try:
        decrypted, opened = decrypt_csv(text, key)
    except CannotOpen:
        raise click.ClickException(
            "this private key does not open the export: nothing written"
        ) from None
    # Readable by this user only: the file now holds names and addresses.
    try:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    # A file that was there keeps its mode on O_TRUNC.
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as written:
        written.write(decrypted)
    click.echo(f"{opened} values opened into {out}")
