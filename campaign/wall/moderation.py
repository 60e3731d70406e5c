"""What staff and readers do to posts: approve, reject, remove, report; what the wall shows.

Nothing is public before approval: the wall reads approved posts that reports have not hidden.
Reports are one per reader (a keyed hash of their address) and post, so one reader cannot hide
a post alone, and a storm of reports from one place counts once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign.audit import record_settings_change
from campaign.mail.emails import queue_email
from campaign.models import REPORT_REASONS, Campaign, SupporterMessage, WallReport
from campaign.wall.posting import WallError, announce_published, delete_post
from campaign.web.pagecache import COUNTS_ONLY

PAGE_SIZE = 24
REASON_MAX = 500
MODERATION_STATES = ("pending", "reported", "approved")


class PostNotConfirmed(WallError):
    """Staff can approve only what its author has confirmed."""


class PostNotPending(WallError):
    """Only a post waiting for moderation can be rejected: a published one is removed."""


class InvalidReason(WallError):
    """The reason staff wrote for a rejection is too long."""


@dataclass(frozen=True)
class WallPage:
    posts: list[SupporterMessage]
    number: int
    pages: int

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


class PageOutOfRange(WallError):
    """A wall page past the last one."""


def _public(campaign_id: int) -> Select[tuple[SupporterMessage]]:
    return (
        select(SupporterMessage)
        .where(
            SupporterMessage.campaign_id == campaign_id,
            SupporterMessage.status == "approved",
            SupporterMessage.hidden_at.is_(None),
        )
        .order_by(SupporterMessage.approved_at.desc(), SupporterMessage.id.desc())
    )


def latest_posts(session: Session, campaign_id: int, *, limit: int) -> list[SupporterMessage]:
    return list(session.scalars(_public(campaign_id).limit(limit)))


def wall_page(session: Session, campaign_id: int, number: int) -> WallPage:
    """Page `number` (from 1) of the wall, newest first; raises PageOutOfRange."""
    total = session.scalar(_public(campaign_id).with_only_columns(func.count()).order_by(None))
    pages = max(1, math.ceil((total or 0) / PAGE_SIZE))
    if number < 1 or number > pages:
        raise PageOutOfRange(str(number))
    posts = list(
        session.scalars(_public(campaign_id).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE))
    )
    return WallPage(posts, number, pages)


def approve_post(session: Session, post: SupporterMessage, *, now: datetime) -> None:
    """Publish a confirmed post; for a reported one, dismiss its reports and show it again."""
    if post.status == "unconfirmed":
        raise PostNotConfirmed(str(post.id))
    if post.status == "pending":
        published = session.execute(
            update(SupporterMessage)
            .where(SupporterMessage.id == post.id, SupporterMessage.status == "pending")
            .values(status="approved", approved_at=now)
            .execution_options(synchronize_session=False)
        )
        if published.rowcount == 1:
            announce_published(session, post, now=now)
    else:
        session.execute(
            delete(WallReport).where(WallReport.message_id == post.id),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            update(SupporterMessage)
            .where(SupporterMessage.id == post.id)
            .values(report_count=0, hidden_at=None)
            .execution_options(synchronize_session=False)
        )
    session.refresh(post)


def reject_post(session: Session, post: SupporterMessage, *, reason: str) -> list[str]:
    """Refuse a post waiting for moderation: its author is told in their language (with the
    reason only if staff wrote one), and the post and its photo go. Returns the files to
    discard once this commits."""
    if post.status == "unconfirmed":
        raise PostNotConfirmed(str(post.id))
    if post.status != "pending":
        # Its author would be told it was not published, after it was.
        raise PostNotPending(str(post.id))
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise InvalidReason("too_long")
    text = post.campaign.text_for(post.locale)
    queue_email(
        session,
        kind="wall_post_rejected",
        to=post.email,
        locale=post.locale,
        display_name=post.display_name,
        campaign_title=text.title if text else post.campaign.slug,
        reason=reason,
    )
    return delete_post(session, post)


def report_post(
    session: Session,
    post: SupporterMessage,
    *,
    reason: str,
    reporter_key: str,
    threshold: int,
    now: datetime,
) -> None:
    """Flag a public post for staff; at `threshold` reports it is hidden until they look.

    A second report from the same reader, a report of a post already hidden or not public, or
    an unknown reason changes nothing: the reader is thanked all the same.
    """
    if reason not in REPORT_REASONS or not post.is_public:
        return
    try:
        with session.begin_nested():
            session.add(
                WallReport(
                    message_id=post.id, reason=reason, reporter_key=reporter_key, created_at=now
                )
            )
    except IntegrityError:
        return
    count = session.scalar(
        select(func.count()).select_from(WallReport).where(WallReport.message_id == post.id)
    )
    values: dict[str, object] = {"report_count": count}
    if count >= threshold:
        values["hidden_at"] = now
    # Below the threshold no page changes: a counter's refresh at most (a storm of reports
    # must not empty the page caches at every report).
    options = {} if "hidden_at" in values else {COUNTS_ONLY: True}
    session.execute(
        update(SupporterMessage)
        .where(SupporterMessage.id == post.id)
        .values(**values)
        .execution_options(synchronize_session=False, **options)
    )
    session.refresh(post)


def change_wall_settings(
    session: Session,
    campaign: Campaign,
    *,
    enabled: bool,
    unmoderated: bool,
    actor_id: int | None = None,
    origin: str | None = None,
) -> None:
    """Open or close a campaign's wall, with or without moderation; audited, since a wall
    without moderation publishes strangers' words at once."""
    before = {"wall_enabled": campaign.wall_enabled, "wall_unmoderated": campaign.wall_unmoderated}
    campaign.wall_enabled = enabled
    campaign.wall_unmoderated = unmoderated
    record_settings_change(
        session,
        {"campaign": campaign.slug},
        before,
        {"wall_enabled": enabled, "wall_unmoderated": unmoderated},
        actor_id=actor_id,
        origin=origin,
    )


