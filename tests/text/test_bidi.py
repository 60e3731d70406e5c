"""Bidirectional controls (campaign.text.bidi): refused in names and in the staff texts set into
other text, kept out of email subjects; Markdown bodies keep them, each block a paragraph of its
own."""

from __future__ import annotations

import html

import pytest
from flask_babel import force_locale, gettext
from helpers import count, sign_fields
from sqlalchemy import select, update

from campaign.extensions import db
from campaign.models import (
    Campaign,
    CampaignText,
    OutboxEmail,
    PetitionText,
    Signature,
    Statement,
    StatementEndorsement,
)
from campaign.petitions.signing import name_problem
from campaign.statements.endorsing import organisation_problem
from campaign.text.bidi import BIDI_CONTROLS, MARKS, REORDERING_CONTROLS, without_bidi_controls

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Ann\u202eelpmaxE" reads "Ann Example" backwards
DIRECTION_ERROR = (
    "Remove the invisible characters that change the direction of text "
    "(U+202A to U+202E, U+2066 to U+2069)"
)


def translated(app, message: str, lang: str) -> str:
    with app.test_request_context(), force_locale(lang):
        text = gettext(message)
    assert lang == "en" or text != message  # really translated
    return text


def test_the_controls_are_the_ones_unicode_names():
    assert {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))} == REORDERING_CONTROLS
    assert {"\u200e", "\u200f", "\u061c"} == MARKS
    assert without_bidi_controls(f"a\u2067b{RLO}c\u200fd\u061c") == "abcd"


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
def test_names_refuse_every_control_and_mark(control):
    """The shared rule for one-line names, whoever gives them
    (campaign.petitions.signing.text_problem)."""
    for name in (f"Ann{control}Example", f"{control}Ann Example", f"Ann Example{control}"):
        assert name_problem(name) == "invalid_characters"
        assert organisation_problem(name) == "invalid_characters"
    assert name_problem("ليلى العربية") is None and organisation_problem("ليلى العربية") is None


# --- what the public types ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("name", [f"Ann{RLO}elpmaxE", "\u2067ليلى", "Ann\u200fExample"])
def test_the_sign_form_refuses_a_name_with_a_control(app, client, make_petition, lang, name):
    petition = make_petition(locales=("en", "ar"))
    response = client.post(f"/{lang}/petitions/{petition.slug}", data=sign_fields(name=name))
    assert response.status_code == 422
    message = translated(app, "Your name contains characters we cannot accept", lang)
    assert message in html.unescape(response.get_data(as_text=True))
    assert count(app, Signature) == 0 and count(app, OutboxEmail) == 0


def test_the_endorsement_form_refuses_an_organisation_with_a_control(app, client, make_statement):
    statement = make_statement(kind="joint_statement", open_for_endorsement=True, locales=("fr",))
    response = client.post(
        f"/fr/statements/{statement.slug}/endorse",
        data={
            "endorse-organisation": f"Colectivo{RLO} Contra la Tortura",
            "endorse-country": "MX",
            "endorse-email": "enlace@colectivo.example.org",
            "endorse-consent": "y",
        },
    )
    assert response.status_code == 422
    message = translated(app, "The name contains characters we cannot accept", "fr")
    assert message in html.unescape(response.get_data(as_text=True))
    assert count(app, StatementEndorsement) == 0


# --- what staff type ---------------------------------------------------------------------------


@pytest.fixture
def staff(app, client, make_user, log_in):
    log_in(client, make_user("admin"))
    return client


def campaign_form(slug: str, **fields) -> dict:
    data = {
        "slug": slug,
        "default_locale": "en",
        "hashtag": "StopTorture",
        "action": "save",
        "text_en-title": "Stop torture",
        "text_en-summary": "Summary",
        "text_en-body": "Torture **must** end.",
    }
    return {**data, **fields}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text_en-title", f"Stop {RLO}erutrot"),
        ("text_en-summary", "Summary \u2066isolated"),
        ("hashtag", f"Stop{RLO}Torture"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_campaign_text_set_into_other_text_refuses_a_control(app, staff, field, value, lang):
    response = staff.post(
        "/staff/campaigns/new",
        data=campaign_form("stop-torture", **{field: value}),
        headers={"Accept-Language": lang},
    )
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    if field == "hashtag":
        assert translated(app, "A hashtag has letters, digits and underscores only", lang) in page
    else:
        assert translated(app, DIRECTION_ERROR, lang) in page
    assert count(app, Campaign) == 0


def test_marks_and_controls_in_a_markdown_body_are_kept(app, staff):
    """Marks are Arabic typesetting; a body's blocks are paragraphs of their own."""
    response = staff.post(
        "/staff/campaigns/new",
        data=campaign_form(
            "stop-torture",
            **{"text_en-title": "أوقفوا التعذيب\u200f (2026)", "text_en-body": f"One {RLO}two"},
        ),
    )
    assert response.status_code == 303
    with app.app_context():
        text = db.session.scalars(select(CampaignText)).one()
        assert text.title == "أوقفوا التعذيب\u200f (2026)" and text.body == f"One {RLO}two"


def test_petition_title_share_text_and_target_refuse_a_control(app, staff, make_campaign):
    campaign = make_campaign(status="draft")
    data = {
        "slug": "end-impunity",
        "default_locale": "en",
        "text_en-target": f"The {RLO}retsiniM",
        "goal": "1000",
        "action": "save",
        "text_en-title": f"End {RLO}ytinupmi",
        "text_en-body": "Body",
        "text_en-share_text": "Sign now \u2067#EndImpunity",
    }
    response = staff.post(f"/staff/campaigns/{campaign.slug}/petitions/new", data=data)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert page.count(DIRECTION_ERROR) >= 3  # on each field, and in the summary
    for field in ("text_en-target", "text_en-title", "text_en-share_text"):
        assert f'href="#{field}"' in page
    assert count(app, PetitionText) == 0


def test_a_statement_title_refuses_a_control(app, staff):
    response = staff.post(
        "/staff/statements/new",
        data={
            "slug": "mexico-defenders",
            "kind": "statement",
            "published_on": "2026-03-01",
            "default_locale": "en",
            "countries": ["MX"],
            "topics": ["human-rights-defenders"],
            "action": "save",
            "text_en-title": f"Protect {RLO}srednefed",
            "text_en-excerpt": "Excerpt",
            "text_en-body": "Body",
        },
    )
    assert response.status_code == 422
    assert DIRECTION_ERROR in html.unescape(response.get_data(as_text=True))
    assert count(app, Statement) == 0


# --- email subjects ----------------------------------------------------------------------------


def test_email_subjects_never_carry_a_control(make_app, make_petition, smtp_server):
    """A title stored before the rule (or by a script) still makes a clean subject."""
    app = make_app(MAIL_URL=smtp_server.url)
    petition = make_petition()
    with app.app_context():
        db.session.execute(
            update(PetitionText)
            .where(PetitionText.petition_id == petition.id)
            .values(title=f"End \u2067impunity{RLO} now\u200f")
        )
        db.session.commit()
    response = app.test_client().post(
        f"/en/petitions/{petition.slug}", data=sign_fields(email="ann@example.org")
    )
    assert response.status_code == 200
    with app.app_context():
        [subject] = db.session.scalars(select(OutboxEmail.subject)).all()
    assert subject == "Confirm your signature: End impunity now"
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    [message] = smtp_server.inbox.to("ann@example.org")
    assert message["Subject"] == subject
    assert BIDI_CONTROLS.isdisjoint(message["Subject"])
