"""Signing a petition and confirming a signature: the flows that must never lose or double-count."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from campaign.emails import email_template, queue_email, queue_rendered
from campaign.i18n import country_codes
from campaign.links import absolute_url
from campaign.models import Petition, Signature
from campaign.tokens import Purpose, make_token, read_token

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


class InvalidSignature(SigningError):
    """Some fields are wrong; `errors` maps field names to message keys."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


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
class ConfirmationResult:
    signature: Signature
    newly_confirmed: bool


def clean_name(raw: str) -> str:
    """Fold whitespace so a name displays and compares as typed, minus stray spacing."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def name_problem(name: str) -> str | None:
    if not name:
        return "required"
    if len(name) > NAME_MAX:
        return "too_long"
    # Control characters, and U+FFFD, which stands for bytes that were not UTF-8.
    if any(unicodedata.category(ch)[0] == "C" or ch == "\ufffd" for ch in name):
        return "invalid_characters"
    if name.startswith(_FORMULA_START):
        return "bad_start"
    if _URL_IN_TEXT.search(name):
        return "no_links"
    return None


def normalize_email(raw: str) -> tuple[str, str]:
    """(address as typed, address for uniqueness); raises EmailNotValidError."""
    typed = raw.strip()
    # U+FFFD stands for bytes that were not UTF-8: the address as typed is lost.
    if len(typed) > EMAIL_MAX or any(ch in typed for ch in "\r\n\0\ufffd"):
        raise EmailNotValidError("invalid")
    info = validate_email(typed, check_deliverability=False)
    return typed, info.normalized.lower()


def validate_signature(data: SignatureData) -> tuple[str, str, str]:
    """Check every field; return (clean name, typed email, normalised email) or raise."""
    errors: dict[str, str] = {}
    name = clean_name(data.name)
    if problem := name_problem(name):
        errors["name"] = problem
    typed = normalized = ""
    if not data.email.strip():
        errors["email"] = "required"
    else:
        try:
            typed, normalized = normalize_email(data.email)
        except EmailNotValidError:
            errors["email"] = "invalid"
    if data.country not in country_codes():
        errors["country"] = "required" if not data.country else "invalid"
    if not data.consent_text:
        errors["consent"] = "required"
    if errors:
        raise InvalidSignature(errors)
    return name, typed, normalized


def sign_petition(
    session: Session,
    petition: Petition,
    data: SignatureData,
    *,
    locale: str,
    now: datetime,
    secret_key: str,
    max_emails: int = 5,
) -> None:
    """Record a pending signature and its confirmation email, or re-send to an earlier signer.

    Returns nothing on purpose: the caller must answer a first-time and a repeat signer alike,
    so that nobody learns from the page whether an address has signed.

    The email is prepared before the first write: from that write to the commit the
    transaction holds the database's write lock (all of it, on SQLite), so only the inserts
    happen inside. The confirmation link names the new row's id, so it goes in last.
    """
    if not petition.is_open(now):
        raise PetitionNotOpen(petition.slug)
    name, typed, normalized = validate_signature(data)
    text = petition.text_for(locale)
    draft = None
    if max_emails > 0:
        draft = email_template(
            "confirm_signature",
            locale=locale,
            fields=("name", "confirm_url"),
            petition_title=text.title if text else petition.slug,
        )
    signature_id = session.execute(
        _insert_unless_signed(session.get_bind().dialect.name),
        {
            "petition_id": petition.id,
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
            # The confirmation email below is this signature's first.
            "emails_sent": 1 if draft is not None else 0,
        },
    ).scalar()
    if signature_id is None:
        # Already signed (perhaps a moment ago by a concurrent request): tell the owner, not us.
        signature = session.scalars(
            select(Signature).where(
                Signature.petition_id == petition.id, Signature.email_normalized == normalized
            )
        ).one()
        _notify_signer(session, signature, petition, secret_key=secret_key, max_emails=max_emails)
    elif draft is not None:
        url = absolute_url(
            "public.confirm", lang=locale, token=_confirmation_token(secret_key, signature_id)
        )
        queue_rendered(session, draft.fill(name=name, confirm_url=url), to=typed)


@cache
def _insert_unless_signed(dialect: str):
    """INSERT INTO signatures that does nothing when the address has signed this petition.

    A Core statement built once: it runs inside the write lock, so it should cost little.
    """
    table = Signature.__table__
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=[table.c.petition_id, table.c.email_normalized])
        .returning(table.c.id)
    )


def _notify_signer(
    session: Session, signature: Signature, petition: Petition, *, secret_key: str, max_emails: int
) -> None:
    """Queue the email this signing deserves, unless the signature had its share of emails."""
    claimed = session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.emails_sent < max_emails)
        .values(emails_sent=Signature.emails_sent + 1)
    )
    if claimed.rowcount != 1:
        return
    locale = signature.locale
    text = petition.text_for(locale)
    if signature.confirmed_at is None:
        queue_email(
            session,
            kind="confirm_signature",
            to=signature.email,
            locale=locale,
            name=signature.name,
            petition_title=text.title if text else petition.slug,
            confirm_url=absolute_url(
                "public.confirm", lang=locale, token=confirmation_token(secret_key, signature)
            ),
        )
    else:
        queue_email(
            session,
            kind="already_signed",
            to=signature.email,
            locale=locale,
            name=signature.name,
            petition_title=text.title if text else petition.slug,
            petition_url=absolute_url("public.petition", lang=locale, slug=petition.slug),
        )


def confirmation_token(secret_key: str, signature: Signature) -> str:
    return _confirmation_token(secret_key, signature.id)


def _confirmation_token(secret_key: str, signature_id: int) -> str:
    return make_token(secret_key, Purpose.CONFIRM_SIGNATURE, signature_id)


def signature_from_token(
    session: Session, secret_key: str, token: str, *, max_age: int
) -> Signature:
    """The signature a confirmation link names.

    Raises InvalidToken, ExpiredToken, or ConfirmationRefused when the row is gone.
    """
    signature_id = read_token(secret_key, Purpose.CONFIRM_SIGNATURE, token, max_age=max_age)
    signature = (
        session.get(
            Signature,
            signature_id,
            # One query: the confirmation pages show the petition and its texts, never its
            # campaign.
            options=[
                joinedload(Signature.petition).options(
                    lazyload(Petition.campaign), joinedload(Petition.texts)
                )
            ],
        )
        if isinstance(signature_id, int)
        else None
    )
    if signature is None:
        # Erased since the email was sent, or a token minted for a row that never existed.
        raise ConfirmationRefused("no such signature")
    return signature


def confirm_signature(
    session: Session, signature: Signature, *, now: datetime
) -> ConfirmationResult:
    """Confirm a pending signature and count it, once, however many times this runs at once.

    The guarded UPDATE is the lock: of concurrent transactions only one sees `confirmed_at IS
    NULL` and increments the counter; the others change nothing.
    """
    if signature.confirmed_at is not None:
        return ConfirmationResult(signature, newly_confirmed=False)
    if not signature.petition.is_open(now):
        raise PetitionNotOpen(signature.petition.slug)
    result = session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.confirmed_at.is_(None))
        .values(confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        # Another click, worker or server confirmed it a moment ago: it is counted already.
        session.refresh(signature)
        return ConfirmationResult(signature, newly_confirmed=False)
    count = session.execute(
        update(Petition)
        .where(Petition.id == signature.petition_id)
        .values(signature_count=Petition.signature_count + 1)
        .returning(Petition.signature_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    # What the statements wrote, without reading it back inside the write transaction.
    set_committed_value(signature, "confirmed_at", now)
    set_committed_value(signature.petition, "signature_count", count)
    return ConfirmationResult(signature, newly_confirmed=True)
