"""Ending a staff session ends every copy of it: a signed cookie copied before a logout, a new
password, a new role or a deactivation opens nothing afterwards, on the test client and on a
real gunicorn server."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests
from conftest import STAFF_PASSWORD
from processes import SECRET_KEY, gunicorn, process_env
from sqlalchemy import func, select

from campaign.extensions import db
from campaign.models import AuditEvent, User
from campaign.staff.accounts import (
    AccountError,
    account_token,
    end_sessions,
    set_active,
    set_role,
)
from campaign.web.tokens import Purpose

SIGNER = "Ana Signer"
EXPORT_FORM = {"preset": "target", "lang": "en"}


@pytest.fixture
def petition(make_petition, make_signature):
    petition = make_petition()
    make_signature(petition, name=SIGNER)
    return petition


def copy_of_cookie(client) -> str:
    """What someone who copied the browser's session cookie holds."""
    return client.get_cookie("session").value


def replayed(app, cookie: str):
    """A new browser holding only the copied cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def exports_done(app) -> int:
    with app.app_context():
        query = select(func.count()).where(AuditEvent.action == "export")
        return db.session.scalar(query)


def assert_cookie_works(app, cookie: str, slug: str) -> None:
    assert replayed(app, cookie).get("/staff/").status_code == 200
    export = replayed(app, cookie).post(f"/staff/petitions/{slug}/export", data=EXPORT_FORM)
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert SIGNER in export.get_data(as_text=True)


def assert_cookie_is_dead(app, cookie: str, slug: str) -> None:
    page = replayed(app, cookie).get("/staff/")
    assert page.status_code == 303
    assert urlsplit(page.location).path == "/staff/login"
    before = exports_done(app)
    export = replayed(app, cookie).post(f"/staff/petitions/{slug}/export", data=EXPORT_FORM)
    assert export.status_code == 303
    assert urlsplit(export.location).path == "/staff/login"
    assert export.mimetype != "text/csv"
    assert SIGNER not in export.get_data(as_text=True)
    assert exports_done(app) == before


def fresh(app, user: User) -> User:
    """The account as the database has it now (its session generation included)."""
    with app.app_context():
        current = db.session.get(User, user.id)
        db.session.expunge(current)
        return current


# --- domain ------------------------------------------------------------------------------------


def test_ending_sessions_moves_the_generation_each_time(session, make_user):
    user = session.get(User, make_user("exporter").id)
    assert user.session_generation == 0 and user.get_id() == f"{user.id}:0"
    for generation in (1, 2):
        end_sessions(user)
        session.flush()
        assert user.session_generation == generation
        assert user.get_id() == f"{user.id}:{generation}"


def test_role_and_state_changes_end_sessions_only_when_something_changes(session, make_user):
    admin = session.get(User, make_user("admin").id)
    user = session.get(User, make_user("exporter").id)
    set_role(user, "exporter", actor=admin)
    set_active(user, True, actor=admin)
    session.flush()
    assert user.session_generation == 0
    set_role(user, "campaigner", actor=admin)
    session.flush()
    assert (user.role, user.session_generation) == ("campaigner", 1)
    set_active(user, False, actor=admin)
    session.flush()
    assert (user.active, user.session_generation) == (False, 2)


def test_nobody_changes_their_own_role_or_gives_an_unknown_one(session, make_user):
    admin = session.get(User, make_user("admin").id)
    other = session.get(User, make_user("exporter").id)
    with pytest.raises(AccountError):
        set_role(admin, "exporter", actor=admin)
    with pytest.raises(AccountError):
        set_role(other, "owner", actor=admin)
    session.flush()
    assert admin.role == "admin" and other.role == "exporter"


# --- a copied cookie over HTTP -----------------------------------------------------------------


def test_logging_out_ends_a_copy_of_the_session_cookie(app, client, make_user, petition):
    user = make_user("exporter")
    login = client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD})
    assert login.status_code == 303
    cookie = copy_of_cookie(client)
    assert_cookie_works(app, cookie, petition.slug)

    assert client.post("/staff/logout").status_code == 303

    assert_cookie_is_dead(app, cookie, petition.slug)
    said = client.get("/staff/login").get_data(as_text=True)
    assert "You have logged out on every device." in said
    # Logging in again gives a session that works.
    login = client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD})
    assert login.status_code == 303
    assert client.get("/staff/").status_code == 200


def test_the_logout_button_says_it_logs_out_everywhere(make_app, make_user, log_in):
    client = make_app().test_client()
    log_in(client, make_user("exporter"))
    assert "Log out everywhere" in client.get("/staff/").get_data(as_text=True)
    client.post("/staff/language", data={"lang": "fr"})
    assert "Se déconnecter partout" in client.get("/staff/").get_data(as_text=True)
    out = client.post("/staff/logout", follow_redirects=True)
    assert "Vous êtes déconnecté·e sur tous vos appareils." in out.get_data(as_text=True)


def test_a_new_password_ends_a_copy_of_the_session_cookie(app, client, make_user, log_in, petition):
    user = make_user("exporter")
    log_in(client, user)
    cookie = copy_of_cookie(client)
    assert_cookie_works(app, cookie, petition.slug)

    with app.app_context():
        token = account_token(SECRET_KEY, Purpose.RESET_PASSWORD, db.session.get(User, user.id))
    new_password = "a different long password"
    reset = app.test_client().post(
        f"/staff/password/reset/{token}", data={"password": new_password, "confirm": new_password}
    )
    assert reset.status_code == 303

    assert_cookie_is_dead(app, cookie, petition.slug)
    assert client.get("/staff/").status_code == 303


def test_a_role_change_by_an_admin_ends_a_copy_of_the_session_cookie(
    app, client, make_user, log_in, petition
):
    user = make_user("exporter")
    log_in(client, user)
    cookie = copy_of_cookie(client)
    assert_cookie_works(app, cookie, petition.slug)

    admin = app.test_client()
    log_in(admin, make_user("admin"))
    changed = admin.post(
        f"/staff/users/{user.id}/role", data={"role": "campaigner"}, follow_redirects=True
    )
    assert changed.status_code == 200
    assert f"{user.email} is now Campaigner and must log in again." in changed.get_data(
        as_text=True
    )

    assert_cookie_is_dead(app, cookie, petition.slug)
    assert client.get("/staff/").status_code == 303
    with app.app_context():
        assert db.session.get(User, user.id).role == "campaigner"
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "role_changed")
        ).one()
        assert event.details == {"user_id": user.id, "from": "exporter", "to": "campaigner"}
    # The new session carries the new generation and works.
    log_in(client, fresh(app, user))
    assert client.get("/staff/").status_code == 200


def test_a_deactivation_ends_a_copy_of_the_session_cookie_for_good(
    app, client, make_user, log_in, petition
):
    user = make_user("exporter")
    log_in(client, user)
    cookie = copy_of_cookie(client)
    assert_cookie_works(app, cookie, petition.slug)

    admin = app.test_client()
    log_in(admin, make_user("admin"))
    assert admin.post(f"/staff/users/{user.id}/deactivate").status_code == 303
    assert_cookie_is_dead(app, cookie, petition.slug)
    # Reactivating the account does not bring the old session back.
    assert admin.post(f"/staff/users/{user.id}/reactivate").status_code == 303
    assert_cookie_is_dead(app, cookie, petition.slug)


def test_the_accounts_page_offers_a_role_change_for_others_only(app, make_user, log_in):
    me, other = make_user("admin"), make_user("exporter")
    client = app.test_client()
    log_in(client, me)
    html = client.get("/staff/users").get_data(as_text=True)
    assert f'action="/staff/users/{other.id}/role"' in html
    assert f'action="/staff/users/{me.id}/role"' not in html
    assert re.search(r'<option value="exporter" selected>', html)

    own = client.post(
        f"/staff/users/{me.id}/role", data={"role": "exporter"}, follow_redirects=True
    )
    assert "You cannot change your own role." in own.get_data(as_text=True)
    assert client.post(f"/staff/users/{other.id}/role", data={"role": "owner"}).status_code == 400
    assert client.post("/staff/users/999999/role", data={"role": "admin"}).status_code == 404
    with app.app_context():
        assert db.session.get(User, me.id).role == "admin"
        assert db.session.get(User, other.id).role == "exporter"
        assert db.session.get(User, other.id).session_generation == 0


def test_only_admins_change_roles(app, make_user, log_in):
    campaigner, other = make_user("campaigner"), make_user("exporter")
    client = app.test_client()
    log_in(client, campaigner)
    assert client.post(f"/staff/users/{other.id}/role", data={"role": "admin"}).status_code == 403
    with app.app_context():
        assert db.session.get(User, other.id).role == "exporter"


# --- a real server -----------------------------------------------------------------------------


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', html).group(1)


def test_a_copied_cookie_is_refused_by_a_real_server_after_logout(
    migrated_database, make_user, petition
):
    user = make_user("exporter")
    with gunicorn(process_env(migrated_database)) as url:
        browser = requests.Session()
        page = browser.get(f"{url}/staff/login", timeout=10)
        login = browser.post(
            f"{url}/staff/login",
            data={
                "csrf_token": _csrf_token(page.text),
                "email": user.email,
                "password": STAFF_PASSWORD,
            },
            allow_redirects=False,
            timeout=10,
        )
        assert login.status_code == 303
        token = _csrf_token(browser.get(f"{url}/staff/", timeout=10).text)
        cookie = browser.cookies["session"]

        def replay(method: str, path: str, **kwargs) -> requests.Response:
            return requests.request(
                method,
                f"{url}{path}",
                cookies={"session": cookie},
                allow_redirects=False,
                timeout=10,
                **kwargs,
            )

        export_path = f"/staff/petitions/{petition.slug}/export"
        export_form = {**EXPORT_FORM, "csrf_token": token}
        before = replay("POST", export_path, data=export_form)
        assert before.status_code == 200 and SIGNER in before.text

        out = browser.post(
            f"{url}/staff/logout", data={"csrf_token": token}, allow_redirects=False, timeout=10
        )
        assert out.status_code == 303

        page = replay("GET", "/staff/")
        assert page.status_code == 303
        assert urlsplit(page.headers["Location"]).path == "/staff/login"
        after = replay("POST", export_path, data=export_form)
        assert after.status_code == 303
        assert urlsplit(after.headers["Location"]).path == "/staff/login"
        assert "text/csv" not in after.headers.get("Content-Type", "")
        assert SIGNER not in after.text
