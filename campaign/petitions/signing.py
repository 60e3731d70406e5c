"""Signing a petition and confirming a signature: the flows that must never lose or double-count."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Insert, Row, Select, Update, bindparam, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from campaign.database import Write, run_after
from campaign.integrations.events import signature_confirmed
from campaign.mail.addresses import DEFAULT_POLICY, AddressPolicy, InvalidAddress
from campaign.mail.emails import (
    EmailTemplate,
    RenderedEmail,
    email_template,
    outbox_insert_after,
    queue_rendered_after,
    queue_rendered_if,
)
from campaign.models import Petition, Signature
from campaign.models.protection import SEALED_NAME, UNKNOWN_COUNTRY
from campaign.models.signatures import new_public_id
from campaign.petitions.milestones import announce_goal_reached, goal_newly_reached
from campaign.petitions.opt_in import SignerStanding
from campaign.web.i18n import country_codes
from campaign.web.links import absolute_url
from campaign.web.pagecache import COUNTS_ONLY
from campaign.web.pseudonyms import mailbox_pseudonym
from campaign.web.refusals import InvalidFields
from campaign.web.tokens import Purpose, make_token, read_token

NAME_MAX = 100
EMAIL_MAX = 254
_URL_IN_TEXT = re.compile(
    r"(https?:|www\.|://|\b[\w-]+\.(com|net|org|ru|cn|info|xyz|io|ly)\b)", re.I
)
_FORMULA_START = ("=", "+", "-", "@")


class SigningError(Exception):
    """Base of the refusals a visitor can be shown."""


class PetitionNotOpen(SigningError):
    """The petition is closed, or not yet open, to signatures."""


class SigningPaused(SigningError):
    """Staff paused signing, on this petition or everywhere (campaign.petitions.switches)."""


class InvalidSignature(SigningError, InvalidFields):
    """Some fields of the sign form are wrong."""


class ConfirmationRefused(SigningError):
    """The link does not name a signature that can be confirmed."""


@dataclass(frozen=True)
class SignatureData:
    name: str
    email: str
    country: str
    consent_text: str
    newsletter: bool = False
    source_channel: str | None = None
    referrer_id: int | None = None


@dataclass(frozen=True)
class Sealing:
    """How a protected petition keeps a signer's identity (campaign.protection): `seal` turns a
    value into a sealed box only the petition's private key opens."""

    seal: Callable[[str], str]
    country_in_clear: bool


@dataclass(frozen=True)
class SignatureLink:
    """What a confirmation link names: enough to show and confirm it, without loading the row."""

    public_id: str
    petition_id: int
    confirmed_at: datetime | None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True)
class ConfirmationResult:
    signature: SignatureLink  # as it is after this confirmation
    newly_confirmed: bool
    # The petition's count right after this confirmation; None when it counted already.
    signature_count: int | None = None
    # The signer's language and standing, read by the confirmation itself; None when it
    # counted already.
    locale: str | None = None
    standing: SignerStanding | None = None


