"""Authoring campaigns and petitions: texts per language, slugs, status workflow, previews."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from conftest import STAFF_PASSWORD
from sqlalchemy import select

from campaign.campaigns.authoring import (
    CampaignData,
    InvalidContent,
    InvalidTransition,
    NotACampaigner,
    PetitionData,
    SlugLocked,
    SlugTaken,
    TextData,
    add_member,
    change_campaign_status,
    change_petition_status,
    flush_claiming_slug,
    save_campaign,
    save_petition,
)
from campaign.extensions import db
from campaign.models import Campaign, Petition, Signature, User, utcnow

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def campaign_form(slug: str, **texts) -> dict:
    data = {"slug": slug, "default_locale": "en", "hashtag": "#StopTorture", "action": "save"}
    for locale, (title, body) in texts.items():
        data[f"text_{locale}-title"] = title
        data[f"text_{locale}-summary"] = f"Summary {locale}"
        data[f"text_{locale}-body"] = body
    return data


def petition_form(slug: str, **texts) -> dict:
    data = {"slug": slug, "default_locale": "en", "goal": "1000"}
    data["action"] = "save"
    for locale, (title, body) in texts.items():
        data[f"text_{locale}-title"] = title
        data[f"text_{locale}-body"] = body
        data[f"text_{locale}-share_text"] = f"Share {locale}"
        data[f"text_{locale}-target"] = f"The Minister [{locale}]"
    return data


# --- domain ------------------------------------------------------------------------------------


def test_save_campaign_creates_texts_and_puts_a_campaigner_in_the_team(session, make_user):
    author = session.get(User, make_user("campaigner").id)
    campaign = save_campaign(
        session,
        None,
        CampaignData(
            slug="stop-torture",
            default_locale="en",
            hashtag="#StopTorture",
            texts={"en": TextData(title="Stop", body="x"), "fr": TextData(title="Arrêt")},
        ),
        author=author,
    )
    session.commit()
    assert campaign.status == "draft" and campaign.hashtag == "StopTorture"
    assert campaign.locales == ["en", "fr"] and campaign.members == [author]
    save_campaign(
        session,
        campaign,
        CampaignData(slug="stop-torture", default_locale="en", texts={"en": TextData("Stop!")}),
        author=author,
    )
    session.commit()
    assert campaign.locales == ["en"]  # an emptied language is removed
    assert campaign.text_for("en").title == "Stop!"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (CampaignData("Bad Slug", "en", {"en": TextData("T")}), {"slug": "invalid"}),
        (CampaignData("new", "en", {"en": TextData("T")}), {"slug": "invalid"}),
        (CampaignData("ok", "en", {"fr": TextData("T")}), {"en.title": "required"}),
        (
            CampaignData("ok", "en", {"en": TextData("T"), "ar": TextData(body="نص")}),
            {"ar.title": "required"},
        ),
        (CampaignData("ok", "de", {"en": TextData("T")}), {"default_locale": "invalid"}),
        (
            CampaignData("ok", "en", {"en": TextData("T")}, hashtag="not a tag"),
            {"hashtag": "invalid"},
        ),
    ],
)
def test_save_campaign_refuses_bad_content(session, make_user, data, errors):
    with pytest.raises(InvalidContent) as refused:
        save_campaign(session, None, data, author=session.get(User, make_user().id))
    assert refused.value.errors == errors


def test_slugs_are_unique_and_the_database_has_the_last_word(session, make_user, make_campaign):
    taken = make_campaign()
    author = session.get(User, make_user().id)
    with pytest.raises(SlugTaken):
        save_campaign(
            session, None, CampaignData(taken.slug, "en", {"en": TextData("T")}), author=author
        )
    session.rollback()
    # Two people claiming a slug at once: the pre-check passes for both, the constraint decides.
    session.add(Campaign(slug="race", status="draft"))
    session.add(Campaign(slug="race", status="draft"))
    with pytest.raises(SlugTaken):
        flush_claiming_slug(session)


def test_public_slugs_are_locked(session, make_user, make_campaign, make_petition):
    author = session.get(User, make_user().id)
    published = session.get(Campaign, make_campaign(status="published").id)
    with pytest.raises(SlugLocked):
        save_campaign(
            session, published, CampaignData("renamed", "en", {"en": TextData("T")}), author=author
        )
    session.rollback()
    petition = session.get(Petition, make_petition(status="open").id)
    with pytest.raises(SlugLocked):
        save_petition(
            session,
            petition.campaign,
            petition,
            PetitionData("renamed", "en", {"en": TextData("T")}),
            now=utcnow(),
        )


def test_campaign_status_workflow(session, make_campaign):
    campaign = session.get(Campaign, make_campaign(status="draft").id)
    with pytest.raises(InvalidTransition):
        change_campaign_status(campaign, "published", now=NOW)
    change_campaign_status(campaign, "preview", now=NOW)
    change_campaign_status(campaign, "published", now=NOW)
    assert campaign.published_at == NOW
    change_campaign_status(campaign, "archived", now=NOW)
    with pytest.raises(InvalidTransition):
        change_campaign_status(campaign, "draft", now=NOW)
    change_campaign_status(campaign, "published", now=datetime(2027, 1, 1, tzinfo=UTC))
    assert campaign.published_at == NOW  # first publication date kept
    session.commit()


def test_petition_status_workflow(session, make_petition):
    petition = session.get(Petition, make_petition(status="draft").id)
    for bad in ("open", "closed", "published", "nonsense"):
        with pytest.raises(InvalidTransition):
            change_petition_status(petition, bad, now=NOW)
    change_petition_status(petition, "preview", now=NOW)
    change_petition_status(petition, "open", now=NOW)
    assert petition.closed_at is None
    change_petition_status(petition, "closed", now=NOW)
    assert petition.closed_at == NOW
    with pytest.raises(InvalidTransition):
        change_petition_status(petition, "open", now=NOW)  # a closed petition stays closed
    session.commit()


def test_only_active_campaigners_join_a_team(session, make_user, make_campaign):
    campaign = session.get(Campaign, make_campaign().id)
    for user in (make_user("exporter"), make_user("campaigner", active=False)):
        with pytest.raises(NotACampaigner):
            add_member(campaign, session.get(User, user.id))


def test_the_database_refuses_unknown_statuses(session, make_campaign):
    campaign = session.get(Campaign, make_campaign().id)
    campaign.status = "open"
    with pytest.raises(Exception, match="(?i)check"):
        session.flush()
    session.rollback()


# --- the acceptance path: a campaigner launches a campaign from the web alone ------------------


def test_a_campaigner_launches_a_campaign_with_a_petition_in_two_languages(app, make_user):
    campaigner = make_user("campaigner")
    staff = app.test_client()
    login = staff.post("/staff/login", data={"email": campaigner.email, "password": STAFF_PASSWORD})
    assert login.status_code == 303
    visitor = app.test_client()

    created = staff.post(
        "/staff/campaigns/new",
        data=campaign_form(
            "stop-torture",
            en=("Stop torture", "Torture **must** end."),
            fr=("Arrêtez la torture", "La torture **doit** cesser."),
        ),
    )
    assert created.status_code == 303
    assert created.headers["Location"] == "/staff/campaigns/stop-torture"
    added = staff.post(
        "/staff/campaigns/stop-torture/petitions/new",
        data=petition_form(
            "end-impunity",
            en=("End impunity", "We ask the Minister to act."),
            fr=("Fin de l’impunité", "Nous demandons au ministre d’agir."),
        ),
    )
    assert added.status_code == 303
    assert added.headers["Location"] == "/staff/petitions/end-impunity/edit"

    # Drafts are nowhere public; previews only for staff, never cached, with a banner.
    assert visitor.get("/fr/campaigns/stop-torture").status_code == 404
    assert staff.get("/fr/campaigns/stop-torture").status_code == 404
    for step in (
        ("/staff/campaigns/stop-torture/status", "preview"),
        ("/staff/petitions/end-impunity/status", "preview"),
    ):
        assert staff.post(step[0], data={"status": step[1]}).status_code == 303
    for path in ("/fr/campaigns/stop-torture", "/fr/petitions/end-impunity"):
        assert visitor.get(path).status_code == 404
        preview = staff.get(path)
        assert preview.status_code == 200
        assert "no-store" in preview.headers["Cache-Control"]
        assert "public" not in preview.headers["Cache-Control"]
        assert 'class="preview-banner"' in preview.get_data(as_text=True)
    page = staff.get("/fr/petitions/end-impunity").get_data(as_text=True)
    assert "Fin de l’impunité" in page
    assert "Vous pourrez signer dès l’ouverture de la pétition." in page

    # Opening a petition of a hidden campaign asks to publish both, then does on confirmation.
    opening = staff.post("/staff/petitions/end-impunity/status", data={"status": "open"})
    assert opening.status_code == 303
    assert opening.headers["Location"] == "/staff/petitions/end-impunity/go-live"
    assert visitor.get("/en/petitions/end-impunity").status_code == 404
    going = staff.post("/staff/petitions/end-impunity/go-live", data={"confirm": "yes"})
    assert going.status_code == 303

    for lang, title, body in (
        ("en", "Stop torture", "Torture <strong>must</strong> end."),
        ("fr", "Arrêtez la torture", "La torture <strong>doit</strong> cesser."),
    ):
        page = visitor.get(f"/{lang}/campaigns/stop-torture")
        assert page.status_code == 200
        assert "public" in page.headers["Cache-Control"]
        html = page.get_data(as_text=True)
        assert title in html and body in html and "preview-banner" not in html
        assert "/petitions/end-impunity" in html
    signed = visitor.post(
        "/fr/petitions/end-impunity",
        data={"name": "Ana", "email": "ana@example.org", "country": "ES", "consent": "y"},
    )
    assert signed.status_code == 200


def test_markdown_preview_renders_without_saving(app, client, make_user, log_in):
    log_in(client, make_user("campaigner"))
    data = campaign_form("draft-one", en=("Title", "Some *emphasis* and <script>alert(1)</script>"))
    data["action"] = "preview"
    response = client.post("/staff/campaigns/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<em>emphasis</em>" in html
    assert "<script>alert(1)</script>" not in html  # raw HTML is never passed through
    assert 'value="draft-one"' in html  # the form keeps what was typed
    with app.app_context():
        assert db.session.scalar(select(Campaign.id)) is None


def test_form_errors_keep_the_input_and_name_the_field(
    app, client, make_user, log_in, make_campaign
):
    taken = make_campaign()
    log_in(client, make_user("admin"))
    response = client.post(
        "/staff/campaigns/new",
        data=campaign_form(taken.slug, fr=("Titre", "Texte"), ar=("", "نص بلا عنوان")),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This address is taken already" not in html  # the content errors come first
    assert "Give a title in the main language" in html
    assert "Give a title in العربية" in html
    assert 'href="#text_ar-title"' in html and "نص بلا عنوان" in html
    fixed = client.post(
        "/staff/campaigns/new", data=campaign_form(taken.slug, en=("Title", "Text"))
    )
    assert fixed.status_code == 422
    assert "This address is taken already" in fixed.get_data(as_text=True)


def test_editing_a_public_petition_keeps_its_address(app, client, make_user, log_in, make_petition):
    petition = make_petition(status="open")
    log_in(client, make_user("admin"))
    page = client.get(f"/staff/petitions/{petition.slug}/edit").get_data(as_text=True)
    assert "readonly" in page and f'value="{petition.slug}"' in page
    data = petition_form("another-address", en=("New title", "New body"))
    response = client.post(f"/staff/petitions/{petition.slug}/edit", data=data)
    assert response.status_code == 422
    assert "cannot change once the page is public" in response.get_data(as_text=True)
    data["slug"] = petition.slug
    assert client.post(f"/staff/petitions/{petition.slug}/edit", data=data).status_code == 303
    with app.app_context():
        saved = db.session.get(Petition, petition.id)
        assert saved.text_for("en").title == "New title" and saved.goal == 1000


def test_closing_a_petition_stops_signing_and_shows_the_final_count(
    app, client, make_user, log_in, make_petition, make_signature
):
    petition = make_petition(status="open")
    make_signature(petition)
    make_signature(petition)
    visitor = app.test_client()
    log_in(client, make_user("admin"))
    # The first POST only asks, on a page of its own that works without script.
    asked = client.post(f"/staff/petitions/{petition.slug}/status", data={"status": "closed"})
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "Close this petition for good?" in html and 'name="confirm" value="yes"' in html
    assert 'name="csrf_token"' in html and 'name="status" value="closed"' in html
    with app.app_context():
        assert db.session.get(Petition, petition.id).status == "open"
    assert (
        client.post(
            f"/staff/petitions/{petition.slug}/status", data={"status": "closed", "confirm": "yes"}
        ).status_code
        == 303
    )
    page = visitor.get(f"/en/petitions/{petition.slug}").get_data(as_text=True)
    assert "This petition is closed" in page and "It closed with 2 signatures." in page
    refused = visitor.post(
        f"/en/petitions/{petition.slug}",
        data={"name": "Late", "email": "late@example.org", "country": "FR", "consent": "y"},
    )
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.get(Petition, petition.id).closed_at is not None
        assert db.session.scalar(select(Signature.id).where(Signature.name == "Late")) is None
    again = client.post(f"/staff/petitions/{petition.slug}/status", data={"status": "open"})
    assert again.status_code == 409


def test_team_members_are_added_and_removed(app, client, make_user, log_in, make_campaign):
    campaign = make_campaign(status="draft")
    colleague = make_user("campaigner")
    exporter = make_user("exporter")
    log_in(client, make_user("admin"))
    page = client.get(f"/staff/campaigns/{campaign.slug}").get_data(as_text=True)
    assert colleague.email in page and exporter.email not in page
    added = client.post(f"/staff/campaigns/{campaign.slug}/members", data={"user_id": colleague.id})
    assert added.status_code == 303
    refused = client.post(
        f"/staff/campaigns/{campaign.slug}/members", data={"user_id": exporter.id}
    )
    assert refused.status_code == 303  # not among the choices: the form says so
    with app.app_context():
        assert [m.id for m in db.session.get(Campaign, campaign.id).members] == [colleague.id]
    colleague_client = app.test_client()
    log_in(colleague_client, colleague)
    assert colleague_client.get(f"/staff/campaigns/{campaign.slug}").status_code == 200
    removed = client.post(f"/staff/campaigns/{campaign.slug}/members/{colleague.id}/remove")
    assert removed.status_code == 303
    assert colleague_client.get(f"/staff/campaigns/{campaign.slug}").status_code == 404


def test_public_pages_stay_cacheable_and_never_vary_by_cookie(client, make_petition):
    petition = make_petition(status="open")
    for path in (f"/en/petitions/{petition.slug}", f"/en/campaigns/{petition.campaign.slug}"):
        response = client.get(path)
        assert response.status_code == 200
        assert "public" in response.headers["Cache-Control"]
        assert "Cookie" not in response.headers.get("Vary", "")
        assert "Set-Cookie" not in response.headers


def test_drafts_stay_hidden_even_from_staff_at_the_public_address(
    client, make_user, log_in, make_petition
):
    petition = make_petition(status="draft")
    log_in(client, make_user("admin"))
    assert client.get(f"/en/petitions/{petition.slug}").status_code == 404


def test_staff_pages_say_which_texts_exist(client, make_user, log_in, make_campaign):
    campaign = make_campaign(locales=("en", "ar"))
    log_in(client, make_user("admin"))
    html = client.get(f"/staff/campaigns/{campaign.slug}").get_data(as_text=True)
    for locale in ("en", "fr", "es", "ar"):
        assert f'href="#text-{locale}"' in html and f'id="text-{locale}"' in html
    assert re.search(r'name="text_ar-title"[^>]*dir="rtl"|dir="rtl"[^>]*name="text_ar-title"', html)


def test_the_petition_form_saves_the_option_to_raise_the_goal(
    app, client, make_user, log_in, make_petition
):
    petition = make_petition(status="open")
    log_in(client, make_user("admin"))
    form = client.get(f"/staff/petitions/{petition.slug}/edit").get_data(as_text=True)
    assert "Raise the goal automatically when it is reached" in form
    assert 'name="raise_goal_automatically"' in form and "checked" not in form

    data = {**petition_form(petition.slug, en=("Title", "Body")), "raise_goal_automatically": "y"}
    assert client.post(f"/staff/petitions/{petition.slug}/edit", data=data).status_code == 303
    with app.app_context():
        assert db.session.get(Petition, petition.id).raise_goal_automatically is True
    form = client.get(f"/staff/petitions/{petition.slug}/edit").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="raise_goal_automatically"', form)

    del data["raise_goal_automatically"]
    assert client.post(f"/staff/petitions/{petition.slug}/edit", data=data).status_code == 303
    with app.app_context():
        assert db.session.get(Petition, petition.id).raise_goal_automatically is False


def test_whom_a_petition_addresses_is_written_per_language(
    app, client, make_user, log_in, make_campaign
):
    campaign = make_campaign(status="draft")
    log_in(client, make_user("admin"))
    data = petition_form("to-ministers", en=("To ministers", "Body"), ar=("إلى الوزراء", "نص"))
    data["text_ar-target"] = "وزراء العدل"
    created = client.post(f"/staff/campaigns/{campaign.slug}/petitions/new", data=data)
    assert created.status_code == 303
    with app.app_context():
        petition = db.session.scalars(db.select(Petition).filter_by(slug="to-ministers")).one()
        assert petition.text_for("en").target == "The Minister [en]"
        assert petition.text_for("ar").target == "وزراء العدل"
    page = client.get("/staff/petitions/to-ministers/edit").get_data(as_text=True)
    assert 'name="text_ar-target"' in page and 'value="وزراء العدل"' in page
    assert 'name="target"' not in page
