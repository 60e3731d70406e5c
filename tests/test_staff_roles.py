"""The role matrix: every staff route against every role, a campaigner's own petition and
another campaigner's, neighbouring and missing slugs and ids."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from campaign.extensions import db
from campaign.models import Campaign, User
from campaign.staff.blueprint import OPEN_ENDPOINTS


@dataclass
class World:
    own_campaign: str
    other_campaign: str
    own_petition: str  # petition-1, in the campaign the campaigner belongs to
    other_petition: str  # petition-2: the neighbouring slug, another campaigner's
    users: dict[str, User]


@pytest.fixture
def world(app, make_campaign, make_petition, make_user) -> World:
    own = make_campaign(status="draft")
    other = make_campaign(status="draft")
    own_petition = make_petition(campaign=own)
    other_petition = make_petition(campaign=other)
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
        db.session.commit()
    return World(own.slug, other.slug, own_petition.slug, other_petition.slug, users)


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
    ("POST", "/staff/petitions/{own_petition}/export", {"columns": "name"}, (303, 200, 403, 200)),
    (
        "POST",
        "/staff/petitions/{other_petition}/export",
        {"columns": "name"},
        (303, 200, 404, 200),
    ),
    ("GET", "/staff/petitions/{own_petition}/edit", None, (303, 200, 200, 403)),
    ("GET", "/staff/petitions/{other_petition}/edit", None, (303, 200, 404, 403)),
    ("GET", "/staff/petitions/petition-999/edit", None, (303, 404, 404, 403)),
    ("POST", "/staff/petitions/{own_petition}/status", {"status": "closed"}, (303, 303, 303, 403)),
    (
        "POST",
        "/staff/petitions/{other_petition}/status",
        {"status": "closed"},
        (303, 303, 404, 403),
    ),
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
    ("GET", "/staff/erasure", None, (303, 200, 403, 403)),
    ("POST", "/staff/erasure", {"email": "x@example.org", "confirm": "y"}, (303, 303, 403, 403)),
    ("GET", "/staff/audit", None, (303, 200, 403, 403)),
]


def _fill(template: str, world: World) -> str:
    return template.format(
        own_campaign=world.own_campaign,
        other_campaign=world.other_campaign,
        own_petition=world.own_petition,
        other_petition=world.other_petition,
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
