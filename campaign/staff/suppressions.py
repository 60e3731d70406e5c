"""The suppression list (administrators only): figures per reason, adding an address, looking
one address up and lifting a suppression. No page lists addresses; a looked-up address travels
only in the POST body."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectChoice

from campaign.extensions import db
from campaign.mail.addresses import InvalidAddress, address_policy
from campaign.mail.suppressions import reason_counts
from campaign.models import Campaign, Petition, Suppression
from campaign.privacy.suppression_list import add_suppression, look_up, remove_suppression
from campaign.staff.blueprint import bp
from campaign.staff.forms import SuppressionForm, SuppressionLookupForm
from campaign.staff.guards import actor, request_origin, require_role
from campaign.staff.labels import SUPPRESSION_REASON_LABELS

EVERYTHING = "all"
INVALID_ADDRESS = _l("Enter an email address like name@example.org")


def _forms() -> tuple[SuppressionForm, SuppressionLookupForm]:
    form = SuppressionForm(prefix="add")
    lang = str(get_locale())
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.slug)).all()
    form.scope.choices = [SelectChoice(EVERYTHING, _("Everything the organisation sends"))] + [
        SelectChoice(str(c.id), c.text_for(lang).title) for c in campaigns
    ]
    return form, SuppressionLookupForm(prefix="lookup")


def _page(form, lookup, status: int, found: list[Suppression] | None = None):
    return render_template(
        "staff/suppressions.html",
        form=form,
        lookup=lookup,
        counts=reason_counts(db.session),
        reason_labels=SUPPRESSION_REASON_LABELS,
        found=found,
        scopes=_scope_names(found or []),
    ), status


def _scope_names(found: list[Suppression]) -> dict[tuple[str, int], object]:
    """What each suppression's scope is called: a campaign's or a petition's row."""
    models = {"campaign": Campaign, "petition": Petition}
    return {
        (item.scope, item.scope_id): db.session.get(models[item.scope], item.scope_id)
        for item in found
        if item.scope in models
    }


@bp.get("/suppressions")
@require_role("admin")
def suppressions():
    form, lookup = _forms()
    return _page(form, lookup, 200)


@bp.post("/suppressions")
@require_role("admin")
def add_to_suppressions():
    form, lookup = _forms()
    if form.validate_on_submit():
        scope = form.scope.data
        try:
            added = add_suppression(
                db.session,
                form.email.data,
                reason=form.reason.data,
                campaign_id=None if scope == EVERYTHING else int(scope),
                rules=address_policy().rules,
                actor_id=actor().id,
                origin=request_origin(),
            )
        except InvalidAddress:
            db.session.rollback()
            form.email.errors = [str(INVALID_ADDRESS)]
        else:
            db.session.commit()
            flash(
                _("The address will get no more updates.")
                if added
                else _("This address was already suppressed in this way."),
                "success",
            )
            return redirect(url_for("staff.suppressions"), code=303)
    return _page(form, lookup, 422)


@bp.post("/suppressions/lookup")
@require_role("admin")
def look_up_suppression():
    form, lookup = _forms()
    if lookup.validate_on_submit():
        try:
            found = look_up(db.session, lookup.email.data, address_policy().rules)
        except InvalidAddress:
            lookup.email.errors = [str(INVALID_ADDRESS)]
        else:
            return _page(form, lookup, 200, found)
    return _page(form, lookup, 422)


@bp.post("/suppressions/<int:suppression_id>/remove")
@require_role("admin")
def remove_from_suppressions(suppression_id: int):
    if not remove_suppression(
        db.session, suppression_id, actor_id=actor().id, origin=request_origin()
    ):
        abort(404)
    db.session.commit()
    flash(
        _("The suppression is removed: updates the person asked for reach them again."), "success"
    )
    return redirect(url_for("staff.suppressions"), code=303)
