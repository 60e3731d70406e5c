"""`campaign backup --out FILE` and `campaign restore FILE` (campaign.operations.backups)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from campaign.extensions import db
from campaign.models import utcnow
from campaign.operations.backups import BackupError, backup, restore


@click.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The archive to write (readable by its owner only: it holds personal data).",
)
@with_appcontext
def backup_command(out: Path) -> None:
    """Back up the database and the uploads into one archive with a manifest of row counts."""
    try:
        manifest = backup(db.engine, Path(current_app.config["UPLOAD_DIR"]), out, now=utcnow())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(manifest["counts"].values())
    click.echo(
        f"backed up {rows} rows in {len(manifest['counts'])} tables and "
        f"{len(manifest['uploads'])} uploaded files to {out}"
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(archive: Path) -> None:
    """Restore a backup into an empty database (DATABASE_URL) and check its row counts."""
    db.session.remove()
    try:
        report = restore(db.engine, Path(current_app.config["UPLOAD_DIR"]), archive)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"restored {sum(report.counts.values())} rows in {len(report.counts)} tables "
        f"(every count matches the backup) and {report.uploads} uploaded files"
    )
