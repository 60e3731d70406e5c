"""Unicode's bidirectional controls: invisible characters that change the order in which the
text after them is shown.

Set into a sentence, a page title or an email subject, a name or title carrying an override or
an unclosed isolate turns the text around it ("Trojan Source", CVE-2021-42574): a signer's name
could make "Ann signed" read otherwise, a title could reverse the link in a share message. So:

- one-line names the public or staff give (signers, organisations, signatories) refuse every
  control and mark, with every other format character (campaign.petitions.signing.text_problem);
- staff texts set into other text (titles, summaries, excerpts, share texts, whom a petition
  addresses) refuse the reordering controls; marks stay, as Arabic typesetting uses them and
  they reorder nothing beyond the neutral characters next to them, as an invisible letter would;
- Markdown bodies keep what their author typed: each block is its own bidirectional paragraph
  on the page and in the plain-text email, so a control ends with the paragraph it is in;
- email subjects never carry any of them, whatever their sources (`without_bidi_controls`).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069).
REORDERING_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Left-to-right, right-to-left and Arabic letter marks.
MARKS = frozenset("\u200e\u200f\u061c")
BIDI_CONTROLS = REORDERING_CONTROLS | MARKS
_DELETE = dict.fromkeys(map(ord, BIDI_CONTROLS))


def has_reordering_controls(text: str) -> bool:
    return not REORDERING_CONTROLS.isdisjoint(text)


def without_bidi_controls(text: str) -> str:
    return text.translate(_DELETE)


# A hashtag or mention in any script; and, inside right-to-left text, a run of Latin words with
# the spaces and joining punctuation between them (not the punctuation that ends the sentence).
_TAG = r"(?<!\w)[#@][^\W_]\w*"
_LATIN_WORD = r"[A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f]*"
_LATIN_RUN = rf"{_LATIN_WORD}(?:[ '’\-./&]+{_LATIN_WORD})*"
_ISOLATED_IN_LTR = re.compile(_TAG)
_ISOLATED_IN_RTL = re.compile(rf"{_TAG}|{_LATIN_RUN}")
_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def isolate_runs(text: str) -> Markup:
    """Plain text as HTML in which hashtags, mentions and (in right-to-left text) Latin runs are
    each a `<bdi>`: otherwise the bidirectional algorithm gives their neutral edges ("#", a
    final ".") to the surrounding Arabic, and "#HumansAgainstTorture" reads
    "HumansAgainstTorture#"."""
    pattern = _ISOLATED_IN_RTL if _RTL_LETTER.search(text) else _ISOLATED_IN_LTR
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup("<bdi>%s</bdi>") % match.group())
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
