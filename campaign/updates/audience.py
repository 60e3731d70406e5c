"""Who receives an update: confirmed signers who asked to be kept informed, of one petition or
of every petition of its campaign, once per mailbox, never a suppressed address."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import ColumnElement, Select, exists, func, select, union_all
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


def next_recipients(petition: Petition, *, campaign_wide: bool, after: int, limit: int) -> Select:
    """The next `limit` signatures to write to after signature id `after`, in id order.

    Campaign-wide, a mailbox that signed several petitions appears once per signature: the
    outbox's unique (update, mailbox) keeps one. Each petition's signatures are read as a range
    of its own index and the ranges merged: one range over all the campaign's petitions would
    sort every signature left in the campaign again for each batch of a million.
    """
    columns = (
        Signature.id,
        Signature.email,
        Signature.email_normalized,
        Signature.locale,
        Signature.public_id,
        Signature.petition_id,
    )
    petitions = petition.campaign.petitions if campaign_wide else [petition]
    ranges = [
        select(*columns)
        .where(*_audience(Signature, one, campaign_wide=False), Signature.id > after)
        .order_by(Signature.id)
        .limit(limit)
        for one in petitions
    ]
    if len(ranges) == 1:
        return ranges[0]
    # SQLite takes a LIMIT inside a UNION only within a subquery of its own.
    merged = union_all(*(select(*r.subquery().c) for r in ranges)).subquery()
    return select(*merged.c).order_by(merged.c.id).limit(limit)


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
