"""One reminder to each signer who has not confirmed: their confirmation link again, and a
"This wasn't me" link for whoever's address was used by someone else.

Never more than one per signature: the row is marked in the transaction that queues the email,
by an UPDATE that only a not-yet-reminded pending row passes, so two workers running at once
send one. Never after the petition closed, never to a suppressed mailbox, never past the
signature's email cap.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Row, or_, select, update
from sqlalchemy.orm import Session

from campaign.mail.emails import email_template, queue_rendered
from campaign.mail.suppressions import not_suppressed
from campaign.models import Petition, Signature
from campaign.petitions.disowning import disown_token
from campaign.petitions.signing import confirmation_token
from campaign.web.links import absolute_url

# How many reminders one worker cycle queues at most: a backlog drains over several cycles
# without holding the worker away from delivering.
WORKER_BATCH = 200


def queue_due_reminders(
    session: Session,
    *,
    now: datetime,
    older_than: timedelta,
    limit: int,
    secret_key: str,
    max_emails: int,
) -> int:
    """Queue the reminders due at `now` (up to `limit`), in the caller's transaction; how many."""
    queued = 0
    for row in session.execute(_due(now, older_than, limit, max_emails)).all():
        claimed = session.execute(
            update(Signature)
            .where(
                Signature.id == row.id,
                Signature.confirmed_at.is_(None),
                Signature.reminder_sent_at.is_(None),
                Signature.emails_sent < max_emails,
            )
            .values(reminder_sent_at=now, emails_sent=Signature.emails_sent + 1)
        )
        if claimed.rowcount != 1:
            continue  # confirmed or reminded meanwhile (another worker)
        queue_rendered(session, _reminder(session, row, secret_key), to=row.email)
        queued += 1
    return queued


def _due(now: datetime, older_than: timedelta, limit: int, max_emails: int):
    # Oldest first, through ix_signatures_reminder_due (pending and not reminded only).
    return (
        select(
            Signature.id,
            Signature.public_id,
            Signature.name,
            Signature.email,
            Signature.locale,
            Signature.petition_id,
        )
        .join(Petition, Petition.id == Signature.petition_id)
        .where(
            Signature.confirmed_at.is_(None),
            Signature.reminder_sent_at.is_(None),
            Signature.created_at <= now - older_than,
            Signature.emails_sent < max_emails,
            # A protected signer is not reminded: the address would have to be kept in clear
            # until then; the "check your email" page offers to send the link again instead.
            Petition.protection_key_id.is_(None),
            Petition.status == "open",
            or_(Petition.closes_at.is_(None), Petition.closes_at > now),
            not_suppressed(
                Signature.email_normalized,
                campaign_id=Petition.campaign_id,
                petition_id=Signature.petition_id,
            ),
        )
        .order_by(Signature.created_at, Signature.id)
        .limit(limit)
    )


def _reminder(session: Session, row: Row, secret_key: str):
    petition = session.get(Petition, row.petition_id)
    text = petition.text_for(row.locale)
    template = email_template(
        "reminder",
        locale=row.locale,
        fields=("name", "confirm_url", "not_me_url"),
        petition_title=text.title if text else petition.slug,
    )
    lang = row.locale
    return template.fill(
        name=row.name,
        confirm_url=absolute_url(
            "public.confirm", lang=lang, token=confirmation_token(secret_key, row)
        ),
        not_me_url=absolute_url(
            "public.not_me", lang=lang, token=disown_token(secret_key, row.public_id)
        ),
    )


def remind_for_worker(session: Session, now: datetime) -> int:
    """What the worker runs each cycle: the reminders due now, committed; cheap when none is."""
    config = current_app.config
    after = config["REMINDER_AFTER"]
    if after <= 0:
        return 0
    queued = queue_due_reminders(
        session,
        now=now,
        older_than=timedelta(seconds=after),
        limit=WORKER_BATCH,
        secret_key=config["SECRET_KEY"],
        max_emails=config["MAX_EMAILS_PER_SIGNATURE"],
    )
    session.commit()
    return queued
