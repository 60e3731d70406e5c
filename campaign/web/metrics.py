"""Prometheus metrics the platform counts as it works (prometheus-client).

Labels take values from short fixed lists (route names, methods, status codes, outcomes),
never from a URL or a form: no personal data and no unbounded series. With several app
server processes, PROMETHEUS_MULTIPROC_DIR names a directory they (and the outbox worker on
the same machine) write their counts to; it must exist and be empty when the machine starts.
What the database knows (the outbox's queue, updates being sent) is read when scraped
(campaign.operations.metrics), not counted here.
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.multiprocess import MultiProcessCollector

REQUEST_SECONDS = Histogram(
    "campaign_http_request_duration_seconds",
    "Time to answer a request, by route name (never the URL), method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SIGNINGS = Counter(
    "campaign_signings",
    "Signing forms accepted, each a new pending signature or a repeat signer sent the link "
    "again (the page cannot tell them apart, nor can this).",
)
SIGNATURES_CONFIRMED = Counter(
    "campaign_signatures_confirmed", "Signatures confirmed and counted (once each)."
)
EMAIL_DELIVERIES = Counter(
    "campaign_email_deliveries",
    "Outbox delivery attempts by outcome: sent, retrying (to be tried again) or failed.",
    ["outcome"],
)
WEBHOOK_DELIVERIES = Counter(
    "campaign_webhook_deliveries",
    "Webhook delivery attempts by outcome: delivered, retrying or failed.",
    ["outcome"],
)
RATE_LIMIT_REFUSALS = Counter(
    "campaign_rate_limit_refusals",
    "Requests refused with 429 by a rate limit, by route name.",
    ["route"],
)
EMAIL_OUTCOMES = frozenset({"sent", "retrying", "failed"})
WEBHOOK_OUTCOMES = frozenset({"delivered", "retrying", "failed"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def count_email_deliveries(*, sent: int = 0, retrying: int = 0, failed: int = 0) -> None:
    for outcome, number in (("sent", sent), ("retrying", retrying), ("failed", failed)):
        if number:
            EMAIL_DELIVERIES.labels(outcome=outcome).inc(number)


def count_webhook_delivery(outcome: str, attempts: int = 1) -> None:
    """Webhook delivery attempts ended: `delivered`, `retrying` or `failed`."""
    if outcome not in WEBHOOK_OUTCOMES:
        raise ValueError(f"not a webhook delivery outcome: {outcome!r}")
    WEBHOOK_DELIVERIES.labels(outcome=outcome).inc(attempts)


# Each series once looked up: `labels()` costs several times what `observe()` does, on every
# request. Bounded like the labels themselves (routes x methods x statuses).
_request_series: dict[tuple[str, str, int], Histogram] = {}


def observe_request(route: str | None, method: str, status: int, seconds: float) -> None:
    key = (route or "unmatched", method if method in METHODS else "OTHER", status)
    series = _request_series.get(key)
    if series is None:
        series = _request_series[key] = REQUEST_SECONDS.labels(
            route=key[0], method=key[1], status=str(status)
        )
    series.observe(seconds)


def counted_metrics():
    """What this process counted, or with PROMETHEUS_MULTIPROC_DIR what every process did."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


# Every series exists from the start at zero, so a rate over the first increment is right.
for _outcome in EMAIL_OUTCOMES:
    EMAIL_DELIVERIES.labels(outcome=_outcome)
for _outcome in WEBHOOK_OUTCOMES:
    WEBHOOK_DELIVERIES.labels(outcome=_outcome)
