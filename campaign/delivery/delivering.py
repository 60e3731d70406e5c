"""A petition's packs as staff see them, and marking one delivered: the day it was handed over
and a note, shown on the petition's page as its outcome until a later update's outcome
(campaign.updates.outcomes)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.audit import PETITION_DELIVERED, record_event
from campaign.models import DeliveryPack

NOTE_MAX_LENGTH = 2000


def petition_packs(session: Session, petition_id: int) -> list[DeliveryPack]:
    """The petition's packs, the latest first."""
    return list(
        session.scalars(
            select(DeliveryPack)
            .where(DeliveryPack.petition_id == petition_id)
            .order_by(DeliveryPack.created_at.desc(), DeliveryPack.id.desc())
        )
    )


class InvalidDelivery(ValueError):
    """The day is in the future, or the note too long."""


def mark_delivered(
    session: Session,
    pack: DeliveryPack,
    *,
    on: date,
    note: str,
    now: datetime,
    actor_id: int | None,
    origin: str | None,
) -> None:
    if on > now.date():
        raise InvalidDelivery("future")
    if on < pack.created_at.date():
        raise InvalidDelivery("before_pack")
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidDelivery("too_long")
    pack.delivered_on = on
    pack.delivered_at = now
    pack.delivery_note = note.strip()
    session.flush()
    record_event(
        session,
        PETITION_DELIVERED,
        actor_id=actor_id,
        origin=origin,
        details={"petition": pack.petition.slug, "pack": pack.id, "delivered_on": on.isoformat()},
    )
