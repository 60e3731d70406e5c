"""Rate limits on what costs us or a stranger something: signing, endorsing, staff log-ins.

The limits per staff account, keyed on how accounts read addresses, are campaign.staff.limits.

Only POSTs count: the pages themselves are cached and must stay cheap. Limits are read from
the configuration at request time ("5 per minute; 30 per hour": a burst and a sustained
limit), counted in memory or, with REDIS_URL, in Redis shared by every worker and server.
Keys hold a keyed hash of the client address (campaign.web.clients.client_key), never the address.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from flask import current_app, request
from flask_login import current_user

from campaign.extensions import limiter
from campaign.web.clients import client_key


def configured(name: str) -> Callable[[], str]:
    """The limit in config[name], read per request so tests and deployments can change it."""
    return lambda: current_app.config[name]


def per_client_and(view_arg: str) -> Callable[[], str]:
    """A key for one client address acting on one thing (a petition, a statement)."""

    def key() -> str:
        target = str((request.view_args or {}).get(view_arg, ""))
        # Slugs come from the URL: hashed, so any length or byte maps to a short key.
        return f"{client_key()}:{hashlib.blake2b(target.encode(), digest_size=8).hexdigest()}"

    return key


def per_staff_member() -> str:
    """The logged-in staff member (invitations), or the client address before login."""
    if current_user.is_authenticated:
        return f"staff:{current_user.id}"
    return client_key()


def limit_posts(config_name: str, *, key_func: Callable[[], str], scope: str):
    return limiter.limit(configured(config_name), key_func=key_func, methods=["POST"], scope=scope)


signing_limit = limit_posts("SIGN_RATE_LIMIT", key_func=per_client_and("slug"), scope="sign")
endorsing_limit = limit_posts(
    "ENDORSE_RATE_LIMIT", key_func=per_client_and("slug"), scope="endorse"
)
resending_limit = limit_posts("RESEND_RATE_LIMIT", key_func=per_client_and("slug"), scope="resend")
login_address_limit = limit_posts("LOGIN_RATE_LIMIT", key_func=client_key, scope="login")
reset_address_limit = limit_posts(
    "PASSWORD_RESET_RATE_LIMIT", key_func=client_key, scope="password-reset"
)
invitation_limit = limit_posts(
    "INVITATION_RATE_LIMIT", key_func=per_staff_member, scope="invitation"
)
wall_posting_limit = limit_posts(
    "WALL_POST_RATE_LIMIT", key_func=per_client_and("slug"), scope="wall-post"
)
wall_report_limit = limit_posts("WALL_REPORT_RATE_LIMIT", key_func=client_key, scope="wall-report")


def seconds_until_reset() -> int | None:
    """How long the limit this request broke still holds, from the limiter's own window."""
    current = limiter.current_limit
    if current is None or not current.breached:
        return None
    return max(1, math.ceil(current.window.reset_time - time.time()))


receipt_limit = limit_posts("RECEIPT_RATE_LIMIT", key_func=client_key, scope="receipt")
