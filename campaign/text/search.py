"""Text folded for searching: accents, case and compatibility forms set aside, so that
"defenseurs" finds "Défenseurs" and "ﬁn" finds "fin", in the same way on every database."""

from __future__ import annotations

import unicodedata


def folded(text: str) -> str:
    """Case-folded first ("İ" folds to "i" and a dot), then NFKD without its combining marks.
    Arabic's short vowels (harakat) are combining marks too: a word is found with or without
    them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
