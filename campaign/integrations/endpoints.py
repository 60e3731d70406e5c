"""Webhook endpoints: which addresses may receive the platform's events, and what staff do
with them (add, pause, rotate the secret, replay a delivery).

An endpoint is a URL the platform's own servers will POST to: without care that is a way into
the organisation's network (SSRF). So outside WEBHOOKS_ALLOW_HTTP, only https:// to public
addresses is accepted, checked when the endpoint is added and again by every new connection
the worker opens (campaign.integrations.delivery), since a name can resolve elsewhere later.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from campaign.audit import WEBHOOK_ADDED, WEBHOOK_CHANGED, record_event
from campaign.integrations.events import EVENTS, forget_subscriptions
from campaign.models import Petition, WebhookDelivery, WebhookEndpoint
from campaign.web.refusals import InvalidFields

URL_MAX = 2000
Resolver = Callable[[str, int], list[str]]


class InvalidEndpoint(InvalidFields):
    """The URL, events or petition of a new endpoint are wrong; nothing was stored."""


class RefusedAddress(Exception):
    """The endpoint's host resolves nowhere, or to an address no webhook may reach."""


@dataclass(frozen=True)
class Target:
    """Where deliveries go, read from an accepted URL."""

    scheme: str
    host: str
    port: int
    path: str  # with the query string


def resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedAddress("does not resolve") from None
    return list(dict.fromkeys(info[4][0] for info in found))


def reachable_addresses(host: str, port: int, *, resolver: Resolver = resolve) -> list[str]:
    """The addresses of `host`, all public; raises RefusedAddress if any is not.

    Every address must be public, not just the first: a name answering with a public and a
    private address would let the connection pick the private one.
    """
    addresses = resolver(host, port)
    if not addresses:
        raise RefusedAddress("does not resolve")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise RefusedAddress("not a public address")
    return addresses


def target_of(url: str) -> Target:
    parts = urlsplit(url)
    default_port = 443 if parts.scheme == "https" else 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname or "", parts.port or default_port, path)


def url_problem(
    url: str, *, allow_http: bool, base_url: str, resolver: Resolver = resolve
) -> str | None:
    """What is wrong with a webhook URL, as a message key, or None."""
    if not url:
        return "required"
    if len(url) > URL_MAX or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "invalid"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return "invalid"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "scheme"
    if parts.username is not None or parts.password is not None:
        return "credentials"
    target, platform = target_of(url), target_of(base_url)
    if (target.host, target.port) == (platform.host, platform.port):
        return "platform"
    if allow_http:
        return None
    if parts.scheme != "https":
        return "http"
    try:
        reachable_addresses(target.host, target.port, resolver=resolver)
    except RefusedAddress:
        return "private"
    return None


def event_names(raw: str | Sequence[str]) -> list[str]:
    names = raw.split(",") if isinstance(raw, str) else list(raw)
    return [name.strip() for name in names if name.strip()]


def add_endpoint(
    session: Session,
    url: str,
    events: str | Sequence[str],
    *,
    petition_slug: str | None,
    allow_http: bool,
    base_url: str,
    actor_id: int | None,
    origin: str | None,
    resolver: Resolver = resolve,
) -> tuple[WebhookEndpoint, str]:
    """Store a new endpoint and return it with its secret, which is never shown again."""
    url = url.strip()
    errors: dict[str, str] = {}
    if problem := url_problem(url, allow_http=allow_http, base_url=base_url, resolver=resolver):
        errors["url"] = problem
    names = event_names(events)
    if not names:
        errors["events"] = "required"
    elif any(name not in EVENTS for name in names):
        errors["events"] = "unknown"
    petition_id = None
    if petition_slug:
        petition_id = session.scalar(select(Petition.id).where(Petition.slug == petition_slug))
        if petition_id is None:
            errors["petition"] = "unknown"
    if errors:
        raise InvalidEndpoint(errors)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=url,
        events=",".join(dict.fromkeys(names)),
        petition_id=petition_id,
        secret=secret,
    )
    session.add(endpoint)
    session.flush()
    # The URL may name the organisation's systems; the audit keeps which endpoint and events.
    record_event(
        session,
        WEBHOOK_ADDED,
        actor_id=actor_id,
        origin=origin,
        details={"endpoint": endpoint.id, "events": names, "petition": petition_slug},
    )
    forget_subscriptions(session)
    return endpoint, secret


def new_secret() -> str:
    return secrets.token_hex(32)


def rotate_secret(
    session: Session, endpoint: WebhookEndpoint, *, actor_id: int | None, origin: str | None
) -> str:
    """A new secret: deliveries sent from the commit on are signed with it."""
    endpoint.secret = new_secret()
    _audit(session, endpoint, "secret_rotated", actor_id=actor_id, origin=origin)
    return endpoint.secret


def set_paused(
    session: Session,
    endpoint: WebhookEndpoint,
    paused: bool,
    *,
    actor_id: int | None,
    origin: str | None,
) -> None:
    """A paused endpoint still gets its deliveries queued; they wait until it is resumed."""
    endpoint.paused = paused
    _audit(session, endpoint, "paused" if paused else "resumed", actor_id=actor_id, origin=origin)


def replay(
    session: Session,
    endpoint: WebhookEndpoint,
    delivery_id: int,
    *,
    now: datetime,
    actor_id: int | None,
    origin: str | None,
) -> bool:
    """Send a delivery again, with its delivery id, as soon as the worker can; False when the
    endpoint has no such delivery."""
    replayed = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id)
        .values(status="pending", next_attempt_at=now, attempts=0, last_error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if replayed:
        _audit(
            session, endpoint, "replayed", actor_id=actor_id, origin=origin, delivery=delivery_id
        )
    return bool(replayed)


def recent_deliveries(session: Session, endpoint_id: int, *, limit: int = 20) -> list[Row]:
    """The latest deliveries of an endpoint, without their bodies (personal data)."""
    return list(
        session.execute(
            select(
                WebhookDelivery.id,
                WebhookDelivery.event,
                WebhookDelivery.delivery_id,
                WebhookDelivery.status,
                WebhookDelivery.attempts,
                WebhookDelivery.created_at,
                WebhookDelivery.last_attempt_at,
                WebhookDelivery.last_response_code,
                WebhookDelivery.last_error,
            )
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def _audit(
    session: Session,
    endpoint: WebhookEndpoint,
    change: str,
    *,
    actor_id: int | None,
    origin: str | None,
    **details: object,
) -> None:
    record_event(
        session,
        WEBHOOK_CHANGED,
        actor_id=actor_id,
        origin=origin,
        details={"endpoint": endpoint.id, "change": change, **details},
    )
