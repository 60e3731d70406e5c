"""Signed, expiring tokens; each purpose has its own salt, so one never passes for another."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer


class Purpose(StrEnum):
    CONFIRM_SIGNATURE = "confirm-signature"
    CONFIRM_ENDORSEMENT = "confirm-endorsement"
    # A supporter's personal share link: it names their signature and never expires.
    REFERRAL = "referral"
    RESET_PASSWORD = "reset-password"  # noqa: S105 (a token purpose)
    INVITATION = "invitation"
    # An update's unsubscribe link: it names a signature and an update, and never expires.
    UNSUBSCRIBE = "unsubscribe"
    # "This wasn't me" in a reminder: names a pending signature, expires like confirmation links.
    NOT_ME = "not-me"
    # The "send the email again" button of the page that answers a signing: its form's fields.
    RESEND_CONFIRMATION = "resend-confirmation"
    # A post on a campaign's wall of support: its confirmation link, expiring like a signature's,
    # and its author's link to delete it or its photo, which lasts as long as the post.
    CONFIRM_WALL_POST = "confirm-wall-post"
    WALL_POST_AUTHOR = "wall-post-author"


class InvalidToken(Exception):
    """The token is forged, damaged or meant for another purpose."""


class ExpiredToken(InvalidToken):
    """The token was genuine but is too old."""


def _salt(purpose: Purpose) -> str:
    return f"campaign.{purpose.value}"


def _serializer(secret_key: str, purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_salt(purpose))


def make_token(secret_key: str, purpose: Purpose, payload: object) -> str:
    return _serializer(secret_key, purpose).dumps(payload)


def read_token(secret_key: str, purpose: Purpose, token: str, max_age: int) -> object:
    try:
        return _serializer(secret_key, purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ExpiredToken from exc
    except BadSignature as exc:
        raise InvalidToken from exc


@lru_cache(maxsize=32)
def _lasting_serializer(secret_key: str, purpose: Purpose) -> URLSafeSerializer:
    # Kept: an update makes one token per recipient, a million in a row, and building the
    # serializer costs about as much as signing.
    return URLSafeSerializer(secret_key, salt=_salt(purpose))


def make_lasting_token(secret_key: str, purpose: Purpose, payload: object) -> str:
    """A token without a timestamp: the same payload always gives the same, shorter token."""
    return _lasting_serializer(secret_key, purpose).dumps(payload)


def read_lasting_token(secret_key: str, purpose: Purpose, token: str) -> object:
    try:
        return _lasting_serializer(secret_key, purpose).loads(token)
    except BadSignature as exc:
        raise InvalidToken from exc