def report_reasons(session: Session, post_ids: list[int]) -> dict[int, dict[str, int]]:
    """For staff: how many reports of each reason every post has."""
    found: dict[int, dict[str, int]] = {}
    for message_id, reason, count in session.execute(
        select(WallReport.message_id, WallReport.reason, func.count())
        .where(WallReport.message_id.in_(post_ids))
        .group_by(WallReport.message_id, WallReport.reason)
    ):
        found.setdefault(message_id, {})[reason] = count
    return found


def moderation_queue(
    session: Session, *, state: str, among: Select[tuple[Campaign]]
) -> list[SupporterMessage]:
    """Posts for staff: `pending` (confirmed, waiting, oldest first), `reported` (public or
    hidden, with reports), `approved` (newest first); only on the campaigns `among` selects."""
    query = select(SupporterMessage).where(
        SupporterMessage.campaign_id.in_(among.with_only_columns(Campaign.id))
    )
    if state == "pending":
        query = query.where(SupporterMessage.status == "pending").order_by(SupporterMessage.id)
    elif state == "reported":
        query = query.where(
            SupporterMessage.status == "approved",
            or_(SupporterMessage.report_count > 0, SupporterMessage.hidden_at.is_not(None)),
        ).order_by(SupporterMessage.hidden_at.is_(None), SupporterMessage.report_count.desc())
    else:
        query = query.where(SupporterMessage.status == "approved").order_by(
            SupporterMessage.approved_at.desc()
        )
    return list(session.scalars(query.limit(200)))


def erase_posts(session: Session, mailbox_key: str) -> tuple[list[str], list[str]]:
    """Delete every post of a mailbox (an erasure request): (the addresses its posts were
    given with, one per post; the files to discard once this commits)."""
    posts = list(
        session.scalars(
            select(SupporterMessage).where(SupporterMessage.email_normalized == mailbox_key)
        )
    )
    emails = [post.email for post in posts]
    return emails, _delete_all(session, posts)[1]


def purge_unconfirmed(session: Session, *, before: datetime) -> tuple[int, list[str]]:
    """Delete posts never confirmed, made before `before`: (posts deleted, files to discard)."""
    posts = list(
        session.scalars(
            select(SupporterMessage).where(
                SupporterMessage.status == "unconfirmed", SupporterMessage.created_at < before
            )
        )
    )
    return _delete_all(session, posts)


def purge_finished_walls(
    session: Session, finished_campaigns: Select, *, erased_address: str
) -> tuple[int, int, list[str]]:
    """The walls of `finished_campaigns` (campaign ids whose petitions all closed long ago):
    posts never published go with their photos, and nobody will moderate them now; published
    ones keep the words and photo their authors gave the campaign, but not their address,
    replaced by `erased_address` (their own link still deletes them).
    Returns (posts deleted, posts anonymised, files to discard once this commits)."""
    of_finished = SupporterMessage.campaign_id.in_(finished_campaigns)
    unpublished = list(
        session.scalars(
            select(SupporterMessage).where(of_finished, SupporterMessage.status != "approved")
        )
    )
    deleted, files = _delete_all(session, unpublished)
    anonymised = session.execute(
        update(SupporterMessage)
        .where(
            of_finished,
            SupporterMessage.status == "approved",
            SupporterMessage.email_normalized != erased_address,
        )
        .values(email=erased_address, email_normalized=erased_address)
        .execution_options(synchronize_session=False)
    ).rowcount
    return deleted, anonymised, files


def _delete_all(session: Session, posts: list[SupporterMessage]) -> tuple[int, list[str]]:
    files: list[str] = []
    for post in posts:
        files += delete_post(session, post)
    return len(posts), list(dict.fromkeys(files))
