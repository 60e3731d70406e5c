"""Feeds, the sitemap and the home page carry validators and answer 304 to a client that has
them, whether it asks with the ETag or the date."""

from __future__ import annotations

import pytest

PATHS = ("/en/", "/ar/", "/sitemap.xml", "/en/statements/feed.atom", "/fr/statements/feed.atom")


@pytest.fixture(autouse=True)
def content(make_petition, make_statement):
    make_petition()
    make_statement()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_the_etag_brings_a_304(client, path, encoding):
    first = client.get(path, headers={"Accept-Encoding": encoding})
    assert first.status_code == 200
    assert first.headers["ETag"]
    assert first.headers["Last-Modified"]

    again = client.get(
        path, headers={"Accept-Encoding": encoding, "If-None-Match": first.headers["ETag"]}
    )

    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize("path", PATHS)
def test_the_date_brings_a_304(client, path):
    first = client.get(path)

    again = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})

    assert again.status_code == 304


@pytest.mark.parametrize("path", PATHS)
def test_a_stale_etag_gets_the_page(client, path):
    response = client.get(path, headers={"If-None-Match": '"something-else"'})

    assert response.status_code == 200
    assert response.data
