"""/metrics: the Prometheus text format, for whoever holds METRICS_TOKEN.

The counters come from campaign.web.metrics (every process's, in multiprocess mode); what the
database knows is read at each scrape, so every app server reports the same queue: the
outbox's depth and oldest age per kind of email, mail late or not, the workers' last loop,
and updates being sent.
"""

from __future__ import annotations

import hmac
import math

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, or_, select

from campaign.extensions import db
from campaign.models import OutboxEmail, Update
from campaign.operations.readiness import current_mail_health
from campaign.web.metrics import counted_metrics

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics():
    if not _authorised(request.headers.get("Authorization", "")):
        response = Response("a bearer token is needed\n", 401, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        response.cache_control.no_store = True
        return response
    response = Response(generate_latest(_Scrape()), mimetype=None)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.cache_control.no_store = True
    return response


def _authorised(header: str) -> bool:
    scheme, _, token = header.partition(" ")
    expected = current_app.config["METRICS_TOKEN"]
    return (
        scheme.lower() == "bearer"
        and bool(expected)
        and hmac.compare_digest(token.strip().encode(), expected.encode())
    )


class _Scrape:
    """The counters and, beside them, the database's figures read now."""

    def collect(self):
        yield from counted_metrics().collect()
        yield from database_metrics()


def database_metrics() -> list[GaugeMetricFamily]:
    health = current_mail_health()
    depth = GaugeMetricFamily("campaign_outbox_depth", "Emails waiting to be sent.")
    depth.add_metric([], health.pending)
    by_kind = GaugeMetricFamily(
        "campaign_outbox_depth_by_kind", "Emails waiting to be sent, by kind.", labels=["kind"]
    )
    oldest = GaugeMetricFamily(
        "campaign_outbox_oldest_age_seconds",
        "How long the oldest waiting email has waited (0 when none waits).",
    )
    age = health.oldest_age
    oldest.add_metric([], age.total_seconds() if age is not None else 0)
    oldest_by_kind = GaugeMetricFamily(
        "campaign_outbox_oldest_age_seconds_by_kind",
        "How long the oldest waiting email of each kind has waited.",
        labels=["kind"],
    )
    for queue in health.queues:
        by_kind.add_metric([queue.kind], queue.pending)
        oldest_by_kind.add_metric(
            [queue.kind], (health.now - queue.oldest_created_at).total_seconds()
        )
    retrying = GaugeMetricFamily(
        "campaign_outbox_retrying", "Waiting emails whose last attempts failed (3 or more)."
    )
    retrying.add_metric([], health.retrying)
    late = GaugeMetricFamily(
        "campaign_mail_late", "1 when the oldest waiting email is older than MAIL_LATE_AFTER."
    )
    late.add_metric([], int(health.late))
    seen = GaugeMetricFamily(
        "campaign_worker_last_seen_age_seconds",
        "Seconds since an outbox worker last looped (NaN when none ever did).",
    )
    seen.add_metric(
        [],
        (health.now - health.last_seen_at).total_seconds() if health.last_seen_at else math.nan,
    )
    sending = GaugeMetricFamily(
        "campaign_update_sends_in_progress",
        "Updates being queued, or with emails still waiting to be sent.",
    )
    sending.add_metric([], updates_in_progress())
    return [depth, by_kind, oldest, oldest_by_kind, retrying, late, seen, sending]


def updates_in_progress() -> int:
    waiting = (
        select(OutboxEmail.update_id)
        .where(OutboxEmail.status == "pending", OutboxEmail.update_id.is_not(None))
        .distinct()
    )
    return db.session.scalar(
        select(func.count())
        .select_from(Update)
        .where(or_(Update.status == "queuing", Update.id.in_(waiting)))
    )
