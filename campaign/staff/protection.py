"""Data protection (administrators only): erasure requests and the audit log."""

from __future__ import annotations

import math
from dataclasses import asdict, replace
from datetime import UTC, datetime, time, timedelta

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from wtforms import SelectChoice

from campaign.extensions import db
from campaign.mail.addresses import InvalidAddress, address_policy
from campaign.models import AuditEvent, User
from campaign.privacy.erasure import (
    ErasurePreview,
    ErasureResult,
    erase_mailbox,
    preview_erasure,
)
from campaign.staff.audit_details import describe
from campaign.staff.blueprint import bp
from campaign.staff.forms import AuditFilterForm, ErasureForm, ErasureLookupForm
from campaign.staff.guards import actor, request_origin, require_role
from campaign.web.i18n import organisation_name
from campaign.web.images import discard_images

AUDIT_PAGE_SIZE = 50
NO_ACCOUNT = "none"
_ERASURE_RESULT = "erasure_result"


@bp.route("/erasure", methods=["GET", "POST"])
@require_role("admin")
def erasure():
    """Find what is held for an address and show it; nothing is erased here."""
    form = ErasureLookupForm()
    if form.validate_on_submit():
        try:
            preview = preview_erasure(
                db.session,
                form.email.data,
                secret_key=current_app.config["SECRET_KEY"],
                addresses=address_policy(),
            )
        except InvalidAddress:
            form.email.errors = [_("Enter an email address like name@example.org")]
        else:
            if not preview.found_anything:
                return render_template("staff/erasure.html", form=form, nothing_found=True)
            confirm = ErasureForm(formdata=None, email=form.email.data.strip())
            return _erasure_preview(preview, confirm, 200)
    status = 422 if request.method == "POST" else 200
    found = session.pop(_ERASURE_RESULT, None) if request.method == "GET" else None
    result = ErasureResult(**found) if found else None
    return render_template("staff/erasure.html", form=form, result=result), status


def _erasure_preview(preview: ErasurePreview, form: ErasureForm, status: int):
    return render_template(
        "staff/erasure_confirm.html", preview=preview, form=form, lang=str(get_locale())
    ), status


@bp.post("/erasure/confirm")
@require_role("admin")
def erasure_confirm():
    form = ErasureForm()
    if not form.validate_on_submit():
        try:
            preview = preview_erasure(
                db.session,
                form.email.data or "",
                secret_key=current_app.config["SECRET_KEY"],
                addresses=address_policy(),
            )
        except InvalidAddress:
            return redirect(url_for("staff.erasure"), code=303)
        return _erasure_preview(preview, form, 422)
    try:
        result = erase_mailbox(
            db.session,
            form.email.data,
            actor_id=actor().id,
            origin=request_origin(),
            secret_key=current_app.config["SECRET_KEY"],
            addresses=address_policy(),
            organisation=organisation_name,
        )
    except InvalidAddress:
        db.session.rollback()
        return redirect(url_for("staff.erasure"), code=303)
    db.session.commit()
    discard_images(current_app.config["UPLOAD_DIR"], list(result.files))
    # Counts only: the address is not kept anywhere, not even in the session.
    session[_ERASURE_RESULT] = asdict(replace(result, files=()))
    return redirect(url_for("staff.erasure"), code=303)


def _day_start(day) -> datetime:
    return datetime.combine(day, time(), UTC)


@bp.get("/audit")
@require_role("admin")
def audit():
    form = AuditFilterForm(formdata=request.args)
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    form.actor.choices = [
        SelectChoice("", _("Everyone")),
        SelectChoice(NO_ACCOUNT, _("No account (command line, unknown login)")),
    ] + [SelectChoice(str(user.id), user.email) for user in accounts]
    valid = form.validate()
    conditions = []
    if valid:
        if form.action.data:
            conditions.append(AuditEvent.action == form.action.data)
        if form.actor.data == NO_ACCOUNT:
            conditions.append(AuditEvent.actor_id.is_(None))
        elif form.actor.data:
            conditions.append(AuditEvent.actor_id == int(form.actor.data))
        if form.date_from.data:
            conditions.append(AuditEvent.created_at >= _day_start(form.date_from.data))
        if form.date_to.data:
            end = _day_start(form.date_to.data + timedelta(days=1))
            conditions.append(AuditEvent.created_at < end)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    pages = max(math.ceil(total / AUDIT_PAGE_SIZE), 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    events = db.session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_PAGE_SIZE)
        .offset((page - 1) * AUDIT_PAGE_SIZE)
    ).all()
    # Only the form's own fields are carried into the page links.
    filters = {
        name: request.args[name]
        for name in ("action", "actor", "date_from", "date_to")
        if request.args.get(name)
    }
    emails = {user.id: user.email for user in accounts}
    return render_template(
        "staff/audit.html",
        form=form,
        events=[(event, describe(event, emails)) for event in events],
        page=page,
        pages=pages,
        total=total,
        filters=filters,
    ), (200 if valid else 422)
