"""Pausing signing: everywhere, or on one petition, without a deployment.

A pause is for the bad day: a flood of fake signatures, a wrong text, a legal hold. Visitors
see the petition with a notice instead of the form; signatures already made can still be
confirmed. The site-wide pause is the SIGNING_PAUSED setting (for a deployment) or a row in
site_settings (flipped by `campaign signing pause`). The public pages read both switches the
way they read a petition, kept for `PAGE_CACHE_SECONDS` per process: a pause holds every app
server within two seconds, the process that flips it at once.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaign.audit import SIGNING_PAUSED as PAUSED_EVENT
from campaign.audit import SIGNING_RESUMED, record_event
from campaign.models import Petition, SiteSetting

SIGNING_PAUSED = "signing_paused"


class UnknownPetition(LookupError):
    """No petition has that slug."""


def site_signing_paused(session: Session) -> bool:
    return session.scalar(select(SiteSetting.value).where(SiteSetting.key == SIGNING_PAUSED)) == "1"


def signing_paused(petition: Petition, *, site_paused: bool, forced: bool = False) -> bool:
    """Whether this petition is paused now: `site_paused` is what site_signing_paused said,
    `forced` the SIGNING_PAUSED setting."""
    return forced or petition.signing_paused or site_paused


def set_signing_paused(
    session: Session,
    paused: bool,
    *,
    petition_slug: str | None = None,
    actor_id: int | None = None,
    origin: str | None = None,
) -> None:
    """Pause or resume signing on one petition, or everywhere when no slug is given; the audit
    log records who did it."""
    if petition_slug is not None:
        result = session.execute(
            update(Petition)
            .where(Petition.slug == petition_slug)
            .values(signing_paused=paused)
            .execution_options(synchronize_session="fetch")
        )
        if result.rowcount != 1:
            raise UnknownPetition(petition_slug)
    else:
        setting = session.get(SiteSetting, SIGNING_PAUSED)
        if setting is None:
            session.add(SiteSetting(key=SIGNING_PAUSED, value="1" if paused else "0"))
        else:
            setting.value = "1" if paused else "0"
    record_event(
        session,
        PAUSED_EVENT if paused else SIGNING_RESUMED,
        actor_id=actor_id,
        origin=origin,
        details={"petition": petition_slug} if petition_slug else {"scope": "everywhere"},
    )
