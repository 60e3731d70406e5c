"""Staff accounts: login without enumeration, session limits, invitations and password resets
through the real outbox and SMTP server."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from conftest import STAFF_PASSWORD, body_text
from helpers import database_work
from sqlalchemy import func, select

from campaign.extensions import db
from campaign.models import AuditEvent, OutboxEmail, User
from campaign.staff import accounts
from campaign.staff.accounts import (
    EmailTaken,
    InvalidEmail,
    NotInvited,
    SpentLink,
    WeakPassword,
    account_token,
    authenticate,
    create_user,
    invite_user,
    resend_invitation,
    revoke_invitation,
    set_password,
    user_from_token,
)
from campaign.staff.guards import safe_next
from campaign.staff.sessions import LOGIN_AT, SEEN_AT
from campaign.web.tokens import ExpiredToken, InvalidToken, Purpose, make_token

SECRET = "test-secret-key-" + "x" * 32


def without_tokens(html: str) -> str:
    """CSRF tokens carry a timestamp: blank them to compare two pages."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- domain ------------------------------------------------------------------------------------


def test_authenticate_checks_the_password_and_the_account_state(session, make_user):
    user = make_user("campaigner")
    assert authenticate(session, user.email.upper(), STAFF_PASSWORD).user.id == user.id
    wrong = authenticate(session, user.email, "not the password")
    assert wrong.user is None and wrong.account.id == user.id
    unknown = authenticate(session, "nobody@example.org", STAFF_PASSWORD)
    assert unknown.user is None and unknown.account is None
    closed = make_user("exporter", active=False)
    assert authenticate(session, closed.email, STAFF_PASSWORD).user is None


def test_an_unknown_address_costs_an_argon2_verification_too(session):
    accounts._dummy_hash.cache_clear()
    authenticate(session, "nobody@example.org", "whatever password")
    authenticate(session, "not even an address", "whatever password")
    info = accounts._dummy_hash.cache_info()
    assert info.misses == 1 and info.hits == 1  # the dummy hash was verified against, twice


def test_passwords_are_hashed_with_argon2id_at_owasp_settings_and_old_hashes_replaced(
    session, make_user
):
    assert accounts.hash_password("a password long enough").startswith(
        "$argon2id$v=19$m=19456,t=2,p=1$"
    )
    user = session.get(User, make_user("campaigner").id)
    # A hash made with the library's defaults (64 MiB), as an older installation stored it.
    user.password_hash = PasswordHasher().hash(STAFF_PASSWORD)
    session.commit()

    assert authenticate(session, user.email, STAFF_PASSWORD).user.id == user.id
    session.commit()

    assert session.get(User, user.id).password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert authenticate(session, user.email, STAFF_PASSWORD).user.id == user.id


def test_create_user_refuses_bad_input(session):
    with pytest.raises(WeakPassword):
        create_user(session, email="a@example.org", role="admin", password="short")
    with pytest.raises(InvalidEmail):
        create_user(session, email="not an address", role="admin", password="x" * 12)
    create_user(session, email="A@Example.org", role="admin", password="x" * 12)
    with pytest.raises(EmailTaken):
        create_user(session, email="a@example.org", role="exporter", password="x" * 12)


def test_account_links_are_single_use_and_purpose_bound(session, make_user):
    user = session.get(User, make_user("campaigner").id)
    token = account_token(SECRET, Purpose.RESET_PASSWORD, user)
    assert user_from_token(session, SECRET, Purpose.RESET_PASSWORD, token, max_age=3600) == user
    with pytest.raises(InvalidToken):
        user_from_token(session, SECRET, Purpose.INVITATION, token, max_age=3600)
    with pytest.raises(InvalidToken):
        user_from_token(session, SECRET, Purpose.CONFIRM_SIGNATURE, token, max_age=3600)
    with pytest.raises(ExpiredToken):
        user_from_token(session, SECRET, Purpose.RESET_PASSWORD, token, max_age=-1)
    set_password(user, "a brand new password")
    with pytest.raises(SpentLink):
        user_from_token(session, SECRET, Purpose.RESET_PASSWORD, token, max_age=3600)
    forged = make_token(SECRET, Purpose.RESET_PASSWORD, {"id": user.id})
    with pytest.raises(InvalidToken):
        user_from_token(session, SECRET, Purpose.RESET_PASSWORD, forged, max_age=3600)


