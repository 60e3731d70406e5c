"""The organisation's own tools: webhook endpoints, their deliveries, and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models.types import UTCDateTime, utcnow

TOKEN_ROLES = ("exporter",)


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (CheckConstraint("length(events) > 0", name="events_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Event names separated by commas (campaign.integrations.events.EVENTS).
    events: Mapped[str] = mapped_column(String(300))
    # Only this petition's events, when set.
    petition_id: Mapped[int | None] = mapped_column(
        ForeignKey("petitions.id", ondelete="CASCADE"), index=True
    )
    # Kept in clear: every delivery is signed with it. Shown once, never logged.
    secret: Mapped[str] = mapped_column(String(100))
    paused: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    # A worker delivering to this endpoint leases it, so that its deliveries go out in order.
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def event_names(self) -> list[str]:
        return self.events.split(",")


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The worker reads each endpoint's oldest pending delivery.
        Index("ix_webhook_deliveries_endpoint_status", "endpoint_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    # The signature a signature event is about: an erasure deletes the deliveries that carry
    # its personal data.
    signature_public_id: Mapped[str | None] = mapped_column(String(22), index=True)
    # X-Campaign-Delivery: the receiver's key for idempotency; the same on every attempt.
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    # JSON. A confirmation leaves it empty, to cost one INSERT only: the worker writes it from
    # the signature before the first attempt, and every attempt sends the same.
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_response_code: Mapped[int | None] = mapped_column(Integer)
    # The class of error (timeout, refused address...), never a response body.
    last_error: Mapped[str | None] = mapped_column(String(200))


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("role IN ('exporter')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    # SHA-256 of the token: tokens are long and random, so a fast hash is enough.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
