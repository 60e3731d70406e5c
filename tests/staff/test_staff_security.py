"""The staff workspace under the security rules: CSRF on every form, safe `next=` redirects,
rate limits on log-ins, resets and invitations, headers and no inline code on every page (the
CSV export included), hostile text shown as text, and no personal data in the logs."""

from __future__ import annotations

import re

import pytest
from conftest import STAFF_PASSWORD
from security_support import assert_secure_headers, inline_code
from sqlalchemy import func, select

from campaign.extensions import db
from campaign.models import AuditEvent, Petition, StatementEndorsement, User, utcnow
from campaign.models.updates import Update, UpdateText
from campaign.staff.accounts import account_token
from campaign.web.tokens import Purpose


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- CSRF on every staff form -----------------------------------------------------------------


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_every_staff_post_route_refuses_a_request_without_its_token(
    csrf_app, make_petition, make_user, log_in
):
    petition = make_petition()
    admin = make_user("admin")
    client = csrf_app.test_client()
    log_in(client, admin)
    values = {
        "slug": petition.slug,
        "user_id": admin.id,
        "token": "x",
        "endorsement_id": 1,
        "update_id": 1,
        "suppression_id": 1,
        "endpoint_id": 1,
        "delivery_id": 1,
        "token_id": 1,
        "pack_id": 1,
        "post_id": 1,
    }
    posts = [
        rule
        for rule in csrf_app.url_map.iter_rules()
        if rule.rule.startswith("/staff/") and "POST" in rule.methods
    ]
    assert len(posts) >= 20, [rule.rule for rule in posts]
    before = _count(csrf_app, AuditEvent)

    for rule in posts:
        path = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(path, data={**data, "email": "x@example.org", "confirm": "y"})
            assert response.status_code == 400, f"{rule.rule} accepted a POST without a token"
            assert_secure_headers(response)

    assert _count(csrf_app, AuditEvent) == before  # nothing happened
    with csrf_app.app_context():
        assert db.session.get(Petition, petition.id).signing_paused is False
    # And the same forms do work with the token the page gave.
    page = client.get(f"/staff/petitions/{petition.slug}/signing").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page).group(1)
    paused = client.post(
        f"/staff/petitions/{petition.slug}/signing/pause", data={"csrf_token": token}
    )
    assert paused.status_code == 303


# --- next= stays on the site ------------------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.example",
    "//evil.example/staff/",
    "https://evil.example",
    "http://evil.example/staff/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "/\t/evil.example",
    "/\r\nLocation: https://evil.example",
    "/staff/\nSet-Cookie: x=y",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leaves_the_site(app, make_user, log_in, target):
    client = app.test_client()
    user = make_user("admin")
    # Already logged in: the login page sends the visitor on at once.
    log_in(client, user)
    response = client.get("/staff/login", query_string={"next": target})
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/staff/"
    # Choosing a language follows `next` too.
    response = client.post("/staff/language", data={"lang": "fr", "next": target})
    assert response.headers["Location"] == "/staff/"


def test_an_encoded_newline_in_next_is_only_a_path_on_this_site(app, make_user, log_in):
    client = app.test_client()
    log_in(client, make_user("admin"))
    response = client.get(
        "/staff/login", query_string={"next": "/%0d%0aLocation:%20https://evil.example"}
    )
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "\r" not in location and "\n" not in location
    assert list(response.headers.keys()).count("Location") == 1


