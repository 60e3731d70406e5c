"""Staff's export of a campaign's wall posts, for the campaign's own records.

The author's address is left out unless staff ask for it: the words and the photo were given
for the wall, the address only to confirm them. Every export is on the audit trail, with its
row count and whether addresses went out. Writing the CSV is the blueprint's job (with the
signature export's helpers, which neutralise formulas).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.audit import EXPORT, record_event
from campaign.models import Campaign, SupporterMessage
from campaign.web.i18n import country_name

# Fixed English names, like the CRM preset's: a spreadsheet's formulas refer to them.
COLUMNS = (
    "id",
    "status",
    "display_name",
    "country_code",
    "country",
    "language",
    "message_language",
    "message",
    "has_photo",
    "created_at",
    "confirmed_at",
    "approved_at",
)
EMAIL_COLUMN = "email"


@dataclass(frozen=True)
class WallExport:
    header: list[str]
    rows: list[Sequence[object]]


def export_posts(
    session: Session,
    campaign: Campaign,
    *,
    include_email: bool,
    lang: str,
    actor_id: int | None,
    origin: str | None,
) -> WallExport:
    """Every post of the campaign, oldest first, with the audit event recorded (the caller
    commits it before sending the file). Country names are in `lang`; dates are datetimes,
    written in ISO 8601 UTC by the CSV helpers."""
    posts = session.scalars(
        select(SupporterMessage)
        .where(SupporterMessage.campaign_id == campaign.id)
        .order_by(SupporterMessage.id)
    ).all()
    rows = [
        [
            post.id,
            post.status,
            post.display_name,
            post.country,
            country_name(post.country, lang) if post.country else None,
            post.locale,
            post.message_language,
            post.message,
            post.photo is not None,
            post.created_at,
            post.confirmed_at,
            post.approved_at,
            *([post.email] if include_email else []),
        ]
        for post in posts
    ]
    header = [*COLUMNS, *([EMAIL_COLUMN] if include_email else [])]
    record_event(
        session,
        EXPORT,
        actor_id=actor_id,
        origin=origin,
        details={
            "campaign": campaign.slug,
            "wall_posts": len(rows),
            "with_photo": sum(1 for post in posts if post.photo is not None),
            "email_addresses": include_email,
            "columns": header,
            "via": "web",
        },
    )
    return WallExport(header=header, rows=rows)
