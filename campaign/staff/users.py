"""Accounts (administrators only): list, invite, change roles, deactivate and reactivate."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from campaign.audit import (
    ACCOUNT_DEACTIVATED,
    ACCOUNT_REACTIVATED,
    INVITATION,
    ROLE_CHANGED,
    record_event,
)
from campaign.extensions import db
from campaign.models import User
from campaign.staff.accounts import (
    AccountError,
    EmailTaken,
    InvalidEmail,
    NotInvited,
    invite_user,
    resend_invitation,
    revoke_invitation,
    set_active,
    set_role,
)
from campaign.staff.blueprint import bp
from campaign.staff.forms import ActionForm, InviteForm, RoleForm
from campaign.staff.guards import actor, request_origin, require_role
from campaign.staff.labels import ROLE_LABELS
from campaign.web.i18n import organisation_name
from campaign.web.ratelimits import invitation_limit


@bp.route("/users", methods=["GET", "POST"])
@require_role("admin")
@invitation_limit
def users():
    form = InviteForm(locale=str(get_locale()))
    if form.validate_on_submit():
        try:
            invited = invite_user(
                db.session,
                email=form.email.data,
                role=form.role.data,
                locale=form.locale.data,
                secret_key=current_app.config["SECRET_KEY"],
                organisation=organisation_name(form.locale.data),
            )
        except InvalidEmail:
            db.session.rollback()
            form.email.errors = [_("Enter an email address like name@example.org")]
        except EmailTaken:
            db.session.rollback()
            form.email.errors = [_("An account with this email address exists already")]
        else:
            record_event(
                db.session,
                INVITATION,
                actor_id=actor().id,
                origin=request_origin(),
                details={"user_id": invited.id, "role": invited.role},
            )
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=invited.email), "success")
            return redirect(url_for("staff.users"), code=303)
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    status = 422 if request.method == "POST" else 200
    return render_template(
        "staff/users.html", form=form, accounts=accounts, action_form=ActionForm()
    ), status


def _set_active(user_id: int, active: bool):
    if not ActionForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    try:
        set_active(user, active, actor=actor())
    except AccountError:
        db.session.rollback()
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("staff.users"), code=303)
    record_event(
        db.session,
        ACCOUNT_REACTIVATED if active else ACCOUNT_DEACTIVATED,
        actor_id=actor().id,
        origin=request_origin(),
        details={"user_id": user.id},
    )
    db.session.commit()
    if active:
        flash(_("%(email)s can log in again.", email=user.email), "success")
    else:
        flash(_("%(email)s can no longer log in.", email=user.email), "success")
    return redirect(url_for("staff.users"), code=303)


@bp.post("/users/<int:user_id>/deactivate")
@require_role("admin")
def deactivate_user(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/reactivate")
@require_role("admin")
def reactivate_user(user_id: int):
    return _set_active(user_id, True)


def _invited_account(user_id: int) -> User:
    if not ActionForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/users/<int:user_id>/resend-invitation")
@require_role("admin")
def resend_user_invitation(user_id: int):
    user = _invited_account(user_id)
    try:
        resend_invitation(
            db.session,
            user,
            secret_key=current_app.config["SECRET_KEY"],
            organisation=organisation_name(user.locale),
            actor_id=actor().id,
            origin=request_origin(),
        )
    except NotInvited:
        db.session.rollback()
        flash(_("%(email)s has accepted the invitation already.", email=user.email), "error")
        return redirect(url_for("staff.users"), code=303)
    db.session.commit()
    flash(
        _(
            "Invitation sent again to %(email)s. The earlier link no longer works.",
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for("staff.users"), code=303)


@bp.post("/users/<int:user_id>/revoke-invitation")
@require_role("admin")
def revoke_user_invitation(user_id: int):
    user = _invited_account(user_id)
    email = user.email
    try:
        revoke_invitation(db.session, user, actor_id=actor().id, origin=request_origin())
    except NotInvited:
        db.session.rollback()
        flash(_("%(email)s has accepted the invitation already.", email=email), "error")
        return redirect(url_for("staff.users"), code=303)
    db.session.commit()
    flash(
        _("The invitation of %(email)s is revoked: its link no longer works.", email=email),
        "success",
    )
    return redirect(url_for("staff.users"), code=303)


@bp.post("/users/<int:user_id>/role")
@require_role("admin")
def change_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if form.role.data == user.role:
        return redirect(url_for("staff.users"), code=303)
    previous = user.role
    try:
        set_role(user, form.role.data, actor=actor())
    except AccountError:
        db.session.rollback()
        flash(_("You cannot change your own role."), "error")
        return redirect(url_for("staff.users"), code=303)
    record_event(
        db.session,
        ROLE_CHANGED,
        actor_id=actor().id,
        origin=request_origin(),
        details={"user_id": user.id, "from": previous, "to": user.role},
    )
    db.session.commit()
    flash(
        _(
            "%(email)s is now %(role)s and must log in again.",
            email=user.email,
            role=ROLE_LABELS[user.role],
        ),
        "success",
    )
    return redirect(url_for("staff.users"), code=303)
