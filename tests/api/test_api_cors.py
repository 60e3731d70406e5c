"""Partners' pages read the public API from their own origin: CORS without credentials."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api/v1/petitions", "/api/v1/petitions/{slug}"])
def test_reads_are_open_to_every_origin_without_credentials(client, make_petition, path):
    petition = make_petition()

    response = client.get(
        path.format(slug=petition.slug), headers={"Origin": "https://partner.example"}
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_a_preflight_is_answered(client, make_petition):
    petition = make_petition()

    response = client.options(
        f"/api/v1/petitions/{petition.slug}",
        headers={
            "Origin": "https://partner.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_errors_are_readable_too_so_partners_can_show_them(client):
    response = client.get("/api/v1/petitions?lang=xx", headers={"Origin": "https://p.example"})

    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_pages_do_not_answer_cors(client, make_petition):
    petition = make_petition()

    response = client.get(f"/en/petitions/{petition.slug}", headers={"Origin": "https://p.example"})

    assert "Access-Control-Allow-Origin" not in response.headers
