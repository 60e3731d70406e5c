"""axe-core over every public page, in every language: no WCAG 2.x A or AA violation."""

from __future__ import annotations

import pytest

from browser.pages import open_visit, public_pages
from browser.support import describe_violations, run_axe

SCHEMES = [("en", "light"), ("fr", "light"), ("es", "light"), ("ar", "light")]
SCHEMES += [("en", "dark"), ("ar", "dark")]


@pytest.mark.parametrize(("lang", "scheme"), SCHEMES)
def test_public_pages_have_no_accessibility_violations(browsing, app, demo, lang, scheme):
    # axe is injected as a script of its own, which the pages' Content-Security-Policy forbids.
    page = browsing.new_page(locale=lang, color_scheme=scheme, bypass_csp=True)
    report = []
    audited = 0
    for visit in public_pages(app, lang):
        open_visit(page, browsing, visit)
        violations = run_axe(page)
        audited += 1
        if violations:
            report.append(describe_violations(f"{visit.name} {visit.path}", violations))
    assert audited >= 15
    assert not report, "accessibility violations:\n" + "\n".join(report)


def test_the_audit_catches_what_it_should(browser):
    """The audit itself works: a page with an unlabelled field and faint text fails it."""
    page = browser.new_page()
    try:
        page.set_content(
            '<!doctype html><html lang="en"><title>t</title><body><main>'
            '<input type="text"><p class="faint">faint</p></main></body></html>'
        )
        page.add_style_tag(content=".faint { color: #ccc; background: #fff; }")
        found = {violation["id"] for violation in run_axe(page)}
    finally:
        page.close()
    assert {"label", "color-contrast"} <= found
