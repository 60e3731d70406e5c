"""Telling the webhooks that a petition closed because its deadline passed.

Nobody acts when `closes_at` passes: the page reads the petition as closed from then on
(`Petition.public_status`), while its status stays open so staff may still extend the deadline.
The worker announces each such closing once: `deadline_announced_at` is set by an UPDATE that
only a not-yet-announced row passes, in the transaction that records the event, so two workers
running at once send one `petition.closed`. Staff changing the deadline clear it again
(campaign.campaigns.authoring).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaign.integrations.events import petition_status_changed
from campaign.models import Petition


def announce_passed_deadlines(session: Session, now: datetime) -> int:
    """The worker's task (app.extensions["worker.tasks"]): record `petition.closed` for each
    open petition whose deadline passed unannounced, each committed; how many. One look-up
    through ix_petitions_deadline_due when none is due."""
    due = session.scalars(select(Petition.id).where(*_due(now))).all()
    announced = 0
    for petition_id in due:
        claimed = session.execute(
            update(Petition)
            .where(Petition.id == petition_id, *_due(now))
            .values(deadline_announced_at=now)
        )
        if claimed.rowcount != 1:
            continue  # announced by another worker, or extended or closed by staff, meanwhile
        petition = session.get(Petition, petition_id)
        petition_status_changed(session, petition, now=now, deadline_passed=True)
        session.commit()
        announced += 1
    session.commit()  # ends the read: an idle worker holds no transaction open
    return announced


def _due(now: datetime):
    return (
        Petition.status == "open",
        Petition.deadline_announced_at.is_(None),
        Petition.closes_at <= now,
    )
