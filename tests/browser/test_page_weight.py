"""A petition page stays light: under 100 KB with its style sheet and scripts, nothing from
any other host (the Browsing session fails a test that tries)."""

from __future__ import annotations

import pytest

from browser.pages import PETITION

BUDGET = 100 * 1024


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_petition_page_weighs_under_100_kb_without_images(browsing, demo, lang):
    page = browsing.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(f"/{lang}/petitions/{PETITION}", wait_until="load")
    page.wait_for_load_state("networkidle")

    weights = {}
    for request in finished:
        if request.resource_type == "image":
            continue
        sizes = request.sizes()
        weights[request.url] = sizes["responseHeadersSize"] + sizes["responseBodySize"]
    kinds = {request.resource_type for request in finished}
    assert {"document", "stylesheet", "script"} <= kinds
    total = sum(weights.values())
    listing = "\n".join(f"{size:>8} {url}" for url, size in sorted(weights.items()))
    assert total < BUDGET, f"{total} bytes:\n{listing}"
    assert all(size > 0 for size in weights.values()), listing
