"""The audit log: content changes are recorded by the domain functions that make them, and the
page shows ISO 8601 times, details in words in the staff member's language and links."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from campaign.audit import record_event
from campaign.campaigns.authoring import (
    PetitionData,
    TextData,
    add_member,
    change_campaign_status,
    change_petition_status,
    remove_member,
    save_petition,
)
from campaign.extensions import db
from campaign.models import (
    AuditEvent,
    Campaign,
    Petition,
    Statement,
    StatementEndorsement,
    User,
)
from campaign.statements.authoring import change_statement_status
from campaign.statements.endorsing import (
    EndorsementData,
    approve_endorsement,
    confirm_endorsement,
    endorse_statement,
    remove_endorsement,
)
from campaign.wall.moderation import change_wall_settings

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def events(session) -> list[tuple[str, int | None, dict]]:
    return [
        (event.action, event.actor_id, event.details)
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]


def test_status_changes_and_team_changes_are_audited_by_the_domain(
    session, make_campaign, make_petition, make_statement, make_user
):
    admin = make_user("admin")
    member = session.get(User, make_user("campaigner").id)
    campaign = session.get(Campaign, make_campaign(status="draft").id)
    petition = session.get(Petition, make_petition(status="draft").id)
    statement = session.get(Statement, make_statement(status="draft").id)
    change_campaign_status(campaign, "preview", now=NOW, actor_id=admin.id, origin="h")
    change_petition_status(petition, "preview", now=NOW)  # a script: no account
    change_statement_status(statement, "published", now=NOW, actor_id=admin.id)
    add_member(campaign, member, actor_id=admin.id)
    add_member(campaign, member, actor_id=admin.id)  # already there: nothing changes
    remove_member(campaign, member, actor_id=admin.id)
    remove_member(campaign, member, actor_id=admin.id)
    session.commit()
    assert events(session) == [
        (
            "campaign_status_changed",
            admin.id,
            {"campaign": campaign.slug, "from": "draft", "to": "preview"},
        ),
        (
            "petition_status_changed",
            None,
            {"petition": petition.slug, "from": "draft", "to": "preview"},
        ),
        (
            "statement_status_changed",
            admin.id,
            {"statement": statement.slug, "from": "draft", "to": "published"},
        ),
        ("team_member_added", admin.id, {"campaign": campaign.slug, "user_id": member.id}),
        ("team_member_removed", admin.id, {"campaign": campaign.slug, "user_id": member.id}),
    ]  # fmt: skip
    assert session.scalar(select(AuditEvent.origin).where(AuditEvent.actor_id == admin.id)) == "h"


def test_settings_changes_are_audited_as_before_and_after_and_unchanged_saves_are_not(
    session, make_campaign, make_user
):
    admin = make_user("admin")
    campaign = session.get(Campaign, make_campaign(status="draft").id)

    def saved(petition, **settings) -> Petition:
        data = PetitionData(
            slug="release-them",
            default_locale="en",
            texts={"en": TextData(title="Release them", body="Body")},
            **settings,
        )
        return save_petition(session, campaign, petition, data, now=NOW, actor_id=admin.id)

    petition = saved(None, goal=500)  # created, not changed: the status workflow follows it
    saved(petition, goal=500)  # the texts' save button, settings untouched
    assert events(session) == []
    deadline = datetime(2026, 9, 17, 2, 0, tzinfo=UTC)
    saved(petition, goal=1000, raise_goal_automatically=True, closes_at=deadline)
    change_wall_settings(session, campaign, enabled=True, unmoderated=False, actor_id=admin.id)
    change_wall_settings(session, campaign, enabled=True, unmoderated=False, actor_id=admin.id)
    session.commit()
    assert events(session) == [
        (
            "settings_changed",
            admin.id,
            {
                "petition": "release-them",
                "settings": {
                    "goal": [500, 1000],
                    "raise_goal_automatically": [False, True],
                    "closes_at": [None, "2026-09-17T02:00:00+00:00"],
                },
            },
        ),
        (
            "settings_changed",
            admin.id,
            {"campaign": campaign.slug, "settings": {"wall_enabled": [False, True]}},
        ),
    ]  # fmt: skip


def _endorsement(app, session, statement) -> StatementEndorsement:
    endorse_statement(
        session,
        session.get(Statement, statement.id),
        EndorsementData(
            "Red de Defensoras", "MX", "https://red.example.org", "c@red.example.org", "I agree."
        ),
        locale="es",
        now=NOW,
        secret_key=app.config["SECRET_KEY"],
    )
    endorsement = session.scalars(select(StatementEndorsement)).one()
    confirm_endorsement(session, endorsement, now=NOW)
    return endorsement


def test_endorsement_approval_and_removal_are_audited_without_the_contact(
    app, session, make_statement, make_user
):
    admin = make_user("admin")
    statement = make_statement(kind="joint_statement", open_for_endorsement=True)
    endorsement = _endorsement(app, session, statement)
    approve_endorsement(session, endorsement, now=NOW, actor_id=admin.id)
    approve_endorsement(session, endorsement, now=NOW, actor_id=admin.id)  # once only
    remove_endorsement(session, endorsement, now=NOW, actor_id=admin.id)
    session.commit()
    assert events(session) == [
        (
            "endorsement_approved",
            admin.id,
            {"statement": statement.slug, "organisation": "Red de Defensoras"},
        ),
        ("endorsement_removed", admin.id, {"statement": statement.slug, "approved": True}),
    ]
    assert "c@red.example.org" not in str(events(session))


def test_content_changes_over_http_are_audited_with_who_and_from_where(
    app, client, make_user, log_in, make_petition
):
    petition = make_petition(status="preview")
    admin = make_user("admin")
    log_in(client, admin)
    answer = client.post(f"/staff/petitions/{petition.slug}/status", data={"status": "open"})
    assert answer.status_code == 303
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "petition_status_changed")
        ).one()
        assert event.actor_id == admin.id and event.origin
        assert event.details == {"petition": petition.slug, "from": "preview", "to": "open"}


def test_settings_changes_over_http_are_audited_and_shown_one_line_per_setting(
    app, client, make_user, log_in, make_campaign, make_petition
):
    campaign = make_campaign(status="published")
    petition = make_petition(campaign=campaign, goal=500)
    admin = make_user("admin")
    log_in(client, admin)
    form = {
        "slug": petition.slug,
        "default_locale": "en",
        "text_en-title": "Release them",
        "goal": "1000",
        "closes_at": "2026-09-16T20:00",
        "action": "save",
    }
    assert client.post(f"/staff/petitions/{petition.slug}/edit", data=form).status_code == 303
    wall = client.post(
        f"/staff/wall/campaigns/{campaign.slug}/settings",
        data={"wall_enabled": "on", "wall_unmoderated": "on"},
    )
    assert wall.status_code == 303
    with app.app_context():
        changes = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "settings_changed")
            .order_by(AuditEvent.id)
        ).all()
        assert [(event.actor_id, bool(event.origin)) for event in changes] == [(admin.id, True)] * 2
        assert changes[0].details["settings"] == {
            "goal": [500, 1000],
            "closes_at": [None, "2026-09-16T20:00:00+00:00"],
        }
    client.post("/staff/language", data={"lang": "fr"})
    page = client.get("/staff/audit?action=settings_changed").get_data(as_text=True)
    assert "Paramètres modifiés" in page
    assert re.search(r"Objectif \(signatures\)</dt> <dd>de 500 à 1\W?000</dd>", page)
    assert "<dd>de – à 2026-09-16T20:00:00+00:00</dd>" in page
    assert "Mur de soutien ouvert</dt> <dd>de Non à Oui</dd>" in page
    assert f'<a href="/staff/campaigns/{campaign.slug}">{campaign.slug}</a>' in page
    assert "wall_unmoderated" not in page and "[500" not in page  # words, never raw codes


def test_the_log_shows_iso_times_words_and_links_in_the_staff_language(
    app, client, make_user, log_in, make_petition
):
    petition = make_petition()
    admin = make_user("admin", email="boss@staff.example.org")
    with app.app_context():
        event = record_event(
            db.session,
            "export",
            actor_id=admin.id,
            details={
                "petition": petition.slug,
                "petition_id": petition.id,
                "preset": "target",
                "filters": {"country": "EG", "include_pending": True, "date_from": None},
                "columns": ["name", "country_name"],
                "via": "web",
                "rows": 1234,
                "complete": True,
            },
        )
        event.created_at = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
        record_event(
            db.session,
            "petition_status_changed",
            actor_id=admin.id,
            details={"petition": petition.slug, "from": "open", "to": "closed"},
        )
        record_event(db.session, "role_changed", details={"user_id": 9999, "to": "exporter"})
        db.session.commit()
    log_in(client, admin)
    client.post("/staff/language", data={"lang": "fr"})
    page = client.get("/staff/audit").get_data(as_text=True)
    assert '<time datetime="2026-05-04T03:02:01+00:00" dir="ltr">2026-05-04T03:02:01+00:00' in page
    assert f'<a href="/staff/petitions/{petition.slug}">{petition.slug}</a>' in page
    assert "Pays : Égypte" in page or "Pays: Égypte" in page
    assert "Inclure les signatures non confirmées" in page
    assert "Nom, Pays" in page  # the columns by their names in the file
    assert "l’espace de travail" in page  # via
    assert "1\u202f234" in page or "1 234" in page  # a number in French
    assert "Avant</dt> <dd>Ouverte" in page and "Après</dt> <dd>Close" in page  # by name
    assert "petition_id" not in page and "include_pending" not in page  # no raw codes
    assert "Compte 9999 (supprimé depuis)" in page
    assert not re.search(r"<code>(preset|filters|columns)</code>", page)
