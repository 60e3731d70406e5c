"""The suppression list called directly: adding is idempotent, the database refuses a scope
without its id, and `not_suppressed` filters a query over signatures by every scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campaign.mail.suppressions import not_suppressed, suppress
from campaign.models import Petition, Signature, Suppression


def test_suppressing_twice_adds_one_row(session):
    assert suppress(session, "ann@example.org", scope="all", reason="bounced") is True
    assert suppress(session, "ann@example.org", scope="all", reason="complaint") is False
    session.commit()
    rows = session.scalars(select(Suppression)).all()
    assert [(r.email_key, r.scope, r.scope_id, r.reason) for r in rows] == [
        ("ann@example.org", "all", 0, "bounced")
    ]


@pytest.mark.parametrize(("scope", "scope_id"), [("all", 3), ("campaign", 0), ("world", 1)])
def test_the_database_refuses_an_inconsistent_scope(session, scope, scope_id):
    with pytest.raises(IntegrityError):
        suppress(session, "ann@example.org", scope=scope, scope_id=scope_id, reason="staff")
    session.rollback()


def test_not_suppressed_filters_signers_by_every_scope(
    app, session, make_campaign, make_petition, make_signature
):
    campaign = make_campaign()
    petition = make_petition(campaign=campaign)
    sister = make_petition(campaign=campaign)
    other = make_petition()
    for name in ("all", "campaign", "petition", "sister", "other", "free"):
        make_signature(petition, email=f"{name}@example.org")
    suppress(session, "all@example.org", scope="all", reason="bounced")
    suppress(
        session,
        "campaign@example.org",
        scope="campaign",
        scope_id=campaign.id,
        reason="unsubscribed",
    )
    suppress(
        session, "petition@example.org", scope="petition", scope_id=petition.id, reason="not_me"
    )
    suppress(session, "sister@example.org", scope="petition", scope_id=sister.id, reason="not_me")
    suppress(
        session,
        "other@example.org",
        scope="campaign",
        scope_id=other.campaign_id,
        reason="unsubscribed",
    )
    session.commit()

    with_numbers = session.scalars(
        select(Signature.email_normalized)
        .where(
            Signature.petition_id == petition.id,
            not_suppressed(
                Signature.email_normalized, campaign_id=campaign.id, petition_id=petition.id
            ),
        )
        .order_by(Signature.email_normalized)
    ).all()
    assert with_numbers == ["free@example.org", "other@example.org", "sister@example.org"]

    # Campaign-wide audiences correlate on each signature's own petition and campaign.
    with_columns = session.scalars(
        select(Signature.email_normalized)
        .join(Petition, Petition.id == Signature.petition_id)
        .where(
            not_suppressed(
                Signature.email_normalized,
                campaign_id=Petition.campaign_id,
                petition_id=Signature.petition_id,
            )
        )
        .order_by(Signature.email_normalized)
    ).all()
    assert with_columns == with_numbers
