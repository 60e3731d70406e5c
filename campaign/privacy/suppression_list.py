"""Staff's hand on the suppression list: add an address (a complaint heard by phone, a person
who asked by letter), look one address up, lift a suppression made by mistake.

Audited by reason, scope and counts, never by address: the log of who did what must not become
a second list of the people who asked to hear no more.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from campaign.audit import SUPPRESSION_REMOVED, SUPPRESSIONS_ADDED, record_event
from campaign.mail.addresses import EmailRules, parse_address
from campaign.mail.suppressions import suppress, suppressions_of
from campaign.models import Suppression

# What staff may give as the reason; the others come from the people themselves or from mail
# servers.
STAFF_REASONS = ("complaint", "staff")


class UnknownReason(ValueError):
    """Not a reason staff may give."""


def add_suppression(
    session: Session,
    raw_address: str,
    *,
    reason: str,
    campaign_id: int | None,
    rules: EmailRules,
    actor_id: int | None,
    origin: str | None,
) -> bool:
    """Suppress updates to the mailbox of `raw_address` from one campaign (or everything when
    `campaign_id` is None); True if it was not already. Raises InvalidAddress, UnknownReason."""
    if reason not in STAFF_REASONS:
        raise UnknownReason(reason)
    key = parse_address(raw_address, rules).key
    scope, scope_id = ("all", 0) if campaign_id is None else ("campaign", campaign_id)
    added = suppress(session, key, scope=scope, scope_id=scope_id, reason=reason)
    record_event(
        session,
        SUPPRESSIONS_ADDED,
        actor_id=actor_id,
        origin=origin,
        details={
            "source": "staff",
            "reason": reason,
            "scope": scope,
            "scope_id": scope_id,
            "added": int(added),
            "already": int(not added),
        },
    )
    return added


def look_up(session: Session, raw_address: str, rules: EmailRules) -> list[Suppression]:
    """How the mailbox of `raw_address` is suppressed (nothing: it gets the updates it asked
    for). Raises InvalidAddress."""
    return suppressions_of(session, parse_address(raw_address, rules).key)


def remove_suppression(
    session: Session, suppression_id: int, *, actor_id: int | None, origin: str | None
) -> bool:
    """Lift one suppression; False if there is no such suppression (already lifted)."""
    found = session.get(Suppression, suppression_id)
    if found is None:
        return False
    record_event(
        session,
        SUPPRESSION_REMOVED,
        actor_id=actor_id,
        origin=origin,
        details={"reason": found.reason, "scope": found.scope, "scope_id": found.scope_id},
    )
    session.delete(found)
    session.flush()
    return True
