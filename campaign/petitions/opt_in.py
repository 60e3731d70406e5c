"""Opting in to a campaign's updates after signing, for a signer who left the box unticked."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaign.models import Signature


def wants_updates(session: Session, public_id: str) -> bool:
    """Whether the signature agreed to updates (False too when it is gone)."""
    return bool(
        session.scalar(select(Signature.newsletter).where(Signature.public_id == public_id))
    )


def opt_in_to_updates(session: Session, public_id: str) -> bool:
    """Record that a confirmed signer wants updates; False when no confirmed signature has that
    id (erased, or not confirmed: the opt-in is offered only once a signature counts)."""
    result = session.execute(
        update(Signature)
        .where(Signature.public_id == public_id, Signature.confirmed_at.is_not(None))
        .values(newsletter=True)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
