"""Signatures by country in a browser, in English and Arabic: the map drawn on the server, the
table beside it with small countries folded into "other", and the countries API the page's
figures come from."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.support import describe_violations, run_axe


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url, COUNTRY_MIN_COUNT=2)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_map_and_table_show_signatures_by_country(
    browsing, make_petition, make_signature, lang
):
    petition = make_petition(locales=("en", "ar"))
    for country, number in {"FR": 3, "EG": 2, "IS": 1}.items():
        for _ in range(number):
            make_signature(petition, country=country)
    # Axe is injected as a script: the page's own policy would refuse it.
    page = browsing.new_page(locale=lang, bypass_csp=True)

    page.goto(f"{browsing.base_url}/{lang}/petitions/{petition.slug}")

    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    table = page.locator("[data-country-table]")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tr[data-country=FR] td").nth(1)).to_have_text("3")
    expect(table.locator("tr[data-country=EG] td").first).to_have_text(
        "مصر" if lang == "ar" else "Egypt"
    )
    expect(table.locator("tr[data-country=other] td").nth(1)).to_have_text("1")
    image = page.locator("img[data-country-map]")
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    page.wait_for_function("document.querySelector('img[data-country-map]').naturalWidth > 0")
    assert image.bounding_box()["width"] > 200
    violations = run_axe(page)
    assert not violations, describe_violations(page.url, violations)

    api = page.request.get(
        f"{browsing.base_url}/api/v1/petitions/{petition.slug}/countries?lang={lang}"
    )
    body = api.json()
    assert [(c["code"], c["count"]) for c in body["countries"]] == [("FR", 3), ("EG", 2)]
    assert body["other"] == 1
    svg = page.request.get(f"{browsing.base_url}/{lang}/petitions/{petition.slug}/map.svg")
    assert 'data-country="EG" data-count="2"' in svg.text()
