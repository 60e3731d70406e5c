"""Authoring statements and reviewing endorsements in the staff workspace: the domain rules,
then the pages, through the HTML forms."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from conftest import STAFF_PASSWORD
from sqlalchemy import select
from test_staff_authoring import campaign_form, petition_form

from campaign.campaigns.authoring import (
    InvalidContent,
    InvalidTransition,
    SlugLocked,
    SlugTaken,
    TextData,
)
from campaign.campaigns.permissions import can_edit_statement, statements_editable_by
from campaign.extensions import db
from campaign.models import (
    Campaign,
    Statement,
    StatementEndorsement,
    StatementSignatory,
    User,
    utcnow,
)
from campaign.statements.authoring import (
    SignatoryData,
    StatementData,
    change_statement_status,
    format_signatories,
    parse_signatories,
    save_statement,
)
from campaign.statements.endorsing import (
    EndorsementData,
    approve_endorsement,
    confirm_endorsement,
    endorse_statement,
    remove_endorsement,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ON = date(2026, 3, 1)


def data(slug="stop-now", **changes) -> StatementData:
    values = {
        "slug": slug,
        "kind": "statement",
        "published_on": ON,
        "default_locale": "en",
        "texts": {"en": TextData(title="Stop now", excerpt="Short", body="Long")},
    }
    values.update(changes)
    return StatementData(**values)


def statement_form(slug: str, campaign_ids=(), **texts) -> dict:
    """The statement form as a browser posts it; `texts` maps locale -> (title, excerpt, body)."""
    form = {
        "slug": slug,
        "kind": "joint_statement",
        "published_on": "2026-03-01",
        "default_locale": "en",
        "countries": ["MX", "FR"],
        "topics": ["human-rights-defenders"],
        "signatories": "Red de Defensoras | MX | https://red.example.org\nLiga | | https://liga.example.org",
        "campaign_ids": [str(i) for i in campaign_ids],
        "action": "save",
    }
    for locale, (title, excerpt, body) in texts.items():
        form[f"text_{locale}-title"] = title
        form[f"text_{locale}-excerpt"] = excerpt
        form[f"text_{locale}-body"] = body
    return form


@pytest.fixture
def team(app, make_user, make_campaign):
    """A campaigner and the campaign they belong to; another campaigner's campaign."""
    campaigner = make_user("campaigner")
    other = make_user("campaigner")
    own, foreign = make_campaign(status="draft"), make_campaign(status="draft")
    with app.app_context():
        own_row, foreign_row = (
            db.session.get(Campaign, own.id),
            db.session.get(Campaign, foreign.id),
        )
        own_row.members.append(db.session.get(User, campaigner.id))
        foreign_row.members.append(db.session.get(User, other.id))
        db.session.commit()
    return campaigner, other, own, foreign


# --- domain ------------------------------------------------------------------------------------


