"""The public API against its own OpenAPI document, its conditional requests, and the page
for developers."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from campaign.config import LOCALES
from campaign.extensions import db
from campaign.models import Petition

EXAMPLE_SLUG = "end-impunity-for-torture"


@pytest.fixture
def api_schema(app, make_campaign, make_petition):
    """The schema as the app serves it, with the petition its example slug names."""
    campaign = make_campaign(locales=LOCALES)
    open_petition = make_petition(campaign=campaign, locales=LOCALES, signature_count=1234)
    make_petition(campaign=campaign, status="closed")
    with app.app_context():
        db.session.get(Petition, open_petition.id).slug = EXAMPLE_SLUG
        db.session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


# Hypothesis strategies from the schema, driven here rather than through schemathesis' pytest
# plugin, whose lazy fixture loading does not run on this pytest version.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_satisfies_its_openapi_document(api_schema, mode):
    calls = []

    @given(case=api_schema.as_strategy(generation_mode=mode))
    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        calls.append(case.call_and_validate())

    check()
    assert {response.status_code for response in calls} >= (
        {200, 404} if mode is GenerationMode.POSITIVE else {400}
    )


def test_openapi_document_describes_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["ETag"] and response.cache_control.public
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/api/v1"}]
    assert set(document["paths"]) == {
        "/petitions",
        "/petitions/{slug}",
        "/staff/petitions/{slug}/signatures",
        "/petitions/{slug}/countries",
    }
    staff = document["paths"]["/staff/petitions/{slug}/signatures"]["get"]
    assert staff["security"] == [{"bearerToken": []}]
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    one = document["paths"]["/petitions/{slug}"]["get"]
    assert set(one["responses"]) == {"200", "304", "400", "404"}
    names = {p["name"]: p for p in one["parameters"]}
    assert names["lang"]["schema"]["enum"] == list(LOCALES)
    assert names["If-None-Match"]["in"] == "header"
    assert set(one["responses"]["200"]["headers"]) == {"ETag", "Cache-Control"}
    petition_schema = document["components"]["schemas"]["Petition"]
    assert "signature_count_display" in petition_schema["required"]


def test_conditional_request_returns_304_until_the_count_changes(app, client, make_petition):
    petition = make_petition(signature_count=41)
    url = f"/api/v1/petitions/{petition.slug}?lang=fr"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and first.get_json()["signature_count"] == 41
    assert etag.startswith('"') and etag.endswith('"')
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.cache_control.public and again.cache_control.max_age == 5
    with app.app_context():
        db.session.get(Petition, petition.id).signature_count = 42
        db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["signature_count"] == 42
    assert changed.headers["ETag"] != first.headers["ETag"]


@pytest.mark.parametrize(
    ("lang", "display", "text"),
    [
        ("en", "12,345", "12,345 signatures"),
        ("fr", "12\u202f345", "12\u202f345"),
        ("es", "12.345", "12.345"),
        ("ar", "12,345", "12,345"),
    ],
)
def test_counts_are_formatted_for_the_language_asked_for(
    client, make_petition, lang, display, text
):
    petition = make_petition(signature_count=12345)
    body = client.get(f"/api/v1/petitions/{petition.slug}?lang={lang}").get_json()
    assert body["signature_count"] == 12345
    assert body["signature_count_display"] == display
    assert body["signature_count_text"].startswith(text)


def test_singular_count_text(client, make_petition):
    petition = make_petition(signature_count=1)
    assert (
        client.get(f"/api/v1/petitions/{petition.slug}").get_json()["signature_count_text"]
        == "1 signature"
    )


@pytest.mark.parametrize("url", ["/api/v1/petitions?lang=de", "/api/v1/petitions/x?lang="])
def test_bad_lang_is_a_documented_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]["code"] == 400 and "lang" in body["error"]["message"]
    assert response.cache_control.no_store


def test_unknown_petition_is_a_documented_404(client):
    response = client.get("/api/v1/petitions/nope")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": 404, "message": "No such petition"}}


@pytest.mark.parametrize("lang", LOCALES)
def test_developers_page(client, make_petition, lang):
    petition = make_petition()
    response = client.get(f"/{lang}/developers")
    assert response.status_code == 200 and response.cache_control.public
    html = response.get_data(as_text=True)
    assert f"http://localhost/api/v1/petitions/{petition.slug}?lang={lang}" in html
    assert "http://localhost/api/v1/openapi.json" in html
    assert f"http://localhost/embed/petitions/{petition.slug}?lang={lang}" in html
    assert "embed-host.js" in html and "If-None-Match" in html and "fetch(" in html
