"""Staff sessions: signed-cookie sessions that end after 30 minutes idle or 8 hours in all.

The session records when it began and when it was last used; a session past either limit loads
no user. It also names the account's session generation (User.get_id), checked on every request:
logging out, a new password, a new role or a deactivation raises it (campaign.staff.accounts
.end_sessions), which ends every session of the account, on every device and in every copy of
the cookie, since a signed cookie cannot be taken back.
"""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import login_user, logout_user

from campaign.extensions import db
from campaign.models import User

LOGIN_AT = "staff_login_at"
SEEN_AT = "staff_seen_at"
KEPT_ACROSS_LOGINS = ("lang",)


def now() -> float:
    return time.time()


def session_expired(at: float) -> bool:
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int | float) or not isinstance(seen_at, int | float):
        return True
    config = current_app.config
    return (
        at - login_at > config["STAFF_SESSION_MAX_SECONDS"]
        or at - seen_at > config["STAFF_SESSION_IDLE_SECONDS"]
    )


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the account the session names, if the session is still valid."""
    number, _, generation = user_id.partition(":")
    if not number.isdigit() or session_expired(now()):
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.active or str(user.session_generation) != generation:
        return None
    return user


def _reset_session() -> None:
    kept = {key: session[key] for key in KEPT_ACROSS_LOGINS if key in session}
    session.clear()
    session.update(kept)


def start_session(user: User) -> None:
    _reset_session()  # nothing from before the login carries over
    login_user(user)
    session.permanent = True
    session[LOGIN_AT] = session[SEEN_AT] = int(now())


def touch_session() -> None:
    session[SEEN_AT] = int(now())


def end_session() -> None:
    logout_user()
    _reset_session()