def test_save_statement_writes_every_part(session, team, make_petition):
    campaigner, _other, own, _foreign = team
    petition = make_petition(campaign=own)
    author = session.get(User, campaigner.id)
    statement = save_statement(
        session,
        None,
        data(
            kind="joint_statement",
            texts={"en": TextData(title="Stop", excerpt="E", body="B"), "fr": TextData("Arrêt")},
            countries=("MX", "EU"),
            topics=("womens-rights",),
            signatories=(
                SignatoryData("  Red   de  Defensoras ", "MX", "https://red.example.org"),
            ),
            campaign_ids=(own.id,),
            petition_ids=(petition.id,),
            open_for_endorsement=True,
        ),
        author=author,
        now=NOW,
    )
    session.commit()
    assert statement.status == "draft" and statement.locales == ["en", "fr"]
    assert statement.text_for("en").excerpt == "E"
    assert sorted(statement.country_codes) == ["EU", "MX"]
    assert statement.topic_slugs == ["womens-rights"]
    assert [(s.name, s.country) for s in statement.signatories] == [("Red de Defensoras", "MX")]
    assert [c.id for c in statement.campaigns] == [own.id]
    assert [p.id for p in statement.petitions] == [petition.id]
    assert can_edit_statement(author, statement)

    save_statement(
        session,
        statement,
        data(countries=("MX",), campaign_ids=(own.id,), texts={"en": TextData("Stop!")}),
        author=author,
        now=NOW,
    )
    session.commit()
    assert statement.locales == ["en"] and statement.country_codes == ["MX"]
    assert statement.topic_slugs == [] and statement.signatories == []
    assert statement.petitions == [] and not statement.open_for_endorsement


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"slug": "Bad Slug"}, {"slug": "invalid"}),
        ({"slug": "new"}, {"slug": "invalid"}),
        ({"kind": "tweet"}, {"kind": "invalid"}),
        ({"countries": ("MX", "XX")}, {"countries": "invalid"}),
        ({"topics": ("gardening",)}, {"topics": "invalid"}),
        ({"open_for_endorsement": True}, {"open_for_endorsement": "joint_only"}),
        ({"texts": {"fr": TextData("Titre")}}, {"en.title": "required"}),
        ({"campaign_ids": ()}, {"campaign_ids": "required"}),
        (
            {"signatories": (SignatoryData("=cmd"), SignatoryData("Ok", "XX"))},
            {"signatories.1": "name", "signatories.2": "country"},
        ),
        (
            {"signatories": (SignatoryData("Ok", None, "javascript:x"),)},
            {"signatories.1": "website"},
        ),
    ],
)
def test_save_statement_refuses_bad_content(session, team, changes, errors):
    campaigner, _other, own, _foreign = team
    changes.setdefault("campaign_ids", (own.id,))
    with pytest.raises(InvalidContent) as refused:
        save_statement(
            session, None, data(**changes), author=session.get(User, campaigner.id), now=NOW
        )
    assert refused.value.errors == errors


def test_authors_link_only_what_they_may_edit_and_keep_other_teams_links(
    session, team, make_user, make_petition
):
    campaigner, other, own, foreign = team
    foreign_petition = make_petition(campaign=foreign)
    author = session.get(User, campaigner.id)
    for changes, key in (
        ({"campaign_ids": (foreign.id,)}, "campaign_ids"),
        ({"campaign_ids": (own.id,), "petition_ids": (foreign_petition.id,)}, "petition_ids"),
    ):
        with pytest.raises(InvalidContent) as refused:
            save_statement(session, None, data(**changes), author=author, now=NOW)
        assert refused.value.errors == {key: "invalid"}
    # An administrator links both campaigns; the campaigner's edit keeps the other team's link.
    admin = session.get(User, make_user("admin").id)
    statement = save_statement(
        session, None, data(campaign_ids=(own.id, foreign.id)), author=admin, now=NOW
    )
    session.commit()
    save_statement(session, statement, data(campaign_ids=(own.id,)), author=author, now=NOW)
    session.commit()
    assert [c.id for c in statement.campaigns] == [own.id, foreign.id]
    assert can_edit_statement(session.get(User, other.id), statement)
    # Unlinking their own campaign would leave a campaigner unable to edit: refused.
    with pytest.raises(InvalidContent):
        save_statement(session, statement, data(campaign_ids=()), author=author, now=NOW)


def test_statement_slugs_are_unique_and_locked_once_published(session, make_user, make_statement):
    taken = make_statement(status="published")
    admin = session.get(User, make_user("admin").id)
    with pytest.raises(SlugTaken):
        save_statement(session, None, data(slug=taken.slug), author=admin, now=NOW)
    session.rollback()
    published = session.get(Statement, taken.id)
    with pytest.raises(SlugLocked):
        save_statement(session, published, data(slug="renamed"), author=admin, now=NOW)
    session.rollback()
    draft = session.get(Statement, make_statement(status="draft").id)
    save_statement(session, draft, data(slug="renamed"), author=admin, now=NOW)
    session.commit()
    assert draft.slug == "renamed"


def test_statement_status_workflow(session, make_statement):
    statement = session.get(Statement, make_statement(status="draft").id)
    for bad in ("draft", "preview", "archived", "nonsense"):
        with pytest.raises(InvalidTransition):
            change_statement_status(statement, bad, now=NOW)
    change_statement_status(statement, "published", now=NOW)
    assert statement.updated_at == NOW
    change_statement_status(statement, "draft", now=NOW)  # unpublished
    session.commit()
    assert statement.status == "draft"


