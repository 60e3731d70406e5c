"""On a phone, in Arabic and in English: a hashtag keeps its "#" before the word, and English
shown inside an Arabic page keeps its full stop after the last word."""

from __future__ import annotations

import pytest

from browser.pages import STATEMENT
from browser.support import PHONE
from campaign.extensions import db
from campaign.models import Petition

# The horizontal centres, on screen, of the character at `offset` of `needle` and of the one
# after it, in the first text node under `selector` that holds `needle`.
CHARACTER_CENTRES = """
([selector, needle, offset]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at < 0) continue;
    const centre = (i) => {
      const range = document.createRange();
      range.setStart(node, at + i);
      range.setEnd(node, at + i + 1);
      const box = range.getBoundingClientRect();
      return box.left + box.width / 2;
    };
    return [centre(offset), centre(offset + 1)];
  }
  return null;
}
"""


def reads_left_to_right(page, selector: str, needle: str, offset: int = 0) -> bool:
    """Whether the character at `offset` of `needle` shows to the left of the next one."""
    centres = page.evaluate(CHARACTER_CENTRES, [selector, needle, offset])
    assert centres is not None, f"{needle!r} is not under {selector}"
    first, second = centres
    return first < second


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_home_teaser_shows_the_hash_before_the_hashtag(browsing, demo, lang):
    page = browsing.new_page(viewport=PHONE, locale=lang)
    page.goto(f"/{lang}/")
    # In the summary ("Join #HumansAgainstTorture."), not in the tag above it.
    assert reads_left_to_right(page, ".campaign-teaser__title + p", "#HumansAgainstTorture")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_statements_take_action_list_shows_the_hash_before_the_hashtag(browsing, demo, lang):
    page = browsing.new_page(viewport=PHONE, locale=lang)
    page.goto(f"/{lang}/statements/{STATEMENT}")
    assert reads_left_to_right(page, "ul.linked", "#HumansAgainstTorture")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_english_fallback_keeps_its_full_stop_after_the_last_word(
    browsing, app, make_petition, lang
):
    petition = make_petition(locales=("en",))
    with app.app_context():
        [text] = db.session.get(Petition, petition.id).texts
        text.body = "We call for their release."
        db.session.commit()
    page = browsing.new_page(viewport=PHONE, locale=lang)
    page.goto(f"/{lang}/petitions/{petition.slug}")
    prose = page.locator(".prose")
    assert prose.evaluate("node => getComputedStyle(node).direction") == "ltr"
    # "e." : the full stop shows to the right of the last letter, not before the sentence.
    assert reads_left_to_right(page, ".prose", "release.", offset=6)
