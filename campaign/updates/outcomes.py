"""The outcome a petition's updates record (victory, a response, delivered, closed): the latest
update that has gone out with one. Derived, never copied onto the petition."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.models import Update

OUTCOME_LABELS = {
    "victory": _l("Victory"),
    "response": _l("The target responded"),
    "delivered": _l("The petition was delivered"),
    "closed": _l("The petition is closed"),
}
# Statuses of an update that is going, or has gone, out.
GONE_OUT = ("scheduled", "queuing", "queued")


def latest_outcomes(
    session: Session, petition_ids: list[int], *, now: datetime
) -> dict[int, Update]:
    """For each petition that has one, the latest update with an outcome that is due."""
    ranked = (
        select(
            Update.id,
            func.row_number()
            .over(
                partition_by=Update.petition_id,
                order_by=(Update.send_at.desc(), Update.id.desc()),
            )
            .label("rank"),
        )
        .where(
            Update.petition_id.in_(petition_ids),
            Update.outcome.is_not(None),
            Update.status.in_(GONE_OUT),
            Update.send_at <= now,
        )
        .subquery()
    )
    found = session.scalars(
        select(Update).join(ranked, ranked.c.id == Update.id).where(ranked.c.rank == 1)
    )
    return {update.petition_id: update for update in found}


def latest_outcome(session: Session, petition_id: int, *, now: datetime) -> Update | None:
    return latest_outcomes(session, [petition_id], now=now).get(petition_id)
