"""Responses are gzipped for clients that accept it; cached pages are compressed once."""

from __future__ import annotations

import gzip

import pytest

from campaign.web import compression

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture
def petition(make_petition):
    return make_petition()


@pytest.fixture
def gzip_calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = compression.gzipped

    def counting(body: bytes) -> bytes:
        calls.append(len(body))
        return real(body)

    monkeypatch.setattr(compression, "gzipped", counting)
    return calls


@pytest.mark.parametrize(
    "path",
    [
        "/en/",
        "/en/petitions/{slug}",
        "/ar/statements",
        "/sitemap.xml",
        "/api/v1/openapi.json",
        "/static/css/site.css",
    ],
)
def test_text_is_gzipped_when_the_client_accepts_it(client, petition, path):
    url = path.format(slug=petition.slug)
    plain = client.get(url)
    packed = client.get(url, headers=GZIP)

    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data)
    assert int(packed.headers["Content-Length"]) == len(packed.data)
    if "ETag" in plain.headers:
        assert packed.headers["ETag"] != plain.headers["ETag"]
    plain.close()
    packed.close()


def test_a_refusal_of_gzip_is_respected(client, petition):
    response = client.get("/en/", headers={"Accept-Encoding": "gzip;q=0, identity"})

    assert "Content-Encoding" not in response.headers
    assert response.data.startswith(b"<!doctype html>")


def test_tiny_bodies_and_images_stay_as_they_are(client, petition):
    tiny = client.get("/robots.txt", headers=GZIP)
    image = client.get(f"/en/petitions/{petition.slug}/qr.png", headers=GZIP)

    assert len(client.get("/robots.txt").data) < compression.MIN_SIZE
    assert "Content-Encoding" not in tiny.headers
    assert image.status_code == 200
    assert "Content-Encoding" not in image.headers


def test_a_cached_page_is_compressed_once_when_cached(app, client, petition, gzip_calls):
    url = f"/en/petitions/{petition.slug}"
    bodies = [client.get(url, headers=GZIP).data for _ in range(5)]

    assert len(gzip_calls) == 1
    assert len(set(bodies)) == 1
    assert len(app.extensions["pagecache"]) == 1


def test_a_static_file_is_compressed_once_per_version(client, gzip_calls):
    for _ in range(3):
        response = client.get("/static/css/site.css", headers=GZIP)
        assert response.headers["Content-Encoding"] == "gzip"
        response.close()

    assert len(gzip_calls) <= 1


def test_the_compressed_representation_answers_304_to_its_own_etag(client, petition):
    first = client.get("/api/v1/openapi.json", headers=GZIP)

    again = client.get(
        "/api/v1/openapi.json", headers={**GZIP, "If-None-Match": first.headers["ETag"]}
    )

    assert first.headers["ETag"].endswith('-gzip"')
    assert again.status_code == 304


def test_an_uncached_text_response_is_compressed_per_request(client, petition):
    # A page made for one share link is never cached, yet still compressed.
    response = client.get(f"/en/petitions/{petition.slug}?src=whatsapp", headers=GZIP)

    assert response.headers["Content-Encoding"] == "gzip"
    assert b"<!doctype html>" in gzip.decompress(response.data)


def test_pages_holding_secrets_are_never_compressed(client):
    # Staff pages carry a CSRF token, and BREACH reads a secret from compressed sizes.
    response = client.get("/staff/login", headers=GZIP)

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert len(response.data) >= compression.MIN_SIZE
    assert "Content-Encoding" not in response.headers
