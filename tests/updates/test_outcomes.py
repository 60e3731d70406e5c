"""An update with an outcome: shown at the top of the petition page in every language, and in
the API; derived from the update, and fresh on cached pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaign.extensions import db
from campaign.models import Petition, utcnow
from campaign.updates.composing import UpdateDraft, create_update

TEXTS = {
    "en": ("The minister answered", "She **agreed**."),
    "fr": ("Le ministre a répondu", "Oui."),
}


def _record(app, petition_id: int, outcome: str | None, **draft) -> None:
    with app.app_context():
        petition = db.session.get(Petition, petition_id)
        create_update(
            db.session,
            petition,
            UpdateDraft(TEXTS, outcome=outcome, **draft),
            now=utcnow(),
            created_by_id=None,
        )
        db.session.commit()


def test_no_outcome_until_an_update_records_one(app, client, make_petition):
    petition = make_petition(locales=("en", "fr"))
    page = client.get(f"/en/petitions/{petition.slug}").get_data(as_text=True)
    assert "data-outcome" not in page
    answer = client.get(f"/api/v1/petitions/{petition.slug}").get_json()
    assert answer["outcome"] is None and answer["outcome_at"] is None
    _record(app, petition.id, None)
    assert "data-outcome" not in client.get(f"/en/petitions/{petition.slug}").get_data(True)


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar"])
def test_the_outcome_shows_at_the_top_in_every_language(app, make_petition, lang):
    petition = make_petition(locales=("en", "fr"))
    client = app.test_client()
    client.get(f"/{lang}/petitions/{petition.slug}")  # cached without the outcome
    _record(app, petition.id, "response")
    page = client.get(f"/{lang}/petitions/{petition.slug}").get_data(as_text=True)
    assert 'data-outcome="response"' in page
    assert page.index("data-outcome") < page.index('id="sign"')
    subject = "Le ministre a répondu" if lang == "fr" else "The minister answered"
    assert subject in page
    if lang in ("es", "ar"):
        assert 'lang="en"' in page.split("data-outcome", 1)[1].split("</section>", 1)[0]


def test_the_api_gives_the_latest_outcome_and_its_date(app, client, make_petition):
    petition = make_petition()
    _record(app, petition.id, "delivered")
    _record(app, petition.id, "victory")
    # A scheduled one does not count before its time.
    _record(app, petition.id, "closed", send_at=utcnow() + timedelta(days=1))
    answer = client.get(f"/api/v1/petitions/{petition.slug}").get_json()
    assert answer["outcome"] == "victory"
    assert answer["outcome_at"].startswith(str(utcnow().date()))
    listed = client.get("/api/v1/petitions").get_json()["petitions"]
    assert [p["outcome"] for p in listed if p["slug"] == petition.slug] == ["victory"]
