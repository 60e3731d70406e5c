"""What a protected petition can tell of its signers: how many, and per country only when
staff chose to count by country. For the delivery pack and the per-country API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.models import Petition, Signature


@dataclass(frozen=True)
class ProtectedFigures:
    count: int
    # Confirmed signatures per ISO country code; None when the petition keeps countries sealed.
    countries: dict[str, int] | None


def protected_figures(session: Session, petition: Petition) -> ProtectedFigures:
    """The count, and the per-country figures read from the clear country code only where
    `count_by_country` was chosen; never a name, an address or a sealed value."""
    countries = None
    if petition.count_by_country:
        rows = session.execute(
            select(Signature.country, func.count())
            .where(Signature.petition_id == petition.id, Signature.confirmed_at.is_not(None))
            .group_by(Signature.country)
        )
        countries = {country: number for country, number in rows}
    return ProtectedFigures(count=petition.signature_count, countries=countries)
