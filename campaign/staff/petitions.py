"""Dashboards and the signature export."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import (
    force_locale,
    format_date,
    format_datetime,
    format_decimal,
    format_timedelta,
    get_locale,
)
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms import SelectChoice

from campaign.campaigns.permissions import (
    can_edit_campaign,
    can_export,
    is_admin,
    petitions_visible_to,
)
from campaign.delivery.delivering import petition_packs
from campaign.extensions import db
from campaign.mail.outbox import failed_count
from campaign.models import Campaign, Petition, utcnow
from campaign.operations.readiness import current_mail_health
from campaign.petitions.statistics import pending_counts, per_hour, petition_statistics
from campaign.petitions.switches import site_signing_paused
from campaign.privacy.exports import (
    CRM_HEADER,
    PRESETS,
    Counted,
    ExportFilters,
    csv_chunks,
    export_filename,
    export_select,
    finish_export_audit,
    iter_batches,
    start_export_audit,
    with_consent_versions,
)
from campaign.staff.blueprint import bp
from campaign.staff.charts import bar_chart_svg
from campaign.staff.forms import ExportForm
from campaign.staff.guards import actor, request_origin, visible_petition_or_404
from campaign.staff.labels import CHANNEL_LABELS, COLUMN_LABELS
from campaign.web.i18n import countries, country_name


@bp.get("/")
def dashboard():
    petitions = db.session.scalars(
        petitions_visible_to(actor())
        .join(Campaign)
        .order_by(Campaign.slug, Petition.created_at.desc())
    ).all()
    forced = current_app.config["SIGNING_PAUSED"]
    admin = is_admin(actor())
    # With the development mailbox, emails are read on its page and no worker need run.
    mail = current_mail_health() if admin and not current_app.config["DEV_MAILBOX"] else None
    return render_template(
        "staff/dashboard.html",
        mail=mail,
        mail_waited=format_timedelta(mail.oldest_age) if mail and mail.oldest_age else None,
        petitions=petitions,
        pending=pending_counts(db.session, [p.id for p in petitions]),
        site_paused=forced or site_signing_paused(db.session),
        forced_pause=forced,
        failed_emails=failed_count(db.session) if admin else None,
    )


def _per_day_chart(per_day) -> Markup:
    return bar_chart_svg(
        [(format_date(day, "medium"), count) for day, count in per_day],
        title=_("Confirmed signatures per day"),
        description=_(
            "Confirmed signatures on each of the last %(days)d days, oldest first.",
            days=len(per_day),
        ),
        id_prefix="per-day",
        number=format_decimal,
    )


def _per_hour_chart(hours) -> Markup:
    return bar_chart_svg(
        [(hour_label(hour), count) for hour, count in hours],
        title=_("Confirmed signatures per hour (UTC)"),
        description=_(
            "Confirmed signatures in each hour since the petition opened, oldest first: "
            "%(hours)d hours.",
            hours=len(hours),
        ),
        id_prefix="per-hour",
        number=format_decimal,
    )


def hour_label(hour) -> str:
    return format_datetime(hour, "d MMM HH:mm", rebase=False)


@bp.get("/petitions/<slug>")
def petition(slug: str):
    found = visible_petition_or_404(slug)
    now = utcnow()
    stats = petition_statistics(db.session, found.id, today=now.date())
    hours = None
    if found.status != "draft":
        hours = per_hour(db.session, found.id, since=found.opened_at or found.created_at, now=now)
    lang = str(get_locale())
    may_edit = can_edit_campaign(actor(), found.campaign)
    return render_template(
        "staff/petition.html",
        petition=found,
        stats=stats,
        hours=hours,
        hour_label=hour_label,
        chart=_per_hour_chart(hours) if hours else _per_day_chart(stats.per_day),
        country_names={code: country_name(code, lang) for code, _n in stats.countries},
        channel_labels=CHANNEL_LABELS,
        may_edit=may_edit,
        may_export=can_export(actor()),
        # Those who may deliver the petition see its packs (campaign.staff.delivery).
        packs=petition_packs(db.session, found.id) if may_edit else [],
    )


def _export_form() -> ExportForm:
    form = ExportForm(lang=str(get_locale()))
    form.country.choices = [SelectChoice("", _("All countries"))] + [
        SelectChoice(code, name) for code, name in countries(str(get_locale()))
    ]
    return form


def _export_header(preset: str, columns: list[str], lang: str) -> list[str]:
    if preset == "crm":
        return [CRM_HEADER[name] for name in columns]
    with force_locale(lang):
        return [str(COLUMN_LABELS[name]) for name in columns]


@bp.route("/petitions/<slug>/export", methods=["GET", "POST"])
def export(slug: str):
    found = visible_petition_or_404(slug)
    if not can_export(actor()):
        abort(403)
    form = _export_form()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("staff/export.html", petition=found, form=form), status
    filters = ExportFilters(
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        country=form.country.data or None,
        newsletter_only=form.newsletter_only.data,
        include_pending=form.include_pending.data,
    )
    preset = form.preset.data
    columns = list(PRESETS[preset])
    lang = form.lang.data
    event = start_export_audit(
        db.session,
        petition=found,
        filters=filters,
        columns=columns,
        actor_id=actor().id,
        origin=request_origin(),
        via="web",
        preset=preset,
    )
    event_id = event.id
    db.session.commit()  # recorded before the first byte leaves
    query = export_select(found.id, filters, columns, lang=lang)
    header = _export_header(preset, columns, lang)
    batch_size = current_app.config["EXPORT_BATCH_SIZE"]

    def generate():
        batches = iter_batches(db.session, query, batch_size=batch_size)
        rows = Counted(with_consent_versions(batches, columns))
        complete = False
        try:
            yield from csv_chunks(header, rows, bom=form.bom.data)
            complete = True
        finally:
            # Runs when the stream ends or the client goes away: the count goes on the event.
            db.session.rollback()
            finish_export_audit(db.session, event_id, rows=rows.count, complete=complete)
            db.session.commit()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export_filename(found.slug, utcnow().date())}"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