def test_next_is_followed_within_the_site(app, make_user):
    client = app.test_client()
    user = make_user("admin")
    response = client.post(
        "/staff/login",
        data={"email": user.email, "password": STAFF_PASSWORD, "next": "/staff/audit?page=2"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/audit?page=2"


def test_next_after_a_real_login_ignores_another_host(app, make_user):
    client = app.test_client()
    user = make_user("admin")
    response = client.post(
        "/staff/login",
        data={"email": user.email, "password": STAFF_PASSWORD, "next": "//evil.example/x"},
    )
    assert response.headers["Location"] == "/staff/"


# --- rate limits ------------------------------------------------------------------------------


def test_login_attempts_are_limited_per_address(make_app):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute", LOGIN_ACCOUNT_RATE_LIMIT="100 per minute")
    client = app.test_client()
    # Different accounts from one address: the address limit holds. (No password: the form
    # is refused before Argon2 runs, and still counts.)
    answers = [
        client.post("/staff/login", data={"email": f"u{n}@example.org"}).status_code
        for n in range(4)
    ]
    assert answers == [422, 422, 422, 429]
    refused = client.post("/staff/login", data={"email": "u9@example.org"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) <= 60
    assert "Too many attempts" in refused.get_data(as_text=True)
    # Reading the form is not an attempt.
    assert client.get("/staff/login").status_code == 200


def test_login_attempts_are_limited_per_account_from_any_address(make_app, make_user):
    app = make_app(LOGIN_RATE_LIMIT="100 per minute", LOGIN_ACCOUNT_RATE_LIMIT="3 per minute")
    user = make_user("admin")
    client = app.test_client()
    answers = [
        client.post(
            "/staff/login",
            data={"email": f"  {user.email.upper()} "},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
        ).status_code
        for n in range(4)
    ]
    assert answers == [422, 422, 422, 429]
    # Even the right password from yet another address waits: the account is under attack.
    blocked = client.post(
        "/staff/login",
        data={"email": user.email, "password": STAFF_PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.99"},
    )
    assert blocked.status_code == 429
    # Another account is not held back.
    other = client.post("/staff/login", data={"email": "other@example.org"})
    assert other.status_code == 422


def test_reset_requests_are_limited_per_address_and_per_account(make_app):
    app = make_app(PASSWORD_RESET_RATE_LIMIT="2 per minute")
    client = app.test_client()
    same_account = [
        client.post(
            "/staff/password/forgot",
            data={"email": "victim@example.org"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
        ).status_code
        for n in range(3)
    ]
    assert same_account == [200, 200, 429]  # nobody can mail-bomb an account
    same_address = [
        client.post("/staff/password/forgot", data={"email": f"a{n}@example.org"}).status_code
        for n in range(3)
    ]
    assert same_address == [200, 200, 429]


def test_choosing_a_password_from_a_link_is_limited(make_app, make_user):
    app = make_app(PASSWORD_RESET_RATE_LIMIT="2 per minute")
    user = make_user("admin")
    with app.app_context():
        token = account_token(
            app.config["SECRET_KEY"], Purpose.RESET_PASSWORD, db.session.get(User, user.id)
        )
    client = app.test_client()
    answers = [
        client.post(f"/staff/password/reset/{token}", data={"password": "x"}).status_code
        for _ in range(3)
    ]
    assert answers == [422, 422, 429]
    invitations = [
        client.post("/staff/invitation/whatever", data={"password": "x"}).status_code
        for _ in range(3)
    ]
    assert invitations == [400, 400, 429]


def test_invitations_are_limited_per_staff_member(make_app, make_user, log_in):
    app = make_app(INVITATION_RATE_LIMIT="2 per minute")
    first, second = make_user("admin"), make_user("admin")
    client = app.test_client()
    log_in(client, first)

    def invite(n):
        data = {"email": f"new{n}@example.org", "role": "exporter", "locale": "en"}
        return client.post("/staff/users", data=data).status_code

    assert [invite(n) for n in range(3)] == [303, 303, 429]
    assert client.get("/staff/users").status_code == 200  # reading is free
    log_in(client, second)
    assert invite(9) == 303
    assert _count(app, User) == 5


# --- headers, inline code, cookies, the CSV -----------------------------------------------------


def test_every_staff_page_has_the_headers_and_no_inline_code(
    app, make_petition, make_statement, make_user, make_signature, log_in
):
    petition = make_petition()
    statement = make_statement(kind="joint_statement", campaigns=[petition.campaign])
    make_signature(petition, name="Signer One")
    admin = make_user("admin")
    with app.app_context():
        account = db.session.get(User, admin.id)
        tokens = {
            "staff.reset_password": account_token(
                app.config["SECRET_KEY"], Purpose.RESET_PASSWORD, account
            ),
            "staff.accept_invitation": account_token(
                app.config["SECRET_KEY"], Purpose.INVITATION, account
            ),
        }
        update = Update(petition_id=petition.id, status="draft", send_at=utcnow())
        update.texts.append(UpdateText(locale="en", subject="News", body="We **won**."))
        db.session.add(update)
        db.session.commit()
        values = {"slug": petition.slug, "user_id": admin.id, "update_id": update.id}
    anonymous = app.test_client()
    client = app.test_client()
    log_in(client, admin)
    seen = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff/") or "GET" not in rule.methods:
            continue
        arguments = {k: v for k, v in values.items() if k in rule.arguments}
        if rule.endpoint.startswith("staff.edit_campaign") or "new_petition" in rule.endpoint:
            arguments["slug"] = petition.campaign.slug
        if "statement" in rule.endpoint and "slug" in rule.arguments:
            arguments["slug"] = statement.slug
        if "token" in rule.arguments:
            arguments["token"] = tokens[rule.endpoint]
        path = rule.build(arguments)[1]
        for visitor in (client, anonymous):
            response = visitor.get(path)
            assert response.status_code in (200, 302, 303), (path, response.status_code)
            assert_secure_headers(response, token="token" in rule.arguments)
            assert response.cache_control.no_store, path
            if response.status_code == 200:
                seen.append(rule.endpoint)
    assert {"staff.dashboard", "staff.petition", "staff.signing", "staff.audit"} <= set(seen)
    assert {"staff.edit_statement", "staff.statement_endorsements"} <= set(seen)
    assert {"staff.login", "staff.reset_password", "staff.accept_invitation"} <= set(seen)


def test_the_csv_export_carries_the_headers(app, client, make_petition, make_user, log_in):
    petition = make_petition()
    log_in(client, make_user("admin"))
    with client.post(
        f"/staff/petitions/{petition.slug}/export", data={"preset": "target"}
    ) as response:
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert_secure_headers(response)
        assert response.cache_control.no_store
        response.get_data()


def test_staff_session_cookies_are_httponly_and_lax(app, client, make_user):
    user = make_user("admin")
    response = client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD})
    [cookie] = response.headers.getlist("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Domain=" not in cookie


# --- hostile text in staff pages --------------------------------------------------------------

PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(1)>'


def test_hostile_names_and_titles_stay_text_on_staff_pages(
    app, make_petition, make_statement, make_user, make_signature, log_in
):
    from sqlalchemy import update

    from campaign.models import CampaignText, PetitionText, StatementText, utcnow

    petition = make_petition()
    statement = make_statement(
        kind="joint_statement", campaigns=[petition.campaign], signatories=[(PAYLOAD, "FR", None)]
    )
    for n in range(3):
        make_signature(petition, name=f"{PAYLOAD} {n}", email=f"x{n}@evil.example")
    with app.app_context():
        db.session.execute(update(PetitionText).values(title=PAYLOAD, body=PAYLOAD))
        db.session.execute(update(CampaignText).values(title=PAYLOAD))
        db.session.execute(update(StatementText).values(title=PAYLOAD, body=PAYLOAD))
        db.session.add(
            StatementEndorsement(
                statement_id=statement.id,
                organisation=PAYLOAD,
                country="FR",
                contact_email=f"{PAYLOAD}@evil.example",
                email_normalized="x@evil.example",
                locale="en",
                consent_text="I agree.",
                consented_at=utcnow(),
                confirmed_at=utcnow(),
            )
        )
        db.session.commit()
    client = app.test_client()
    log_in(client, make_user("admin"))
    client.post(f"/staff/petitions/{petition.slug}/signing/pause")
    for path in (
        "/staff/",
        f"/staff/petitions/{petition.slug}",
        f"/staff/petitions/{petition.slug}/signing?day=1&hour=1",
        f"/staff/petitions/{petition.slug}/export",
        f"/staff/campaigns/{petition.campaign.slug}",
        "/staff/campaigns",
        "/staff/audit",
        "/staff/users",
        "/staff/statements",
        f"/staff/statements/{statement.slug}",
        f"/staff/statements/{statement.slug}/endorsements?state=all",
        "/staff/endorsements",
    ):
        page = client.get(path).get_data(as_text=True)
        assert inline_code(page) == [], path
        assert "<img src=x" not in page, path
    # The export is CSV for a spreadsheet: names come out as text, formulas neutralised.
    with client.post(
        f"/staff/petitions/{petition.slug}/export", data={"preset": "records"}
    ) as response:
        body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert body.count("<script>") == 3  # as typed, in a file no browser renders as a page
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
