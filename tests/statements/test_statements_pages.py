"""One statement's page: its text made safe, its facts, its signatories, its campaigns and
petitions with a sign box, and the campaign and petition pages linking back."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import OutboxEmail, Signature

HOSTILE_MARKDOWN = """Intro paragraph.

<script>alert('script tag')</script>

[click me](javascript:alert('link'))

[encoded](jAvAsCrIpT&#58;alert('encoded'))

<img src=x onerror="alert('handler')">

<a href="https://example.org" onclick="alert('click')">raw link</a>

<div><p>unclosed <b>tags <iframe src="https://evil.example"></iframe>

<svg/onload=alert('svg')>

![pixel](javascript:alert('image'))

[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

A **bold** claim and a [safe link](https://example.org/report).
"""


def main_html(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def visible(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(text.replace("&#39;", "'").replace("&amp;", "&").split())


def test_full_text_is_rendered_from_markdown(client, make_statement):
    statement = make_statement(
        texts={"en": ("Title", "Excerpt", "First *paragraph*.\n\n- one\n- two\n\n## Demands")}
    )
    html = client.get(f"/en/statements/{statement.slug}").get_data(as_text=True)
    assert "<p>First <em>paragraph</em>.</p>" in html
    assert "<li>one</li>" in html
    assert "<h2>Demands</h2>" in html


class Elements(HTMLParser):
    """Every element and attribute the browser would build from a piece of HTML."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def test_nothing_executable_in_the_markdown_reaches_the_page(client, make_statement):
    statement = make_statement(texts={"en": ("Title", "Excerpt", HOSTILE_MARKDOWN)})
    response = client.get(f"/en/statements/{statement.slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    prose = html[html.index('<div class="prose">') : html.index('<dl class="facts">')]
    elements = Elements(prose).tags
    names = {tag for tag, _attrs in elements}
    assert names <= {"div", "p", "a", "strong", "em"}, names  # no script, img, svg, iframe
    for tag, attrs in elements:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for url in (attrs.get("href", ""), attrs.get("src", "")):
            assert not url.strip().lower().startswith(("javascript:", "data:", "vbscript:"))
    links = [attrs["href"] for tag, attrs in elements if tag == "a"]
    assert links == ["https://example.org/report"]  # only the safe link is a link
    assert "<strong>bold</strong>" in prose
    assert "<script" not in html.lower()
    # The hostile parts are shown as inert text at most, escaped.
    assert "&lt;script&gt;" in prose or "script tag" not in prose


def test_hostile_titles_and_excerpts_are_escaped(client, make_statement):
    statement = make_statement(
        texts={"en": ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "Body")}
    )
    for url in (f"/en/statements/{statement.slug}", "/en/statements"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_page_shows_date_countries_topics_kind_and_languages(client, make_statement):
    statement = make_statement(
        kind="urgent_intervention",
        published_on=date(2018, 1, 19),
        countries=("CD", "EU"),
        topics=("human-rights-defenders", "childrens-rights"),
        texts={
            "en": ("Abduction of defenders", "Eight abducted.", "Body en"),
            "fr": ("Enlèvement de défenseurs", "Huit enlevés.", "Corps fr"),
        },
    )
    html = client.get(f"/fr/statements/{statement.slug}").get_data(as_text=True)
    text = visible(main_html(html))
    assert "19 janvier 2018" in text
    assert "Enlèvement de défenseurs" in text and "Corps fr" in text
    assert "Congo-Kinshasa" in text and "Union européenne" in text
    assert 'href="/fr/statements?country=EU"' in html
    assert 'href="/fr/statements?topic=childrens-rights"' in html
    assert 'href="/fr/statements?kind=urgent_intervention"' in html
    # The languages it exists in, each a link to it in that language.
    assert f'href="/en/statements/{statement.slug}" lang="en" hreflang="en"' in html
    assert f'href="/fr/statements/{statement.slug}" lang="fr" hreflang="fr"' in html
    assert f'href="/es/statements/{statement.slug}" lang="es"' not in main_html(html)


def test_page_in_a_language_the_statement_lacks_shows_its_default_text_marked(
    client, make_statement
):
    statement = make_statement(texts={"es": ("Campaña de ataques", "Amenazas.", "Cuerpo es")})
    html = client.get(f"/en/statements/{statement.slug}").get_data(as_text=True)
    assert '<span lang="es" dir="ltr">Campaña de ataques</span>' in html
    assert '<div class="prose" lang="es" dir="ltr"><p>Cuerpo es</p>' in html
    assert 'class="notice" role="note"' in html  # the "not in your language" notice


def test_signatory_organisations_in_their_order(client, make_statement):
    statement = make_statement(
        kind="joint_statement",
        signatories=[
            ("Zeta Rights", "FR", "https://zeta.example"),
            ("Alpha Watch", None, None),
            ("Bad Link Org", "CH", "javascript:alert(1)"),
        ],
    )
    html = client.get(f"/fr/statements/{statement.slug}").get_data(as_text=True)
    section = html[html.index('<ol class="signatories">') :]
    assert section.index("Zeta Rights") < section.index("Alpha Watch") < section.index("Bad Link")
    assert '<a href="https://zeta.example" rel="nofollow noopener">Zeta Rights</a>' in section
    assert "(France)" in section and "(Suisse)" in section
    assert "javascript:" not in html


def test_drafts_and_unknown_slugs_are_404(client, make_statement):
    draft = make_statement(status="draft")
    assert client.get(f"/en/statements/{draft.slug}").status_code == 404
    assert client.get("/en/statements/no-such-thing").status_code == 404
    assert client.get("/xx/statements").status_code == 404


def test_statement_page_links_its_campaigns_and_petitions(
    client, make_statement, make_campaign, make_petition
):
    campaign = make_campaign()
    draft_campaign = make_campaign(status="draft")
    petition = make_petition(campaign=campaign)
    statement = make_statement(campaigns=[campaign, draft_campaign], petitions=[petition])
    html = client.get(f"/en/statements/{statement.slug}").get_data(as_text=True)
    assert f'href="/en/campaigns/{campaign.slug}"' in html
    assert f'href="/en/petitions/{petition.slug}"' in html
    assert draft_campaign.slug not in html  # a draft campaign is not public yet


def test_sign_box_for_the_first_open_petition_posts_to_the_petition(
    client, make_statement, make_petition
):
    closed = make_petition(status="closed")
    first_open = make_petition()
    second_open = make_petition()
    statement = make_statement(petitions=[closed, first_open, second_open])
    html = client.get(f"/en/statements/{statement.slug}").get_data(as_text=True)
    forms = re.findall(r'<form class="sign-form" method="post" action="([^"]+)"', html)
    assert forms == [f"/en/petitions/{first_open.slug}"]
    for name in ("name", "email", "country", "consent", "newsletter"):
        assert f'name="{name}"' in html
    assert '<label class="field__label" for="email">' in html


def test_signing_from_the_statement_page_uses_the_petition_flow(
    app, client, make_statement, make_petition
):
    petition = make_petition()
    statement = make_statement(petitions=[petition])
    html = client.get(f"/en/statements/{statement.slug}").get_data(as_text=True)
    action = re.search(r'<form class="sign-form" method="post" action="([^"]+)"', html).group(1)
    response = client.post(
        action,
        data={"name": "Ana Ruiz", "email": "ana@example.org", "country": "MX", "consent": "y"},
    )
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    with app.app_context():
        signature = db.session.scalars(select(Signature)).one()
        assert (signature.petition_id, signature.confirmed_at) == (petition.id, None)
        assert db.session.scalars(select(OutboxEmail)).one().kind == "confirm_signature"


def test_no_sign_box_without_an_open_petition(client, make_statement, make_petition):
    closed = make_petition(status="closed")
    expired = make_petition(closes_in=timedelta(seconds=-1))
    statement = make_statement(petitions=[closed, expired])
    html = client.get(f"/en/statements/{statement.slug}").get_data(as_text=True)
    assert "sign-form" not in html
    assert f'href="/en/petitions/{closed.slug}"' in html  # still linked, as background


def test_campaign_page_lists_its_statements(client, make_campaign, make_statement):
    campaign = make_campaign()
    newer = make_statement(
        campaigns=[campaign],
        published_on=date(2025, 3, 2),
        texts={"fr": ("Déclaration récente", "", "")},
    )
    older = make_statement(campaigns=[campaign], published_on=date(2024, 3, 2))
    draft = make_statement(campaigns=[campaign], status="draft")
    unrelated = make_statement()
    html = client.get(f"/en/campaigns/{campaign.slug}").get_data(as_text=True)
    assert html.index(f"/en/statements/{newer.slug}") < html.index(f"/en/statements/{older.slug}")
    assert '<span lang="fr" dir="ltr">Déclaration récente</span>' in html
    assert draft.slug not in html and unrelated.slug not in html
    assert "Statements backing this campaign" in html


def test_campaign_page_without_statements_has_no_empty_section(client, make_campaign):
    campaign = make_campaign()
    html = client.get(f"/en/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "Statements backing this campaign" not in html


def test_petition_page_links_to_its_background_statements(client, make_petition, make_statement):
    petition = make_petition()
    background = make_statement(petitions=[petition], countries=("HN",))
    other = make_statement()
    html = client.get(f"/es/petitions/{petition.slug}").get_data(as_text=True)
    assert f'href="/es/statements/{background.slug}"' in html
    assert "Honduras" in html
    assert other.slug not in html
    # ... and the statement links back to the petition.
    back = client.get(f"/es/statements/{background.slug}").get_data(as_text=True)
    assert f'href="/es/petitions/{petition.slug}"' in back


def test_petition_page_never_shows_draft_statements(client, make_petition, make_statement):
    petition = make_petition()
    published = make_statement(petitions=[petition], texts={"en": ("Published one", "", "")})
    draft = make_statement(
        petitions=[petition], status="draft", texts={"en": ("Unpublished draft", "", "")}
    )
    html = client.get(f"/en/petitions/{petition.slug}").get_data(as_text=True)
    assert 'class="linked-statements"' in html
    assert f'href="/en/statements/{published.slug}"' in html
    assert draft.slug not in html and "Unpublished draft" not in html
    # A petition whose only statement is a draft has no background section at all.
    alone = make_petition()
    make_statement(petitions=[alone], status="draft")
    html = client.get(f"/en/petitions/{alone.slug}").get_data(as_text=True)
    assert 'class="linked-statements"' not in html


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar"])
def test_statement_pages_in_every_language(client, make_statement, lang):
    statement = make_statement(kind="joint_statement", open_for_endorsement=True)
    for url in (f"/{lang}/statements", f"/{lang}/statements/{statement.slug}"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
        assert f'<link rel="canonical" href="http://localhost/{lang}/statements' in html
        assert "style=" not in main_html(html) and "<script" not in html
