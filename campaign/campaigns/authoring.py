"""Writing campaigns and petitions: texts in several languages, slugs, the status workflow."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from campaign.audit import (
    CAMPAIGN_STATUS_CHANGED,
    PETITION_STATUS_CHANGED,
    TEAM_MEMBER_ADDED,
    TEAM_MEMBER_REMOVED,
    record_event,
    record_settings_change,
)
from campaign.config import LOCALES
from campaign.integrations.events import petition_status_changed
from campaign.models import (
    HERO_FOCUS_STEP,
    Campaign,
    CampaignText,
    Petition,
    PetitionText,
    ProtectionKey,
    Signature,
    User,
)
from campaign.text.bidi import has_reordering_controls
from campaign.web.refusals import InvalidFields

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
RESERVED_SLUGS = frozenset({"new"})  # /staff/campaigns/new is the creation form
HASHTAG = re.compile(r"^\w{1,100}$")
DONATION_URL_MAX = 500
# Texts set into other text (page titles, share messages, email subjects, cards): no control
# that reorders what follows (campaign.text.bidi). Bodies are Markdown blocks, paragraphs of
# their own.
SET_INTO_OTHER_TEXT = ("title", "summary", "share_text", "excerpt", "target", "hero_alt")
# Which status may follow which. A closed petition stays closed: its count is final.
CAMPAIGN_TRANSITIONS = {
    "draft": ("preview",),
    "preview": ("draft", "published"),
    "published": ("archived",),
    "archived": ("published",),
}
PETITION_TRANSITIONS = {
    "draft": ("preview",),
    "preview": ("draft", "open"),
    "open": ("closed",),
    "closed": (),
}


class AuthoringError(Exception):
    """Base of the refusals staff can be shown."""


class InvalidContent(AuthoringError, InvalidFields):
    """Fields are wrong; a text's field is named `<locale>.<field>`."""


class SlugTaken(AuthoringError):
    """Another campaign or petition has this address."""


class SlugLocked(AuthoringError):
    """The address is public already: changing it would break every link shared so far."""


class InvalidTransition(AuthoringError):
    """The status cannot go from where it is to where it was asked."""


class ProtectionLocked(AuthoringError):
    """Whether a petition is protected, and by which key, is settled once it has opened or
    anyone has signed."""


class NotACampaigner(AuthoringError):
    """Only active campaigner accounts are added to a campaign's team."""


@dataclass(frozen=True)
class TextData:
    title: str = ""
    body: str = ""
    summary: str = ""
    share_text: str = ""
    excerpt: str = ""
    target: str = ""
    hero_alt: str = ""

    def is_empty(self) -> bool:
        return not (
            self.title
            or self.body
            or self.summary
            or self.share_text
            or self.excerpt
            or self.target
            or self.hero_alt
        )


@dataclass(frozen=True)
class CampaignData:
    slug: str
    default_locale: str
    texts: dict[str, TextData] = field(default_factory=dict)
    hashtag: str = ""
    donation_url: str = ""
    hero_focus_x: int = 50
    hero_focus_y: int = 50


@dataclass(frozen=True)
class PetitionData:
    slug: str
    default_locale: str
    texts: dict[str, TextData] = field(default_factory=dict)
    goal: int | None = None
    raise_goal_automatically: bool = False
    closes_at: datetime | None = None
    # Protected petitions (campaign.protection): the key signers' identities are sealed to, and
    # whether the country stays in clear to count by it.
    protection_key_id: int | None = None
    count_by_country: bool = False


