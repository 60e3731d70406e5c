"""What the staff views check before they act: roles, visibility, and safe redirects."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import select

from campaign.audit import origin_of
from campaign.campaigns.permissions import can_edit_campaign, can_edit_statement, can_see_petition
from campaign.extensions import db
from campaign.models import Campaign, Petition, Statement, User


def actor() -> User:
    return current_user._get_current_object()


def require_role(*roles: str):
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def visible_petition_or_404(slug: str) -> Petition:
    """A petition the current user may see; others answer as if it did not exist."""
    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None or not can_see_petition(actor(), petition):
        abort(404)
    return petition


def editable_campaign_or_404(slug: str) -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None or not can_edit_campaign(actor(), campaign):
        abort(404)
    return campaign


def editable_petition_or_404(slug: str) -> Petition:
    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None or not can_edit_campaign(actor(), petition.campaign):
        abort(404)
    return petition


def editable_statement_or_404(slug: str) -> Statement:
    statement = db.session.scalar(select(Statement).where(Statement.slug == slug))
    if statement is None or not can_edit_statement(actor(), statement):
        abort(404)
    return statement


def request_origin() -> str | None:
    return origin_of(current_app.config["SECRET_KEY"], request.remote_addr)


def safe_next(target: str | None, default: str) -> str:
    """Follow `next` only to a path on this site: never to another host, scheme or `//host`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\\\r\n\t"):
        return default
    return target
