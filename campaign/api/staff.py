"""The staff signatures API: confirmed signatures for the organisation's CRM, page by page,
for a bearer token (`campaign tokens create`). Every call is audited; no cookie is read."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from campaign.audit import API_SIGNATURES_READ, origin_of, record_event
from campaign.extensions import db, limiter
from campaign.integrations.paging import BadCursor, parse_since, signature_page
from campaign.integrations.tokens import authenticate
from campaign.models import Petition, utcnow
from campaign.web.clients import client_key
from campaign.web.ratelimits import configured

bp = Blueprint("staff_api", __name__, url_prefix="/api/v1/staff")


def _refusal(code: int, message: str, **headers: str):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = code
    response.headers.update(headers)
    return response


@bp.after_request
def never_cache(response):
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


@bp.get("/petitions/<slug>/signatures")
# Per client address, before the token is read: guessing tokens is limited as much as using one.
@limiter.limit(configured("STAFF_API_RATE_LIMIT"), key_func=client_key, scope="staff-api")
def signatures(slug: str):
    now = utcnow()
    token = authenticate(db.session, request.headers.get("Authorization"), now=now)
    if token is None:
        return _refusal(
            401,
            "A valid bearer token is required: Authorization: Bearer <token>.",
            **{"WWW-Authenticate": 'Bearer realm="staff-api"'},
        )
    petition_id = db.session.scalar(select(Petition.id).where(Petition.slug == slug))
    if petition_id is None:
        return _refusal(404, "No petition has this slug.")
    since = None
    if raw_since := request.args.get("since"):
        try:
            since = parse_since(raw_since)
        except ValueError:
            return _refusal(400, "since must be an ISO 8601 time, e.g. 2026-01-31T12:00:00Z.")
    config = current_app.config
    try:
        page = signature_page(
            db.session,
            petition_id,
            secret_key=config["SECRET_KEY"],
            now=now,
            cursor=request.args.get("cursor") or None,
            since=since,
            settle=timedelta(seconds=config["STAFF_API_SETTLE_SECONDS"]),
        )
    except BadCursor:
        return _refusal(400, "cursor was not given by this API for this petition.")
    record_event(
        db.session,
        API_SIGNATURES_READ,
        origin=origin_of(config["SECRET_KEY"], request.remote_addr),
        details={"token": token.name, "petition": slug, "count": len(page.signatures)},
    )
    db.session.commit()
    return jsonify(signatures=page.signatures, next=page.next, resume=page.resume)