def test_signatory_lines_are_read_back_as_written():
    text = (
        "Red de Defensoras | mx | https://red.example.org\n\n"
        "Liga | https://liga.example.org\n"
        "Alone |\n"
        "Only a country | BE\n"
        "Too | many | parts | here"
    )
    parsed = parse_signatories(text)
    assert parsed[:4] == (
        SignatoryData("Red de Defensoras", "MX", "https://red.example.org"),
        SignatoryData("Liga", None, "https://liga.example.org"),
        SignatoryData("Alone"),
        SignatoryData("Only a country", "BE"),
    )
    assert [signatory.line for signatory in parsed] == [1, 3, 4, 5, 6]  # blank lines count
    assert all(signatory.separated for signatory in parsed)
    assert parsed[4].website == "parts | here"  # refused by the checks as a website
    written = format_signatories(parsed[:4])
    assert "Alone |\n" in written and parse_signatories(written) == parsed[:4]


def test_a_line_without_separator_is_refused_with_its_line_number(session, team):
    campaigner, _other, own, _foreign = team
    typed = parse_signatories("Liga | FR\n\nBad line without pipes\n")
    assert not typed[1].separated and typed[1].line == 3
    with pytest.raises(InvalidContent) as refused:
        save_statement(
            session,
            None,
            data(signatories=typed, campaign_ids=(own.id,)),
            author=session.get(User, campaigner.id),
            now=NOW,
        )
    assert refused.value.errors == {"signatories.3": "separator"}


def test_campaigners_edit_the_statements_of_their_campaigns_only(
    session, team, make_user, make_statement
):
    campaigner, other, own, foreign = team
    mine = make_statement(campaigns=[own])
    theirs = make_statement(campaigns=[foreign])
    loose = make_statement()
    for role, expected in (
        (session.get(User, campaigner.id), {mine.id}),
        (session.get(User, make_user("admin").id), {mine.id, theirs.id, loose.id}),
        (session.get(User, make_user("exporter").id), set()),
    ):
        assert set(
            session.scalars(statements_editable_by(role).with_only_columns(Statement.id))
        ) == (expected)
    assert not can_edit_statement(session.get(User, other.id), session.get(Statement, mine.id))


def _confirmed_endorsement(app, statement, email="contact@red.example.org") -> int:
    """An endorsement its contact has confirmed, written in a context of its own."""
    with app.app_context():
        endorse_statement(
            db.session,
            db.session.get(Statement, statement.id),
            EndorsementData(
                "Red de Defensoras", "MX", "https://red.example.org", email, "I agree."
            ),
            locale="es",
            now=utcnow(),
            secret_key=app.config["SECRET_KEY"],
        )
        endorsement = db.session.scalars(
            select(StatementEndorsement).where(StatementEndorsement.contact_email == email)
        ).one()
        confirm_endorsement(db.session, endorsement, now=utcnow())
        db.session.commit()
        return endorsement.id


def test_removing_an_endorsement_deletes_it_and_withdraws_the_organisation(
    app, session, make_statement
):
    joint = make_statement(kind="joint_statement", open_for_endorsement=True)
    endorsement = session.get(StatementEndorsement, _confirmed_endorsement(app, joint))
    approve_endorsement(session, endorsement, now=NOW)
    session.commit()
    assert session.scalar(select(StatementSignatory.name)) == "Red de Defensoras"
    remove_endorsement(session, endorsement, now=NOW)
    session.commit()
    assert session.scalar(select(StatementEndorsement.id)) is None
    assert session.scalar(select(StatementSignatory.id)) is None
    assert session.get(Statement, joint.id).updated_at == NOW


# --- pages -------------------------------------------------------------------------------------


