"""What every template can use: the page's language and direction, and locale-aware formatting."""

from __future__ import annotations

import re

from flask import Flask, request, url_for
from flask_babel import format_date, format_decimal, format_percent, get_locale
from markupsafe import Markup

from campaign.config import LOCALES
from campaign.text.bidi import isolate_runs
from campaign.web.i18n import (
    DEFAULT_LOCALE,
    LANGUAGE_NAMES,
    language_name,
    organisation_name,
    text_direction,
)
from campaign.web.links import absolute_url


def _current_lang() -> str:
    return str(get_locale() or "en")


def _url_in(lang: str) -> str | None:
    """This page in another language, when the page is one of the localised ones."""
    if (
        request.endpoint is None
        or request.url_rule is None
        or "lang" not in request.url_rule.arguments
    ):
        return url_for("public.home", lang=lang)
    return url_for(request.endpoint, **{**(request.view_args or {}), "lang": lang})


def _alternates(query: dict[str, object] | None = None) -> dict[str, str]:
    """Absolute URLs of this page in every language, for hreflang and canonical links.

    `query` holds what of the query string makes this page a page of its own (a listing's
    `page`); everything else is left out, so that filtered variants point at the plain page."""
    rule = request.url_rule
    if request.endpoint is None or rule is None or "lang" not in rule.arguments:
        return {}
    args = {**(request.view_args or {}), **(query or {})}
    return {code: absolute_url(request.endpoint, **{**args, "lang": code}) for code in LOCALES}


def _text_language(text_locale: str) -> Markup:
    """`lang` and `dir` for text shown in another language than the page's (a fallback), so
    that its punctuation and hyphenation follow its own language: nothing when they agree."""
    if text_locale == _current_lang():
        return Markup("")
    return Markup(' lang="%s" dir="%s"') % (text_locale, text_direction(text_locale))


def _words_language(code: str | None) -> Markup:
    """`lang` and `dir` for words whose writer chose their language: `None` is a language the
    site does not speak, so the language is unknown and the browser reads the direction from
    the words themselves."""
    if code is None:
        return Markup(' lang="" dir="auto"')
    return Markup(' lang="%s" dir="%s"') % (code, text_direction(code))


def _language_name(code: str) -> str:
    return language_name(code, _current_lang())


def _progress(count: int, goal: int | None) -> float:
    if not goal:
        return 0.0
    return min(count / goal, 1.0)


def _hashtag_words(hashtag: str) -> list[str]:
    """ "HumansAgainstTorture" -> ["Humans", "Against", "Torture"], for the poster that stands in
    for a campaign without an image; scripts without letter case stay one word."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", hashtag).split()


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def page_language():
        lang = _current_lang()
        return {
            "lang": lang,
            "dir": text_direction(lang),
            "locales": LOCALES,
            "language_names": LANGUAGE_NAMES,
            "url_in": _url_in,
            "page_alternates": _alternates,
            "default_locale": DEFAULT_LOCALE,
            "organisation": organisation_name(lang),
        }

    app.jinja_env.filters["number"] = lambda n: format_decimal(n)
    app.jinja_env.filters["percent"] = lambda f: format_percent(f)
    # "31 March 2026" in the page's language, on the organisation's clock (BABEL_DEFAULT_TIMEZONE).
    app.jinja_env.filters["long_date"] = lambda d: format_date(d, "long")
    app.jinja_env.filters["hashtag_words"] = _hashtag_words
    app.jinja_env.filters["isolate_runs"] = isolate_runs
    app.jinja_env.globals["progress"] = _progress
    app.jinja_env.globals["absolute_url"] = absolute_url
    # A global, not only a context variable, so that imported macros (fallback_notice) see it.
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
    app.jinja_env.globals["text_language"] = _text_language
    app.jinja_env.globals["words_language"] = _words_language
    app.jinja_env.globals["language_name"] = _language_name
    # For macros imported without the page's context (social_meta).
    app.jinja_env.globals["organisation_name"] = organisation_name