def clean_name(raw: str) -> str:
    """Fold whitespace so a name displays and compares as typed, minus stray spacing."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def has_control_characters(raw: str) -> bool:
    """Tabs, line breaks, NUL...: a browser's one-line field never sends them, a script does
    (header injection), so they are refused before whitespace is folded away."""
    return any(unicodedata.category(ch)[0] == "C" for ch in raw)


def text_problem(text: str, *, max_length: int) -> str | None:
    """What is wrong with a one-line name a person or an organisation gives, published or
    exported later: missing, too long, garbled, or starting like a spreadsheet formula."""
    if not text:
        return "required"
    if len(text) > max_length:
        return "too_long"
    # Control and format characters (Unicode's C categories), among them every bidirectional
    # control and mark (campaign.text.bidi), which would turn around the text the name is set into;
    # and U+FFFD, which stands for bytes that were not UTF-8.
    if any(unicodedata.category(ch)[0] == "C" or ch == "\ufffd" for ch in text):
        return "invalid_characters"
    if text.startswith(_FORMULA_START):
        return "bad_start"
    return None


def name_problem(name: str) -> str | None:
    if problem := text_problem(name, max_length=NAME_MAX):
        return problem
    if _URL_IN_TEXT.search(name):
        return "no_links"
    return None


def email_problem(raw: str, policy: AddressPolicy) -> tuple[str | None, str, str]:
    """(message key or None, address to send to, mailbox key) for an email field."""
    if not raw.strip():
        return "required", "", ""
    try:
        address = policy.parse(raw)
    except InvalidAddress:
        return "invalid", "", ""
    if policy.is_blocked(address):
        return "disposable", "", ""
    return None, address.deliver_to, address.key


def validate_signature(
    data: SignatureData, policy: AddressPolicy = DEFAULT_POLICY
) -> tuple[str, str, str]:
    """Check every field; return (clean name, address to send to, mailbox key) or raise."""
    errors: dict[str, str] = {}
    name = clean_name(data.name)
    if problem := name_problem(name) or (
        "invalid_characters" if has_control_characters(data.name) else None
    ):
        errors["name"] = problem
    typed, normalized = check_contact(errors, data.email, data.country, data.consent_text, policy)
    if errors:
        raise InvalidSignature(errors)
    return name, typed, normalized


def check_contact(
    errors: dict[str, str], email: str, country: str, consent_text: str, policy: AddressPolicy
) -> tuple[str, str]:
    """The fields every public form shares (address, country, consent): their problems go into
    `errors`; returns (address to send to, mailbox key), empty when the address is refused."""
    problem, typed, normalized = email_problem(email, policy)
    if problem:
        errors["email"] = problem
    if country not in country_codes():
        errors["country"] = "required" if not country else "invalid"
    if not consent_text:
        errors["consent"] = "required"
    return typed, normalized


def sign_petition(
    session: Session,
    petition: Petition,
    data: SignatureData,
    *,
    locale: str,
    now: datetime,
    secret_key: str,
    max_emails: int = 5,
    addresses: AddressPolicy = DEFAULT_POLICY,
    ip_hash: str | None = None,
    paused: bool = False,
    sealing: Sealing | None = None,
) -> None:
    """Record a pending signature and its confirmation email, or re-send to an earlier signer.

    Returns nothing on purpose: the caller must answer a first-time and a repeat signer alike,
    so that nobody learns from the page whether an address has signed. Nor from the time the
    answer takes: both run the same statements (insert-or-lock the row, count the email,
    queue it) and compose the same email, which is left out only when the signature had its
    share (`max_emails`). `ip_hash` is the keyed hash of the client address
    (campaign.web.pseudonyms), never the address; `paused` is what campaign.petitions.switches
    says.

    The emails are rendered before the first write: from that write to the commit the
    transaction holds the database's write lock (all of it, on SQLite), so inside it they are
    only filled in. The confirmation link names the signature's random public id, never the
    row's sequential id, which would tell a signer how many signed in between.

    With `sealing` (a protected petition) the row holds the name, address and country only as
    sealed boxes, the keyed hash of the address where the address's key goes, no client hash,
    no referrer and no updates opt-in; the email goes to the address typed now, and its outbox
    row is emptied once delivered.
    """
    if not petition.is_open(now):
        raise PetitionNotOpen(petition.slug)
    if paused:
        raise SigningPaused(petition.slug)
    name, typed, normalized = validate_signature(data, addresses)
    _signer_emails(petition, locale)  # rendered now, outside the lock, if not yet
    row = {
        "petition_id": petition.id,
        "public_id": new_public_id(),
        "name": name,
        "email": typed,
        "email_normalized": normalized,
        "country": data.country,
        "locale": locale,
        "consent_text": data.consent_text,
        "consented_at": now,
        "newsletter": data.newsletter,
        "created_at": now,
        "source_channel": data.source_channel,
        "referrer_id": data.referrer_id,
        "ip_hash": ip_hash,
        "emails_sent": 0,
        "sealed_name": None,
        "sealed_email": None,
        "sealed_country": None,
    }
    if sealing is not None:
        row |= _sealed(
            sealing, name, typed, data.country, mailbox_pseudonym(secret_key, normalized)
        )
    statements = _signing_statements(session.get_bind().dialect.name)
    # The row as it stands, new or not, locked until the commit: a concurrent signing with the
    # same address waits here, so the count below and the email it allows agree.
    signature = session.execute(statements.insert_or_lock, row).one()
    if sealing is None:
        email = _email_to_signer(petition, signature, secret_key, name=signature.name)
        to, erase_when_done = signature.email, False
    else:
        # The row keeps no name or address to write to: this signing's own are used.
        email = _email_to_signer(petition, signature, secret_key, name=name)
        to, erase_when_done = typed, True
    counting = {"signature_id": signature.id, "max_emails": max_emails}
    if statements.count_and_queue is not None:
        queue_rendered_after(
            session,
            statements.count_and_queue,
            email,
            to=to,
            erase_when_done=erase_when_done,
            **counting,
        )
    else:
        counted = session.execute(statements.count_email, counting)
        queue_rendered_if(
            session, email, to=to, send=counted.rowcount == 1, erase_when_done=erase_when_done
        )


def _sealed(sealing: Sealing, name: str, typed: str, country: str, pseudonym: str) -> dict:
    """What a protected signature stores instead of the signer's identity."""
    return {
        "name": SEALED_NAME,
        "email": "",
        "email_normalized": pseudonym,
        "country": country if sealing.country_in_clear else UNKNOWN_COUNTRY,
        "newsletter": False,
        "referrer_id": None,
        "ip_hash": None,
        "sealed_name": sealing.seal(name),
        "sealed_email": sealing.seal(typed),
        "sealed_country": sealing.seal(country),
    }