def test_a_campaigner_launches_a_campaign_with_a_petition_and_a_statement_in_two_languages(
    app, make_user
):
    campaigner = make_user("campaigner")
    staff = app.test_client()
    login = staff.post("/staff/login", data={"email": campaigner.email, "password": STAFF_PASSWORD})
    assert login.status_code == 303
    visitor = app.test_client()

    assert (
        staff.post(
            "/staff/campaigns/new",
            data=campaign_form(
                "stop-torture", en=("Stop torture", "Body"), fr=("Arrêtez la torture", "Texte")
            ),
        ).status_code
        == 303
    )
    assert (
        staff.post(
            "/staff/campaigns/stop-torture/petitions/new",
            data=petition_form(
                "end-impunity", en=("End impunity", "Act."), fr=("Fin de l’impunité", "Agir.")
            ),
        ).status_code
        == 303
    )
    # The campaign's page offers a statement already linked to it.
    campaign_page = staff.get("/staff/campaigns/stop-torture").get_data(as_text=True)
    assert 'href="/staff/statements/new?campaign=stop-torture"' in campaign_page
    new_page = staff.get("/staff/statements/new?campaign=stop-torture").get_data(as_text=True)
    campaign_id = re.search(r'<input checked[^>]*name="campaign_ids"[^>]*value="(\d+)"', new_page)
    assert campaign_id, new_page
    created = staff.post(
        "/staff/statements/new",
        data=statement_form(
            "mexico-defenders",
            campaign_ids=[campaign_id.group(1)],
            en=("Protect the defenders", "They are at risk.", "Defenders **must** be safe."),
            fr=("Protégez les défenseurs", "Ils sont en danger.", "Ils **doivent** être protégés."),
        ),
    )
    assert created.status_code == 303, created.get_data(as_text=True)
    assert created.headers["Location"] == "/staff/statements/mexico-defenders"
    assert "/staff/statements/mexico-defenders" in staff.get(
        "/staff/campaigns/stop-torture"
    ).get_data(as_text=True)

    # A draft: staff preview it at its public address, visitors find nothing.
    assert visitor.get("/fr/statements/mexico-defenders").status_code == 404
    preview = staff.get("/fr/statements/mexico-defenders")
    assert preview.status_code == 200 and "no-store" in preview.headers["Cache-Control"]
    assert 'class="preview-banner"' in preview.get_data(as_text=True)

    for path, status in (
        ("/staff/petitions/end-impunity/status", "preview"),
        ("/staff/petitions/end-impunity/status", "open"),
        ("/staff/campaigns/stop-torture/status", "preview"),
        ("/staff/campaigns/stop-torture/status", "published"),
        ("/staff/statements/mexico-defenders/status", "published"),
    ):
        assert staff.post(path, data={"status": status}).status_code == 303

    for lang, title, body in (
        ("en", "Protect the defenders", "Defenders <strong>must</strong> be safe."),
        ("fr", "Protégez les défenseurs", "Ils <strong>doivent</strong> être protégés."),
    ):
        page = visitor.get(f"/{lang}/statements/mexico-defenders")
        assert page.status_code == 200 and "public" in page.headers["Cache-Control"]
        html = page.get_data(as_text=True)
        assert title in html and body in html and "preview-banner" not in html
        assert "Red de Defensoras" in html and "https://liga.example.org" in html
        assert "/campaigns/stop-torture" in html
        assert title in visitor.get(f"/{lang}/statements").get_data(as_text=True)
        assert title in visitor.get(f"/{lang}/campaigns/stop-torture").get_data(as_text=True)
        assert title in visitor.get(f"/{lang}/statements/feed.atom").get_data(as_text=True)
    assert "/fr/statements/mexico-defenders" in visitor.get("/sitemap.xml").get_data(as_text=True)

    # Unpublishing takes it down again.
    assert (
        staff.post(
            "/staff/statements/mexico-defenders/status", data={"status": "draft"}
        ).status_code
        == 303
    )
    assert visitor.get("/en/statements/mexico-defenders").status_code == 404
    assert "/statements/mexico-defenders" not in visitor.get("/sitemap.xml").get_data(as_text=True)


