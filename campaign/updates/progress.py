"""How far each update has gone: emails queued, sent, failed, and who unsubscribed from it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.models import OutboxEmail, Suppression, Update


@dataclass(frozen=True)
class Progress:
    queued: int = 0
    sent: int = 0
    failed: int = 0
    unsubscribed: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.failed


def updates_of(session: Session, petition_id: int) -> list[Update]:
    return list(
        session.scalars(
            select(Update)
            .where(Update.petition_id == petition_id)
            .order_by(Update.send_at.desc(), Update.id.desc())
        )
    )


def progress_of(session: Session, update_ids: list[int]) -> dict[int, Progress]:
    counts: dict[int, dict[str, int]] = {update_id: {} for update_id in update_ids}
    by_status = session.execute(
        select(OutboxEmail.update_id, OutboxEmail.status, func.count())
        .where(OutboxEmail.update_id.in_(update_ids))
        .group_by(OutboxEmail.update_id, OutboxEmail.status)
    )
    for update_id, status, count in by_status:
        counts[update_id][status] = count
        counts[update_id]["queued"] = counts[update_id].get("queued", 0) + count
    unsubscribed = session.execute(
        select(Suppression.update_id, func.count())
        .where(Suppression.update_id.in_(update_ids))
        .group_by(Suppression.update_id)
    )
    for update_id, count in unsubscribed:
        counts[update_id]["unsubscribed"] = count
    return {
        update_id: Progress(
            queued=found.get("queued", 0),
            sent=found.get("sent", 0),
            failed=found.get("failed", 0),
            unsubscribed=found.get("unsubscribed", 0),
        )
        for update_id, found in counts.items()
    }
