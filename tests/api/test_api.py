"""The public JSON API: fields, visibility, languages, ETag and caching."""

from __future__ import annotations

from sqlalchemy import update

from campaign.extensions import db
from campaign.models import Petition

FIELDS = {"slug", "title", "url", "signature_count", "goal", "status"}


def _set_count(app, petition_id: int, value: int) -> None:
    with app.app_context():
        db.session.execute(
            update(Petition).where(Petition.id == petition_id).values(signature_count=value)
        )
        db.session.commit()


def test_the_list_shows_open_petitions_with_their_fields(client, make_petition):
    first = make_petition(goal=500, signature_count=12)
    second = make_petition(goal=None)

    response = client.get("/api/v1/petitions")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    petitions = response.get_json()["petitions"]
    assert [p["slug"] for p in petitions] == [first.slug, second.slug]
    assert set(petitions[0]) >= FIELDS
    assert {k: petitions[0][k] for k in FIELDS} == {
        "slug": first.slug,
        "title": f"Petition {first.slug.split('-')[1]} [en]",
        "url": f"http://localhost/en/petitions/{first.slug}",
        "signature_count": 12,
        "goal": 500,
        "status": "open",
    }
    assert petitions[1]["goal"] is None


def test_the_list_leaves_out_closed_and_draft_petitions(client, make_petition, make_campaign):
    shown = make_petition()
    make_petition(status="closed")
    make_petition(status="draft")
    make_petition(campaign=make_campaign(status="draft"))

    petitions = client.get("/api/v1/petitions").get_json()["petitions"]

    assert [p["slug"] for p in petitions] == [shown.slug]


def test_detail_of_an_open_and_a_closed_petition(client, make_petition):
    opened = make_petition(signature_count=5, goal=10)
    closed = make_petition(status="closed", signature_count=99)

    body = client.get(f"/api/v1/petitions/{opened.slug}").get_json()
    closed_body = client.get(f"/api/v1/petitions/{closed.slug}").get_json()

    assert {k: body[k] for k in FIELDS} == {
        "slug": opened.slug,
        "title": f"Petition {opened.slug.split('-')[1]} [en]",
        "url": f"http://localhost/en/petitions/{opened.slug}",
        "signature_count": 5,
        "goal": 10,
        "status": "open",
    }
    assert (closed_body["status"], closed_body["signature_count"]) == ("closed", 99)


def test_draft_petitions_are_hidden_from_the_detail(client, make_petition, make_campaign):
    for hidden in (
        make_petition(status="draft"),
        make_petition(campaign=make_campaign(status="draft")),
    ):
        response = client.get(f"/api/v1/petitions/{hidden.slug}")
        assert response.status_code == 404
        assert response.is_json


def test_urls_and_titles_follow_the_language_asked(client, make_petition):
    petition = make_petition(locales=("en", "fr", "ar"))
    n = petition.slug.split("-")[1]

    for lang, title in [
        ("fr", f"Petition {n} [fr]"),
        ("ar", f"Petition {n} [ar]"),
        ("es", f"Petition {n} [en]"),
    ]:
        detail = client.get(f"/api/v1/petitions/{petition.slug}?lang={lang}").get_json()
        listed = client.get(f"/api/v1/petitions?lang={lang}").get_json()["petitions"][0]
        assert (
            detail["url"] == listed["url"] == f"http://localhost/{lang}/petitions/{petition.slug}"
        )
        assert detail["title"] == listed["title"] == title


def test_urls_are_absolute_from_base_url(make_app, make_petition):
    api = make_app(BASE_URL="https://petitions.example.org")
    petition = make_petition()

    body = api.test_client().get(f"/api/v1/petitions/{petition.slug}?lang=es").get_json()

    assert body["url"] == f"https://petitions.example.org/es/petitions/{petition.slug}"


def test_responses_are_cacheable_and_conditional(app, client, make_petition):
    petition = make_petition(signature_count=1)

    for path in ("/api/v1/petitions", f"/api/v1/petitions/{petition.slug}"):
        response = client.get(path)
        etag = response.headers["ETag"]
        assert etag.startswith('"') and len(etag) > 2
        assert response.cache_control.public is True
        assert response.cache_control.max_age == app.config["PUBLIC_CACHE_SECONDS"] == 5
        assert "Set-Cookie" not in response.headers

        again = client.get(path)
        assert again.headers["ETag"] == etag, "the same bytes give the same ETag"

        not_modified = client.get(path, headers={"If-None-Match": etag})
        assert not_modified.status_code == 304
        assert not_modified.get_data() == b""
        assert not_modified.headers["ETag"] == etag

        other = client.get(path, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200
        assert other.get_data() == response.get_data()

    before = {
        path: client.get(path).headers["ETag"]
        for path in ("/api/v1/petitions", f"/api/v1/petitions/{petition.slug}")
    }
    _set_count(app, petition.id, 2)
    for path, etag in before.items():
        changed = client.get(path, headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["ETag"] != etag
        assert b'"signature_count":2' in changed.get_data()


def test_the_etag_depends_on_the_language(client, make_petition):
    petition = make_petition(locales=("en", "fr"))
    en = client.get(f"/api/v1/petitions/{petition.slug}").headers["ETag"]
    fr = client.get(f"/api/v1/petitions/{petition.slug}?lang=fr").headers["ETag"]
    assert en != fr
    assert (
        client.get(
            f"/api/v1/petitions/{petition.slug}?lang=fr", headers={"If-None-Match": en}
        ).status_code
        == 200
    )


def test_an_empty_list(client):
    response = client.get("/api/v1/petitions")
    assert response.status_code == 200
    assert response.get_json() == {"petitions": []}


def test_a_petition_past_its_closing_time_is_closed_in_the_api(client, make_petition):
    from datetime import timedelta

    expired = make_petition(closes_in=timedelta(minutes=-1))
    listed = [p["slug"] for p in client.get("/api/v1/petitions").get_json()["petitions"]]
    assert expired.slug not in listed
    assert client.get(f"/api/v1/petitions/{expired.slug}").get_json()["status"] == "closed"
