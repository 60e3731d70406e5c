"""Writing an update: subject and Markdown body per language, audience, outcome, schedule."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from campaign.audit import UPDATE_SENT, record_event
from campaign.config import LOCALES
from campaign.mail.emails import queue_rendered
from campaign.models import OUTCOMES, Petition, Update, UpdateText
from campaign.text.bidi import has_reordering_controls
from campaign.updates.audience import recipients_per_language
from campaign.updates.queuing import update_email
from campaign.web.links import absolute_url
from campaign.web.refusals import InvalidFields

SUBJECT_MAX = 200
BODY_MAX = 50_000


class InvalidUpdate(InvalidFields):
    """Fields are wrong: `texts` (no language at all), `<locale>.subject`, `<locale>.body`,
    `<locale>` (not a language of the site), `outcome`, `send_at`."""


@dataclass(frozen=True)
class UpdateDraft:
    texts: dict[str, tuple[str, str]]  # locale -> (subject, Markdown body)
    campaign_wide: bool = False
    outcome: str | None = None
    send_at: datetime | None = None  # None: now


def check_draft(draft: UpdateDraft, *, now: datetime) -> dict[str, tuple[str, str]]:
    """The draft's texts without the empty languages; raises InvalidUpdate with every problem."""
    errors: dict[str, str] = {}
    texts = {}
    for locale, (subject, body) in draft.texts.items():
        subject, body = subject.strip(), body.strip()
        if locale not in LOCALES:
            errors[locale] = "unknown_language"
            continue
        if not subject and not body:
            continue
        if not subject:
            errors[f"{locale}.subject"] = "missing"
        elif len(subject) > SUBJECT_MAX:
            errors[f"{locale}.subject"] = "too_long"
        elif has_reordering_controls(subject) or any(ch in subject for ch in "\r\n"):
            # A subject is set into the recipient's mail list: no control may turn it around.
            errors[f"{locale}.subject"] = "direction_controls"
        if not body:
            errors[f"{locale}.body"] = "missing"
        elif len(body) > BODY_MAX:
            errors[f"{locale}.body"] = "too_long"
        texts[locale] = (subject, body)
    if not texts and not errors:
        errors["texts"] = "missing"
    if draft.outcome is not None and draft.outcome not in OUTCOMES:
        errors["outcome"] = "unknown"
    if draft.send_at is not None and draft.send_at < now:
        errors["send_at"] = "past"
    if errors:
        raise InvalidUpdate(errors)
    return texts


def create_update(
    session: Session,
    petition: Petition,
    draft: UpdateDraft,
    *,
    now: datetime,
    created_by_id: int | None,
) -> Update:
    """Store the update, due at `draft.send_at` (or now): the worker queues it from then on."""
    texts = check_draft(draft, now=now)
    update = Update(
        petition=petition,
        campaign_wide=draft.campaign_wide,
        outcome=draft.outcome,
        status="scheduled",
        send_at=draft.send_at or now,
        created_by_id=created_by_id,
        created_at=now,
        texts=[
            UpdateText(locale=locale, subject=subject, body=body)
            for locale, (subject, body) in sorted(texts.items())
        ],
    )
    session.add(update)
    session.flush()
    return update


def send_update(
    session: Session,
    petition: Petition,
    draft: UpdateDraft,
    *,
    now: datetime,
    actor_id: int | None,
    origin: str | None,
    via: str,
) -> tuple[Update, dict[str, int]]:
    """Create the update for the worker to queue, and audit it with the recipients counted per
    language (counts only, never an address)."""
    item = create_update(session, petition, draft, now=now, created_by_id=actor_id)
    counts = recipients_per_language(session, petition, campaign_wide=draft.campaign_wide)
    record_event(
        session,
        UPDATE_SENT,
        actor_id=actor_id,
        origin=origin,
        details={
            "update_id": item.id,
            "petition": petition.slug,
            "campaign_wide": draft.campaign_wide,
            "outcome": draft.outcome,
            "send_at": item.send_at.isoformat(),
            "recipients": counts,
            "via": via,
        },
    )
    return item, counts


def queue_test_email(
    session: Session, petition: Petition, draft: UpdateDraft, *, to: str, locale: str, now: datetime
) -> None:
    """The update as a signer reading `locale` would get it, to one staff address, marked as a
    test; nothing is stored but the email."""
    texts = check_draft(draft, now=now)
    item = Update(
        petition=petition,
        campaign_wide=draft.campaign_wide,
        texts=[UpdateText(locale=lang, subject=s, body=b) for lang, (s, b) in texts.items()],
    )
    email = update_email(item, petition, locale).fill(
        unsubscribe_url=absolute_url("public.petition", lang=locale, slug=petition.slug)
    )
    with force_locale(locale):
        subject = gettext("Test: %(subject)s", subject=email.subject)
    queue_rendered(session, replace(email, kind="update_test", subject=subject), to=to)