def test_invitation_creates_an_account_nobody_can_log_in_to_yet(session):
    user = invite_user(
        session,
        email="New@Example.org",
        role="exporter",
        locale="fr",
        secret_key=SECRET,
        organisation="OMCT",
    )
    assert user.email == "new@example.org" and user.locale == "fr"
    email = session.scalars(select(OutboxEmail)).one()
    assert email.to_address == "new@example.org" and email.locale == "fr"
    assert "/staff/invitation/" in email.text_body
    assert authenticate(session, "new@example.org", "").user is None
    assert user.invited_at is not None  # listed as invited until a password is chosen


def _invited(session, email: str = "new@example.org") -> User:
    return invite_user(
        session, email=email, role="exporter", locale="fr", secret_key=SECRET, organisation="OMCT"
    )


def test_resending_an_invitation_spends_the_earlier_link_and_is_audited(session, make_user):
    admin = make_user("admin")
    user = _invited(session)
    first = account_token(SECRET, Purpose.INVITATION, user)
    resend_invitation(
        session, user, secret_key=SECRET, organisation="OMCT", actor_id=admin.id, origin="o"
    )
    session.commit()
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 2
    with pytest.raises(SpentLink):
        user_from_token(session, SECRET, Purpose.INVITATION, first, max_age=60)
    second = account_token(SECRET, Purpose.INVITATION, user)
    assert user_from_token(session, SECRET, Purpose.INVITATION, second, max_age=60) == user
    event = session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor_id, event.details) == (
        "invitation_resent",
        admin.id,
        {"user_id": user.id},
    )
    set_password(user, "a long enough password")
    assert user.invited_at is None
    with pytest.raises(NotInvited):
        resend_invitation(
            session, user, secret_key=SECRET, organisation="OMCT", actor_id=None, origin=None
        )
    with pytest.raises(NotInvited):
        revoke_invitation(session, user, actor_id=None, origin=None)


def test_revoking_an_invitation_deletes_the_account_and_its_waiting_email(session, make_user):
    admin = make_user("admin")
    user = _invited(session)
    user_id = user.id
    token = account_token(SECRET, Purpose.INVITATION, user)
    revoke_invitation(session, user, actor_id=admin.id, origin=None)
    session.commit()
    assert session.get(User, user_id) is None
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    with pytest.raises(SpentLink):
        user_from_token(session, SECRET, Purpose.INVITATION, token, max_age=60)
    event = session.scalars(select(AuditEvent)).one()
    assert event.action == "invitation_revoked" and event.details["user_id"] == user_id
    assert "new@example.org" not in str(event.details)
    _invited(session)  # the address can be invited again


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/staff/audit?page=2", "/staff/audit?page=2"),
        ("/fr/petitions/x", "/fr/petitions/x"),
        (None, "/staff/"),
        ("", "/staff/"),
        ("https://evil.example/", "/staff/"),
        ("//evil.example/", "/staff/"),
        ("/\\evil.example/", "/staff/"),
        ("/staff\\..\\@evil.example", "/staff/"),
        ("javascript:alert(1)", "/staff/"),
        ("staff/", "/staff/"),
        ("/staff/\r\nSet-Cookie: x=1", "/staff/"),
    ],
)
def test_next_stays_on_the_site(target, expected):
    assert safe_next(target, "/staff/") == expected


# --- login over HTTP ---------------------------------------------------------------------------


