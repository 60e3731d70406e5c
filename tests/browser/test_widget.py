"""The widget on a partner's page (another origin), and the live counter."""

from __future__ import annotations

import re

from helpers import signatures
from playwright.sync_api import expect

from browser.pages import PETITION
from browser.support import (
    PHONE,
    confirmation_link,
    path_of,
    shown_count,
    sign_with_pointer,
    translated,
    wait_for_mail,
)
from campaign.models import Signature
from campaign.public.outreach import embed_snippet


def test_the_widget_on_a_partner_page_fits_its_frame_and_takes_signatures(
    browsing, app, demo, live_server, partner_site
):
    folder, partner_url = partner_site
    with app.test_request_context():
        snippet = embed_snippet(
            f"{live_server.url}/embed/petitions/{PETITION}?lang=en", "End impunity for torture"
        )
    (folder / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner news</title>'
        "</head><body><h1>Our partner's article</h1>\n" + snippet + "\n</body></html>",
        encoding="utf-8",
    )
    page = browsing.new_page(viewport=PHONE)
    page.goto(f"{partner_url}/index.html")
    frame_element = page.locator("iframe")
    frame_element.scroll_into_view_if_needed()
    widget = page.frame_locator("iframe")
    expect(widget.locator("h1")).to_contain_text("End impunity for torture")
    assert frame_element.get_attribute("height") == "640"

    # embed.js reports the widget's height and embed-host.js fits the frame to it.
    page.wait_for_function(
        "() => document.querySelector('iframe').style.height !== ''", timeout=10_000
    )
    frame_height = frame_element.bounding_box()["height"]
    content_height = widget.locator("html").evaluate(
        "html => Math.ceil(html.getBoundingClientRect().height)"
    )
    assert abs(frame_height - content_height) <= 2
    assert frame_height > 640  # the whole widget shows: no scrolling inside the frame

    widget.locator("#name").fill("Partner Reader")
    widget.locator("#email").fill("reader@example.org")
    widget.locator("#country").select_option("BE")
    widget.locator("#consent").check()
    widget.locator(".sign-form button[type=submit]").click()
    expect(widget.locator("h1")).to_have_text("Check your email")
    assert page.url == f"{partner_url}/index.html", "the partner's page stays where it was"
    [signature] = signatures(app, Signature.email == "reader@example.org")
    assert signature.source_channel == "embed"


def test_the_counter_goes_up_without_reloading(browsing, app, demo, smtp_server, run_worker):
    watcher = browsing.new_page()
    watcher.goto(f"/en/petitions/{PETITION}")
    before = shown_count(watcher)
    loaded_at = watcher.evaluate("() => performance.timeOrigin")

    # Someone else signs and confirms, in a browser of their own.
    signer = browsing.new_page(locale="fr")
    signer.goto(f"/fr/petitions/{PETITION}")
    sign_with_pointer(signer, name="Lucie Martin", email="lucie@example.org", country="FR")
    signer.wait_for_selector("[data-resend]")
    run_worker()
    signer.goto(path_of(confirmation_link(wait_for_mail(smtp_server.inbox, "lucie@example.org"))))
    signer.locator("form button[type=submit]").click()
    expect(signer.locator("h1")).to_have_text(translated(app, "fr", "Your signature counts"))

    number = watcher.locator("[data-counter-text] strong")
    expect(number).to_have_text(re.compile(rf"^{before + 1:,}$"), timeout=20_000)
    assert watcher.evaluate("() => performance.timeOrigin") == loaded_at, "no reload"
    assert watcher.locator("[data-counter-bar]").evaluate("bar => bar.value") == before + 1
    # Screen readers hear the new count once, politely.
    announcer = watcher.locator("[data-counter-announce]")
    assert announcer.get_attribute("aria-live") == "polite"
    expect(announcer).to_have_text(re.compile(rf"{before + 1:,} signatures"))
