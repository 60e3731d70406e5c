"""Finding published statements: filters, text search and pages.

A page number past the last page is refused (`PageOutOfRange`, a 404) rather than answered with
an empty page, so that a crawler following stale links learns the page is gone; page 1 always
exists, empty or not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import Select, and_, cast, extract, func, literal, select
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session

from campaign.config import LOCALES
from campaign.models import Statement, StatementCountry, StatementText, StatementTopic
from campaign.models.statements import statement_campaigns, statement_petitions
from campaign.statements.vocabulary import KIND_LABELS, TOPIC_LABELS, statement_country_codes
from campaign.text.search import folded

PAGE_SIZE = 10
QUERY_MAX = 200
# ASCII digits only: str.isdigit and \d also accept other scripts' digits.
_YEAR = re.compile(r"[1-9][0-9]{3}")
_PAGE = re.compile(r"[0-9]{1,6}")
_WORD = re.compile(r"\w+")


class InvalidFilter(ValueError):
    """A filter value the listing does not know; `field` names the parameter."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


class PageOutOfRange(LookupError):
    """The page number is past the last page of results."""


@dataclass(frozen=True)
class Filters:
    country: str = ""
    kind: str = ""
    topic: str = ""
    year: int | None = None
    language: str = ""
    q: str = ""

    @property
    def active(self) -> bool:
        return any(self.as_params().values())

    def as_params(self) -> dict[str, str]:
        """The non-empty filters as URL parameters, to carry into links."""
        return {k: str(v) for k, v in asdict(self).items() if v not in ("", None)}


@dataclass(frozen=True)
class Page:
    items: list[Statement]
    number: int
    total: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Read the filters from query parameters; raise InvalidFilter for a value we do not know.

    An empty parameter means "any", so that a GET form submitted with blank choices works.
    """
    country = args.get("country", "").strip().upper()
    if country and country not in statement_country_codes():
        raise InvalidFilter("country")
    kind = args.get("kind", "").strip()
    if kind and kind not in KIND_LABELS:
        raise InvalidFilter("kind")
    topic = args.get("topic", "").strip()
    if topic and topic not in TOPIC_LABELS:
        raise InvalidFilter("topic")
    raw_year = args.get("year", "").strip()
    if raw_year and not _YEAR.fullmatch(raw_year):
        raise InvalidFilter("year")
    language = args.get("language", "").strip()
    if language and language not in LOCALES:
        raise InvalidFilter("language")
    q = " ".join(args.get("q", "").split())
    if len(q) > QUERY_MAX:
        raise InvalidFilter("q")
    return Filters(
        country=country,
        kind=kind,
        topic=topic,
        year=int(raw_year) if raw_year else None,
        language=language,
        q=q,
    )


def parse_page(raw: str | None) -> int:
    """The page number from `?page=`; raise InvalidFilter("page") unless it is 1 or more."""
    if raw is None or raw == "":
        return 1
    if not _PAGE.fullmatch(raw) or int(raw) < 1:
        raise InvalidFilter("page")
    return int(raw)


def listing_cache_key(args: Mapping[str, str]) -> tuple[Filters, int] | None:
    """The listing's reading of its query, for the page cache: None when the query is refused or
    searches free text (each search its own page, not worth keeping)."""
    try:
        filters = parse_filters(args)
        page = parse_page(args.get("page"))
    except InvalidFilter:
        return None
    return None if filters.q else (filters, page)


def feed_cache_key(args: Mapping[str, str]) -> Filters | None:
    """The feed's reading of its query, for the page cache (as `listing_cache_key`)."""
    found = listing_cache_key(args)
    return None if found is None else found[0]


def search_terms(q: str) -> list[str]:
    """The words of a query, folded as the stored texts are (accents and case set aside), split
    the way both databases agree on (letters, digits, _)."""
    return _WORD.findall(folded(q))