def test_login_then_logout(app, client, make_user):
    user = make_user("admin")
    assert client.get("/staff/").headers["Location"] == "/staff/login?next=/staff/"
    response = client.post(
        "/staff/login",
        data={"email": user.email, "password": STAFF_PASSWORD, "next": "/staff/audit"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/audit"
    page = client.get("/staff/")
    assert page.status_code == 200
    assert user.email in page.get_data(as_text=True)
    assert "no-store" in page.headers["Cache-Control"]
    assert client.post("/staff/logout").status_code == 303
    assert client.get("/staff/").status_code == 303
    assert audit_actions(app) == ["login", "logout"]


def test_login_to_another_site_is_refused(client, make_user):
    user = make_user("admin")
    response = client.post(
        "/staff/login",
        data={"email": user.email, "password": STAFF_PASSWORD, "next": "//evil.example/x"},
    )
    assert response.headers["Location"] == "/staff/"


def test_login_answers_the_same_whether_or_not_the_account_exists(app, client, make_user):
    user = make_user("admin", email="known@staff.example.org")
    wrong_password = client.post(
        "/staff/login", data={"email": "known@staff.example.org", "password": "wrong password"}
    )
    unknown = client.post(
        "/staff/login", data={"email": "other@staff.example.org", "password": "wrong password"}
    )
    assert wrong_password.status_code == unknown.status_code == 422
    first = without_tokens(wrong_password.get_data(as_text=True)).replace("known@", "X@")
    second = without_tokens(unknown.get_data(as_text=True)).replace("other@", "X@")
    assert first == second
    assert "The email address or the password is not right." in first
    with client.session_transaction() as session:
        assert "_user_id" not in session
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["login_failed", "login_failed"]
        assert events[0].actor_id == user.id and events[1].actor_id is None
        # The origin is a keyed hash, never the client's address.
        assert events[0].origin and "127.0.0.1" not in events[0].origin
        assert len(events[0].origin) == 32


def test_a_deactivated_account_cannot_log_in_and_loses_its_session(app, client, make_user, log_in):
    user = make_user("exporter")
    log_in(client, user)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/staff/").status_code == 303
    response = client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 422


def test_a_new_password_ends_other_sessions(app, client, make_user, log_in):
    user = make_user("exporter")
    log_in(client, user)
    with app.app_context():
        set_password(db.session.get(User, user.id), "another long password")
        db.session.commit()
    assert client.get("/staff/").status_code == 303


# --- session limits ----------------------------------------------------------------------------


def _age_session(client, *, login_by: int = 0, seen_by: int = 0) -> None:
    with client.session_transaction() as session:
        session[LOGIN_AT] -= login_by
        session[SEEN_AT] -= seen_by


def test_session_survives_activity_within_the_idle_limit(client, make_user, log_in):
    log_in(client, make_user("admin"))
    _age_session(client, login_by=29 * 60, seen_by=29 * 60)
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        assert session[SEEN_AT] > session[LOGIN_AT]  # the visit refreshed it


def test_session_ends_after_30_minutes_idle(client, make_user, log_in):
    log_in(client, make_user("admin"))
    _age_session(client, login_by=31 * 60, seen_by=31 * 60)
    response = client.get("/staff/audit")
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/login?next=/staff/audit"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended" in page
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_session_ends_after_8_hours_however_active(client, make_user, log_in):
    log_in(client, make_user("admin"))
    _age_session(client, login_by=8 * 3600 + 1, seen_by=60)
    assert client.get("/staff/").status_code == 303


def test_session_cookie_lasts_no_longer_than_a_session(client, make_user):
    user = make_user("admin")
    response = client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_expired_session_no_longer_sees_previews(client, make_user, log_in, make_petition):
    petition = make_petition(status="preview")
    log_in(client, make_user("admin"))
    assert client.get(f"/en/petitions/{petition.slug}").status_code == 200
    _age_session(client, seen_by=31 * 60)
    assert client.get(f"/en/petitions/{petition.slug}").status_code == 404


# --- invitations and password resets through SMTP ----------------------------------------------


def _link(message, path: str) -> str:
    match = re.search(rf"http://localhost({path}\S+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


def test_invitation_end_to_end(app, client, make_user, log_in, smtp_server, run_worker):
    app.config["MAIL_URL"] = smtp_server.url
    admin = make_user("admin")
    log_in(client, admin)
    response = client.post(
        "/staff/users",
        data={"email": "Colleague@Example.org", "role": "campaigner", "locale": "es"},
    )
    assert response.status_code == 303
    listing = client.get("/staff/users").get_data(as_text=True)
    row = listing.split('<th scope="row">colleague@example.org', 1)[1].split("</tr>", 1)[0]
    assert "Invited" in row and "Send the invitation again" in row and "Revoke" in row
    run_worker()
    [message] = smtp_server.inbox.to("colleague@example.org")
    with app.app_context():
        assert db.session.scalars(select(OutboxEmail.locale)).one() == "es"  # their language
    link = _link(message, "/staff/invitation/")

    newcomer = app.test_client()
    form = newcomer.get(link)
    assert form.status_code == 200
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert "colleague@example.org" in form.get_data(as_text=True)
    too_short = newcomer.post(link, data={"password": "short", "confirm": "short"})
    assert too_short.status_code == 422
    mismatch = newcomer.post(
        link, data={"password": "a long enough password", "confirm": "something else"}
    )
    assert mismatch.status_code == 422
    done = newcomer.post(
        link, data={"password": "a long enough password", "confirm": "a long enough password"}
    )
    # Signed in at once, on the dashboard.
    assert done.status_code == 303 and done.headers["Location"] == "/staff/"
    assert newcomer.get("/staff/").status_code == 200
    assert newcomer.get(link).status_code == 410  # single use: the password changed
    listing = client.get("/staff/users").get_data(as_text=True)
    row = listing.split('<th scope="row">colleague@example.org', 1)[1].split("</tr>", 1)[0]
    assert "Invited" not in row and "Active" in row
    logged_in = app.test_client().post(
        "/staff/login",
        data={"email": "colleague@example.org", "password": "a long enough password"},
    )
    assert logged_in.status_code == 303
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "colleague@example.org")).one()
        assert user.role == "campaigner" and user.locale == "es"
    assert audit_actions(app)[-4:] == ["invitation", "password_set", "login", "login"]


def test_invitations_are_resent_and_revoked_over_http(
    app, client, make_user, log_in, smtp_server, run_worker
):
    app.config["MAIL_URL"] = smtp_server.url
    log_in(client, make_user("admin"))
    page = client.get("/staff/users").get_data(as_text=True)
    assert re.search(r'<option selected value="exporter">|<option value="exporter" selected', page)
    client.post("/staff/users", data={"email": "late@example.org", "locale": "fr"})
    with app.app_context():
        invited = db.session.scalars(select(User).where(User.email == "late@example.org")).one()
        assert invited.role == "exporter"  # the least privileged role unless chosen
    resent = client.post(f"/staff/users/{invited.id}/resend-invitation")
    assert resent.status_code == 303
    assert "Invitation sent again" in client.get("/staff/users").get_data(as_text=True)
    run_worker()
    first, second = smtp_server.inbox.to("late@example.org")
    assert app.test_client().get(_link(first, "/staff/invitation/")).status_code == 410
    assert app.test_client().get(_link(second, "/staff/invitation/")).status_code == 200
    assert client.post(f"/staff/users/{invited.id}/revoke-invitation").status_code == 303
    assert app.test_client().get(_link(second, "/staff/invitation/")).status_code == 410
    revoked_page = client.get("/staff/users").get_data(as_text=True)
    assert "is revoked" in revoked_page and 'scope="row">late@example.org' not in revoked_page
    assert client.post(f"/staff/users/{invited.id}/revoke-invitation").status_code == 404
    assert audit_actions(app)[-2:] == ["invitation_resent", "invitation_revoked"]
    me = make_user("admin")
    refused = client.post(f"/staff/users/{me.id}/resend-invitation")
    assert refused.status_code == 303
    assert "accepted the invitation already" in client.get("/staff/users").get_data(as_text=True)


def test_inviting_an_existing_address_is_refused(client, make_user, log_in):
    admin = make_user("admin")
    log_in(client, admin)
    response = client.post(
        "/staff/users", data={"email": admin.email.upper(), "role": "exporter", "locale": "en"}
    )
    assert response.status_code == 422
    assert "exists already" in response.get_data(as_text=True)


def without_form_token(response) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))


