"""What browsers and crawlers ask for at the root: robots.txt, icons; unknown files are 404s."""

from __future__ import annotations

import pytest


def test_robots_txt_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "Sitemap: http://localhost/sitemap.xml" in response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("/favicon.ico", "image/vnd.microsoft.icon"),
        ("/apple-touch-icon.png", "image/png"),
        ("/static/icons/favicon.svg", "image/svg+xml"),
    ],
)
def test_the_icons_exist(client, path, mimetype):
    response = client.get(path)

    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.get_data()
    response.close()


@pytest.mark.parametrize("path", ["/favicon.ico", "/static/icons/favicon.svg"])
def test_every_page_links_its_icons(client, path):
    page = client.get("/en/").get_data(as_text=True)

    assert 'rel="icon"' in page
    assert f'href="{path}"' in page
    assert 'rel="apple-touch-icon" href="/apple-touch-icon.png"' in page


@pytest.mark.parametrize("path", ["/humans.txt", "/ads.txt", "/xx", "/wp-login.php"])
def test_unknown_top_level_files_are_not_found_without_a_redirect(client, path):
    response = client.get(path)

    assert response.status_code == 404


def test_a_language_without_its_slash_still_redirects(client):
    response = client.get("/fr")

    assert response.status_code == 308
    assert response.headers["Location"].endswith("/fr/")
