"""Logging in and out, choosing a password from an emailed link, choosing a language."""

from __future__ import annotations

import time

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from campaign.audit import LOGIN, LOGIN_FAILED, LOGOUT, PASSWORD_SET, record_event
from campaign.extensions import db
from campaign.staff.accounts import (
    SpentLink,
    authenticate,
    end_sessions,
    request_password_reset,
    set_password,
    user_from_token,
)
from campaign.staff.blueprint import bp
from campaign.staff.forms import (
    ActionForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    SetPasswordForm,
)
from campaign.staff.guards import actor, request_origin, safe_next
from campaign.staff.limits import login_account_limit, reset_account_limit
from campaign.staff.sessions import end_session, start_session
from campaign.web.ratelimits import login_address_limit, reset_address_limit
from campaign.web.tokens import ExpiredToken, InvalidToken, Purpose


def _home() -> str:
    return url_for("staff.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@login_address_limit
@login_account_limit
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), _home()))
    form = LoginForm(next=request.args.get("next", ""))
    failed = False
    if form.validate_on_submit():
        attempt = authenticate(db.session, form.email.data, form.password.data)
        if attempt.user is not None:
            record_event(db.session, LOGIN, actor_id=attempt.user.id, origin=request_origin())
            db.session.commit()
            start_session(attempt.user)
            return redirect(safe_next(form.next.data, _home()), code=303)
        # The same answer for an unknown address, a wrong password and a closed account.
        record_event(
            db.session,
            LOGIN_FAILED,
            actor_id=attempt.account.id if attempt.account else None,
            origin=request_origin(),
        )
        db.session.commit()
        failed = True
    status = 422 if request.method == "POST" else 200
    return render_template("staff/login.html", form=form, failed=failed), status


@bp.post("/logout")
def logout():
    if not ActionForm().validate_on_submit():
        abort(400)
    # A signed cookie cannot be taken back, so logging out ends the account's sessions
    # everywhere: a copy of this cookie, or another device, is logged out as well.
    end_sessions(actor())
    record_event(db.session, LOGOUT, actor_id=actor().id, origin=request_origin())
    db.session.commit()
    end_session()
    flash(_("You have logged out on every device."), "info")
    return redirect(url_for("staff.login"), code=303)


# A reset request is answered no sooner than this after it arrived. Both answers do the same
# work (campaign.staff.accounts.request_password_reset) but for writing the email itself, tens of
# microseconds that many timed requests could still tell apart; the wait hides them. Requests
# are few and rate-limited, so the threads waiting cost nothing that matters.
RESET_ANSWER_AFTER = 0.1  # seconds


@bp.route("/password/forgot", methods=["GET", "POST"])
@reset_address_limit
@reset_account_limit
def forgot_password():
    arrived = time.monotonic()
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(
            db.session,
            form.email.data,
            locale=str(get_locale()),
            secret_key=current_app.config["SECRET_KEY"],
            origin=request_origin(),
        )
        db.session.commit()
        page = render_template("staff/reset_requested.html")
        time.sleep(max(0.0, RESET_ANSWER_AFTER - (time.monotonic() - arrived)))
        return page
    status = 422 if request.method == "POST" else 200
    return render_template("staff/forgot_password.html", form=form), status


def _choose_password(purpose: Purpose, token: str, max_age: int, template: str):
    try:
        user = user_from_token(
            db.session, current_app.config["SECRET_KEY"], purpose, token, max_age=max_age
        )
    except ExpiredToken:
        response = current_app.make_response(
            (render_template("staff/link_problem.html", problem="expired"), 410)
        )
    except SpentLink:
        response = current_app.make_response(
            (render_template("staff/link_problem.html", problem="spent"), 410)
        )
    except InvalidToken:
        response = current_app.make_response(
            (render_template("staff/link_problem.html", problem="invalid"), 400)
        )
    else:
        form = SetPasswordForm()
        if form.validate_on_submit():
            set_password(user, form.password.data)
            record_event(
                db.session,
                PASSWORD_SET,
                actor_id=user.id,
                origin=request_origin(),
                details={"via": purpose.value},
            )
            if purpose is Purpose.INVITATION:
                # The invited person proved they own the address and chose a password: they
                # are in, without typing it again at once.
                record_event(db.session, LOGIN, actor_id=user.id, origin=request_origin())
                db.session.commit()
                start_session(user)
                flash(_("Your password is set. Welcome to the workspace."), "success")
                return redirect(_home(), code=303)
            db.session.commit()
            if current_user.is_authenticated:
                end_session()
            flash(_("Your password is set. You can log in with it now."), "success")
            return redirect(url_for("staff.login"), code=303)
        status = 422 if request.method == "POST" else 200
        response = current_app.make_response(
            (render_template(template, form=form, email=user.email), status)
        )
    # The token is a credential: keep it out of other sites' logs.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@reset_address_limit
def reset_password(token: str):
    return _choose_password(
        Purpose.RESET_PASSWORD,
        token,
        current_app.config["PASSWORD_RESET_MAX_AGE"],
        "staff/reset_password.html",
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@reset_address_limit
def accept_invitation(token: str):
    return _choose_password(
        Purpose.INVITATION,
        token,
        current_app.config["INVITATION_MAX_AGE"],
        "staff/accept_invitation.html",
    )


@bp.post("/language")
def choose_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["lang"] = form.lang.data
    if current_user.is_authenticated:
        actor().locale = form.lang.data
        db.session.commit()
    default = _home() if current_user.is_authenticated else url_for("staff.login")
    return redirect(safe_next(form.next.data, default), code=303)
