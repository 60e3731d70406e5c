"""What a reader sees of a statement in a given page language: text, names, labels, date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time

from flask_babel import format_date
from flask_babel import gettext as _

from campaign.models import Statement, StatementText
from campaign.statements.vocabulary import KIND_LABELS, TOPIC_LABELS, sorted_countries, topic_order
from campaign.web.i18n import country_name, text_direction


def starts_with_country(title: str, codes: Iterable[str], locales: Iterable[str]) -> bool:
    """Whether `title` already begins with one of the countries, named in one of `locales`:
    campaigners often write "Egypt: two defenders…" themselves."""
    start = title.casefold()
    return any(
        start.startswith(country_name(code, locale).casefold())
        for code in codes
        for locale in locales
    )


def heading_text(title: str, codes: Iterable[str], lang: str, text_locale: str) -> str:
    """ "Country: title" for a reader of `lang`, or the title alone when it names no country
    or begins with one already."""
    codes = list(codes)
    if not codes or starts_with_country(title, codes, {lang, text_locale}):
        return title
    names = ", ".join(name for _code, name in sorted_countries(codes, lang))
    return _("%(countries)s: %(title)s", countries=names, title=title)


@dataclass(frozen=True)
class StatementView:
    statement: Statement
    text: StatementText
    lang: str
    countries: list[tuple[str, str]]
    topics: list[tuple[str, str]]
    kind: str
    date: str

    @property
    def slug(self) -> str:
        return self.statement.slug

    @property
    def in_other_language(self) -> bool:
        return self.text.locale != self.lang

    @property
    def text_dir(self) -> str:
        """The text's own direction, so an English excerpt on an Arabic page reads left to right."""
        return text_direction(self.text.locale)

    @property
    def country_names(self) -> str:
        return ", ".join(name for _code, name in self.countries)

    @property
    def shows_countries(self) -> bool:
        """Whether the heading starts with the countries (not when the title does already)."""
        return bool(self.countries) and not starts_with_country(
            self.text.title, self.statement.country_codes, {self.lang, self.text.locale}
        )

    @property
    def heading(self) -> str:
        """ "Country: title", as the listing shows it, in plain text."""
        return heading_text(
            self.text.title, self.statement.country_codes, self.lang, self.text.locale
        )

    @property
    def meta_parts(self) -> list[str]:
        """The "date | topic(s) | kind | country" line of the listing, without empty parts."""
        topics = ", ".join(label for _slug, label in self.topics)
        parts = [self.date, topics, self.kind, self.country_names]
        return [part for part in parts if part]


def present(statement: Statement, lang: str, *, text_locale: str | None = None) -> StatementView:
    """`statement` for a reader of `lang`: its text in `text_locale` or `lang` when it has one,
    else in its default language."""
    text = statement.text_for(text_locale or lang)
    topics = sorted(statement.topic_slugs, key=topic_order)
    return StatementView(
        statement=statement,
        text=text,
        lang=lang,
        countries=sorted_countries(statement.country_codes, lang),
        topics=[(t, str(TOPIC_LABELS[t])) for t in topics if t in TOPIC_LABELS],
        kind=str(KIND_LABELS[statement.kind]),
        date=format_date(statement.published_on, format="long"),
    )


def published_at(statement: Statement) -> datetime:
    """The publication date as the instant a feed needs: midnight UTC that day."""
    return datetime.combine(statement.published_on, time(0, 0), tzinfo=UTC)