def content_errors(slug: str, default_locale: str, texts: dict[str, TextData]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not SLUG.match(slug) or len(slug) > SLUG_MAX or slug in RESERVED_SLUGS:
        errors["slug"] = "invalid"
    if default_locale not in LOCALES:
        errors["default_locale"] = "invalid"
    for locale in LOCALES:
        text = texts.get(locale) or TextData()
        if not text.title and (locale == default_locale or not text.is_empty()):
            errors[f"{locale}.title"] = "required"
        for name in SET_INTO_OTHER_TEXT:
            if has_reordering_controls(getattr(text, name)):
                errors[f"{locale}.{name}"] = "direction_controls"
    return errors


def apply_texts(owner, texts: dict[str, TextData], text_class, fields: tuple[str, ...]) -> None:
    existing = {text.locale: text for text in owner.texts}
    for locale in LOCALES:
        data = texts.get(locale) or TextData()
        current = existing.get(locale)
        if data.is_empty():
            if current is not None:
                owner.texts.remove(current)
            continue
        values = {name: getattr(data, name) for name in fields}
        if current is None:
            owner.texts.append(text_class(locale=locale, **values))
        else:
            for name, value in values.items():
                setattr(current, name, value)


def check_slug(session: Session, model, item, slug: str) -> None:
    """Before the item joins the session: a query would flush it half-filled."""
    if item is not None and slug != item.slug and not item.is_hidden():
        raise SlugLocked(item.slug)
    query = select(model.id).where(model.slug == slug)
    if item is not None:
        query = query.where(model.id != item.id)
    if session.scalar(query) is not None:
        raise SlugTaken(slug)


def flush_claiming_slug(session: Session) -> None:
    """Flush; the unique constraint is the last word on a slug two people claim at once."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        if "slug" in str(exc.orig).lower():
            raise SlugTaken(str(exc.orig)) from exc
        raise


def is_donation_url(url: str) -> bool:
    """An https address with a host, nothing a browser would read otherwise: the link is shown
    to every signer, so no http (readable on the way), javascript: or credentials in it."""
    if len(url) > DONATION_URL_MAX or any(c.isspace() or ord(c) < 32 for c in url):
        return False
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc


def is_focus(value: int) -> bool:
    """A focal point coordinate the stylesheet has a rule for: 0 to 100 in steps."""
    return isinstance(value, int) and 0 <= value <= 100 and value % HERO_FOCUS_STEP == 0


def save_campaign(
    session: Session, campaign: Campaign | None, data: CampaignData, *, author: User
) -> Campaign:
    """Create (campaign None, `author` joins its team) or update a campaign's fields and texts."""
    errors = content_errors(data.slug, data.default_locale, data.texts)
    hashtag = data.hashtag.strip().lstrip("#")
    if hashtag and not HASHTAG.match(hashtag):
        errors["hashtag"] = "invalid"
    donation_url = data.donation_url.strip()
    if donation_url and not is_donation_url(donation_url):
        errors["donation_url"] = "invalid"
    for name in ("hero_focus_x", "hero_focus_y"):
        if not is_focus(getattr(data, name)):
            errors[name] = "invalid"
    if errors:
        raise InvalidContent(errors)
    check_slug(session, Campaign, campaign, data.slug)
    if campaign is None:
        campaign = Campaign(status="draft")
        if author.role == "campaigner":
            campaign.members.append(author)
        session.add(campaign)
    campaign.slug = data.slug
    campaign.hashtag = hashtag or None
    campaign.donation_url = donation_url or None
    campaign.default_locale = data.default_locale
    campaign.hero_focus_x = data.hero_focus_x
    campaign.hero_focus_y = data.hero_focus_y
    apply_texts(campaign, data.texts, CampaignText, ("title", "summary", "body", "hero_alt"))
    flush_claiming_slug(session)
    return campaign


def save_petition(
    session: Session,
    campaign: Campaign,
    petition: Petition | None,
    data: PetitionData,
    *,
    now: datetime,
    actor_id: int | None = None,
    origin: str | None = None,
) -> Petition:
    """Create (petition None) a petition in `campaign`, or update one; a change to an existing
    petition's settings (goal, deadline, protection) is audited."""
    errors = content_errors(data.slug, data.default_locale, data.texts)
    if data.goal is not None and data.goal <= 0:
        errors["goal"] = "invalid"
    if (
        data.protection_key_id is not None
        and session.get(ProtectionKey, data.protection_key_id) is None
    ):
        errors["protected_by"] = "invalid"
    if errors:
        raise InvalidContent(errors)
    check_slug(session, Petition, petition, data.slug)
    _check_protection_unchanged_once_signed(session, petition, data)
    before = None if petition is None else petition_settings(session, petition)
    if petition is None:
        petition = Petition(status="draft", signature_count=0)
        petition.campaign = campaign
        session.add(petition)
    petition.slug = data.slug
    petition.goal = data.goal
    petition.raise_goal_automatically = data.raise_goal_automatically
    reopened = _change_deadline(petition, data.closes_at, now=now)
    petition.default_locale = data.default_locale
    petition.protection_key_id = data.protection_key_id
    petition.count_by_country = data.count_by_country and data.protection_key_id is not None
    apply_texts(petition, data.texts, PetitionText, ("title", "body", "share_text", "target"))
    flush_claiming_slug(session)
    if before is not None:
        record_settings_change(
            session,
            {"petition": petition.slug},
            before,
            petition_settings(session, petition),
            actor_id=actor_id,
            origin=origin,
        )
    if reopened:
        petition_status_changed(session, petition, now=now)
    return petition


def petition_settings(session: Session, petition: Petition) -> dict:
    """The settings the audit log follows, as JSON: the deadline in ISO 8601 UTC, the
    protection by its key's name (its number would say nothing to a reader of the log)."""
    key = (
        session.get(ProtectionKey, petition.protection_key_id)
        if petition.protection_key_id
        else None
    )
    return {
        "goal": petition.goal,
        "raise_goal_automatically": petition.raise_goal_automatically,
        "closes_at": petition.closes_at.isoformat() if petition.closes_at else None,
        "protected_by": key.name if key else None,
        "count_by_country": petition.count_by_country,
    }


def _change_deadline(petition: Petition, closes_at: datetime | None, *, now: datetime) -> bool:
    """Set the deadline; True when it reopens a petition whose passed deadline the webhooks
    were told of (campaign.petitions.deadlines). A deadline moved but still passed is told
    again, with its new date, by the worker."""
    moved = closes_at != petition.closes_at
    petition.closes_at = closes_at
    if not (moved and petition.deadline_announced_at):
        return False
    petition.deadline_announced_at = None
    return petition.is_open(now)


def _check_protection_unchanged_once_signed(
    session: Session, petition: Petition | None, data: PetitionData
) -> None:
    """Signatures already stored were kept in clear or sealed as the petition then said:
    switching afterwards would leave some signers less protected than the page told them. Nor
    can it switch once the petition has opened, signed or not: a visitor may be reading a page
    that promised the other mode, and app servers keep the petition they sign into for a few
    seconds (campaign.web.pagecache), so a signing could still be stored the old way."""
    if petition is None:
        return
    count_by_country = data.count_by_country and data.protection_key_id is not None
    if (petition.protection_key_id, petition.count_by_country) == (
        data.protection_key_id,
        count_by_country,
    ):
        return
    if protection_settled(session, petition):
        raise ProtectionLocked(petition.slug)


def protection_settled(session: Session, petition: Petition) -> bool:
    """Whether the petition's protection can no longer change (see ProtectionLocked)."""
    if petition.opened_at is not None:
        return True
    return (
        session.scalar(select(Signature.id).where(Signature.petition_id == petition.id).limit(1))
        is not None
    )


def change_campaign_status(
    campaign: Campaign,
    status: str,
    *,
    now: datetime,
    actor_id: int | None = None,
    origin: str | None = None,
) -> None:
    """Move a campaign along its workflow, audited in the campaign's session."""
    if status not in CAMPAIGN_TRANSITIONS[campaign.status]:
        raise InvalidTransition(f"{campaign.status} -> {status}")
    previous = campaign.status
    campaign.status = status
    if status == "published" and campaign.published_at is None:
        campaign.published_at = now
    record_event(
        object_session(campaign),
        CAMPAIGN_STATUS_CHANGED,
        actor_id=actor_id,
        origin=origin,
        details={"campaign": campaign.slug, "from": previous, "to": status},
    )


def change_petition_status(
    petition: Petition,
    status: str,
    *,
    now: datetime,
    actor_id: int | None = None,
    origin: str | None = None,
) -> None:
    """Move a petition along its workflow, audited in the petition's session."""
    if status not in PETITION_TRANSITIONS[petition.status]:
        raise InvalidTransition(f"{petition.status} -> {status}")
    previous = petition.status
    petition.status = status
    if status == "open" and petition.opened_at is None:
        petition.opened_at = now
    if status == "closed":
        petition.closed_at = now
    record_event(
        object_session(petition),
        PETITION_STATUS_CHANGED,
        actor_id=actor_id,
        origin=origin,
        details={"petition": petition.slug, "from": previous, "to": status},
    )
    # Closing after a passed deadline the webhooks were told of would tell them twice.
    if not (status == "closed" and petition.deadline_announced_at):
        petition_status_changed(object_session(petition), petition, now=now)


def add_member(
    campaign: Campaign, user: User, *, actor_id: int | None = None, origin: str | None = None
) -> None:
    if user.role != "campaigner" or not user.active:
        raise NotACampaigner(str(user.id))
    if user not in campaign.members:
        campaign.members.append(user)
        _record_team_change(campaign, TEAM_MEMBER_ADDED, user, actor_id=actor_id, origin=origin)


def remove_member(
    campaign: Campaign, user: User, *, actor_id: int | None = None, origin: str | None = None
) -> None:
    if user in campaign.members:
        campaign.members.remove(user)
        _record_team_change(campaign, TEAM_MEMBER_REMOVED, user, actor_id=actor_id, origin=origin)


def _record_team_change(
    campaign: Campaign, action: str, user: User, *, actor_id: int | None, origin: str | None
) -> None:
    record_event(
        object_session(campaign),
        action,
        actor_id=actor_id,
        origin=origin,
        details={"campaign": campaign.slug, "user_id": user.id},
    )


def publish_and_open(
    petition: Petition, *, now: datetime, actor_id: int | None = None, origin: str | None = None
) -> bool:
    """Take a finished petition live in one step: its campaign published (through preview when
    it is a draft) and the petition open, each step audited. True when the campaign was
    published by this call. A petition shown to the public while its campaign is hidden would
    answer 404."""
    if petition.status not in ("draft", "preview"):
        raise InvalidTransition(f"{petition.status} -> open")
    who = {"actor_id": actor_id, "origin": origin}
    campaign = petition.campaign
    published_now = campaign.status != "published"
    if campaign.status == "draft":
        change_campaign_status(campaign, "preview", now=now, **who)
    if published_now:
        change_campaign_status(campaign, "published", now=now, **who)
    if petition.status == "draft":
        change_petition_status(petition, "preview", now=now, **who)
    change_petition_status(petition, "open", now=now, **who)
    return published_now
