""" "This wasn't me": the owner of an address someone else signed with removes the pending
signature, the emails still waiting for it, and any further mail to it about the petition.

The link names the signature's public id, never the address, and expires like a confirmation
link. Deleting the row is what makes the link single-use.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaign.mail.suppressions import suppress
from campaign.models import OutboxEmail, Signature
from campaign.web.tokens import InvalidToken, Purpose, make_token, read_token

# The emails a signing causes; other mail to the same address is none of this link's business.
SIGNING_EMAILS = ("confirm_signature", "already_signed", "reminder")


class Disowned(StrEnum):
    REMOVED = "removed"  # the pending signature and its waiting emails are gone
    CONFIRMED = "confirmed"  # confirmed meanwhile: it counts, erasure is another request


class SignatureGone(Exception):
    """The link was used already, or the signature was erased or purged."""


def disown_token(secret_key: str, public_id: str) -> str:
    return make_token(secret_key, Purpose.NOT_ME, public_id)


def public_id_from_disown_token(secret_key: str, token: str, *, max_age: int) -> str:
    """Raises InvalidToken (ExpiredToken when too old)."""
    public_id = read_token(secret_key, Purpose.NOT_ME, token, max_age=max_age)
    if not isinstance(public_id, str):
        raise InvalidToken
    return public_id


def pending_petition_of(session: Session, public_id: str) -> tuple[int, bool]:
    """The signature's petition id, and whether it is confirmed; raises SignatureGone."""
    row = session.execute(
        select(Signature.petition_id, Signature.confirmed_at).where(
            Signature.public_id == public_id
        )
    ).first()
    if row is None:
        raise SignatureGone
    return row.petition_id, row.confirmed_at is not None


def disown_signature(session: Session, public_id: str) -> Disowned:
    """Remove the pending signature `public_id`, its waiting emails, and suppress mail about its
    petition to its mailbox. In the caller's transaction; raises SignatureGone."""
    signature = session.execute(
        select(
            Signature.id,
            Signature.email,
            Signature.email_normalized,
            Signature.petition_id,
            Signature.confirmed_at,
        )
        .where(Signature.public_id == public_id)
        .with_for_update()
    ).first()
    if signature is None:
        raise SignatureGone
    if signature.confirmed_at is not None:
        return Disowned.CONFIRMED
    deleted = session.execute(
        delete(Signature).where(Signature.id == signature.id, Signature.confirmed_at.is_(None)),
        execution_options={"synchronize_session": False},
    )
    if deleted.rowcount != 1:
        return Disowned.CONFIRMED  # confirmed between the read and the delete
    session.execute(
        delete(OutboxEmail).where(
            OutboxEmail.status == "pending",
            OutboxEmail.kind.in_(SIGNING_EMAILS),
            OutboxEmail.to_address == signature.email,
        ),
        execution_options={"synchronize_session": False},
    )
    suppress(
        session,
        signature.email_normalized,
        scope="petition",
        scope_id=signature.petition_id,
        reason="not_me",
    )
    return Disowned.REMOVED
