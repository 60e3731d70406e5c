"""`campaign demo` loads statements modelled on the organisation's home page, once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from campaign.extensions import db
from campaign.models import (
    Statement,
    StatementEndorsement,
    StatementSignatory,
    StatementText,
    utcnow,
)
from campaign.models.statements import STATEMENT_KINDS


def statement_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Statement))


def test_demo_loads_varied_statements_once(app, runner, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "16 statements loaded" in first.output
    with app.app_context():
        statements = db.session.scalars(select(Statement)).all()
        assert len(statements) >= 12
        assert {s.kind for s in statements} == set(STATEMENT_KINDS)
        countries = {c for s in statements for c in s.country_codes}
        assert {"MX", "CO", "CD", "HN", "EG", "LA", "RU", "EU"} <= countries
        languages = Counter(t.locale for t in db.session.scalars(select(StatementText)))
        assert {"en", "es", "fr"} <= set(languages)
        assert sum(1 for s in statements if len(s.texts) > 1) >= 5
        topics = {t for s in statements for t in s.topic_slugs}
        assert {"human-rights-defenders", "childrens-rights", "womens-rights"} <= topics
        open_joint = [s for s in statements if s.open_for_endorsement]
        assert open_joint and all(s.kind == "joint_statement" for s in open_joint)
        assert db.session.scalar(
            select(func.count())
            .select_from(StatementSignatory)
            .where(StatementSignatory.statement_id == open_joint[0].id)
        )
        linked = [s for s in statements if s.campaigns]
        assert linked and all(
            c.hashtag == "HumansAgainstTorture" for s in linked for c in s.campaigns
        )
        assert any(s.petitions for s in statements)
        # The staff's endorsements page has something to approve, and one still unconfirmed.
        states = Counter(e.state for e in db.session.scalars(select(StatementEndorsement)))
        assert states == {"confirmed": 2, "pending": 1}
        dates = sorted(s.published_on for s in statements)
        assert (dates[-1] - dates[0]).days >= 60  # spread over the last months
        assert dates[-1] <= utcnow().date()

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "demo statements already present" in second.output
    with app.app_context():
        assert statement_count() == len(statements)
        endorsements = select(func.count()).select_from(StatementEndorsement)
        assert db.session.scalar(endorsements) == 3

    html = client.get("/en/statements").get_data(as_text=True)
    assert "Russia: " in html and 'lang="es">Español</span>' in html
    assert "Statements backing this campaign" in client.get(
        "/en/campaigns/humans-against-torture"
    ).get_data(as_text=True)


def test_demo_statements_are_loaded_even_when_the_campaign_exists(app, runner):
    from campaign.demo.campaigns import _load_campaign

    with app.app_context():
        _load_campaign(db.session)
        db.session.commit()
        assert statement_count() == 0
    result = runner.invoke(args=["demo"])
    assert "demo content already present" in result.output
    assert "statements loaded" in result.output
    with app.app_context():
        assert statement_count() >= 12