def test_bad_statement_input_is_refused_with_translated_messages(
    app, client, team, make_statement, log_in
):
    campaigner, _other, own, foreign = team
    taken = make_statement()
    log_in(client, campaigner)
    assert client.post("/staff/language", data={"lang": "fr"}).status_code == 303

    def post(**changes):
        form = statement_form("nouvelle", campaign_ids=[own.id], en=("Title", "", "Body"))
        form.update(changes)
        response = client.post("/staff/statements/new", data=form)
        assert response.status_code == 422
        return response.get_data(as_text=True)

    assert "Cette adresse est déjà prise" in post(slug=taken.slug)
    assert "Choisissez des pays dans la liste" in post(countries=["MX", "ZZ"])
    html = post(kind="statement", open_for_endorsement="y")
    assert "Seules les déclarations conjointes" in html
    assert "Indiquez un titre dans la langue principale" in post(**{"text_en-title": ""})
    assert "Ligne 1" in post(signatories="=HYPERLINK(x) | FR")
    html = post(signatories="Liga | FR\n\nBad line without pipes")
    assert "Ligne 3 : séparez le nom" in html and "Bad line without pipes" in html
    assert "Choisissez des campagnes dans la liste" in post(campaign_ids=[str(foreign.id)])
    assert "au moins une de vos campagnes" in post(campaign_ids=[])
    post(campaign_ids=["abc"])  # not a number: the form refuses it before the domain
    assert 'id="published_on-error"' in post(published_on="yesterday")
    with app.app_context():
        assert db.session.scalar(select(Statement.id).where(Statement.slug == "nouvelle")) is None


