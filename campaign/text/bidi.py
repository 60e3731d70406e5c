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
