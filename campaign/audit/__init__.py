"""The audit trail: who did what to personal data, to accounts or to what the public sees, when,
and from where.

Every feature that touches personal data records here, so it sits below them all. May import:
the root modules, `models` and `web`. Never a feature package nor a blueprint.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from campaign.models import AuditEvent, utcnow
from campaign.web.pseudonyms import address_hash

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
PASSWORD_SET = "password_set"  # noqa: S105 (an audit action, not a password)
PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 (an audit action)
INVITATION = "invitation"
INVITATION_RESENT = "invitation_resent"
INVITATION_REVOKED = "invitation_revoked"
ACCOUNT_DEACTIVATED = "account_deactivated"
ACCOUNT_REACTIVATED = "account_reactivated"
ROLE_CHANGED = "role_changed"
EXPORT = "export"
ERASURE = "erasure"
PURGE = "purge"
SIGNATURES_INVALIDATED = "signatures_invalidated"
SIGNING_PAUSED = "signing_paused"
SIGNING_RESUMED = "signing_resumed"
UPDATE_SENT = "update_sent"
UPDATE_CANCELLED = "update_cancelled"
SUPPRESSIONS_ADDED = "suppressions_added"
SUPPRESSION_REMOVED = "suppression_removed"
WEBHOOK_ADDED = "webhook_added"
WEBHOOK_CHANGED = "webhook_changed"  # paused, resumed, secret rotated, a delivery replayed
API_TOKEN_CREATED = "api_token_created"  # noqa: S105 (an audit action, not a token)
API_TOKEN_REVOKED = "api_token_revoked"  # noqa: S105 (an audit action, not a token)
API_SIGNATURES_READ = "api_signatures_read"
DELIVERY_PACK = "delivery_pack"
PETITION_DELIVERED = "petition_delivered"
# Content changes: what the public sees, and who may change it.
CAMPAIGN_STATUS_CHANGED = "campaign_status_changed"
PETITION_STATUS_CHANGED = "petition_status_changed"
STATEMENT_STATUS_CHANGED = "statement_status_changed"
TEAM_MEMBER_ADDED = "team_member_added"
TEAM_MEMBER_REMOVED = "team_member_removed"
ENDORSEMENT_APPROVED = "endorsement_approved"
ENDORSEMENT_REMOVED = "endorsement_removed"
SETTINGS_CHANGED = "settings_changed"  # a petition's goal or deadline, a campaign's wall
ACTIONS = (
    LOGIN,
    LOGIN_FAILED,
    LOGOUT,
    PASSWORD_SET,
    PASSWORD_RESET_REQUESTED,
    INVITATION,
    INVITATION_RESENT,
    INVITATION_REVOKED,
    ACCOUNT_DEACTIVATED,
    ACCOUNT_REACTIVATED,
    ROLE_CHANGED,
    EXPORT,
    ERASURE,
    PURGE,
    SIGNATURES_INVALIDATED,
    SIGNING_PAUSED,
    SIGNING_RESUMED,
    UPDATE_SENT,
    UPDATE_CANCELLED,
    SUPPRESSIONS_ADDED,
    SUPPRESSION_REMOVED,
    WEBHOOK_ADDED,
    WEBHOOK_CHANGED,
    API_TOKEN_CREATED,
    API_TOKEN_REVOKED,
    API_SIGNATURES_READ,
    DELIVERY_PACK,
    PETITION_DELIVERED,
    CAMPAIGN_STATUS_CHANGED,
    PETITION_STATUS_CHANGED,
    STATEMENT_STATUS_CHANGED,
    TEAM_MEMBER_ADDED,
    TEAM_MEMBER_REMOVED,
    ENDORSEMENT_APPROVED,
    ENDORSEMENT_REMOVED,
    SETTINGS_CHANGED,
)


def origin_of(secret_key: str, address: str | None) -> str | None:
    """What the log keeps of a client address: a keyed hash, never the address."""
    return address_hash(secret_key, address) if address else None


def record_event(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    origin: str | None = None,
    details: dict | None = None,
) -> AuditEvent:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        origin=origin,
        details=dict(details or {}),
        created_at=utcnow(),
    )
    session.add(event)
    session.flush()
    return event


def amend_details(event: AuditEvent, **extra) -> None:
    """Add what was learnt after the event was first written (an export's row count)."""
    event.details = {**event.details, **extra}


def record_settings_change(
    session: Session,
    subject: dict,
    before: dict,
    after: dict,
    *,
    actor_id: int | None = None,
    origin: str | None = None,
) -> AuditEvent | None:
    """Record the settings that differ between `before` and `after` (JSON values) as
    [before, after] pairs beside `subject` (such as {"petition": slug}); nothing when none does."""
    changed = {
        name: [before[name], value] for name, value in after.items() if before[name] != value
    }
    if not changed:
        return None
    return record_event(
        session,
        SETTINGS_CHANGED,
        actor_id=actor_id,
        origin=origin,
        details={**subject, "settings": changed},
    )
