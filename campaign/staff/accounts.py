"""Staff accounts: creation, invitation, login, password reset (Argon2id)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaign.audit import (
    INVITATION_RESENT,
    INVITATION_REVOKED,
    PASSWORD_RESET_REQUESTED,
    record_event,
)
from campaign.mail.addresses import InvalidAddress, account_email
from campaign.mail.emails import queue_email, queue_rendered_if, render_email
from campaign.models import ROLES, OutboxEmail, User, campaign_members, utcnow
from campaign.models.users import password_fingerprint
from campaign.staff.labels import ROLE_LABELS
from campaign.web.links import absolute_url
from campaign.web.tokens import InvalidToken, Purpose, make_token, read_token

MIN_PASSWORD_LENGTH = 12
# Argon2id with OWASP's 19 MiB, two passes, one lane (Password Storage Cheat Sheet): as strong
# as the library's 64 MiB default by that guide, but a login no longer lifts an app server's
# memory by 64 MiB for each thread checking a password at once (a crowd of logins, or someone
# posting the login form in a loop, would otherwise need gigabytes). Older hashes are replaced
# at their next login (check_needs_rehash below).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class AccountError(ValueError):
    """The account cannot be created or changed as asked."""


class InvalidEmail(AccountError):
    """Not an email address."""


class EmailTaken(AccountError):
    """Another account has this address."""


class WeakPassword(AccountError):
    """The password is too short."""


class NotInvited(AccountError):
    """The account has chosen its password: there is no invitation to send again or revoke."""


class SpentLink(InvalidToken):
    """The link was genuine, but its password has been set since or its account closed."""


@dataclass(frozen=True)
class LoginAttempt:
    user: User | None  # who is now logged in, if anyone
    account: User | None  # the account the email named, whether or not the password matched


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def canonical_email(raw: str) -> str:
    """The address an account is stored and looked up under (campaign.mail.addresses)."""
    try:
        return account_email(raw)
    except InvalidAddress as exc:
        raise InvalidEmail("that is not a valid email address") from exc


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _new_account(session: Session, *, email: str, role: str, password_hash: str) -> User:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    address = canonical_email(email)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise EmailTaken("an account with that email address exists already")
    user = User(email=address, role=role, password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


def create_user(session: Session, *, email: str, role: str, password: str) -> User:
    check_password(password)
    return _new_account(session, email=email, role=role, password_hash=hash_password(password))


def authenticate(session: Session, email: str, password: str) -> LoginAttempt:
    """Check a login. Unknown addresses cost the same Argon2 verification as known ones, so the
    time an answer takes does not tell whether an account exists."""
    try:
        address: str | None = canonical_email(email)
    except InvalidEmail:
        address = None
    account = session.scalar(select(User).where(User.email == address)) if address else None
    if account is None:
        password_matches(_dummy_hash(), password)
        return LoginAttempt(user=None, account=None)
    if not password_matches(account.password_hash, password) or not account.active:
        return LoginAttempt(user=None, account=account)
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return LoginAttempt(user=account, account=account)


def end_sessions(user: User) -> None:
    """Every session of this account stops working, on every device and in every copy of its
    cookie: they carry the generation they began in (User.get_id), and it moves on. Counted in
    SQL so two changes at once still both move it."""
    user.session_generation = User.session_generation + 1


def set_password(user: User, password: str) -> None:
    """Choose a new password; every session and one-time link issued before stops working.
    An invited account is taken up: it is no longer listed as invited."""
    check_password(password)
    user.password_hash = hash_password(password)
    user.invited_at = None
    end_sessions(user)


def account_token(secret_key: str, purpose: Purpose, user: User) -> str:
    """A link credential bound to the current password, so setting a password spends it."""
    return make_token(secret_key, purpose, [user.id, user.password_fingerprint])


def user_from_token(
    session: Session, secret_key: str, purpose: Purpose, token: str, *, max_age: int
) -> User:
    """The account a reset or invitation link names; raises InvalidToken, ExpiredToken or
    SpentLink."""
    payload = read_token(secret_key, purpose, token, max_age=max_age)
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        raise InvalidToken("malformed payload")
    user = session.get(User, payload[0])
    if user is None or not user.active or user.password_fingerprint != payload[1]:
        raise SpentLink("password changed or account closed since the link was sent")
    return user


def invite_user(
    session: Session,
    *,
    email: str,
    role: str,
    locale: str,
    secret_key: str,
    organisation: str,
) -> User:
    """Create an account nobody can log in to yet, and email its owner a link to choose a
    password. Raises InvalidEmail or EmailTaken."""
    # A random password nobody knows: the account is usable only through the link.
    user = _new_account(
        session, email=email, role=role, password_hash=hash_password(secrets.token_urlsafe(32))
    )
    user.locale = locale
    _send_invitation(session, user, secret_key=secret_key, organisation=organisation)
    return user


def _send_invitation(session: Session, user: User, *, secret_key: str, organisation: str) -> None:
    user.invited_at = utcnow()
    queue_email(
        session,
        kind="invitation",
        to=user.email,
        locale=user.locale or "en",
        # Lazy: the template renders it in the recipient's language.
        role_label=ROLE_LABELS[user.role],
        organisation=organisation,
        link=absolute_url(
            "staff.accept_invitation",
            token=account_token(secret_key, Purpose.INVITATION, user),
        ),
    )


def resend_invitation(
    session: Session,
    user: User,
    *,
    secret_key: str,
    organisation: str,
    actor_id: int | None,
    origin: str | None,
) -> None:
    """Email the invited person a new link; the earlier links stop working (they are bound to
    the unknown password, which changes). Raises NotInvited."""
    if user.invited_at is None:
        raise NotInvited("the account has chosen its password")
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    _send_invitation(session, user, secret_key=secret_key, organisation=organisation)
    record_event(
        session, INVITATION_RESENT, actor_id=actor_id, origin=origin, details={"user_id": user.id}
    )


def revoke_invitation(
    session: Session, user: User, *, actor_id: int | None, origin: str | None
) -> None:
    """Delete an account that has not taken up its invitation, with its team memberships and
    the invitations still waiting to go out; its links then name nobody. Raises NotInvited."""
    if user.invited_at is None:
        raise NotInvited("the account has chosen its password")
    session.execute(delete(campaign_members).where(campaign_members.c.user_id == user.id))
    session.execute(
        delete(OutboxEmail).where(
            OutboxEmail.kind == "invitation",
            OutboxEmail.to_address == user.email,
            OutboxEmail.status == "pending",
        ),
        execution_options={"synchronize_session": False},
    )
    record_event(
        session,
        INVITATION_REVOKED,
        actor_id=actor_id,
        origin=origin,
        details={"user_id": user.id, "role": user.role},
    )
    session.delete(user)
    session.flush()


class _Recipient(NamedTuple):
    """What a reset email needs of an account: the columns read, or a stand-in for nobody."""

    id: int
    email: str
    locale: str | None
    password_hash: str


def request_password_reset(
    session: Session, email: str, *, locale: str, secret_key: str, origin: str | None = None
) -> None:
    """Email a reset link when the address names an active account; otherwise send nothing.

    Returns nothing on purpose: the person asking must get the same answer either way, and as
    soon. So both ways read the same columns (no ORM object, which only an account would
    cost), compose the email, note the request in the audit log (`origin`:
    campaign.audit.origin_of) and run the statement that queues the email, which inserts it
    only for an account.
    """
    try:
        address = canonical_email(email)
    except InvalidEmail:
        return  # no account has such an address, and the asker knows it is malformed
    account = session.execute(
        select(User.id, User.email, User.locale, User.password_hash).where(
            User.email == address, User.active
        )
    ).first()
    # For nobody: a link that names no account, in an email that is never queued.
    recipient = account or _Recipient(id=0, email=address, locale=None, password_hash="")
    token = make_token(
        secret_key,
        Purpose.RESET_PASSWORD,
        [recipient.id, password_fingerprint(recipient.password_hash)],
    )
    message = render_email(
        "password_reset",
        locale=recipient.locale or locale,
        link=absolute_url("staff.reset_password", token=token),
    )
    record_event(
        session, PASSWORD_RESET_REQUESTED, actor_id=account.id if account else None, origin=origin
    )
    queue_rendered_if(session, message, to=recipient.email, send=account is not None)


def set_active(user: User, active: bool, *, actor: User) -> None:
    if user.id == actor.id and not active:
        raise AccountError("you cannot deactivate your own account")
    if user.active != active:
        user.active = active
        end_sessions(user)


def set_role(user: User, role: str, *, actor: User) -> None:
    """Give another account a new role; its sessions end, so it starts afresh under the new one.
    Nobody changes their own role: an administrator cannot lock out the last administrator."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if user.id == actor.id:
        raise AccountError("you cannot change your own role")
    if user.role != role:
        user.role = role
        end_sessions(user)