def test_the_preview_renders_markdown_without_saving(app, client, team, log_in):
    campaigner, _other, own, _foreign = team
    log_in(client, campaigner)
    form = statement_form("draft-one", campaign_ids=[own.id], ar=("عنوان", "", "نص *مائل*"))
    form.update({"default_locale": "ar", "action": "preview"})
    response = client.post("/staff/statements/new", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<em>مائل</em>" in html and 'value="draft-one"' in html
    assert re.search(
        r'name="text_ar-excerpt"[^>]*dir="rtl"|dir="rtl"[^>]*name="text_ar-excerpt"', html
    )
    with app.app_context():
        assert db.session.scalar(select(Statement.id)) is None


def test_editing_keeps_endorsed_signatories_and_locks_a_public_address(
    app, session, client, team, make_statement, log_in
):
    campaigner, _other, own, _foreign = team
    joint = make_statement(
        kind="joint_statement",
        open_for_endorsement=True,
        campaigns=[own],
        signatories=[("Typed One", "BE", None)],
    )
    approve_endorsement(
        session,
        session.get(StatementEndorsement, _confirmed_endorsement(app, joint)),
        now=NOW,
    )
    session.commit()
    log_in(client, campaigner)
    page = client.get(f"/staff/statements/{joint.slug}").get_data(as_text=True)
    assert "readonly" in page and "Typed One | BE" in page
    assert "Red de Defensoras" in page.split("Typed One | BE", 1)[1]  # listed, not editable
    form = statement_form(joint.slug, campaign_ids=[own.id], en=("New title", "", "Body"))
    form["signatories"] = "Typed Two |"
    form["open_for_endorsement"] = "y"
    assert client.post(f"/staff/statements/{joint.slug}", data=form).status_code == 303
    names = [
        s.name
        for s in session.scalars(select(StatementSignatory).order_by(StatementSignatory.position))
    ]
    assert names == ["Typed Two", "Red de Defensoras"]
    form["slug"] = "another-address"
    refused = client.post(f"/staff/statements/{joint.slug}", data=form)
    assert refused.status_code == 422
    assert "cannot change once the page is public" in refused.get_data(as_text=True)


def test_the_list_filters_by_status_and_shows_only_editable_statements(
    client, team, make_statement, log_in
):
    campaigner, _other, own, foreign = team
    draft = make_statement(status="draft", campaigns=[own])
    published = make_statement(status="published", campaigns=[own])
    foreign_one = make_statement(campaigns=[foreign])
    log_in(client, campaigner)
    html = client.get("/staff/statements").get_data(as_text=True)
    assert f"/staff/statements/{draft.slug}" in html
    assert f"/staff/statements/{published.slug}" in html
    assert f"/staff/statements/{foreign_one.slug}" not in html
    html = client.get("/staff/statements?status=draft").get_data(as_text=True)
    assert f'/staff/statements/{draft.slug}"' in html
    assert f'/staff/statements/{published.slug}"' not in html
    assert client.get("/staff/statements?status=nonsense").status_code == 400


def test_endorsements_are_approved_from_the_web(app, client, team, make_statement, log_in):
    campaigner, other, own, _foreign = team
    joint = make_statement(kind="joint_statement", open_for_endorsement=True, campaigns=[own])
    endorsement_id = _confirmed_endorsement(app, joint)
    spam_id = _confirmed_endorsement(app, joint, email="spam@spam.example.org")
    visitor = app.test_client()
    assert "Red de Defensoras" not in visitor.get(f"/en/statements/{joint.slug}").get_data(
        as_text=True
    )

    outsider = app.test_client()
    log_in(outsider, other)
    assert outsider.get(f"/staff/statements/{joint.slug}/endorsements").status_code == 404
    assert "contact@red.example.org" not in outsider.get("/staff/endorsements").get_data(
        as_text=True
    )
    approve = f"/staff/statements/{joint.slug}/endorsements/{endorsement_id}/approve"
    assert outsider.post(approve).status_code == 404

    log_in(client, campaigner)
    waiting = client.get("/staff/endorsements").get_data(as_text=True)
    assert "contact@red.example.org" in waiting and f'action="{approve}"' in waiting
    page = client.get(f"/staff/statements/{joint.slug}/endorsements")
    assert "contact@red.example.org" in page.get_data(as_text=True)
    approved = client.post(approve, data={"next": "/staff/endorsements"})
    assert approved.status_code == 303 and approved.headers["Location"] == "/staff/endorsements"
    assert "contact@red.example.org" not in approved.headers["Location"]
    assert "Red de Defensoras" in visitor.get(f"/en/statements/{joint.slug}").get_data(as_text=True)
    again = client.post(approve, data={"next": "https://evil.example/"})
    assert again.headers["Location"] == f"/staff/statements/{joint.slug}/endorsements"

    removed = client.post(f"/staff/statements/{joint.slug}/endorsements/{spam_id}/remove")
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.get(StatementEndorsement, spam_id) is None
    # An endorsement of another statement is not reachable through this one.
    assert (
        client.post(f"/staff/statements/{joint.slug}/endorsements/99999/approve").status_code == 404
    )


def test_an_unconfirmed_endorsement_cannot_be_approved(
    app, session, client, team, make_statement, log_in
):
    campaigner, _other, own, _foreign = team
    joint = make_statement(kind="joint_statement", open_for_endorsement=True, campaigns=[own])
    endorse_statement(
        session,
        session.get(Statement, joint.id),
        EndorsementData("Org", "FR", "", "org@example.org", "I agree."),
        locale="fr",
        now=utcnow(),
        secret_key=app.config["SECRET_KEY"],
    )
    session.commit()
    endorsement_id = session.scalar(select(StatementEndorsement.id))
    log_in(client, campaigner)
    pending = client.get(f"/staff/statements/{joint.slug}/endorsements?state=pending")
    assert "org@example.org" in pending.get_data(as_text=True)
    refused = client.post(f"/staff/statements/{joint.slug}/endorsements/{endorsement_id}/approve")
    assert refused.status_code == 409
    assert client.get("/staff/endorsements?state=bogus").status_code == 400


def test_the_staff_menu_links_the_statement_pages(client, make_user, log_in):
    log_in(client, make_user("campaigner"))
    html = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/statements"' in html and 'href="/staff/endorsements"' in html
    log_in(client, make_user("exporter"))
    html = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/statements"' not in html and 'href="/staff/endorsements"' not in html


def test_approving_and_saving_need_the_form_token(make_app, make_user, make_statement, log_in):
    app = make_app(WTF_CSRF_ENABLED=True)
    admin = make_user("admin")
    joint = make_statement(kind="joint_statement", open_for_endorsement=True)
    endorsement_id = _confirmed_endorsement(app, joint)
    client = app.test_client()
    log_in(client, admin)
    approve = f"/staff/statements/{joint.slug}/endorsements/{endorsement_id}/approve"
    assert client.post(approve).status_code == 400
    page = client.get(f"/staff/statements/{joint.slug}/endorsements").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(approve, data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.get(StatementEndorsement, endorsement_id).approved_at is not None
    form = statement_form("with-token", en=("Title", "", "Body"))
    assert client.post("/staff/statements/new", data=form).status_code == 400
    assert (
        client.post("/staff/statements/new", data={**form, "csrf_token": token}).status_code == 303
    )
