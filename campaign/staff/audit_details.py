"""The audit log's details in words, in the staff member's language, with links to the objects.

Events keep their details as JSON of codes (campaign.audit): what a record needs to stay exact
whatever language reads it later. This module turns them into labelled sentences for the page.
A key it does not know still shows, under its own name, so nothing recorded is ever hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from campaign.models import AuditEvent
from campaign.staff.labels import (
    CAMPAIGN_STATUS_LABELS,
    COLUMN_LABELS,
    PETITION_STATUS_LABELS,
    ROLE_LABELS,
    STATEMENT_STATUS_LABELS,
    SUPPRESSION_REASON_LABELS,
)
from campaign.updates.outcomes import OUTCOME_LABELS
from campaign.web.i18n import LANGUAGE_NAMES, country_name


@dataclass(frozen=True)
class Detail:
    label: str
    text: str
    url: str | None = None


DETAIL_LABELS = {
    "petition": _l("Petition"),
    "campaign": _l("Campaign"),
    "statement": _l("Statement"),
    "user_id": _l("Account"),
    "role": _l("Role"),
    "from": _l("Before"),
    "to": _l("After"),
    "preset": _l("File"),
    "filters": _l("Which signatures"),
    "columns": _l("Columns"),
    "rows": _l("Rows"),
    "complete": _l("Complete"),
    "via": _l("Through"),
    "confirmed": _l("Confirmed signatures"),
    "pending": _l("Unconfirmed signatures"),
    "petitions": _l("Petitions"),
    "endorsements": _l("Endorsements"),
    "emails": _l("Emails"),
    "confirmation_queued": _l("The person was emailed a confirmation"),
    "pending_deleted": _l("Unconfirmed signatures deleted"),
    "anonymised": _l("Signatures anonymised"),
    "pending_days": _l("Unconfirmed signatures kept (days)"),
    "closed_months": _l("Signatures of closed petitions kept (months)"),
    "update_id": _l("Update"),
    "campaign_wide": _l("Every petition of the campaign"),
    "outcome": _l("Outcome"),
    "send_at": _l("Sent at"),
    "recipients": _l("Recipients"),
    "source": _l("Source"),
    "reason": _l("Reason"),
    "scope": _l("Applies to"),
    "added": _l("Added"),
    "already": _l("Already there"),
    "invalid": _l("Lines without an address"),
    "criteria": _l("Which signatures"),
    "deleted": _l("Deleted"),
    "uncounted": _l("Taken off the counters"),
    "organisation": _l("Organisation"),
    "approved": _l("It was listed"),
    "email_domain": _l("Email domain"),
    "created_from": _l("Signed at or after"),
    "created_until": _l("Signed before"),
    "ip_hash": _l("Hashed address"),
    "wall_posts": _l("Wall of support posts"),
    "with_photo": _l("Posts with a photo"),
    "email_addresses": _l("Email addresses included"),
}
# A settings change (campaign.audit.record_settings_change) shows one line per setting, named as
# the form that changes it names it, in this order.
SETTING_LABELS = {
    "goal": _l("Goal (signatures)"),
    "raise_goal_automatically": _l("Raise the goal automatically when it is reached"),
    "closes_at": _l("Closes at"),
    "protected_by": _l("Protect signers' identities"),
    "count_by_country": _l(
        "Protected petitions: keep the country readable, to count signatures by country"
    ),
    "wall_enabled": _l("Wall of support open"),
    "wall_unmoderated": _l("Publish confirmed messages without moderation"),
}
# Shown through another key, or saying nothing a person needs (the same as a shown key).
HIDDEN_KEYS = frozenset({"petition_id", "scope_id"})
PRESET_NAMES = {
    "target": _l("For the people the petition addresses (no email addresses)"),
    "records": _l("For our own records"),
    "crm": _l("For our CRM"),
}
CHANNEL_NAMES = {
    "web": _l("the workspace"),
    "cli": _l("the command line"),
    "invitation": _l("an invitation link"),
    "reset-password": _l("a password reset link"),
}
SOURCE_NAMES = {"import": _l("An imported file"), "staff": _l("Added by staff")}
FILTER_LABELS = {
    "date_from": _l("Signed from"),
    "date_to": _l("Signed until (inclusive)"),
    "country": _l("Country"),
    "newsletter_only": _l("Only signers who asked to be kept informed"),
    "include_pending": _l("Include unconfirmed signatures"),
}
STATUS_LABELS = {
    "campaign_status_changed": CAMPAIGN_STATUS_LABELS,
    "petition_status_changed": PETITION_STATUS_LABELS,
    "statement_status_changed": STATEMENT_STATUS_LABELS,
    "role_changed": ROLE_LABELS,
}


def describe(event: AuditEvent, accounts: Mapping[int, str]) -> list[Detail]:
    """The event's details as labelled words; `accounts` maps account ids to their addresses
    (accounts deleted since show as their number)."""
    details = event.details or {}
    described = []
    for key, value in details.items():
        if key in HIDDEN_KEYS:
            continue
        if key == "settings" and isinstance(value, Mapping):
            described += _settings(value)
            continue
        label = str(DETAIL_LABELS.get(key, key))
        text, url = _value(event, key, value, details, accounts)
        described.append(Detail(label, text, url))
    return described


def _value(
    event: AuditEvent, key: str, value, details: Mapping, accounts: Mapping[int, str]
) -> tuple[str, str | None]:
    if value is None:
        return "–", None
    link = _LINKS.get(key)
    if link is not None and isinstance(value, str | int) and not isinstance(value, bool):
        return link(value, details, accounts)
    if key in ("from", "to"):
        return str(STATUS_LABELS.get(event.action, {}).get(value, value)), None
    words = _WORDS.get(key)
    if words is not None:
        return words(value), None
    return _plain(value), None


def _plain(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float):
        return format_decimal(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {_plain(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value)
    return str(value)


def _settings(changed: Mapping) -> list[Detail]:
    rank = {name: place for place, name in enumerate(SETTING_LABELS)}
    described = []
    for name in sorted(changed, key=lambda name: rank.get(name, len(rank))):
        pair = changed[name]
        if isinstance(pair, list) and len(pair) == 2:
            text = _(
                "from %(before)s to %(after)s",
                before=_setting_value(pair[0]),
                after=_setting_value(pair[1]),
            )
        else:
            text = _plain(pair)
        described.append(Detail(str(SETTING_LABELS.get(name, name)), text))
    return described


def _setting_value(value) -> str:
    return "–" if value is None else _plain(value)


def _named(names: Mapping) -> Callable[[object], str]:
    return lambda value: str(names.get(value, value))


def _columns(value) -> str:
    return ", ".join(str(COLUMN_LABELS.get(name, name)) for name in value)


def _filters(value: Mapping) -> str:
    chosen = []
    for key, item in value.items():
        if item in (None, False, ""):
            continue
        label = str(FILTER_LABELS.get(key) or DETAIL_LABELS.get(key, key))
        if item is True:
            chosen.append(label)
        else:
            shown = country_name(item, str(get_locale())) if key == "country" else _plain(item)
            chosen.append(f"{label}: {shown}")
    return "; ".join(chosen) or _("All confirmed signatures")


def _recipients(value) -> str:
    if not isinstance(value, Mapping):
        return _plain(value)
    return ", ".join(
        f"{LANGUAGE_NAMES.get(code, code)}: {format_decimal(count)}"
        for code, count in value.items()
    )


def _scope(value) -> str:
    names = {"all": _("Everything"), "everywhere": _("Every petition"), "campaign": _("A campaign")}
    return names.get(value, str(value))


_WORDS: dict[str, Callable[[object], str]] = {
    "role": _named(ROLE_LABELS),
    "preset": _named(PRESET_NAMES),
    "via": _named(CHANNEL_NAMES),
    "source": _named(SOURCE_NAMES),
    "reason": _named(SUPPRESSION_REASON_LABELS),
    "outcome": _named(OUTCOME_LABELS),
    "columns": _columns,
    "filters": _filters,
    "criteria": _filters,
    "recipients": _recipients,
    "scope": _scope,
}


def _petition(value, details, accounts) -> tuple[str, str | None]:
    return str(value), url_for("staff.petition", slug=value)


def _campaign(value, details, accounts) -> tuple[str, str | None]:
    return str(value), url_for("staff.edit_campaign", slug=value)


def _statement(value, details, accounts) -> tuple[str, str | None]:
    return str(value), url_for("staff.edit_statement", slug=value)


def _account(value, details, accounts) -> tuple[str, str | None]:
    if value in accounts:
        return accounts[value], url_for("staff.users")
    return _("Account %(number)s (deleted since)", number=value), None


def _update(value, details, accounts) -> tuple[str, str | None]:
    petition = details.get("petition")
    if not isinstance(petition, str):
        return str(value), None
    return (
        _("Update %(number)s", number=value),
        url_for("staff.update", slug=petition, update_id=value),
    )


_LINKS = {
    "petition": _petition,
    "campaign": _campaign,
    "statement": _statement,
    "user_id": _account,
    "update_id": _update,
}
