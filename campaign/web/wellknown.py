"""/.well-known/security.txt (RFC 9116): where to report a vulnerability (SECURITY_CONTACT, in
production the MAIL_FROM address when it is unset)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app

from campaign.config import LOCALES
from campaign.models import utcnow

bp = Blueprint("wellknown", __name__, url_prefix="/.well-known")
CACHE_SECONDS = 24 * 3600
# RFC 9116 asks for less than a year, so a copy kept somewhere goes stale in good time.
EXPIRES_AFTER = timedelta(days=180)


def security_txt(contact: str, base_url: str) -> str:
    contact_uri = contact if ":" in contact else f"mailto:{contact}"
    expires = (utcnow() + EXPIRES_AFTER).replace(microsecond=0)
    return (
        f"Contact: {contact_uri}\n"
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}\n"
        f"Preferred-Languages: {', '.join(LOCALES)}\n"
        f"Canonical: {base_url}/.well-known/security.txt\n"
    )


@bp.get("/security.txt")
def security():
    contact = current_app.config["SECURITY_CONTACT"]
    if not contact:
        abort(404)
    response = Response(
        security_txt(contact, current_app.config["BASE_URL"]), mimetype="text/plain"
    )
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response
