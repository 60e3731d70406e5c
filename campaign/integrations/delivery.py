"""Delivering webhooks from `campaign worker`: signed POSTs, in order, retried for two days.

Each round, every endpoint whose oldest pending delivery is due is leased to this worker and
sent its deliveries oldest first, over one kept-alive connection, until one fails: that one
waits for its retry and the endpoint's later deliveries wait behind it, so a receiver gets
them in the order they happened. Endpoints are served side by side, each in its own thread: a
receiver that hangs costs its own thread the 5 s timeout, once per retry, and nobody else
anything; signing never waits for a webhook at all (campaign.integrations.events).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from campaign.extensions import db
from campaign.integrations.endpoints import RefusedAddress, Target, reachable_addresses, target_of
from campaign.integrations.events import encode
from campaign.integrations.resources import one_signature, signature_resource
from campaign.models import WebhookDelivery, WebhookEndpoint, utcnow
from campaign.web.metrics import count_webhook_delivery

log = logging.getLogger(__name__)

TIMEOUT = 5.0  # seconds, per connection attempt and per read
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(hours=48)
LEASE = timedelta(minutes=2)
BATCH = 200  # deliveries per endpoint per round
THREADS = 8  # endpoints served at once
RESPONSE_READ_MAX = 64 * 1024  # what is read of an answer before the connection is dropped
USER_AGENT = "campaign-webhooks/1"


class DeliveryFailed(Exception):
    """No HTTP answer: the reason is the error's class, never a response body."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """X-Campaign-Signature: `sha256=` and the hex HMAC-SHA256 of `timestamp.body`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, then twice as long each time, at most six hours apart."""
    return min(FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 20)), LONGEST_RETRY)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand, not to whatever the name says by then."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class Client:
    """Kept-alive connections to one receiver. Each new connection checks the addresses the
    name resolves to now (a name may point elsewhere since the endpoint was added), unless
    WEBHOOKS_ALLOW_HTTP lets private addresses through."""

    def __init__(self, *, allow_private: bool, timeout: float = TIMEOUT):
        self.allow_private = allow_private
        self.timeout = timeout
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}

    def post(self, target: Target, body: bytes, headers: dict[str, str]) -> int:
        """The answer's status code; raises DeliveryFailed when there is none."""
        key = (target.scheme, target.host, target.port)
        reused = key in self._connections
        try:
            return self._post(key, target, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            self._drop(key)
            if not reused or not isinstance(exc, http.client.RemoteDisconnected | ConnectionError):
                raise DeliveryFailed(exc.__class__.__name__) from None
        # A kept-alive connection the receiver had closed meanwhile: once more on a new one.
        try:
            return self._post(key, target, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            self._drop(key)
            raise DeliveryFailed(exc.__class__.__name__) from None

    def _post(self, key, target: Target, body: bytes, headers: dict[str, str]) -> int:
        connection = self._connections.get(key) or self._connect(key, target)
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_READ_MAX)
        if not response.isclosed() or response.will_close:
            # More answer than anyone needs, or the receiver asked to close: start afresh.
            self._drop(key)
        return response.status

    def _connect(self, key, target: Target) -> http.client.HTTPConnection:
        if self.allow_private:
            address = target.host
        else:
            try:
                address = reachable_addresses(target.host, target.port)[0]
            except RefusedAddress as exc:
                raise DeliveryFailed(f"RefusedAddress: {exc}") from None
        kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        connection = kind(target.host, target.port, address, self.timeout)
        self._connections[key] = connection
        return connection

    def _drop(self, key) -> None:
        connection = self._connections.pop(key, None)
        if connection is not None:
            connection.close()

    def close(self) -> None:
        for key in list(self._connections):
            self._drop(key)


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.delivered + self.retrying + self.failed

    def add(self, other: DeliveryReport) -> None:
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed


def due_endpoints(session: Session, *, now: datetime) -> list[int]:
    """Endpoints, not paused nor leased, whose oldest pending delivery is due."""
    heads = (
        select(
            WebhookDelivery.endpoint_id.label("endpoint_id"),
            func.min(WebhookDelivery.id).label("head"),
        )
        .where(WebhookDelivery.status == "pending")
        .group_by(WebhookDelivery.endpoint_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(heads.c.endpoint_id)
            .join(WebhookDelivery, WebhookDelivery.id == heads.c.head)
            .join(WebhookEndpoint, WebhookEndpoint.id == heads.c.endpoint_id)
            .where(
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.paused.is_(False),
                or_(WebhookEndpoint.leased_until.is_(None), WebhookEndpoint.leased_until < now),
            )
            .order_by(heads.c.endpoint_id)
        )
    )


def deliver_endpoint(
    session: Session,
    endpoint_id: int,
    client: Client,
    *,
    batch: int = BATCH,
    lease: timedelta = LEASE,
) -> DeliveryReport:
    """Send one endpoint up to `batch` of its due deliveries, in order, under a lease."""
    report = DeliveryReport()
    now = utcnow()
    claimed = session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.paused.is_(False),
            or_(WebhookEndpoint.leased_until.is_(None), WebhookEndpoint.leased_until < now),
        )
        .values(leased_until=now + lease)
    ).rowcount
    session.commit()
    if not claimed:
        return report
    try:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        target = target_of(endpoint.url)
        deliveries = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
            .order_by(WebhookDelivery.id)
            .limit(batch)
        ).all()
        # Outcomes are written at the end, together: flushed as they come (before the next
        # body's SELECT), they would hold the database's write lock through every POST after,
        # and on SQLite keep every signer waiting for a slow receiver.
        with session.no_autoflush:
            for delivery in deliveries:
                if delivery.next_attempt_at > utcnow():
                    break
                if delivery.body is None and not _write_body(session, delivery, report):
                    continue
                if not _send(endpoint.secret, target, delivery, client, report):
                    break
    finally:
        session.commit()
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(leased_until=None)
        )
        session.commit()
    return report


