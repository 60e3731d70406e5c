"""The demo's wall of support: a dozen approved posts with drawn hats in the four languages,
two waiting for moderation; loading twice adds nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from wall_support import assert_no_metadata

from campaign.extensions import db
from campaign.models import SupporterMessage


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(UPLOAD_DIR=str(tmp_path / "uploads"))


def test_the_demo_wall(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "12 posts, 2 waiting for moderation" in first.output
    with app.app_context():
        posts = db.session.scalars(select(SupporterMessage)).all()
        approved = [p for p in posts if p.status == "approved"]
        assert len(approved) == 12 and sum(p.status == "pending" for p in posts) == 2
        assert Counter(p.locale for p in approved) == {"en": 3, "fr": 3, "es": 3, "ar": 3}
        uploads = Path(app.config["UPLOAD_DIR"])
        for post in posts:
            assert_no_metadata((uploads / post.photo).read_bytes())
            assert (uploads / post.photo_thumbnail).is_file()
            assert_no_metadata((uploads / post.photo_thumbnail_webp).read_bytes(), "WEBP")
        slug = posts[0].campaign.slug
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "wall of support already present" in second.output
    with app.app_context():
        assert len(db.session.scalars(select(SupporterMessage)).all()) == 14
    for lang in ("en", "fr", "es", "ar"):
        page = client.get(f"/{lang}/campaigns/{slug}/wall").get_data(as_text=True)
        assert page.count("data-wall-post=") == 12
        assert page.count('<img src="/uploads/') == 12
        assert page.count('<source type="image/webp" srcset="/uploads/') == 12
