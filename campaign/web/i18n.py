"""Languages, locale choice and localised country names."""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale
from flask import current_app, g, has_request_context, request, session
from flask_babel import format_decimal, get_locale, ngettext
from flask_login import current_user

from campaign.config import LOCALES

DEFAULT_LOCALE = "en"
RTL_LOCALES = frozenset({"ar"})
# The URL prefix of localised pages. Only the supported codes match it, so that an unknown
# top-level path (`/robots.txt`, `/xx`) is a plain 404 rather than a trailing-slash redirect.
LANG_PREFIX = "/<any(" + ", ".join(LOCALES) + "):lang>"
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}
# Babel's territory list also holds regions and placeholders; these are not countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


def text_direction(locale: str) -> str:
    return "rtl" if locale in RTL_LOCALES else "ltr"


@cache
def language_name(code: str, in_locale: str) -> str:
    """A language's name as written in another: "الإنجليزية" for English on an Arabic page."""
    return Locale.parse(code).get_display_name(in_locale) or LANGUAGE_NAMES[code]


def path_locale(path: str) -> str | None:
    """The language a path starts with (`/ar/no-such-page` -> "ar"), if it is a supported one."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in LOCALES else None


def best_locale(accept_languages) -> str:
    """The supported locale a browser's Accept-Language prefers, English when none."""
    return accept_languages.best_match(LOCALES, default=DEFAULT_LOCALE)


def select_locale() -> str:
    """Flask-Babel's selector: the URL prefix when the page has one; on staff pages (no prefix)
    the language chosen in this session, then the account's; else the browser's choice."""
    lang = getattr(g, "lang", None)
    if lang in LOCALES:
        return lang
    if not has_request_context():
        return DEFAULT_LOCALE
    # Only staff pages read the session: public pages must not vary by cookie.
    if request.blueprint == "staff":
        chosen = session.get("lang")
        if chosen not in LOCALES and current_user.is_authenticated:
            chosen = current_user.locale
        if chosen in LOCALES:
            return chosen
    return best_locale(request.accept_languages)


def organisation_name(locale: str | None = None) -> str:
    """The organisation's name in `locale` (by default the one pages and emails are rendered
    in): ORGANISATION_NAME_<LANG> when set, else ORGANISATION_NAME."""
    config = current_app.config
    locale = locale or str(get_locale() or DEFAULT_LOCALE)
    return config.get("ORGANISATION_NAMES", {}).get(locale) or config["ORGANISATION_NAME"]


@cache
def countries(locale: str) -> tuple[tuple[str, str], ...]:
    """(ISO 3166-1 alpha-2 code, name in `locale`) for every country, sorted by name."""
    babel_locale = Locale.parse(locale)
    names = babel_locale.territories
    codes = [c for c in names if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES]
    return tuple(sorted(((c, names[c]) for c in codes), key=lambda item: _collation_key(item[1])))


def _collation_key(name: str) -> str:
    # Good enough ordering without ICU: accents sort beside their base letter.
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(ch)
    )


@cache
def country_codes() -> frozenset[str]:
    return frozenset(code for code, _ in countries(DEFAULT_LOCALE))


def country_name(code: str, locale: str) -> str:
    return Locale.parse(locale).territories.get(code, code)


def signature_count_text(count: int) -> str:
    """The count as a sentence in the current locale ("1,234 signatures"), for live counters."""
    return ngettext(
        "%(formatted)s signature",
        "%(formatted)s signatures",
        count,
        formatted=format_decimal(count),
    )
