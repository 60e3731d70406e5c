"""What a browser fetches besides the page: the icons every page names (no 404 in the console),
and the public API read by a partner's page on another origin (CORS)."""

from __future__ import annotations

import json

import pytest

from browser.pages import CAMPAIGN, PETITION, STATEMENT
from browser.support import PHONE

PAGES = (
    "/en/",
    "/ar/",
    f"/fr/campaigns/{CAMPAIGN}",
    f"/ar/petitions/{PETITION}",
    "/es/statements",
    f"/en/statements/{STATEMENT}",
    "/en/privacy",
)
ICONS = "link[rel~=icon], link[rel=apple-touch-icon]"


def icons_of(page) -> list[str]:
    return page.eval_on_selector_all(ICONS, "links => links.map(l => l.getAttribute('href'))")


def assert_icons_load(page, hrefs: list[str]) -> None:
    """Asked for by the page's browser context, each answers an image."""
    for href in hrefs:
        response = page.request.get(href)
        assert response.status == 200, href
        assert response.headers["content-type"].startswith("image/"), href


@pytest.mark.parametrize("path", PAGES)
def test_every_page_names_icons_that_load_and_logs_no_404(browsing, demo, path):
    page = browsing.new_page(viewport=PHONE)

    page.goto(path)

    icons = icons_of(page)
    assert set(icons) >= {"/favicon.ico", "/static/icons/favicon.svg", "/apple-touch-icon.png"}
    assert_icons_load(page, icons)
    # The browsing fixture fails the test on any 4xx answer or console error it saw.


def test_a_missing_page_names_its_icons_too(browsing, demo):
    browsing.expect_status(404, "/ar/no-such-page")
    page = browsing.new_page()

    response = page.goto("/ar/no-such-page")

    assert response.status == 404
    assert page.locator("html").get_attribute("lang") == "ar"
    assert_icons_load(page, icons_of(page))


def test_a_partner_page_on_another_origin_reads_the_api(browsing, demo, live_server, partner_site):
    folder, partner_url = partner_site
    (folder / "index.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Partner</title>"
        "<link rel=icon href=data:,></head><body><h1>Our partner</h1></body></html>"
    )
    page = browsing.new_page()
    page.goto(f"{partner_url}/index.html")

    result = page.evaluate(
        """async (api) => {
            const first = await fetch(api + "/api/v1/petitions?lang=fr");
            const body = await first.json();
            const etag = first.headers.get("ETag");
            // If-None-Match is not a simple header: the browser asks first (OPTIONS).
            const again = await fetch(api + "/api/v1/petitions/" + body.petitions[0].slug);
            const conditional = await fetch(api + "/api/v1/petitions?lang=fr",
                                            {headers: {"If-None-Match": etag}});
            return JSON.stringify({
                status: first.status, titles: body.petitions.map((p) => p.title),
                one: again.status, etag: etag, conditional: conditional.status,
            });
        }""",
        live_server.url,
    )

    answer = json.loads(result)
    assert answer["status"] == 200
    assert answer["titles"], "the partner's page read the petitions"
    assert answer["one"] == 200
    assert answer["etag"], "the ETag is exposed to the partner's script"
    assert answer["conditional"] == 304
