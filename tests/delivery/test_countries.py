"""Signatures by country: the API and the petition page fold small countries into "other"."""

from __future__ import annotations

from datetime import timedelta

from campaign.models import utcnow


def sign_many(make_signature, petition, counts: dict[str, int]) -> None:
    for country, number in counts.items():
        for _ in range(number):
            make_signature(petition, country=country)


def test_countries_below_the_minimum_are_folded_into_other(make_app, make_petition, make_signature):
    app = make_app(COUNTRY_MIN_COUNT=3)
    client = app.test_client()
    petition = make_petition()
    sign_many(make_signature, petition, {"FR": 4, "SN": 3, "AR": 2, "IS": 1})
    make_signature(petition, country="AR", confirmed=False)
    make_signature(petition, country="DE", created_at=utcnow() - timedelta(days=1))

    response = client.get(f"/api/v1/petitions/{petition.slug}/countries?lang=fr")

    assert response.status_code == 200
    body = response.get_json()
    assert body["countries"] == [
        {"code": "FR", "name": "France", "count": 4},
        {"code": "SN", "name": "Sénégal", "count": 3},
    ]
    assert body["other"] == 4
    assert body["updated_at"]
    assert response.headers["Cache-Control"] == "public, max-age=5"
    again = client.get(
        f"/api/v1/petitions/{petition.slug}/countries?lang=fr",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_the_default_minimum_is_ten(app, client, make_petition, make_signature):
    petition = make_petition()
    sign_many(make_signature, petition, {"FR": 10, "SN": 9})

    body = client.get(f"/api/v1/petitions/{petition.slug}/countries").get_json()

    assert [c["code"] for c in body["countries"]] == ["FR"]
    assert body["other"] == 9


def test_unknown_and_draft_petitions_are_not_found(client, make_petition):
    draft = make_petition(status="draft")
    assert client.get("/api/v1/petitions/nope/countries").status_code == 404
    assert client.get(f"/api/v1/petitions/{draft.slug}/countries").status_code == 404
    assert client.get("/api/v1/petitions/nope/countries?lang=xx").status_code in (400, 404)


def test_the_petition_page_shows_the_map_and_the_same_table(
    make_app, make_petition, make_signature
):
    app = make_app(COUNTRY_MIN_COUNT=2)
    client = app.test_client()
    petition = make_petition(locales=("en", "ar"))
    sign_many(make_signature, petition, {"FR": 3, "EG": 2, "IS": 1})

    page = client.get(f"/ar/petitions/{petition.slug}").text
    image = client.get(f"/ar/petitions/{petition.slug}/map.svg")

    assert 'data-country="FR"' in page and 'data-country="EG"' in page
    assert 'data-country="IS"' not in page
    assert '<tr data-country="other">' in page
    assert "مصر" in page  # Egypt, named in Arabic
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    svg = image.text
    assert 'data-country="FR" data-count="3"' in svg
    assert 'data-country="EG" data-count="2"' in svg
    assert 'data-country="IS"' not in svg  # folded: drawn as land with no figures
    assert image.headers["Cache-Control"] == "public, max-age=60"


def test_no_table_before_the_first_confirmed_signature(client, make_petition, make_signature):
    petition = make_petition()
    make_signature(petition, confirmed=False)
    assert "data-countries" not in client.get(f"/en/petitions/{petition.slug}").text