def _text_search(session: Session, terms: list[str]):
    """A condition on StatementText: every term occurs in the title, excerpt or body.

    Both read the folded copy of the text (StatementText.search_text). PostgreSQL uses its
    full-text search with the 'simple' configuration (no stemming, so it works alike for every
    language); elsewhere a LIKE per term gives the same answers for whole words.
    """
    document = StatementText.search_text
    if session.get_bind().dialect.name == "postgresql":
        config = cast(literal("simple"), REGCONFIG)
        return func.to_tsvector(config, document).op("@@")(
            func.plainto_tsquery(config, " ".join(terms))
        )
    return and_(*(document.like(f"%{_escape_like(term)}%", escape="\\") for term in terms))


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(session: Session, filters: Filters) -> Select:
    query = select(Statement).where(Statement.status == "published")
    if filters.country:
        query = query.where(
            Statement.id.in_(
                select(StatementCountry.statement_id).where(
                    StatementCountry.country == filters.country
                )
            )
        )
    if filters.kind:
        query = query.where(Statement.kind == filters.kind)
    if filters.topic:
        query = query.where(
            Statement.id.in_(
                select(StatementTopic.statement_id).where(StatementTopic.topic == filters.topic)
            )
        )
    if filters.year is not None:
        query = query.where(
            Statement.published_on >= date(filters.year, 1, 1),
            Statement.published_on <= date(filters.year, 12, 31),
        )
    if filters.language:
        query = query.where(
            Statement.id.in_(
                select(StatementText.statement_id).where(StatementText.locale == filters.language)
            )
        )
    terms = search_terms(filters.q)
    if terms:
        matching = select(StatementText.statement_id).where(_text_search(session, terms))
        if filters.language:
            matching = matching.where(StatementText.locale == filters.language)
        query = query.where(Statement.id.in_(matching))
    return query


def find_statements(
    session: Session, filters: Filters, *, page: int = 1, page_size: int = PAGE_SIZE
) -> Page:
    """One page of published statements matching `filters`, newest first."""
    query = _filtered(session, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / page_size))
    if page > pages:
        raise PageOutOfRange(page)
    items = session.scalars(
        query.order_by(Statement.published_on.desc(), Statement.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return Page(items=list(items), number=page, total=total, page_size=page_size)


def latest_statements(session: Session, filters: Filters, *, limit: int) -> list[Statement]:
    """The newest statements matching `filters`, for a feed."""
    query = _filtered(session, filters).order_by(Statement.published_on.desc(), Statement.id.desc())
    return list(session.scalars(query.limit(limit)))


def published_years(session: Session) -> list[int]:
    """The years something was published in, newest first, for the year filter."""
    year = extract("year", Statement.published_on)
    rows = session.scalars(
        select(year).distinct().where(Statement.status == "published").order_by(year.desc())
    )
    return [int(y) for y in rows]


def published_countries(session: Session) -> list[str]:
    """The countries published statements are about, for the country filter."""
    return list(
        session.scalars(
            select(StatementCountry.country)
            .distinct()
            .join(Statement, Statement.id == StatementCountry.statement_id)
            .where(Statement.status == "published")
        )
    )


def statements_for_campaign(session: Session, campaign_id: int) -> list[Statement]:
    """Published statements linked to a campaign, newest first."""
    return list(
        session.scalars(
            select(Statement)
            .join(statement_campaigns)
            .where(
                statement_campaigns.c.campaign_id == campaign_id,
                Statement.status == "published",
            )
            .order_by(Statement.published_on.desc(), Statement.id.desc())
        )
    )


def statements_for_petition(session: Session, petition_id: int) -> list[Statement]:
    """Published statements linked to a petition (its background), newest first."""
    return list(
        session.scalars(
            select(Statement)
            .join(statement_petitions)
            .where(
                statement_petitions.c.petition_id == petition_id,
                Statement.status == "published",
            )
            .order_by(Statement.published_on.desc(), Statement.id.desc())
        )
    )
