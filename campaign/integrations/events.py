"""Recording what happened for the webhooks, in the transaction of the change itself.

Each function is called by the feature that makes the change (signing, erasure, authoring,
petition deadlines, updates; the wall calls `wall_post_approved`). It writes one delivery per
subscribed endpoint, in one INSERT, or nothing at all when no endpoint subscribes: which
endpoints subscribe to what is kept per process for a few seconds, so a confirmation with no
subscriber costs no statement at all, and one with subscribers a single INSERT.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Insert, delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from campaign.integrations.resources import PREFIX, petition_reference, signature_identifier
from campaign.models import Campaign, Petition, Update, WebhookDelivery, WebhookEndpoint

SIGNATURE_CONFIRMED = "signature.confirmed"
SIGNATURE_ERASED = "signature.erased"
PETITION_OPENED = "petition.opened"
PETITION_CLOSED = "petition.closed"
UPDATE_SENT = "update.sent"
WALL_POST_APPROVED = "wall_post.approved"
EVENTS = (
    SIGNATURE_CONFIRMED,
    SIGNATURE_ERASED,
    PETITION_OPENED,
    PETITION_CLOSED,
    UPDATE_SENT,
    WALL_POST_APPROVED,
)
# How long a process trusts what it read of the subscriptions. Changes made through this
# process are seen at once (forget_subscriptions); another process's, within this time.
SUBSCRIPTIONS_SECONDS = 2.0


@dataclass(frozen=True)
class _Subscription:
    endpoint_id: int
    events: frozenset[str]
    petition_id: int | None


_subscriptions: weakref.WeakKeyDictionary[Engine, tuple[float, list[_Subscription]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def forget_subscriptions(session: Session) -> None:
    """Read the subscriptions afresh next time: an endpoint was added, changed or removed."""
    with _lock:
        _subscriptions.pop(session.get_bind(), None)


def subscribers(session: Session, event: str, petition_id: int | None) -> list[int]:
    """The endpoints that want `event` about `petition_id`, paused ones included: their
    deliveries wait for them."""
    engine = session.get_bind()
    with _lock:
        cached = _subscriptions.get(engine)
    if cached is None or cached[0] < time.monotonic():
        rows = session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events, WebhookEndpoint.petition_id)
        ).all()
        found = [_Subscription(r.id, frozenset(r.events.split(",")), r.petition_id) for r in rows]
        cached = (time.monotonic() + SUBSCRIPTIONS_SECONDS, found)
        with _lock:
            _subscriptions[engine] = cached
    return [
        s.endpoint_id
        for s in cached[1]
        if event in s.events and (s.petition_id is None or s.petition_id == petition_id)
    ]


def signature_confirmed(
    session: Session, petition_id: int, public_id: str, *, now: datetime
) -> None:
    """One INSERT when an endpoint subscribes, none otherwise: the body is written by the
    worker (campaign.integrations.delivery), which reads the signature then."""
    endpoints = subscribers(session, SIGNATURE_CONFIRMED, petition_id)
    if endpoints:
        _queue(
            session, endpoints, SIGNATURE_CONFIRMED, None, now=now, signature_public_id=public_id
        )


def signatures_erased(
    session: Session, erased: Iterable[tuple[int, str, bool]], *, now: datetime
) -> None:
    """Signatures deleted on their owner's request, as (petition id, public id, confirmed).

    Deliveries that carry their personal data are deleted, whatever their state; endpoints
    that were told of a confirmed one are told of its erasure, by identifier alone.
    """
    erased = list(erased)
    if not erased:
        return
    session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.signature_public_id.in_([public_id for _, public_id, _ in erased]),
            WebhookDelivery.event == SIGNATURE_CONFIRMED,
        ),
        execution_options={"synchronize_session": False},
    )
    slugs: dict[int, str] = {}
    for petition_id, public_id, confirmed in erased:
        endpoints = subscribers(session, SIGNATURE_ERASED, petition_id) if confirmed else []
        if not endpoints:
            continue
        if petition_id not in slugs:
            slugs[petition_id] = session.scalar(
                select(Petition.slug).where(Petition.id == petition_id)
            )
        resource = {
            "identifier": signature_identifier(public_id),
            "action_date": now.isoformat(),
            "petition": petition_reference(slugs[petition_id]),
        }
        _queue(session, endpoints, SIGNATURE_ERASED, resource, now=now)


def forget_old_deliveries(session: Session, *, before: datetime) -> int:
    """Delete deliveries done with (delivered or given up) and queued before `before`: their
    bodies hold signers' data, which the retention purge does not keep longer than that."""
    return session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.status != "pending", WebhookDelivery.created_at < before
        ),
        execution_options={"synchronize_session": False},
    ).rowcount


