"""The statements listing: filters alone and combined, pages, text search, bad filter values."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from campaign.statements.listing import (
    PAGE_SIZE,
    Filters,
    InvalidFilter,
    PageOutOfRange,
    find_statements,
    parse_filters,
    parse_page,
)

TODAY = date(2025, 6, 15)


def slugs(page) -> list[str]:
    return [s.slug for s in page.items]


def listed_slugs(html: str) -> list[str]:
    return re.findall(r'<h2 class="statement-item__title" id="statement-([\w-]+)"', html)


def visible(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(text.replace("&#39;", "'").replace("&amp;", "&").split())


@pytest.fixture
def catalogue(make_statement):
    """A small, varied set of published statements, plus a draft that must never show."""
    return {
        "ru": make_statement(
            kind="urgent_intervention",
            countries=("RU",),
            topics=("human-rights-defenders",),
            published_on=TODAY,
            texts={"en": ("Arson of the office in Nazran", "The office burnt.", "Three rooms")},
        ),
        "mx_es": make_statement(
            kind="urgent_intervention",
            countries=("MX",),
            topics=("human-rights-defenders", "womens-rights"),
            published_on=TODAY - timedelta(days=1),
            texts={"es": ("Ataques contra el Consorcio Oaxaca", "Amenazas.", "Campaña de ataques")},
        ),
        "eu_mx": make_statement(
            kind="joint_statement",
            countries=("EU", "MX"),
            topics=("monitoring-protection-mechanisms",),
            published_on=TODAY - timedelta(days=30),
            texts={
                "en": ("No trade agreement without assessment", "Trade.", "Impact assessment"),
                "fr": ("Pas d’accord sans étude d’impact", "Commerce.", "Étude préalable"),
            },
        ),
        "eg_2024": make_statement(
            kind="open_letter",
            countries=("EG",),
            topics=("economic-social-cultural-rights",),
            published_on=date(2024, 11, 24),
            texts={"en": ("Open letter on freedom of expression", "Letter.", "Crackdown")},
        ),
        "report": make_statement(
            kind="report",
            countries=(),
            topics=(),
            published_on=date(2024, 1, 15),
            texts={"fr": ("Rapport annuel", "Rapport.", "Harcèlement continu")},
        ),
        "draft": make_statement(
            status="draft",
            countries=("RU",),
            published_on=TODAY,
            texts={"en": ("Draft about Nazran", "Not yet.", "Oaxaca Nazran")},
        ),
    }


# --- the domain: parsing and finding -----------------------------------------------------------


def test_parse_filters_reads_known_values_and_treats_blank_as_any():
    filters = parse_filters(
        {
            "country": "mx",
            "kind": "report",
            "topic": "womens-rights",
            "year": "2018",
            "q": "  a  b ",
        }
    )
    assert filters == Filters(
        country="MX", kind="report", topic="womens-rights", year=2018, q="a b"
    )
    assert parse_filters({"country": "", "kind": "", "year": "", "language": ""}) == Filters()
    assert parse_filters({"country": "EU"}).country == "EU"  # the European Union, statements only


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "ZZZ"),
        ("country", "ZZ"),
        ("kind", "xyz"),
        ("topic", "nope"),
        ("year", "abc"),
        ("year", "18"),
        ("year", "0000"),
        ("year", "２０１８"),
        ("language", "de"),
        ("q", "x" * 201),
    ],
)
def test_parse_filters_refuses_unknown_values(field, value):
    with pytest.raises(InvalidFilter) as refused:
        parse_filters({field: value})
    assert refused.value.field == field


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "1.5", "1e3", "9999999", "٣"])
def test_parse_page_refuses_anything_but_a_positive_number(raw):
    with pytest.raises(InvalidFilter):
        parse_page(raw)
    assert parse_page(None) == parse_page("") == 1
    assert parse_page("12") == 12


def test_newest_first_and_drafts_never_listed(session, catalogue):
    page = find_statements(session, Filters())
    assert slugs(page) == [catalogue[k].slug for k in ("ru", "mx_es", "eu_mx", "eg_2024", "report")]
    assert page.total == 5


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(country="MX"), ["mx_es", "eu_mx"]),
        (Filters(country="EU"), ["eu_mx"]),
        (Filters(country="FR"), []),
        (Filters(kind="urgent_intervention"), ["ru", "mx_es"]),
        (Filters(kind="news"), []),
        (Filters(topic="human-rights-defenders"), ["ru", "mx_es"]),
        (Filters(topic="womens-rights"), ["mx_es"]),
        (Filters(year=2024), ["eg_2024", "report"]),
        (Filters(year=1999), []),
        (Filters(language="fr"), ["eu_mx", "report"]),
        (Filters(language="ar"), []),
    ],
)
def test_each_filter_alone(session, catalogue, filters, expected):
    assert slugs(find_statements(session, filters)) == [catalogue[k].slug for k in expected]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(country="MX", kind="urgent_intervention"), ["mx_es"]),
        (Filters(country="MX", kind="joint_statement", year=2025), ["eu_mx"]),
        (Filters(country="MX", year=2024), []),
        (Filters(topic="human-rights-defenders", language="es"), ["mx_es"]),
        (Filters(kind="report", year=2024, language="fr"), ["report"]),
        (Filters(country="EG", topic="economic-social-cultural-rights", q="freedom"), ["eg_2024"]),
        (Filters(country="RU", q="Oaxaca"), []),
    ],
)
def test_filters_combine(session, catalogue, filters, expected):
    assert slugs(find_statements(session, filters)) == [catalogue[k].slug for k in expected]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Nazran", ["ru"]),  # a word of the title
        ("nazran", ["ru"]),  # any case
        ("burnt", ["ru"]),  # a word of the excerpt
        ("rooms", ["ru"]),  # a word of the body
        ("Consorcio Oaxaca", ["mx_es"]),  # every word must occur, in any order
        ("Oaxaca Nazran", []),  # ... in the same statement
        ("préalable", ["eu_mx"]),  # a text in another language than the page's
        ("prealable", ["eu_mx"]),  # without its accent
        ("PRÉALABLE", ["eu_mx"]),  # in capitals
        ("assessment", ["eu_mx"]),
        ("absent", []),
        ("%", ["ru", "mx_es", "eu_mx", "eg_2024", "report"]),  # no word: no search
        ("100% _ ' \" \\ & | ! : * ( )", []),  # operators and wildcards are plain text
    ],
)
def test_text_search_on_this_database(session, catalogue, q, expected):
    """Runs on SQLite (LIKE) and on PostgreSQL (to_tsvector/plainto_tsquery): same answers."""
    assert slugs(find_statements(session, Filters(q=q))) == [catalogue[k].slug for k in expected]


def test_search_with_language_filter_looks_only_at_that_language(session, catalogue):
    assert slugs(find_statements(session, Filters(q="assessment", language="fr"))) == []
    assert slugs(find_statements(session, Filters(q="préalable", language="fr"))) == [
        catalogue["eu_mx"].slug
    ]


def test_pagination_edges(session, make_statement):
    assert find_statements(session, Filters()).items == []  # page 1 exists even when empty
    with pytest.raises(PageOutOfRange):
        find_statements(session, Filters(), page=2)
    made = [make_statement(published_on=TODAY - timedelta(days=n)) for n in range(PAGE_SIZE + 1)]
    first = find_statements(session, Filters())
    assert (first.number, first.pages, first.total) == (1, 2, PAGE_SIZE + 1)
    assert len(first.items) == PAGE_SIZE and first.has_next and not first.has_previous
    second = find_statements(session, Filters(), page=2)
    assert slugs(second) == [made[-1].slug]  # the oldest
    assert second.has_previous and not second.has_next
    with pytest.raises(PageOutOfRange):
        find_statements(session, Filters(), page=3)


def test_exactly_one_full_page(session, make_statement):
    for n in range(PAGE_SIZE):
        make_statement(published_on=TODAY - timedelta(days=n))
    page = find_statements(session, Filters())
    assert (page.pages, len(page.items), page.has_next) == (1, PAGE_SIZE, False)
    with pytest.raises(PageOutOfRange):
        find_statements(session, Filters(), page=2)


# --- the page ----------------------------------------------------------------------------------


def test_listing_shows_country_title_excerpt_read_more_and_meta_line(client, catalogue):
    response = client.get("/en/statements")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    ru = catalogue["ru"].slug
    assert listed_slugs(html) == [
        catalogue[k].slug for k in ("ru", "mx_es", "eu_mx", "eg_2024", "report")
    ]
    text = visible(html)
    assert "Russia: Arson of the office in Nazran" in text
    assert "The office burnt." in text
    assert f'href="/en/statements/{ru}"' in html
    assert "read more" in text
    assert "June 15, 2025 | Human rights defenders | Urgent intervention | Russia" in text
    assert "European Union, Mexico: No trade agreement without assessment" in text
    # No country, no topic: the line keeps what there is.
    assert "January 15, 2024 | Report" in text
    assert "Draft about Nazran" not in text


def test_dates_and_country_names_follow_the_page_language(client, catalogue):
    text = visible(client.get("/fr/statements").get_data(as_text=True))
    assert "15 juin 2025" in text
    assert "Russie : " in text or "Russie: " in text
    assert "Mexique, Union européenne" in text  # sorted by name in the page language
    es = visible(client.get("/es/statements").get_data(as_text=True))
    assert "15 de junio de 2025" in es


def test_other_languages_are_listed_with_a_language_badge(client, catalogue):
    html = client.get("/en/statements").get_data(as_text=True)
    assert '<span class="badge badge--language" lang="es">Español</span>' in html
    assert '<span class="badge badge--language" lang="fr">Français</span>' in html
    assert '<span lang="es" dir="ltr">Ataques contra el Consorcio Oaxaca</span>' in html
    # A statement with an English text is shown in English on the English page, without badge.
    assert "No trade agreement without assessment" in html
    assert "Pas d’accord sans étude d’impact" not in html
    french = client.get("/fr/statements").get_data(as_text=True)
    assert "Pas d’accord sans étude d’impact" in french  # and in French on the French page
    assert 'lang="en">English</span>' in french  # the English-only ones carry a badge there


def test_texts_in_other_languages_keep_their_direction_on_an_arabic_page(client, catalogue):
    html = client.get("/ar/statements").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert '<span lang="en" dir="ltr">Arson of the office in Nazran</span>' in html
    assert '<p class="statement-item__excerpt" lang="en" dir="ltr">The office burnt.</p>' in html


def test_no_badge_when_the_visitor_filters_by_language(client, catalogue):
    html = client.get("/en/statements?language=es").get_data(as_text=True)
    assert listed_slugs(html) == [catalogue["mx_es"].slug]
    assert "badge--language" not in html
    assert '<span lang="es" dir="ltr">Ataques contra el Consorcio Oaxaca</span>' in html
    french = client.get("/en/statements?language=fr").get_data(as_text=True)
    assert "Pas d’accord sans étude d’impact" in french  # shown in the language asked for


def test_filters_stay_in_the_form_and_can_be_cleared(client, catalogue):
    html = client.get("/en/statements?country=MX&kind=urgent_intervention&q=Oaxaca").get_data(
        as_text=True
    )
    assert listed_slugs(html) == [catalogue["mx_es"].slug]
    assert '<option value="MX" selected>' in html
    assert '<option value="urgent_intervention" selected>' in html
    assert 'name="q" value="Oaxaca"' in html
    assert 'class="filters__clear" href="/en/statements"' in html
    assert "filters__clear" not in client.get("/en/statements").get_data(as_text=True)


def test_every_filter_control_has_a_label_and_the_form_uses_get(client, catalogue):
    html = client.get("/en/statements").get_data(as_text=True)
    assert '<form class="filters" method="get" action="/en/statements"' in html
    for name in ("q", "country", "kind", "topic", "year", "language"):
        assert f'<label class="field__label" for="filter-{name}">' in html
        assert f'id="filter-{name}" name="{name}"' in html


def test_page_links_keep_the_filters(client, make_statement):
    for n in range(PAGE_SIZE + 2):
        make_statement(countries=("CO",), published_on=TODAY - timedelta(days=n))
    html = client.get("/en/statements?country=CO").get_data(as_text=True)
    assert len(listed_slugs(html)) == PAGE_SIZE
    assert 'rel="next" href="/en/statements?page=2&amp;country=CO"' in html
    second = client.get("/en/statements?page=2&country=CO").get_data(as_text=True)
    assert len(listed_slugs(second)) == 2
    assert 'rel="prev" href="/en/statements?page=1&amp;country=CO"' in second


def test_page_past_the_end_is_404_and_page_one_always_exists(client):
    empty = client.get("/en/statements")
    assert empty.status_code == 200
    assert "No text matches these filters." in empty.get_data(as_text=True)
    assert client.get("/en/statements?page=2").status_code == 404
    assert client.get("/en/statements?page=1").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "kind=xyz",
        "country=ZZZ",
        "country=%00",
        "year=abc",
        "year=20180",
        "topic=nope",
        "language=klingon",
        "page=abc",
        "page=0",
        "page=-3",
        "page=99999999999999999999",
        "q=" + "x" * 500,
    ],
)
def test_unknown_filter_values_get_a_clear_400(client, catalogue, query):
    response = client.get(f"/en/statements?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in html
    assert listed_slugs(html) == []
    assert 'href="/en/statements">Clear filters</a>' in html


@pytest.mark.parametrize(
    "query",
    ["country=FR", "year=1999", "kind=news", "topic=childrens-rights", "language=ar", "q=zzz"],
)
def test_known_values_with_nothing_to_show_give_an_empty_list(client, catalogue, query):
    response = client.get(f"/en/statements?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert listed_slugs(html) == []
    assert "No text matches these filters." in html


def test_odd_input_never_gives_a_500(client, catalogue):
    for query in [
        "q=%27%3B+DROP+TABLE+statements%3B--",
        "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "q=%E2%80%AE%F0%9F%92%A5",
        "country=mx&country=ZZ",
        "q=a%00b",
        "page=",
        "year=0000",
    ]:
        response = client.get(f"/en/statements?{query}")
        assert response.status_code in (200, 400), query
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_header_links_to_the_statements(client):
    html = client.get("/fr/").get_data(as_text=True)
    assert 'href="/fr/statements"' in html


def test_listing_links_to_its_feed_with_the_same_filters(client, catalogue):
    html = client.get("/en/statements?country=MX&kind=joint_statement").get_data(as_text=True)
    assert 'href="/en/statements/feed.atom?country=MX&amp;kind=joint_statement"' in html
    assert 'rel="alternate" type="application/atom+xml"' in html


def test_year_choices_come_from_what_was_published(client, catalogue):
    html = client.get("/en/statements").get_data(as_text=True)
    years = re.findall(r'<option value="(\d{4})"', html)
    assert years == ["2025", "2024"]


def test_database_statements_are_counted_once_with_several_countries(session, catalogue):
    # A statement about two countries must not appear twice, nor be counted twice.
    page = find_statements(session, Filters(topic="monitoring-protection-mechanisms"))
    assert page.total == 1 and len(page.items) == 1


@pytest.mark.parametrize(
    "q",
    ["defenseurs", "DÉFENSEURS", "Defenseurs egalite", "المدافعين", "المُدافِعين", "istanbul"],
)
def test_search_ignores_accents_case_and_arabic_vowel_marks(session, make_statement, q):
    """ "defenseurs" finds "Défenseurs", a word typed with harakat finds it written without, and
    Turkish "İstanbul" folds like any capital: on SQLite and on PostgreSQL alike."""
    statement = make_statement(
        texts={
            "fr": ("Défenseurs en danger", "Égalité à İstanbul", "Corps"),
            "ar": ("المدافعين في خطر", "", "نص"),
        }
    )
    make_statement(texts={"en": ("Unrelated", "Nothing here", "Body")})
    assert slugs(find_statements(session, Filters(q=q))) == [statement.slug]


def test_an_edited_text_is_found_by_its_new_words(session, make_statement):
    from campaign.models import StatementText

    statement = make_statement(texts={"fr": ("Avant", "", "Corps")})
    text = session.scalars(
        select(StatementText).where(StatementText.statement_id == statement.id)
    ).one()
    text.title = "Répression à Genève"
    session.commit()
    assert slugs(find_statements(session, Filters(q="geneve"))) == [statement.slug]
    assert slugs(find_statements(session, Filters(q="avant"))) == []
