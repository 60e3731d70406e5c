"""Emails the platform gave up on, for admins: what kind, when, how often tried, and why, never
to whom."""

from __future__ import annotations

from flask import render_template

from campaign.extensions import db
from campaign.mail.outbox import failed_count, recent_failures
from campaign.staff.blueprint import bp
from campaign.staff.guards import require_role
from campaign.staff.labels import EMAIL_KIND_LABELS

SHOWN = 50


@bp.get("/outbox")
@require_role("admin")
def outbox():
    return render_template(
        "staff/outbox.html",
        total=failed_count(db.session),
        failures=recent_failures(db.session, limit=SHOWN),
        kind_labels=EMAIL_KIND_LABELS,
    )