@dataclass(frozen=True)
class _SigningStatements:
    insert_or_lock: Insert
    count_email: Update
    # Counting the email and queuing it in one statement, where the database can (PostgreSQL):
    # one round trip less inside the transaction.
    count_and_queue: Insert | None


_REWRITTEN = ("petition_id", "public_id", "referrer_id", "ip_hash", "emails_sent")


@cache
def _signing_statements(dialect: str) -> _SigningStatements:
    """Core statements built once: they run inside the write lock, so they should cost little.

    A new address inserts its row; an address that signed already updates its row to itself,
    which locks it; either way the row comes back. The update names every indexed column (and
    the foreign keys), so SQLite rewrites the index entries and checks the references an insert
    would. Then the email it causes is counted, up to the cap.
    """
    table = Signature.__table__
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    count_email = (
        update(table)
        .where(
            table.c.id == bindparam("signature_id"),
            table.c.emails_sent < bindparam("max_emails"),
        )
        .values(emails_sent=table.c.emails_sent + 1)
    )
    return _SigningStatements(
        insert_or_lock=insert(table)
        .on_conflict_do_update(
            index_elements=[table.c.petition_id, table.c.email_normalized],
            set_={c: table.c[c] for c in _REWRITTEN},
        )
        .returning(
            table.c.id,
            table.c.public_id,
            table.c.name,
            table.c.email,
            table.c.locale,
            table.c.confirmed_at,
        ),
        count_email=count_email,
        count_and_queue=(
            outbox_insert_after(count_email.returning(table.c.id))
            if dialect == "postgresql"
            else None
        ),
    )


def _signer_emails(petition: Petition, locale: str) -> tuple[EmailTemplate, EmailTemplate]:
    """The emails a signing may cause, in `locale`: (confirm your signature, already signed).

    Rendered once per process (campaign.mail.emails.email_template), then only filled in.
    """
    text = petition.text_for(locale)
    title = text.title if text else petition.slug
    return (
        email_template(
            "confirm_signature",
            locale=locale,
            fields=("name", "confirm_url"),
            petition_title=title,
        ),
        email_template(
            "already_signed",
            locale=locale,
            fields=("name",),
            petition_title=title,
            petition_url=absolute_url("public.petition", lang=locale, slug=petition.slug),
        ),
    )


