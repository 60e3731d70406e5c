"""The staff blueprint: every page under /staff/ needs a live session, except the few below."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from campaign.staff.labels import (
    ACTION_LABELS,
    CAMPAIGN_STATUS_ACTIONS,
    CAMPAIGN_STATUS_LABELS,
    ENDORSEMENT_STATE_LABELS,
    PETITION_STATUS_ACTIONS,
    PETITION_STATUS_LABELS,
    ROLE_LABELS,
    STATEMENT_STATUS_ACTIONS,
    STATEMENT_STATUS_LABELS,
)
from campaign.staff.sessions import end_session, touch_session
from campaign.web.i18n import country_name, text_direction

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Reachable without logging in; every other staff page redirects to the login form.
OPEN_ENDPOINTS = frozenset(
    {
        "staff.login",
        "staff.forgot_password",
        "staff.reset_password",
        "staff.accept_invitation",
        "staff.choose_language",
    }
)


@bp.before_request
def require_live_session():
    if current_user.is_authenticated:
        touch_session()
        return None
    if "_user_id" in session:
        # Logged in once, but the session is too old or the account changed.
        end_session()
        flash(_("Your session has ended. Please log in again."), "info")
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("staff.login", next=target), code=303)


@bp.after_request
def never_cache(response):
    response.cache_control.no_store = True
    response.cache_control.private = True
    response.vary.add("Cookie")
    return response


@bp.context_processor
def staff_helpers():
    return {
        "current_user": current_user,
        "text_direction": text_direction,
        "country_name": country_name,
        "role_labels": ROLE_LABELS,
        "campaign_status_labels": CAMPAIGN_STATUS_LABELS,
        "petition_status_labels": PETITION_STATUS_LABELS,
        "campaign_status_actions": CAMPAIGN_STATUS_ACTIONS,
        "petition_status_actions": PETITION_STATUS_ACTIONS,
        "statement_status_labels": STATEMENT_STATUS_LABELS,
        "statement_status_actions": STATEMENT_STATUS_ACTIONS,
        "endorsement_state_labels": ENDORSEMENT_STATE_LABELS,
        "action_labels": ACTION_LABELS,
        "format_date": format_date,
        "format_datetime": format_datetime,
        "iso_time": iso_time,
        # Times are shown, and typed in, on the organisation's clock (BABEL_DEFAULT_TIMEZONE).
        "organisation_timezone": current_app.config["ORGANISATION_TIMEZONE"],
    }


def iso_time(moment: datetime) -> str:
    """A moment as ISO 8601 with its offset from UTC, "2026-05-04T03:02:01+00:00": the form no
    staff member misreads, whatever their language."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")