def test_password_reset_end_to_end(app, client, make_user, smtp_server, run_worker):
    app.config["MAIL_URL"] = smtp_server.url
    user = make_user("exporter")
    asked = client.post("/staff/password/forgot", data={"email": user.email})
    unknown = client.post("/staff/password/forgot", data={"email": "nobody@example.org"})
    assert asked.status_code == unknown.status_code == 200
    # Nobody learns whether the account exists (the form token carries the second it was made).
    assert without_form_token(asked) == without_form_token(unknown)
    run_worker()
    assert len(smtp_server.inbox.messages) == 1
    [message] = smtp_server.inbox.to(user.email)
    link = _link(message, "/staff/password/reset/")
    assert "one hour" in body_text(message)

    assert client.get(link).status_code == 200
    changed = client.post(
        link, data={"password": "my new password!", "confirm": "my new password!"}
    )
    assert changed.status_code == 303
    assert client.post(link, data={"password": "x" * 12, "confirm": "x" * 12}).status_code == 410
    old = client.post("/staff/login", data={"email": user.email, "password": STAFF_PASSWORD})
    assert old.status_code == 422
    new = client.post("/staff/login", data={"email": user.email, "password": "my new password!"})
    assert new.status_code == 303


def test_a_reset_for_an_account_and_for_anyone_else_cost_the_same_database_work(
    app, client, make_user
):
    """The time the answer takes must not tell whether an account exists either
    (bench/timing_oracle measures it): the same statements, in the same order, one commit."""
    user = make_user("exporter")
    client.post("/staff/password/forgot", data={"email": "first@example.org"})

    with database_work(app) as known:
        asked = client.post("/staff/password/forgot", data={"email": user.email})
    with database_work(app) as unknown:
        nobody = client.post("/staff/password/forgot", data={"email": "nobody@example.org"})

    assert known == unknown
    assert known.count("COMMIT") == 1
    assert without_form_token(asked) == without_form_token(nobody)
    with app.app_context():
        queued = db.session.scalars(select(OutboxEmail.to_address)).all()
        requests = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id).order_by(AuditEvent.id)
        ).all()
    assert queued == [user.email]
    assert requests == [
        ("password_reset_requested", None),
        ("password_reset_requested", user.id),
        ("password_reset_requested", None),
    ]


def test_reset_link_expires_after_an_hour(app, client, make_user):
    user = make_user("exporter")
    with app.app_context():
        token = account_token(
            app.config["SECRET_KEY"], Purpose.RESET_PASSWORD, db.session.get(User, user.id)
        )
    assert client.get(f"/staff/password/reset/{token}").status_code == 200
    app.config["PASSWORD_RESET_MAX_AGE"] = -1  # every link is now older than allowed
    assert client.get(f"/staff/password/reset/{token}").status_code == 410
    assert client.get("/staff/password/reset/garbage").status_code == 400


def test_users_create_command_still_works(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Boss@Example.org",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="a password long enough\n",
    )
    assert result.exit_code == 0, result.output
    client = app.test_client()
    response = client.post(
        "/staff/login", data={"email": "boss@example.org", "password": "a password long enough"}
    )
    assert response.status_code == 303
