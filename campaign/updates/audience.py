"""Who receives an update: confirmed signers who asked to be kept informed, of one petition or
of every petition of its campaign, once per mailbox, never a suppressed address."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session, aliased

from campaign.mail.suppressions import not_suppressed
from campaign.models import Petition, Signature


def _audience(signature, petition: Petition, *, campaign_wide: bool) -> list[ColumnElement[bool]]:
    if campaign_wide:
        same_campaign = select(Petition.id).where(Petition.campaign_id == petition.campaign_id)
        where = signature.petition_id.in_(same_campaign)
    else:
        where = signature.petition_id == petition.id
    return [
        where,
        signature.confirmed_at.is_not(None),
        signature.newsletter.is_(True),
        # A protected petition's signers get no updates: their address is kept only sealed.
        signature.sealed_email.is_(None),
        # Each signature's own petition: campaign-wide, a "this wasn't me" on one petition
        # still keeps that petition's signature out.
        not_suppressed(
            signature.email_normalized,
            campaign_id=petition.campaign_id,
            petition_id=signature.petition_id,
        ),
    ]


def recipients(petition: Petition, *, campaign_wide: bool) -> Select:
    """The signatures to write to, in id order. Campaign-wide, a mailbox that signed several
    petitions appears once per signature: the outbox's unique (update, mailbox) keeps one."""
    return (
        select(
            Signature.id,
            Signature.email,
            Signature.email_normalized,
            Signature.locale,
            Signature.public_id,
            Signature.petition_id,
        )
        .where(*_audience(Signature, petition, campaign_wide=campaign_wide))
        .order_by(Signature.id)
    )


def recipients_per_language(
    session: Session, petition: Petition, *, campaign_wide: bool
) -> dict[str, int]:
    """How many mailboxes would receive the update, by the language they signed in."""
    conditions = _audience(Signature, petition, campaign_wide=campaign_wide)
    if campaign_wide:
        # A mailbox counts once, in the language of its first signature (as it is queued).
        earlier = aliased(Signature)
        conditions.append(
            ~exists().where(
                earlier.email_normalized == Signature.email_normalized,
                earlier.id < Signature.id,
                *_audience(earlier, petition, campaign_wide=True),
            )
        )
    rows = session.execute(
        select(Signature.locale, func.count()).where(*conditions).group_by(Signature.locale)
    )
    return dict(Counter({locale: count for locale, count in rows}).most_common())
