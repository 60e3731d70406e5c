"""Updates to a petition's signers: the list with each one's progress, each update's own page
(where a scheduled one may be cancelled), and the compose form."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from campaign.extensions import db
from campaign.models import Petition, Update, utcnow
from campaign.petitions.closing import utc_from_local
from campaign.staff.authoring_forms import previewing, previews
from campaign.staff.blueprint import bp
from campaign.staff.forms import UpdateForm
from campaign.staff.guards import actor, editable_petition_or_404, request_origin, require_role
from campaign.staff.labels import UPDATE_STATUS_LABELS
from campaign.updates.audience import recipients_per_language
from campaign.updates.cancelling import AlreadyStarted, cancel_update
from campaign.updates.composing import InvalidUpdate, UpdateDraft, queue_test_email, send_update
from campaign.updates.outcomes import OUTCOME_LABELS
from campaign.updates.progress import progress_of, updates_of
from campaign.web.i18n import LANGUAGE_NAMES

SENDERS = ("admin", "campaigner")


@bp.get("/petitions/<slug>/updates")
@require_role(*SENDERS)
def updates(slug: str):
    petition = editable_petition_or_404(slug)
    items = updates_of(db.session, petition.id)
    return render_template(
        "staff/updates.html",
        petition=petition,
        updates=items,
        progress=progress_of(db.session, [item.id for item in items]),
        outcome_labels=OUTCOME_LABELS,
    )


def _update_or_404(petition: Petition, update_id: int) -> Update:
    item = db.session.get(Update, update_id)
    if item is None or item.petition_id != petition.id:
        abort(404)
    return item


def _update_page(petition: Petition, item: Update, status: int = 200, problem: str | None = None):
    return render_template(
        "staff/update.html",
        petition=petition,
        item=item,
        progress=progress_of(db.session, [item.id])[item.id],
        outcome_labels=OUTCOME_LABELS,
        status_labels=UPDATE_STATUS_LABELS,
        problem=problem,
    ), status


@bp.get("/petitions/<slug>/updates/<int:update_id>")
@require_role(*SENDERS)
def update(slug: str, update_id: int):
    petition = editable_petition_or_404(slug)
    return _update_page(petition, _update_or_404(petition, update_id))


@bp.post("/petitions/<slug>/updates/<int:update_id>/cancel")
@require_role(*SENDERS)
def cancel(slug: str, update_id: int):
    petition = editable_petition_or_404(slug)
    item = _update_or_404(petition, update_id)
    try:
        cancel_update(db.session, item, actor_id=actor().id, origin=request_origin())
    except AlreadyStarted:
        db.session.rollback()
        problem = _("It is too late to cancel this update: it is already on its way.")
        return _update_page(petition, item, 409, problem)
    db.session.commit()
    flash(_("The update is cancelled: nobody will receive it."), "success")
    return redirect(url_for("staff.update", slug=petition.slug, update_id=item.id), code=303)


def _draft(form: UpdateForm) -> UpdateDraft:
    send_at = form.send_at.data if form.when.data == "later" else None
    return UpdateDraft(
        texts={
            locale: (sub.form.subject.data or "", sub.form.body.data or "")
            for locale, sub in form.text_forms()
        },
        campaign_wide=form.audience.data == "campaign",
        outcome=form.outcome.data or None,
        send_at=utc_from_local(send_at, current_app.config["ORGANISATION_TIMEZONE"])
        if send_at
        else None,
    )


def _show_problems(form: UpdateForm, exc: InvalidUpdate, petition: Petition) -> None:
    for key, problem in exc.errors.items():
        if key == "send_at":
            form.send_at.errors = [_("The time to send is in the past")]
        elif key == "texts":
            main = getattr(form, f"text_{petition.default_locale}").form
            main.subject.errors = [_("Write a subject and a text in at least one language")]
        elif key == "outcome":
            form.outcome.errors = [_("Choose an outcome from the list")]
        elif "." in key:
            locale, name = key.split(".", 1)
            field = getattr(getattr(form, f"text_{locale}").form, name)
            field.errors = [_field_problem(name, problem, locale)]


def _field_problem(name: str, problem: str, locale: str) -> str:
    if problem == "direction_controls":
        return _(
            "Remove the line breaks and the invisible characters that change the direction "
            "of text (U+202A to U+202E, U+2066 to U+2069)"
        )
    if problem == "too_long":
        return _("This is too long")
    if name == "subject":
        return _(
            "Give a subject in %(language)s, or leave both fields empty",
            language=LANGUAGE_NAMES[locale],
        )
    return _(
        "Write the text in %(language)s, or leave both fields empty",
        language=LANGUAGE_NAMES[locale],
    )


def _compose_page(form: UpdateForm, petition: Petition, status: int, previews=None):
    counts = {
        "petition": recipients_per_language(db.session, petition, campaign_wide=False),
        "campaign": recipients_per_language(db.session, petition, campaign_wide=True),
    }
    page = render_template(
        "staff/update_form.html", form=form, petition=petition, counts=counts, previews=previews
    )
    return page, status


@bp.route("/petitions/<slug>/updates/new", methods=["GET", "POST"])
@require_role(*SENDERS)
def new_update(slug: str):
    petition = editable_petition_or_404(slug)
    form = UpdateForm()
    if request.method == "GET":
        return _compose_page(form, petition, 200)
    if previewing():
        return _compose_page(form, petition, 200, previews(form))
    if not form.validate_on_submit():
        return _compose_page(form, petition, 422)
    draft = _draft(form)
    now = utcnow()
    try:
        if request.form.get("action") == "test":
            queue_test_email(
                db.session,
                petition,
                draft,
                to=actor().email,
                locale=str(get_locale()),
                now=now,
            )
        else:
            _item, counts = send_update(
                db.session,
                petition,
                draft,
                now=now,
                actor_id=actor().id,
                origin=request_origin(),
                via="web",
            )
    except InvalidUpdate as exc:
        db.session.rollback()
        _show_problems(form, exc, petition)
        return _compose_page(form, petition, 422)
    db.session.commit()
    if request.form.get("action") == "test":
        flash(_("A test email is on its way to %(email)s.", email=actor().email), "success")
        return _compose_page(form, petition, 200)
    total = sum(counts.values())
    flash(
        ngettext(
            "The update is on its way to %(num)d person.",
            "The update is on its way to %(num)d people.",
            total,
        )
        if draft.send_at is None
        else _("The update is scheduled."),
        "success",
    )
    return redirect(url_for("staff.updates", slug=petition.slug), code=303)