def petition_status_changed(
    session: Session, petition: Petition, *, now: datetime, deadline_passed: bool = False
) -> None:
    """A petition opened to signatures or closed, by staff or by its deadline passing (its row
    stays open then, so the body says closed, as of the deadline)."""
    status = "closed" if deadline_passed else petition.status
    event = {"open": PETITION_OPENED, "closed": PETITION_CLOSED}.get(status)
    endpoints = subscribers(session, event, petition.id) if event else []
    if endpoints:
        text = petition.text_for(petition.default_locale)
        resource = {
            **petition_reference(petition.slug),
            "title": text.title if text else petition.slug,
            "status": status,
            "action_date": (petition.closes_at if deadline_passed else now).isoformat(),
            "signature_count": petition.signature_count,
            "goal": petition.goal,
        }
        _queue(session, endpoints, event, resource, now=now)


def update_sent(session: Session, item: Update, *, now: datetime) -> None:
    """An update to signers is queued for all its recipients."""
    endpoints = subscribers(session, UPDATE_SENT, item.petition_id)
    if endpoints:
        resource = {
            "identifier": f"{PREFIX}update:{item.id}",
            "action_date": now.isoformat(),
            "petition": petition_reference(item.petition.slug),
            "campaign_wide": item.campaign_wide,
            "outcome": item.outcome,
            "subjects": {text.locale: text.subject for text in item.texts},
            "recipients": item.queued_count,
        }
        _queue(session, endpoints, UPDATE_SENT, resource, now=now)


def wall_post_approved(
    session: Session, campaign_id: int, post_id: int, public: Mapping[str, object], *, now: datetime
) -> None:
    """A post on a campaign's wall of support approved by a moderator, for the wall to call in
    the transaction that approves it. Endpoints kept to one petition get the posts of that
    petition's campaign. `public` holds what the wall publishes of the post, and nothing the
    wall keeps to itself."""
    petitions = session.execute(
        select(Petition.id, Campaign.slug)
        .join(Campaign, Campaign.id == Petition.campaign_id)
        .where(Petition.campaign_id == campaign_id)
    ).all()
    endpoints = dict.fromkeys(subscribers(session, WALL_POST_APPROVED, None))
    for petition_id, _slug in petitions:
        endpoints.update(dict.fromkeys(subscribers(session, WALL_POST_APPROVED, petition_id)))
    if endpoints:
        slug = (
            petitions[0].slug
            if petitions
            else session.scalar(select(Campaign.slug).where(Campaign.id == campaign_id))
        )
        resource = {
            **public,
            "identifier": f"{PREFIX}wall_post:{post_id}",
            "action_date": now.isoformat(),
            "campaign": {"identifier": f"{PREFIX}campaign:{slug}", "slug": slug},
        }
        _queue(session, list(endpoints), WALL_POST_APPROVED, resource, now=now)


def encode(resource: Mapping[str, object]) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


@cache
def _insert_delivery() -> Insert:
    return insert(WebhookDelivery.__table__)


def _queue(
    session: Session,
    endpoints: list[int],
    event: str,
    resource: Mapping[str, object] | None,
    *,
    now: datetime,
    signature_public_id: str | None = None,
) -> None:
    body = encode(resource) if resource is not None else None
    rows = [
        {
            "endpoint_id": endpoint_id,
            "event": event,
            "delivery_id": str(uuid.uuid4()),
            "signature_public_id": signature_public_id,
            "body": body,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for endpoint_id in endpoints
    ]
    # One row as a plain execution: cheaper than the many-rows path most deployments never need.
    session.execute(_insert_delivery(), rows[0] if len(rows) == 1 else rows)
