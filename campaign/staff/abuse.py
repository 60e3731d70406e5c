"""Floods of fake signatures: who signs a petition unusually fast, pausing signing, and
invalidating signatures in bulk (admins only). The rules live in campaign.petitions.velocity,
campaign.petitions.switches and campaign.petitions.invalidation."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from campaign.campaigns.permissions import can_edit_campaign, is_admin
from campaign.extensions import db
from campaign.models import Petition, utcnow
from campaign.petitions.invalidation import (
    Criteria,
    InvalidCriteria,
    invalidate_signatures,
    preview,
)
from campaign.petitions.switches import set_signing_paused, site_signing_paused
from campaign.petitions.velocity import signing_speed
from campaign.staff.blueprint import bp
from campaign.staff.confirming import confirmation_page, is_confirmed
from campaign.staff.forms import ActionForm, InvalidationForm
from campaign.staff.guards import actor, request_origin, require_role, visible_petition_or_404

_INVALIDATION_RESULT = "invalidation_result"
_CRITERIA_ERRORS = {
    "email_domain": ("email_domain", _l("Enter a domain name like throwaway.example")),
    "ip_hash": ("ip_hash", _l("A hashed address is 32 characters from 0-9 and a-f")),
    "dates": ("created_until", _l("The end must come after the start")),
    "empty": ("email_domain", _l("Give a domain, a hashed address or dates")),
}


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None else None


def _criteria(form: InvalidationForm, petition: Petition) -> Criteria | None:
    """The form as criteria, or None with the problem on the form's field."""
    try:
        return Criteria(
            petition_id=petition.id,
            email_domain=form.email_domain.data or None,
            ip_hash=form.ip_hash.data or None,
            created_from=_utc(form.created_from.data),
            created_until=_utc(form.created_until.data),
        )
    except InvalidCriteria as exc:
        field, message = _CRITERIA_ERRORS[str(exc)]
        getattr(form, field).errors = [str(message)]
        return None


def _signing_page(petition: Petition, form: InvalidationForm | None, *, tally=None, status=200):
    config = current_app.config
    windows = signing_speed(
        db.session,
        petition.id,
        now=utcnow(),
        hour_threshold=request.args.get("hour", config["VELOCITY_THRESHOLD_HOUR"], type=int),
        day_threshold=request.args.get("day", config["VELOCITY_THRESHOLD_DAY"], type=int),
    )
    page = render_template(
        "staff/signing.html",
        petition=petition,
        windows=windows,
        site_paused=config["SIGNING_PAUSED"] or site_signing_paused(db.session),
        may_pause=can_edit_campaign(actor(), petition.campaign),
        form=form if is_admin(actor()) else None,
        tally=tally,
        result=session.pop(_INVALIDATION_RESULT, None) if request.method == "GET" else None,
        action_form=ActionForm(),
    )
    return page, status


@bp.get("/petitions/<slug>/signing")
def signing(slug: str):
    petition = visible_petition_or_404(slug)
    form = InvalidationForm(formdata=None)
    form.email_domain.data = request.args.get("email_domain", "")[:253]
    form.ip_hash.data = request.args.get("ip_hash", "")[:64]
    return _signing_page(petition, form)


@bp.post("/petitions/<slug>/signing/invalidate")
@require_role("admin")
def invalidate(slug: str):
    petition = visible_petition_or_404(slug)
    form = InvalidationForm()
    if not form.validate_on_submit():
        return _signing_page(petition, form, status=422)
    criteria = _criteria(form, petition)
    if criteria is None:
        return _signing_page(petition, form, status=422)
    if request.form.get("action") != "invalidate":
        return _signing_page(petition, form, tally=preview(db.session, criteria))
    if not form.confirm.data:
        form.confirm.errors = [_("Tick the box to confirm")]
        return _signing_page(petition, form, tally=preview(db.session, criteria), status=422)
    result = invalidate_signatures(
        db.session, criteria, now=utcnow(), actor_id=actor().id, origin=request_origin()
    )
    db.session.commit()
    session[_INVALIDATION_RESULT] = asdict(result.tally)
    return redirect(url_for("staff.signing", slug=petition.slug), code=303)


def _switch(paused: bool, petition: Petition | None):
    if not ActionForm().validate_on_submit():
        abort(400)
    set_signing_paused(
        db.session,
        paused,
        petition_slug=petition.slug if petition else None,
        actor_id=actor().id,
        origin=request_origin(),
    )
    db.session.commit()
    if petition is None:
        message = _("Signing is paused everywhere.") if paused else _("Signing is open again.")
        flash(message, "success")
        return redirect(url_for("staff.dashboard"), code=303)
    flash(
        _("Signing is paused on this petition.") if paused else _("Signing is open again."),
        "success",
    )
    return redirect(url_for("staff.signing", slug=petition.slug), code=303)


def _editable(slug: str) -> Petition:
    petition = visible_petition_or_404(slug)
    if not can_edit_campaign(actor(), petition.campaign):
        abort(403)
    return petition


@bp.post("/petitions/<slug>/signing/pause")
def pause_petition(slug: str):
    return _switch(True, _editable(slug))


@bp.post("/petitions/<slug>/signing/resume")
def resume_petition(slug: str):
    return _switch(False, _editable(slug))


@bp.post("/signing/pause")
@require_role("admin")
def pause_everywhere():
    if is_confirmed():
        return _switch(True, None)
    if not ActionForm().validate_on_submit():
        abort(400)
    return confirmation_page(
        title=_("Pause signing on every petition?"),
        consequences=[
            _("No one can sign any petition until an administrator opens signing again."),
            _("Every petition page shows a notice instead of its form."),
        ],
        action=url_for("staff.pause_everywhere"),
        button=_("Pause signing everywhere"),
        back=url_for("staff.dashboard"),
    )


@bp.post("/signing/resume")
@require_role("admin")
def resume_everywhere():
    return _switch(False, None)
