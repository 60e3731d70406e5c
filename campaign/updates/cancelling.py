"""Cancelling a scheduled update before the worker starts queuing it."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from campaign.audit import UPDATE_CANCELLED, record_event
from campaign.models import Update


class AlreadyStarted(Exception):
    """The worker has begun queuing the update (or it was cancelled): too late to cancel."""


def cancel_update(
    session: Session, item: Update, *, actor_id: int | None, origin: str | None
) -> None:
    """Mark a scheduled update cancelled, so the worker never queues it; audited.

    One conditional UPDATE decides between this and the worker: whichever changes the status
    first wins, and campaign.updates.queuing moves nothing whose status changed under it.
    """
    moved = session.execute(
        update(Update)
        .where(Update.id == item.id, Update.status == "scheduled", Update.cursor == 0)
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise AlreadyStarted
    session.refresh(item)
    record_event(
        session,
        UPDATE_CANCELLED,
        actor_id=actor_id,
        origin=origin,
        details={"update_id": item.id, "petition": item.petition.slug},
    )
