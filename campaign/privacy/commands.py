"""`campaign export`, `campaign purge` and `campaign suppressions import`: the staff export, the
retention purge and a provider's bounce or complaint list, for scripts."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from campaign.audit import SUPPRESSIONS_ADDED, record_event
from campaign.config import LOCALES
from campaign.extensions import db
from campaign.mail.addresses import address_policy
from campaign.mail.suppressions import import_suppressions
from campaign.models import Petition, utcnow
from campaign.privacy.erasure import purge
from campaign.privacy.exports import (
    COLUMNS,
    CRM_HEADER,
    DEFAULT_PRESET,
    PRESETS,
    Counted,
    ExportFilters,
    count_rows,
    csv_chunks,
    export_select,
    finish_export_audit,
    iter_batches,
    start_export_audit,
    with_consent_versions,
)
from campaign.web.i18n import country_codes
from campaign.web.images import discard_images


def _columns(value: str) -> list[str]:
    columns = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown or not columns:
        raise click.BadParameter(
            f"choose among {', '.join(COLUMNS)} (unknown: {', '.join(unknown) or 'none given'})"
        )
    return columns


def _private_file(path: str) -> int:
    """Open for writing, readable by this user only: the file holds personal data."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


@click.command("export")
@click.argument("petition_slug", metavar="PETITION")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Signed on or after.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Signed on or before.")
@click.option("--country", help="ISO 3166-1 alpha-2 code, e.g. FR.")
@click.option("--newsletter-only", is_flag=True, help="Only signers who asked to be kept informed.")
@click.option("--include-pending", is_flag=True, help="Include unconfirmed signatures.")
@click.option(
    "--preset",
    type=click.Choice(list(PRESETS)),
    help=f"target: no email addresses, for the petition's addressees (the default); records: "
    f"everything; crm: everything under OSDI-like names (docs/exports.md). "
    f"Default: {DEFAULT_PRESET}.",
)
@click.option(
    "--columns",
    help=f"Instead of a preset, comma-separated, among: {', '.join(COLUMNS)}.",
)
@click.option(
    "--lang",
    type=click.Choice(LOCALES),
    default="en",
    show_default=True,
    help="Language of the country names.",
)
@click.option("--bom", is_flag=True, help="Start with a byte order mark (for Microsoft Excel).")
@with_appcontext
def export_command(
    petition_slug,
    out,
    date_from,
    date_to,
    country,
    newsletter_only,
    include_pending,
    preset,
    columns,
    lang,
    bom,
) -> None:
    """Write a petition's signatures to a CSV file (confirmed only unless --include-pending).

    Audited like the staff export, with no account and 'cli' as the channel.
    """
    if preset and columns:
        raise click.UsageError("give --preset or --columns, not both")
    if columns:
        chosen = _columns(columns)
    else:
        preset = preset or DEFAULT_PRESET
        chosen = list(PRESETS[preset])
    petition = db.session.scalar(select(Petition).where(Petition.slug == petition_slug))
    if petition is None:
        raise click.ClickException(f"no petition {petition_slug!r}")
    if country is not None and country.upper() not in country_codes():
        raise click.BadParameter(f"{country!r} is not a country code", param_hint="--country")
    filters = ExportFilters(
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
        country=country.upper() if country else None,
        newsletter_only=newsletter_only,
        include_pending=include_pending,
    )
    expected = count_rows(db.session, petition.id, filters)
    event = start_export_audit(
        db.session,
        petition=petition,
        filters=filters,
        columns=chosen,
        actor_id=None,
        origin=None,
        via="cli",
        preset=preset,
    )
    event_id = event.id
    db.session.commit()
    batches = iter_batches(
        db.session,
        export_select(petition.id, filters, chosen, lang=lang),
        batch_size=current_app.config["EXPORT_BATCH_SIZE"],
    )
    rows = Counted(with_consent_versions(batches, chosen))
    header = [CRM_HEADER[name] for name in chosen] if preset == "crm" else chosen
    complete = False
    try:
        with (
            open(_private_file(out), "wb") as handle,
            click.progressbar(length=expected, label="Exporting", file=sys.stderr) as bar,
        ):
            done = 0
            for chunk in csv_chunks(header, rows, bom=bom):
                handle.write(chunk)
                bar.update(rows.count - done)
                done = rows.count
        complete = True
    finally:
        db.session.rollback()
        finish_export_audit(db.session, event_id, rows=rows.count, complete=complete)
        db.session.commit()
    click.echo(f"exported {rows.count} signatures of {petition.slug} to {out}")


@click.command("purge")
@click.option(
    "--pending-days",
    type=click.IntRange(min=0),
    help="Delete unconfirmed signatures older than this (default: PURGE_PENDING_DAYS, 30).",
)
@click.option(
    "--closed-months",
    type=click.IntRange(min=0),
    help="Anonymise signatures of petitions closed longer ago than this "
    "(default: PURGE_CLOSED_MONTHS, 12).",
)
@with_appcontext
def purge_command(pending_days: int | None, closed_months: int | None) -> None:
    """Apply the retention rules: counts stay the same, personal data goes."""
    config = current_app.config
    result = purge(
        db.session,
        now=utcnow(),
        pending_days=config["PURGE_PENDING_DAYS"] if pending_days is None else pending_days,
        closed_months=config["PURGE_CLOSED_MONTHS"] if closed_months is None else closed_months,
    )
    db.session.commit()
    discard_images(config["UPLOAD_DIR"], list(result.files))
    click.echo(
        f"deleted {result.pending_deleted} unconfirmed signatures, "
        f"anonymised {result.anonymised} signatures of closed petitions, "
        f"deleted {result.wall_deleted} unpublished wall posts, "
        f"anonymised {result.wall_anonymised} wall posts of finished campaigns"
    )


@click.group("suppressions")
def suppressions_group() -> None:
    """The addresses that get no more mail: unsubscribed, bounced, complained."""


@suppressions_group.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--reason",
    type=click.Choice(["bounced", "complaint"]),
    default="complaint",
    show_default=True,
    help="Why these addresses get no more mail.",
)
@with_appcontext
def import_suppressions_command(path: str, reason: str) -> None:
    """Suppress every address of FILE (one a line, UTF-8) from everything the platform sends."""
    with open(path, "rb") as source:
        raw = source.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.UsageError(
            f"{path} is not UTF-8 (byte {exc.start + 1}): save it as UTF-8 and try again"
        ) from None
    report = import_suppressions(
        db.session, text.splitlines(), reason=reason, rules=address_policy().rules
    )
    # Counts only: the log of who did what must not become a second list of addresses.
    record_event(
        db.session,
        SUPPRESSIONS_ADDED,
        details={
            "source": "import",
            "reason": reason,
            "added": report.added,
            "already": report.already,
            "invalid": len(report.invalid_lines),
        },
    )
    db.session.commit()
    click.echo(f"{report.added} added, {report.already} already suppressed")
    if report.invalid_lines:
        lines = ", ".join(str(n) for n in report.invalid_lines)
        click.echo(f"{len(report.invalid_lines)} lines hold no valid address: {lines}", err=True)