def _write_body(session: Session, delivery: WebhookDelivery, report: DeliveryReport) -> bool:
    """The signature as it is now, for a confirmation's delivery; False when it is gone.

    An erasure deletes the deliveries of the signatures it erases, so a missing one was
    deleted some other way (staff invalidating a petition's signatures): nothing to send.
    """
    row = session.execute(
        one_signature(), {"signature_public_id": delivery.signature_public_id}
    ).first()
    if row is None:
        delivery.status = "failed"
        delivery.last_error = "the signature no longer exists"
        report.failed += 1
        return False
    delivery.body = encode(signature_resource(row))
    return True


def _send(
    secret: str, target: Target, delivery: WebhookDelivery, client: Client, report: DeliveryReport
) -> bool:
    """One attempt; whether the endpoint's next delivery may follow."""
    body = delivery.body.encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Campaign-Event": delivery.event,
        "X-Campaign-Delivery": delivery.delivery_id,
        "X-Campaign-Timestamp": timestamp,
        "X-Campaign-Signature": signature(secret, timestamp, body),
    }
    now = utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        status = client.post(target, body, headers)
    except DeliveryFailed as exc:
        delivery.last_response_code = None
        delivery.last_error = str(exc)[:200]
    else:
        delivery.last_response_code = status
        delivery.last_error = None
        if 200 <= status < 300:
            delivery.status = "delivered"
            report.delivered += 1
            return True
    if now - delivery.created_at >= GIVE_UP_AFTER:
        delivery.status = "failed"
        report.failed += 1
        log.error("webhook delivery %s given up after %s attempts", delivery.id, delivery.attempts)
        # Given up on, it no longer holds back the deliveries after it.
        return True
    delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    report.retrying += 1
    log.warning(
        "webhook delivery %s not accepted (attempt %s): %s",
        delivery.id,
        delivery.attempts,
        delivery.last_response_code or delivery.last_error,
    )
    return False


def deliver_webhooks(session: Session, now: datetime) -> int:
    """The worker's task (app.extensions["worker.tasks"]): one round over every due endpoint;
    the number of deliveries attempted."""
    endpoints = due_endpoints(session, now=now)
    session.commit()
    if not endpoints:
        return 0
    app = current_app._get_current_object()
    allow_private = app.config["WEBHOOKS_ALLOW_HTTP"]

    def serve(endpoint_id: int) -> DeliveryReport:
        client = Client(allow_private=allow_private)
        with app.app_context():
            try:
                return deliver_endpoint(db.session, endpoint_id, client)
            finally:
                client.close()
                db.session.remove()

    report = DeliveryReport()
    if len(endpoints) == 1:
        # Most deployments have one endpoint: no thread to start for it.
        client = Client(allow_private=allow_private)
        try:
            report.add(deliver_endpoint(session, endpoints[0], client))
        finally:
            client.close()
    else:
        with ThreadPoolExecutor(max_workers=min(THREADS, len(endpoints))) as pool:
            for result in pool.map(serve, endpoints):
                report.add(result)
    for outcome in ("delivered", "retrying", "failed"):
        if attempts := getattr(report, outcome):
            count_webhook_delivery(outcome, attempts)
    if report.handled:
        log.info(
            "webhooks delivered %s, retrying %s, failed %s",
            report.delivered,
            report.retrying,
            report.failed,
        )
    return report.handled
