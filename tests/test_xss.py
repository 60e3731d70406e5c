"""An XSS corpus through every field that is shown back: the sign and endorsement forms on
error, the Mastodon form, statement search, statement Markdown and texts, petition and
campaign texts, the development mailbox and the emails. Nothing may come out as markup."""

from __future__ import annotations

import pytest
from helpers import outbox, sign_fields
from security_support import inline_code
from sqlalchemy import update

from campaign.extensions import db
from campaign.models import CampaignText, PetitionText

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "javascript:alert(1)",
    '" onmouseover="alert(1)',
    "' autofocus onfocus='alert(1)' x='",
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)//",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "{{ 7*7 }}{% print 7*7 %}",
    "\u202e<script>alert(1)</script>",
]
IDS = [f"payload{n}" for n in range(len(PAYLOADS))]


def assert_inert(page: str, where: str = "") -> None:
    problems = inline_code(page)
    assert problems == [], f"{where}: {problems}"
    lowered = page.lower()
    assert "<svg" not in lowered, where
    assert "<img src=x" not in lowered, where
    assert '<iframe src="javascript' not in lowered, where
    assert "<math" not in lowered, where


@pytest.fixture
def joint(make_statement, make_petition):
    return make_statement(
        kind="joint_statement", open_for_endorsement=True, petitions=[make_petition()]
    )


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_sign_form_shows_the_input_back_as_text(client, make_petition, payload):
    petition = make_petition()
    for fields in (
        sign_fields(name=payload, email="not-an-email"),
        sign_fields(email=payload),
        sign_fields(name=payload, country=payload, consent=None),
        sign_fields(name="Ann", email="x", src=payload, ref=payload),
    ):
        response = client.post(f"/en/petitions/{petition.slug}", data=fields)
        assert response.status_code == 422
        assert_inert(response.get_data(as_text=True), f"sign {fields}")
        if "{{" in payload and fields.get("email") == payload:
            assert payload in response.get_data(as_text=True)  # shown, never evaluated
    # The embedded widget shows the same form back.
    response = client.post(
        f"/en/petitions/{petition.slug}",
        data=sign_fields(name=payload, email="x", src="embed"),
    )
    assert response.status_code == 422
    assert_inert(response.get_data(as_text=True), "widget")


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_endorsement_form_shows_the_input_back_as_text(client, joint, payload):
    for field in ("organisation", "website", "email"):
        data = {
            "endorse-organisation": "Org",
            "endorse-country": "MX",
            "endorse-website": "https://org.example",
            "endorse-email": "bad",
            "endorse-consent": "y",
            f"endorse-{field}": payload,
        }
        response = client.post(f"/en/statements/{joint.slug}/endorse", data=data)
        assert response.status_code == 422
        assert_inert(response.get_data(as_text=True), f"endorse {field}")


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_mastodon_and_search_fields_show_the_input_back_as_text(client, make_petition, payload):
    petition = make_petition()
    mastodon = client.get(
        f"/en/petitions/{petition.slug}/share/mastodon", query_string={"instance": payload}
    )
    search = client.get("/en/statements", query_string={"q": payload})
    refused = client.get("/en/statements", query_string={"q": payload, "kind": payload})
    assert mastodon.status_code == 400
    assert search.status_code == 200
    assert refused.status_code == 400
    for response in (mastodon, search, refused):
        assert_inert(response.get_data(as_text=True), response.request.url)


MARKDOWN = "\n\n".join(
    [
        *PAYLOADS,
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](javascript:alert(1))",
        "<javascript:alert(1)>",
        '<div onclick="alert(1)">raw html</div>',
        "[ok](https://example.org)",
    ]
)


def test_statement_markdown_and_texts_render_inert(client, make_statement):
    statement = make_statement(
        texts={"en": (PAYLOADS[1], PAYLOADS[3], MARKDOWN)},
        signatories=[(PAYLOADS[2], "BE", "javascript:alert(1)")],
    )
    for path in (
        f"/en/statements/{statement.slug}",
        "/en/statements",
        "/en/statements/feed.atom",
    ):
        response = client.get(path)
        assert response.status_code == 200
        if response.mimetype == "text/html":
            assert_inert(response.get_data(as_text=True), path)
    page = client.get(f"/en/statements/{statement.slug}").get_data(as_text=True)
    assert 'href="https://example.org"' in page  # Markdown still works
    feed = client.get("/en/statements/feed.atom").get_data(as_text=True)
    assert "<script" not in feed.lower().replace("&lt;script", "")


def test_petition_and_campaign_texts_render_inert(app, client, make_petition):
    petition = make_petition()
    with app.app_context():
        db.session.execute(
            update(PetitionText)
            .where(PetitionText.petition_id == petition.id)
            .values(title=PAYLOADS[1], body="\n\n".join(PAYLOADS), share_text=PAYLOADS[6])
        )
        db.session.execute(update(CampaignText).values(title=PAYLOADS[2], summary=PAYLOADS[3]))
        db.session.commit()
    for path in (
        f"/en/petitions/{petition.slug}",
        f"/en/campaigns/{petition.campaign.slug}",
        "/en/",
        f"/embed/petitions/{petition.slug}",
        f"/en/petitions/{petition.slug}/embed-code",
        f"/en/petitions/{petition.slug}/check-your-email",
        "/en/developers",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(response.get_data(as_text=True), path)
    svg = client.get(f"/en/petitions/{petition.slug}/qr.svg").get_data(as_text=True)
    assert "<script" not in svg.lower()


def test_a_hostile_name_stays_text_in_emails_and_the_development_mailbox(
    app, client, make_petition
):
    petition = make_petition()
    name = "Ann <img src=x onerror=alert(1)>"
    response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(name="Ann"))
    assert response.status_code == 200
    # Markup in a name is not refused (only links and formulas are): it must stay text.
    response = client.post(
        f"/en/petitions/{petition.slug}", data=sign_fields(name=name, email="b@example.org")
    )
    assert response.status_code == 200
    [_, email] = outbox(app)
    assert "<img src=x" not in email.html_body
    assert "&lt;img src=x" in email.html_body
    inbox = client.get("/dev/mailbox/")
    message = client.get(f"/dev/mailbox/{email.id}")
    for page in (inbox, message):
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True), page.request.path)