def _email_to_signer(
    petition: Petition, signature: Row, secret_key: str, *, name: str
) -> RenderedEmail:
    """The email this signing deserves, in the signer's first language: a (fresh) confirmation
    link while pending, else word that the signature counts already. Both are composed, so
    that the work done does not depend on which."""
    confirm, already_signed = _signer_emails(petition, signature.locale)
    confirm_url = absolute_url(
        "public.confirm",
        lang=signature.locale,
        token=_confirmation_token(secret_key, signature.public_id),
    )
    confirming = confirm.fill(name=name, confirm_url=confirm_url)
    telling = already_signed.fill(name=name)
    return confirming if signature.confirmed_at is None else telling


def confirmation_token(secret_key: str, signature: Signature) -> str:
    return _confirmation_token(secret_key, signature.public_id)


def _confirmation_token(secret_key: str, public_id: str) -> str:
    return make_token(secret_key, Purpose.CONFIRM_SIGNATURE, public_id)


def public_id_from_token(secret_key: str, token: str, *, max_age: int) -> str:
    """The signature public id a confirmation link names; raises InvalidToken, ExpiredToken, or
    ConfirmationRefused for a genuine token that names no signature, such as the links that
    named the sequential id before public ids existed."""
    public_id = read_token(secret_key, Purpose.CONFIRM_SIGNATURE, token, max_age=max_age)
    if type(public_id) is not str:
        raise ConfirmationRefused("not a public id")
    return public_id


def signature_from_token(
    session: Session, secret_key: str, token: str, *, max_age: int
) -> SignatureLink:
    """The signature a confirmation link names.

    Raises InvalidToken, ExpiredToken, or ConfirmationRefused when the row is gone.
    """
    public_id = public_id_from_token(secret_key, token, max_age=max_age)
    statements = _statements()
    row = session.execute(statements.link, {"signature_public_id": public_id}).first()
    if row is None:
        # Erased since the email was sent, or a token minted for a row that never existed.
        raise ConfirmationRefused("no such signature")
    return SignatureLink(public_id, row.petition_id, row.confirmed_at)


def confirm_signature(
    session: Session,
    public_id: str,
    *,
    now: datetime,
    receipt_hash: str | None = None,
    written_with_count: Callable[[int, str], Write] | None = None,
) -> ConfirmationResult:
    """Confirm a pending signature and count it, once, however many times this runs at once.

    The guarded UPDATE is the lock: of concurrent transactions only one sees `confirmed_at IS
    NULL` and increments the counter; the others change nothing. The petition must be open at
    that moment, checked in the same statement, so a petition closing meanwhile never gains a
    signature. Nothing is read first and no ORM object is made: this is what a viral day runs
    most.

    Every confirmation of a petition waits for the one before to commit (SQLite locks the
    whole database; PostgreSQL the petition's row, from the increment on). So the increment
    comes last, right before the caller commits: what else the confirmation writes (the
    webhooks' deliveries) is written before the row is locked. Written in the order of a single
    statement, it held the row through two more round trips, and confirmations of one petition
    queued behind each other at about 200 a second. What `written_with_count(petition_id,
    locale)` gives for a signature newly confirmed (its receipt email) is made by the increment's
    own statement on PostgreSQL (campaign.database.run_after), which holds the row no longer.

    The increment returns the goal too: the confirmation that reaches it announces it to the
    team in this transaction (campaign.petitions.milestones); the others only compare numbers.

    `receipt_hash`, the hash of the signer's receipt code (campaign.delivery.receipts), is
    written by the confirming statement, so a receipt costs a confirmation nothing more.
    """
    statements = _statements()
    params = {"signature_public_id": public_id, "now": now, "receipt_hash": receipt_hash}
    confirmed = session.execute(statements.confirm, params).first()
    if confirmed is None:
        return _not_confirmed(session, public_id)
    petition_id, locale, wants_updates, sealed_email = confirmed
    # Only when an endpoint subscribes does this cost a statement (campaign.integrations).
    signature_confirmed(session, petition_id, public_id, now=now)
    write = written_with_count(petition_id, locale) if written_with_count is not None else None
    count, goal, announced = run_after(
        session, write, statements.count_one, {"petition": petition_id}
    ).one()
    if goal_newly_reached(count, goal, announced):
        announce_goal_reached(session, petition_id, count=count, goal=goal)
    return ConfirmationResult(
        SignatureLink(public_id, petition_id, now),
        newly_confirmed=True,
        signature_count=count,
        locale=locale,
        standing=SignerStanding(wants_updates, protected=sealed_email is not None),
    )


