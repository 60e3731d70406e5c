"""Opting in to a campaign's updates after signing, for a signer who left the box unticked."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaign.models import Signature


@dataclass(frozen=True)
class SignerStanding:
    wants_updates: bool  # False too when the signature is gone
    # A protected petition's signature (campaign.protection): no updates, and no personal
    # share link, since no referral of a person is recorded.
    protected: bool


def signer_standing(session: Session, public_id: str) -> SignerStanding:
    """What the confirmed page offers a signer depends on."""
    row = session.execute(
        select(Signature.newsletter, Signature.sealed_email.is_not(None)).where(
            Signature.public_id == public_id
        )
    ).first()
    return SignerStanding(bool(row and row[0]), bool(row and row[1]))


def opt_in_to_updates(session: Session, public_id: str) -> bool:
    """Record that a confirmed signer wants updates; False when no confirmed signature has that
    id (erased, or not confirmed: the opt-in is offered only once a signature counts), or when
    it was made on a protected petition, which keeps no address to write to."""
    result = session.execute(
        update(Signature)
        .where(
            Signature.public_id == public_id,
            Signature.confirmed_at.is_not(None),
            Signature.sealed_email.is_(None),
        )
        .values(newsletter=True)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
