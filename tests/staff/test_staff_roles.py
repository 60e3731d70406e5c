"""The role matrix: every staff route against every role, a campaigner's own petition and
statement and another campaigner's, neighbouring and missing slugs and ids."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from campaign.extensions import db
from campaign.models import (
    Campaign,
    StatementEndorsement,
    Suppression,
    Update,
    UpdateText,
    User,
    utcnow,
)
from campaign.staff.blueprint import OPEN_ENDPOINTS


@dataclass
class World:
    own_campaign: str
    other_campaign: str
    own_petition: str  # petition-1, in the campaign the campaigner belongs to
    other_petition: str  # petition-2: the neighbouring slug, another campaigner's
    own_statement: str  # statement-1, linked to the campaigner's campaign
    other_statement: str  # statement-2, linked to the other campaigner's
    own_endorsement: int  # confirmed endorsements of each statement, neighbouring ids
    other_endorsement: int
    suppression: int
    own_update: int  # a scheduled update of each petition
    other_update: int
    users: dict[str, User]


def _scheduled_update(petition_id: int) -> int:
    update = Update(
        petition_id=petition_id,
        status="scheduled",
        send_at=utcnow() + timedelta(days=1),
        texts=[UpdateText(locale="en", subject="News", body="News.")],
    )
    db.session.add(update)
    db.session.flush()
    return update.id


def _confirmed_endorsement(statement_id: int, email: str) -> int:
    now = utcnow()
    endorsement = StatementEndorsement(
        statement_id=statement_id,
        organisation="Red de Defensoras",
        country="MX",
        contact_email=email,
        email_normalized=email,
        locale="es",
        consent_text="I agree.",
        consented_at=now,
        confirmed_at=now,
    )
    db.session.add(endorsement)
    db.session.flush()
    return endorsement.id


@pytest.fixture
def world(app, make_campaign, make_petition, make_statement, make_user) -> World:
    own = make_campaign(status="draft")
    other = make_campaign(status="draft")
    own_petition = make_petition(campaign=own)
    other_petition = make_petition(campaign=other)
    joint = {"kind": "joint_statement", "open_for_endorsement": True}
    own_statement = make_statement(campaigns=[own], **joint)
    other_statement = make_statement(campaigns=[other], **joint)
    users = {
        "admin": make_user("admin"),
        "campaigner": make_user("campaigner"),
        "other_campaigner": make_user("campaigner"),
        "exporter": make_user("exporter"),
    }
    with app.app_context():
        # Held in variables: the session keeps only weak references to what it loaded.
        own_row, other_row = db.session.get(Campaign, own.id), db.session.get(Campaign, other.id)
        own_row.members.append(db.session.get(User, users["campaigner"].id))
        other_row.members.append(db.session.get(User, users["other_campaigner"].id))
        own_endorsement = _confirmed_endorsement(own_statement.id, "own@example.org")
        other_endorsement = _confirmed_endorsement(other_statement.id, "other@example.org")
        suppression = Suppression(email_key="gone@example.org", scope="all", reason="staff")
        db.session.add(suppression)
        own_update = _scheduled_update(own_petition.id)
        other_update = _scheduled_update(other_petition.id)
        db.session.commit()
        suppression_id = suppression.id
    return World(
        own.slug,
        other.slug,
        own_petition.slug,
        other_petition.slug,
        own_statement.slug,
        other_statement.slug,
        own_endorsement,
        other_endorsement,
        suppression_id,
        own_update,
        other_update,
        users,
    )


ROLES = ("anonymous", "admin", "campaigner", "exporter")
# (method, path template, form data, expected status for anonymous/admin/campaigner/exporter)
MATRIX = [
    ("GET", "/staff/", None, (303, 200, 200, 200)),
    ("GET", "/staff/petitions/{own_petition}", None, (303, 200, 200, 200)),
    ("GET", "/staff/petitions/{other_petition}", None, (303, 200, 404, 200)),
    ("GET", "/staff/petitions/petition-999", None, (303, 404, 404, 404)),
    ("GET", "/staff/petitions/{own_petition}/export", None, (303, 200, 403, 200)),
    ("GET", "/staff/petitions/{other_petition}/export", None, (303, 200, 404, 200)),
    ("GET", "/staff/petitions/petition-999/export", None, (303, 404, 404, 404)),
    ("POST", "/staff/petitions/{own_petition}/export", {"preset": "target"}, (303, 200, 403, 200)),
    (
        "POST",
        "/staff/petitions/{other_petition}/export",
        {"preset": "target"},
        (303, 200, 404, 200),
    ),
    ("GET", "/staff/petitions/{own_petition}/edit", None, (303, 200, 200, 403)),
    ("GET", "/staff/petitions/{other_petition}/edit", None, (303, 200, 404, 403)),
    ("GET", "/staff/petitions/petition-999/edit", None, (303, 404, 404, 403)),
    (
        "POST",
        "/staff/petitions/{own_petition}/status",
        {"status": "closed", "confirm": "yes"},
        (303, 303, 303, 403),
    ),
    (
        "POST",
        "/staff/petitions/{other_petition}/status",
        {"status": "closed", "confirm": "yes"},
        (303, 303, 404, 403),
    ),
    # Open already: back to its page.
    ("GET", "/staff/petitions/{own_petition}/go-live", None, (303, 303, 303, 403)),
    ("GET", "/staff/petitions/{other_petition}/go-live", None, (303, 303, 404, 403)),
    ("POST", "/staff/petitions/{own_petition}/go-live", {"confirm": "yes"}, (303, 303, 303, 403)),
    ("GET", "/staff/campaigns", None, (303, 200, 200, 403)),
    ("GET", "/staff/campaigns/new", None, (303, 200, 200, 403)),
    ("GET", "/staff/campaigns/{own_campaign}", None, (303, 200, 200, 403)),
    ("GET", "/staff/campaigns/{other_campaign}", None, (303, 200, 404, 403)),
    ("GET", "/staff/campaigns/campaign-999", None, (303, 404, 404, 403)),
    ("GET", "/staff/campaigns/{own_campaign}/petitions/new", None, (303, 200, 200, 403)),
    ("GET", "/staff/campaigns/{other_campaign}/petitions/new", None, (303, 200, 404, 403)),
    ("POST", "/staff/campaigns/{own_campaign}/status", {"status": "preview"}, (303, 303, 303, 403)),
    (
        "POST",
        "/staff/campaigns/{other_campaign}/status",
        {"status": "preview"},
        (303, 303, 404, 403),
    ),
    (
        "POST",
        "/staff/campaigns/{other_campaign}/members",
        {"user_id": "{campaigner_id}"},
        (303, 303, 404, 403),
    ),
    (
        "POST",
        "/staff/campaigns/{other_campaign}/members/{other_campaigner_id}/remove",
        {},
        (303, 303, 404, 403),
    ),
    ("GET", "/staff/statements", None, (303, 200, 200, 403)),
    ("GET", "/staff/statements/new", None, (303, 200, 200, 403)),
    ("POST", "/staff/statements/new", {"slug": ""}, (303, 422, 422, 403)),
    ("GET", "/staff/statements/{own_statement}", None, (303, 200, 200, 403)),
    ("GET", "/staff/statements/{other_statement}", None, (303, 200, 404, 403)),
    ("GET", "/staff/statements/statement-999", None, (303, 404, 404, 403)),
    ("POST", "/staff/statements/{other_statement}", {"slug": ""}, (303, 422, 404, 403)),
    ("POST", "/staff/statements/{own_statement}/status", {"status": "draft"}, (303, 303, 303, 403)),
    (
        "POST",
        "/staff/statements/{other_statement}/status",
        {"status": "draft"},
        (303, 303, 404, 403),
    ),
    ("GET", "/staff/endorsements", None, (303, 200, 200, 403)),
    ("GET", "/staff/statements/{own_statement}/endorsements", None, (303, 200, 200, 403)),
    ("GET", "/staff/statements/{other_statement}/endorsements", None, (303, 200, 404, 403)),
    (
        "POST",
        "/staff/statements/{own_statement}/endorsements/{own_endorsement}/approve",
        {},
        (303, 303, 303, 403),
    ),
    (
        "POST",
        "/staff/statements/{own_statement}/endorsements/{other_endorsement}/approve",
        {},
        (303, 404, 404, 403),
    ),
    (
        "POST",
        "/staff/statements/{other_statement}/endorsements/{other_endorsement}/approve",
        {},
        (303, 303, 404, 403),
    ),
    (
        "POST",
        "/staff/statements/{own_statement}/endorsements/{own_endorsement}/remove",
        {},
        (303, 303, 303, 403),
    ),
    (
        "POST",
        "/staff/statements/{other_statement}/endorsements/{other_endorsement}/remove",
        {},
        (303, 303, 404, 403),
    ),
    (
        "POST",
        "/staff/statements/{own_statement}/endorsements/99999/remove",
        {},
        (303, 404, 404, 403),
    ),
    ("GET", "/staff/users", None, (303, 200, 403, 403)),
    (
        "POST",
        "/staff/users",
        {"email": "new@example.org", "role": "exporter", "locale": "en"},
        (303, 303, 403, 403),
    ),
    ("POST", "/staff/users/{exporter_id}/deactivate", {}, (303, 303, 403, 403)),
    ("POST", "/staff/users/{exporter_id}/reactivate", {}, (303, 303, 403, 403)),
    ("POST", "/staff/users/99999/deactivate", {}, (303, 404, 403, 403)),
    ("POST", "/staff/users/{exporter_id}/role", {"role": "campaigner"}, (303, 303, 403, 403)),
    ("POST", "/staff/users/{exporter_id}/resend-invitation", {}, (303, 303, 403, 403)),
    ("POST", "/staff/users/99999/revoke-invitation", {}, (303, 404, 403, 403)),
    ("POST", "/staff/users/99999/role", {"role": "campaigner"}, (303, 404, 403, 403)),
    ("GET", "/staff/erasure", None, (303, 200, 403, 403)),
    ("POST", "/staff/erasure", {"email": "x@example.org"}, (303, 200, 403, 403)),
    (
        "POST",
        "/staff/erasure/confirm",
        {"email": "x@example.org", "confirm": "y"},
        (303, 303, 403, 403),
    ),
    ("GET", "/staff/audit", None, (303, 200, 403, 403)),
    ("GET", "/staff/suppressions", None, (303, 200, 403, 403)),
    (
        "POST",
        "/staff/suppressions",
        {"add-email": "x@example.org", "add-reason": "complaint", "add-scope": "all"},
        (303, 303, 403, 403),
    ),
    ("POST", "/staff/suppressions", {"add-email": "x"}, (303, 422, 403, 403)),
    ("POST", "/staff/suppressions/lookup", {"lookup-email": "x@example.org"}, (303, 200, 403, 403)),
    ("POST", "/staff/suppressions/{suppression}/remove", {}, (303, 303, 403, 403)),
    ("GET", "/staff/integrations", None, (303, 200, 403, 403)),
    ("POST", "/staff/integrations/webhooks", {"webhook-url": "ftp://x"}, (303, 422, 403, 403)),
    ("POST", "/staff/integrations/webhooks/999999/rotate", {}, (303, 404, 403, 403)),
    ("POST", "/staff/integrations/webhooks/999999/pause", {}, (303, 404, 403, 403)),
    ("POST", "/staff/integrations/webhooks/999999/resume", {}, (303, 404, 403, 403)),
    (
        "POST",
        "/staff/integrations/webhooks/999999/deliveries/999999/replay",
        {},
        (303, 404, 403, 403),
    ),
    ("POST", "/staff/integrations/tokens/999999/revoke", {}, (303, 404, 403, 403)),
    ("POST", "/staff/suppressions/99999/remove", {}, (303, 404, 403, 403)),
    ("GET", "/staff/outbox", None, (303, 200, 403, 403)),
    ("GET", "/staff/petitions/{own_petition}/signing", None, (303, 200, 200, 200)),
    ("GET", "/staff/petitions/{other_petition}/signing", None, (303, 200, 404, 200)),
    ("POST", "/staff/petitions/{own_petition}/signing/pause", {}, (303, 303, 303, 403)),
    ("POST", "/staff/petitions/{other_petition}/signing/pause", {}, (303, 303, 404, 403)),
    ("POST", "/staff/petitions/{own_petition}/signing/resume", {}, (303, 303, 303, 403)),
    (
        "POST",
        "/staff/petitions/{own_petition}/signing/invalidate",
        {"email_domain": "throwaway.example", "action": "preview"},
        (303, 200, 403, 403),
    ),
    ("POST", "/staff/signing/pause", {"confirm": "yes"}, (303, 303, 403, 403)),
    ("GET", "/staff/petitions/{own_petition}/delivery", None, (303, 200, 200, 403)),
    ("GET", "/staff/petitions/{other_petition}/delivery", None, (303, 200, 404, 403)),
    ("POST", "/staff/petitions/{other_petition}/delivery", {}, (303, 422, 404, 403)),
    (
        "POST",
        "/staff/petitions/{other_petition}/delivery/999/delivered",
        {},
        (303, 404, 404, 403),
    ),
    ("GET", "/staff/wall", None, (303, 200, 200, 403)),
    ("POST", "/staff/wall/999/approve", {}, (303, 404, 404, 403)),
    ("POST", "/staff/wall/999/reject", {}, (303, 404, 404, 403)),
    ("POST", "/staff/wall/999/remove", {}, (303, 404, 404, 403)),
    ("POST", "/staff/wall/campaigns/{other_campaign}/settings", {}, (303, 303, 404, 403)),
    ("POST", "/staff/wall/campaigns/{own_campaign}/export", {}, (303, 200, 200, 403)),
    ("POST", "/staff/wall/campaigns/{other_campaign}/export", {}, (303, 200, 404, 403)),
    ("GET", "/staff/petitions/{own_petition}/updates", None, (303, 200, 200, 403)),
    ("GET", "/staff/petitions/{other_petition}/updates", None, (303, 200, 404, 403)),
    ("GET", "/staff/petitions/petition-999/updates", None, (303, 404, 404, 403)),
    ("GET", "/staff/petitions/{own_petition}/updates/new", None, (303, 200, 200, 403)),
    ("GET", "/staff/petitions/{other_petition}/updates/new", None, (303, 200, 404, 403)),
    (
        "POST",
        "/staff/petitions/{own_petition}/updates/new",
        {"action": "send", "audience": "petition", "when": "now"},
        (303, 422, 422, 403),
    ),
    (
        "POST",
        "/staff/petitions/{other_petition}/updates/new",
        {"action": "send", "audience": "petition", "when": "now"},
        (303, 422, 404, 403),
    ),
    ("GET", "/staff/petitions/{own_petition}/updates/{own_update}", None, (303, 200, 200, 403)),
    ("GET", "/staff/petitions/{other_petition}/updates/{other_update}", None, (303, 200, 404, 403)),
    ("GET", "/staff/petitions/{own_petition}/updates/{other_update}", None, (303, 404, 404, 403)),
    ("GET", "/staff/petitions/{own_petition}/updates/99999", None, (303, 404, 404, 403)),
    (
        "POST",
        "/staff/petitions/{own_petition}/updates/{own_update}/cancel",
        {},
        (303, 303, 303, 403),
    ),
    (
        "POST",
        "/staff/petitions/{other_petition}/updates/{other_update}/cancel",
        {},
        (303, 303, 404, 403),
    ),
    (
        "POST",
        "/staff/petitions/{own_petition}/updates/{other_update}/cancel",
        {},
        (303, 404, 404, 403),
    ),
    ("POST", "/staff/signing/resume", {}, (303, 303, 403, 403)),
]


def _fill(template: str, world: World) -> str:
    return template.format(
        own_campaign=world.own_campaign,
        other_campaign=world.other_campaign,
        own_petition=world.own_petition,
        other_petition=world.other_petition,
        own_statement=world.own_statement,
        other_statement=world.other_statement,
        own_endorsement=world.own_endorsement,
        other_endorsement=world.other_endorsement,
        suppression=world.suppression,
        own_update=world.own_update,
        other_update=world.other_update,
        campaigner_id=world.users["campaigner"].id,
        other_campaigner_id=world.users["other_campaigner"].id,
        exporter_id=world.users["exporter"].id,
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "data", "expected"),
    MATRIX,
    ids=[f"{m} {p}" for m, p, _d, _e in MATRIX],
)
def test_role_matrix(app, world, log_in, role, method, path, data, expected):
    client = app.test_client()
    if role != "anonymous":
        log_in(client, world.users[role])
    url = _fill(path, world)
    form = {key: _fill(value, world) for key, value in (data or {}).items()}
    # Closed at once: an export streams, and its generator must not outlive the request.
    with client.open(url, method=method, data=form) as response:
        assert response.status_code == expected[ROLES.index(role)]
        if role == "anonymous":
            assert response.headers["Location"].startswith("/staff/login")


def test_the_matrix_names_every_staff_route(app):
    """A route added without a line in the matrix fails here."""
    samples = [re.sub(r"\{[^}]+\}", "x", path) for _m, path, _d, _e in MATRIX]
    reachable_without_login = OPEN_ENDPOINTS | {"staff.logout"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("staff.") and rule.endpoint not in reachable_without_login:
            pattern = re.sub(r"<[^>]+>", "[^/]+", rule.rule)
            assert any(re.fullmatch(pattern, sample) for sample in samples), rule.rule


def test_campaigners_only_see_their_own_petitions_on_the_dashboard(app, world, log_in):
    client = app.test_client()
    log_in(client, world.users["campaigner"])
    html = client.get("/staff/").get_data(as_text=True)
    assert f"/staff/petitions/{world.own_petition}" in html
    assert f"/staff/petitions/{world.other_petition}" not in html
    log_in(client, world.users["exporter"])
    html = client.get("/staff/").get_data(as_text=True)
    assert f"/staff/petitions/{world.own_petition}" in html
    assert f"/staff/petitions/{world.other_petition}" in html


def test_campaigners_see_no_export_link_and_no_admin_menu(app, world, log_in):
    client = app.test_client()
    log_in(client, world.users["campaigner"])
    html = client.get(f"/staff/petitions/{world.own_petition}").get_data(as_text=True)
    assert "/export" not in html
    assert "/staff/audit" not in html and "/staff/users" not in html
    assert f"/staff/petitions/{world.own_petition}/edit" in html


def test_campaigners_see_only_their_statements_and_endorsements(app, world, log_in):
    client = app.test_client()
    log_in(client, world.users["campaigner"])
    html = client.get("/staff/statements").get_data(as_text=True)
    assert f"/staff/statements/{world.own_statement}" in html
    assert f"/staff/statements/{world.other_statement}" not in html
    html = client.get("/staff/endorsements").get_data(as_text=True)
    assert "own@example.org" in html and "other@example.org" not in html