def uncount(session: Session, removed: Mapping[int, int]) -> None:
    """Take confirmed signatures that were deleted off their petitions' counts (`removed`:
    petition id -> how many), never below zero. Petitions in id order, so that two
    transactions doing this never wait for each other's rows in a circle."""
    petitions = Petition.__table__
    for petition_id, number in sorted(removed.items()):
        session.execute(
            update(petitions)
            .where(petitions.c.id == petition_id)
            .values(
                signature_count=case(
                    (petitions.c.signature_count >= number, petitions.c.signature_count - number),
                    else_=0,
                )
            )
        )


def _not_confirmed(session: Session, public_id: str) -> ConfirmationResult:
    """Why the guarded UPDATE changed nothing."""
    statements = _statements()
    row = session.execute(statements.link, {"signature_public_id": public_id}).first()
    if row is None:
        # Erased or invalidated by staff while this request was on its way.
        raise ConfirmationRefused("no such signature")
    if row.confirmed_at is None:
        raise PetitionNotOpen(str(row.petition_id))
    # Another click, worker or server confirmed it a moment ago: it is counted already.
    return ConfirmationResult(
        SignatureLink(public_id, row.petition_id, row.confirmed_at), newly_confirmed=False
    )


@dataclass(frozen=True)
class _Statements:
    link: Select
    confirm: Update
    count_one: Update


@cache
def _statements() -> _Statements:
    """Core statements with bound parameters, built once: building them is a good part of what
    a confirmation would otherwise cost."""
    signatures, petitions = Signature.__table__, Petition.__table__
    petition_open = (
        select(petitions.c.id)
        .where(
            petitions.c.id == signatures.c.petition_id,
            petitions.c.status == "open",
            or_(petitions.c.closes_at.is_(None), petitions.c.closes_at > bindparam("now")),
        )
        .exists()
    )
    confirm = (
        update(signatures)
        .where(
            signatures.c.public_id == bindparam("signature_public_id"),
            signatures.c.confirmed_at.is_(None),
            petition_open,
        )
        .values(confirmed_at=bindparam("now"), receipt_hash=bindparam("receipt_hash"))
        .returning(
            signatures.c.petition_id,
            signatures.c.locale,
            signatures.c.newsletter,
            # The column itself: SQLite 3.40 answers `IS NULL` wrongly in a RETURNING clause
            # on a table whose key is declared apart (`id INTEGER NOT NULL, PRIMARY KEY (id)`).
            signatures.c.sealed_email,
        )
    )
    increment = update(petitions).values(signature_count=petitions.c.signature_count + 1)
    # The new count, and what tells whether it reached a goal not yet announced.
    counted = (
        petitions.c.signature_count,
        petitions.c.goal,
        petitions.c.goal_reached_notified,
    )
    return _Statements(
        link=select(signatures.c.petition_id, signatures.c.confirmed_at).where(
            signatures.c.public_id == bindparam("signature_public_id")
        ),
        confirm=confirm,
        count_one=increment.where(petitions.c.id == bindparam("petition"))
        .returning(*counted)
        .execution_options(**{COUNTS_ONLY: True}),
    )
