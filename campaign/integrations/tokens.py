"""Bearer tokens for the staff API: shown once, stored as a hash, revoked in the workspace."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign.audit import API_TOKEN_CREATED, API_TOKEN_REVOKED, record_event
from campaign.models import ApiToken
from campaign.models.integrations import TOKEN_ROLES
from campaign.web.refusals import InvalidFields

NAME_MAX = 100
PREFIX = "cpt_"  # recognisable in a leaked configuration file, by a secret scanner too


class InvalidApiToken(InvalidFields):
    """The name or role of a new token is wrong; nothing was stored."""


def token_hash(token: str) -> str:
    # 256 random bits: a fast hash is enough, nobody can try them all.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, name: str, role: str, *, actor_id: int | None, origin: str | None
) -> tuple[ApiToken, str]:
    """A new token and its clear text, which is never shown again."""
    name = " ".join(name.split())
    errors = {}
    if not name:
        errors["name"] = "required"
    elif len(name) > NAME_MAX:
        errors["name"] = "too_long"
    if role not in TOKEN_ROLES:
        errors["role"] = "unknown"
    if not errors and session.scalar(select(ApiToken.id).where(ApiToken.name == name)):
        errors["name"] = "taken"
    if errors:
        raise InvalidApiToken(errors)
    clear = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=role, token_hash=token_hash(clear))
    session.add(token)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise InvalidApiToken({"name": "taken"}) from None
    record_event(
        session,
        API_TOKEN_CREATED,
        actor_id=actor_id,
        origin=origin,
        details={"token": name, "role": role},
    )
    return token, clear


def authenticate(session: Session, authorization: str | None, *, now: datetime) -> ApiToken | None:
    """The live token an `Authorization: Bearer ...` header names, or None."""
    scheme, _, clear = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not clear.strip():
        return None
    token = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == token_hash(clear.strip()), ApiToken.revoked_at.is_(None)
        )
    )
    if token is not None:
        token.last_used_at = now
    return token


def revoke_token(
    session: Session, token_id: int, *, now: datetime, actor_id: int | None, origin: str | None
) -> bool:
    """Revoke a token from the next request on; False when there is no such live token."""
    name = session.scalar(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ApiToken.name)
        .execution_options(synchronize_session=False)
    )
    if name is None:
        return False
    record_event(
        session, API_TOKEN_REVOKED, actor_id=actor_id, origin=origin, details={"token": name}
    )
    return True


def tokens(session: Session) -> list[ApiToken]:
    """Live tokens first, then the revoked ones, by name."""
    live_first = ApiToken.revoked_at.is_not(None)
    return list(session.scalars(select(ApiToken).order_by(live_first, ApiToken.name)))
