"""/readyz for load balancers and uptime monitors: 503 with a reason when the database does
not answer or mail is late. /healthz (campaign.web.health) stays the liveness check.

The answer holds counts and ages only; nothing about who signed.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from campaign.extensions import db
from campaign.mail.health import MailHealth, mail_health
from campaign.models import utcnow

bp = Blueprint("readiness", __name__)
RETRY_AFTER_SECONDS = 30


def current_mail_health() -> MailHealth:
    config = current_app.config
    return mail_health(
        db.session,
        now=utcnow(),
        late_after=timedelta(seconds=config["MAIL_LATE_AFTER"]),
        silent_after=timedelta(seconds=config["WORKER_SILENT_SECONDS"]),
    )


@bp.get("/readyz")
def readyz():
    try:
        health = current_mail_health()
    except SQLAlchemyError:
        db.session.rollback()
        return _answer(503, status="unavailable", reason="database unreachable", database="down")
    age = health.oldest_age
    mail = {
        "pending": health.pending,
        "oldest_pending_seconds": int(age.total_seconds()) if age is not None else None,
        "late_after_seconds": int(health.late_after.total_seconds()),
        "worker_seen": not health.worker_missing,
    }
    # The development mailbox shows emails without any worker: nothing there is ever late.
    if health.late and not current_app.config["DEV_MAILBOX"]:
        return _answer(503, status="unavailable", reason="mail is late", database="ok", mail=mail)
    return _answer(200, status="ok", database="ok", mail=mail)


def _answer(code: int, **body):
    response = jsonify(body)
    response.status_code = code
    response.cache_control.no_store = True
    if code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
