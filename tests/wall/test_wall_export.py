"""Staff's CSV export of a wall: no author's address unless asked, formulas neutralised, every
export audited, and only for the campaign's own staff."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import AuditEvent, Campaign, SupporterMessage, User
from campaign.wall.export import EMAIL_COLUMN, export_posts

CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def add_post(campaign_id: int, **values) -> int:
    fields = {
        "campaign_id": campaign_id,
        "display_name": "Amal",
        "email": "amal@example.org",
        "email_normalized": "amal@example.org",
        "country": "LB",
        "message": "No one should be tortured.",
        "locale": "fr",
        "message_language": "fr",
        "consent_text": "I agree.",
        "consented_at": CREATED,
        "created_at": CREATED,
        "status": "unconfirmed",
    }
    fields.update(values)
    post = SupporterMessage(**fields)
    db.session.add(post)
    db.session.commit()
    return post.id


@pytest.fixture
def campaign(app, make_campaign):
    found = make_campaign()
    with app.app_context():
        add_post(found.id)
        add_post(
            found.id,
            display_name='=HYPERLINK("http://evil.example")',
            email="lea@example.org",
            email_normalized="lea@example.org",
            country=None,
            message="+1 @everyone; =2+2",
            message_language=None,
            status="approved",
            confirmed_at=CREATED,
            approved_at=CREATED,
            photo="a" * 32 + ".jpg",
            photo_thumbnail="b" * 32 + ".jpg",
        )
    return found


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_export_leaves_addresses_out_unless_asked_and_is_audited(app, campaign):
    with app.app_context():
        found = db.session.get(Campaign, campaign.id)
        plain = export_posts(
            db.session, found, include_email=False, lang="en", actor_id=None, origin=None
        )
        assert EMAIL_COLUMN not in plain.header
        assert not any("example.org" in str(cell) for row in plain.rows for cell in row)
        first = dict(zip(plain.header, plain.rows[0], strict=True))
        assert first["country_code"] == "LB" and first["country"] == "Lebanon"
        assert first["language"] == "fr" and first["has_photo"] is False
        assert first["message_language"] == "fr"
        assert dict(zip(plain.header, plain.rows[1], strict=True))["message_language"] is None
        with_emails = export_posts(
            db.session, found, include_email=True, lang="fr", actor_id=None, origin=None
        )
        assert with_emails.header[-1] == EMAIL_COLUMN
        assert [row[-1] for row in with_emails.rows] == ["amal@example.org", "lea@example.org"]
        assert with_emails.rows[0][4] == "Liban"
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.details["email_addresses"] for e in events] == [False, True]
        assert events[0].details["wall_posts"] == 2 and events[0].details["with_photo"] == 1
        assert events[0].details["campaign"] == found.slug


def test_staff_download_the_csv_with_formulas_neutralised(app, client, campaign, make_user, log_in):
    log_in(client, make_user("admin"))
    page = client.get("/staff/wall?state=approved").get_data(as_text=True)
    assert f'data-wall-export="{campaign.slug}"' in page and 'name="include_email"' in page
    response = client.post(f"/staff/wall/campaigns/{campaign.slug}/export")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert b"example.org" not in response.data
    first, second = rows(response.data)
    assert first["status"] == "unconfirmed" and first["created_at"] == "2026-03-01T09:30:00+00:00"
    assert first["confirmed_at"] == "" and second["approved_at"] == "2026-03-01T09:30:00+00:00"
    assert second["display_name"].startswith("'=")
    assert second["message"] == "'+1 @everyone;' =2+2"
    assert second["has_photo"] == "yes" and second["country_code"] == ""
    asked = client.post(
        f"/staff/wall/campaigns/{campaign.slug}/export", data={"include_email": "on"}
    )
    assert [row["email"] for row in rows(asked.data)] == ["amal@example.org", "lea@example.org"]
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
        assert [e.details["email_addresses"] for e in events] == [False, True]


def test_only_the_campaigns_own_staff_export_its_wall(app, client, campaign, make_user, log_in):
    outsider = make_user("campaigner")
    log_in(client, outsider)
    assert client.post(f"/staff/wall/campaigns/{campaign.slug}/export").status_code == 404
    with app.app_context():
        row = db.session.get(Campaign, campaign.id)  # held: the session's references are weak
        row.members.append(db.session.get(User, outsider.id))
        db.session.commit()
    assert client.post(f"/staff/wall/campaigns/{campaign.slug}/export").status_code == 200
    log_in(client, make_user("exporter"))
    assert client.post(f"/staff/wall/campaigns/{campaign.slug}/export").status_code == 403
    with app.app_context():
        assert len(db.session.scalars(select(AuditEvent)).all()) == 1
