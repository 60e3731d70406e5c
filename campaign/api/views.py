"""Public JSON API: open petitions and their counters, cacheable and conditional."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import force_locale, format_decimal
from sqlalchemy import select

from campaign.api.cors import allow_cross_origin_reads
from campaign.api.openapi import openapi_document
from campaign.campaigns.permissions import publicly_visible_petitions
from campaign.config import LOCALES
from campaign.extensions import db
from campaign.models import Petition, Update, utcnow
from campaign.public.delivery import petition_country_counts
from campaign.updates.outcomes import latest_outcome, latest_outcomes
from campaign.web.i18n import country_name, signature_count_text
from campaign.web.links import absolute_url
from campaign.web.pagecache import cached_page

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.after_request(allow_cross_origin_reads)


def petition_json(petition: Petition, lang: str, outcome: Update | None) -> dict:
    text = petition.text_for(lang)
    # Formatted here so that pages updating their counter say it exactly as the server would.
    with force_locale(lang):
        count_display = format_decimal(petition.signature_count)
        count_text = signature_count_text(petition.signature_count)
    return {
        "slug": petition.slug,
        "title": text.title if text else petition.slug,
        "url": absolute_url("public.petition", lang=lang, slug=petition.slug),
        "signature_count": petition.signature_count,
        "signature_count_display": count_display,
        "signature_count_text": count_text,
        "goal": petition.goal,
        "status": petition.public_status(utcnow()),
        "closes_at": petition.closes_at.isoformat() if petition.closes_at else None,
        "campaign": petition.campaign.slug,
        "outcome": outcome.outcome if outcome else None,
        "outcome_at": outcome.send_at.isoformat() if outcome else None,
    }


def _lang() -> str:
    lang = request.args.get("lang", "en")
    if lang not in LOCALES:
        abort(400, description="lang must be one of: " + ", ".join(LOCALES))
    return lang


def _json_response(payload: object) -> Response:
    """JSON with a strong ETag from its bytes; answers 304 when the client has those bytes."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_CACHE_SECONDS"]
    return response.make_conditional(request)


def _public_petitions():
    """Petitions as the public sees them: the API answers everyone alike (no cookies, shared
    caches), so a petition in preview is not there for staff either."""
    return select(Petition).join(Petition.campaign).where(publicly_visible_petitions())


@bp.get("/petitions")
@cached_page(query_args=("lang",))
def list_petitions():
    lang = _lang()
    petitions = db.session.scalars(
        _public_petitions()
        .where(Petition.status == "open")
        .where((Petition.closes_at.is_(None)) | (Petition.closes_at > utcnow()))
        .order_by(Petition.id)
    ).all()
    outcomes = latest_outcomes(db.session, [p.id for p in petitions], now=utcnow())
    return _json_response(
        {"petitions": [petition_json(p, lang, outcomes.get(p.id)) for p in petitions]}
    )


@bp.get("/petitions/<slug>")
@cached_page(query_args=("lang",))
def get_petition(slug: str):
    lang = _lang()
    petition = db.session.scalar(_public_petitions().where(Petition.slug == slug))
    if petition is None:
        abort(404, description="No such petition")
    outcome = latest_outcome(db.session, petition.id, now=utcnow())
    return _json_response(petition_json(petition, lang, outcome))


@bp.get("/petitions/<slug>/countries")
@cached_page(query_args=("lang",))
def get_petition_countries(slug: str):
    lang = _lang()
    petition = db.session.scalar(_public_petitions().where(Petition.slug == slug))
    if petition is None:
        abort(404, description="No such petition")
    counts = petition_country_counts(petition.id)
    return _json_response(
        {
            "countries": [
                {"code": code, "name": country_name(code, lang), "count": count}
                for code, count in counts.countries
            ],
            "other": counts.other,
            "updated_at": counts.updated_at.isoformat() if counts.updated_at else None,
        }
    )


@bp.get("/openapi.json")
def openapi():
    return _json_response(openapi_document())
