"""The suppression list: mailboxes that get no more mail of a kind, and the unsubscribe links
that put them on it.

A suppression names a mailbox by its key (campaign.mail.addresses, as Signature.email_normalized
holds it) and a scope: everything the organisation sends, one campaign, or one petition. Adding
one twice changes nothing, so every path that adds them (a link followed twice, a bounce seen by
two workers, an import run again) may simply add.

An unsubscribe link names the signature and the update it came with, never the address: links
end up in logs and browser histories, personal data must not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import ColumnElement, Insert, and_, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from campaign.mail.addresses import EmailRules, InvalidAddress, parse_address
from campaign.models import Petition, Signature, Suppression
from campaign.web.links import absolute_url
from campaign.web.tokens import (
    InvalidToken,
    Purpose,
    make_lasting_token,
    read_lasting_token,
)


class UnknownSigner(InvalidToken):
    """The link is genuine but its signature is gone (erased, or never confirmed and purged)."""


@cache
def _insert(dialect: str) -> Insert:
    table = Suppression.__table__
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    # A row comes back only when one was inserted: that is how the caller learns it was new.
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=[table.c.email_key, table.c.scope, table.c.scope_id])
        .returning(table.c.id)
    )


def suppress(
    session: Session,
    email_key: str,
    *,
    scope: str,
    scope_id: int = 0,
    reason: str,
    update_id: int | None = None,
) -> bool:
    """Suppress mail of `scope` to the mailbox `email_key`; True if it was not already."""
    result = session.execute(
        _insert(session.get_bind().dialect.name),
        {
            "email_key": email_key,
            "scope": scope,
            "scope_id": scope_id,
            "reason": reason,
            "update_id": update_id,
        },
    )
    return result.first() is not None


def reason_counts(session: Session) -> dict[str, int]:
    """How many suppressions there are for each reason: figures, never addresses."""
    return dict(
        session.execute(select(Suppression.reason, func.count()).group_by(Suppression.reason)).all()
    )


def suppressions_of(session: Session, email_key: str) -> list[Suppression]:
    """Every suppression of one mailbox, the widest scope first."""
    return list(
        session.scalars(
            select(Suppression)
            .where(Suppression.email_key == email_key)
            .order_by(Suppression.scope, Suppression.scope_id)
        )
    )


def not_suppressed(
    key_column: ColumnElement[str],
    *,
    campaign_id: int | ColumnElement[int],
    petition_id: int | ColumnElement[int],
) -> ColumnElement[bool]:
    """True where no suppression stops mail about this petition to the mailbox `key_column`.

    A correlated NOT EXISTS: it can filter an INSERT ... SELECT over signatures. Each branch
    names the whole unique key (email_key, scope, scope_id), so every probe is an index look-up.
    `campaign_id` and `petition_id` may be columns of the outer query as well as numbers.
    """
    return ~exists().where(
        Suppression.email_key == key_column,
        or_(
            and_(Suppression.scope == "all", Suppression.scope_id == 0),
            and_(Suppression.scope == "campaign", Suppression.scope_id == campaign_id),
            and_(Suppression.scope == "petition", Suppression.scope_id == petition_id),
        ),
    )


def unsubscribe_token(secret_key: str, *, public_id: str, update_id: int) -> str:
    return make_lasting_token(secret_key, Purpose.UNSUBSCRIBE, [public_id, update_id])


def unsubscribe_url(secret_key: str, *, public_id: str, update_id: int, lang: str) -> str:
    """The link an update carries (also its List-Unsubscribe header)."""
    return unsubscribe_links(secret_key, update_id=update_id)(public_id, lang)


def unsubscribe_links(secret_key: str, *, update_id: int) -> Callable[[str, str], str]:
    """unsubscribe_url(public_id, lang) for the recipients of one update. A million of them
    are queued in a row, so the address around the token is built once per language."""
    around: dict[str, tuple[str, str]] = {}

    def link(public_id: str, lang: str) -> str:
        if lang not in around:
            address = absolute_url("public.unsubscribe", lang=lang, token=_TOKEN_MARK)
            before, _mark, after = address.rpartition(_TOKEN_MARK)
            around[lang] = (before, after)
        before, after = around[lang]
        token = unsubscribe_token(secret_key, public_id=public_id, update_id=update_id)
        return before + token + after

    return link


# Stands for the token while the rest of an unsubscribe link is built.
_TOKEN_MARK = "token-mark"  # noqa: S105 (a placeholder, not a secret)


@dataclass(frozen=True)
class Subscriber:
    """Whom an unsubscribe link speaks for, and which update it came with."""

    email_key: str
    petition_id: int
    campaign_id: int
    update_id: int


def subscriber_from_token(session: Session, secret_key: str, token: str) -> Subscriber:
    """Raises InvalidToken if the link was altered, UnknownSigner if its signature is gone."""
    payload = read_lasting_token(secret_key, Purpose.UNSUBSCRIBE, token)
    match payload:
        case [str(public_id), int(update_id)] if not isinstance(update_id, bool):
            pass
        case _:
            raise InvalidToken
    row = session.execute(
        select(Signature.email_normalized, Signature.petition_id, Petition.campaign_id)
        .join(Petition, Petition.id == Signature.petition_id)
        .where(Signature.public_id == public_id)
    ).first()
    if row is None:
        raise UnknownSigner
    return Subscriber(row.email_normalized, row.petition_id, row.campaign_id, update_id)


def stop_updates(session: Session, subscriber: Subscriber, *, everything: bool) -> bool:
    """Stop updates of the subscriber's campaign, or everything; True if it was not already."""
    if everything:
        scope, scope_id = "all", 0
    else:
        scope, scope_id = "campaign", subscriber.campaign_id
    return suppress(
        session,
        subscriber.email_key,
        scope=scope,
        scope_id=scope_id,
        reason="unsubscribed",
        update_id=subscriber.update_id,
    )


@dataclass
class ImportReport:
    added: int = 0
    already: int = 0
    invalid_lines: list[int] = field(default_factory=list)


def import_suppressions(
    session: Session, lines: Iterable[str], *, reason: str, rules: EmailRules
) -> ImportReport:
    """Suppress from everything each address of a provider's bounce or complaint export (one a
    line; blank lines and `#` comments skipped), keyed as the platform keys mailboxes. Lines
    that hold no address are reported by number, never quoted: they may hold one half-typed."""
    report = ImportReport()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            key = parse_address(text, rules).key
        except InvalidAddress:
            report.invalid_lines.append(number)
            continue
        if suppress(session, key, scope="all", reason=reason):
            report.added += 1
        else:
            report.already += 1
    return report
