"""Staff forms with CSRF protection on, as in production."""

from __future__ import annotations

import re

import pytest
from conftest import STAFF_PASSWORD


@pytest.fixture
def app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def token_from(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', html).group(1)


def test_login_needs_the_form_token(client, make_user):
    user = make_user("admin")
    credentials = {"email": user.email, "password": STAFF_PASSWORD}
    assert client.post("/staff/login", data=credentials).status_code == 400
    token = token_from(client.get("/staff/login").get_data(as_text=True))
    assert (
        client.post("/staff/login", data={**credentials, "csrf_token": "forged"}).status_code == 400
    )
    assert client.post("/staff/login", data={**credentials, "csrf_token": token}).status_code == 303


def test_logged_in_actions_need_the_form_token(client, make_user, make_signature, log_in):
    log_in(client, make_user("admin"))
    data = {"email": "someone@example.org", "confirm": "y"}
    refused = client.post("/staff/erasure/confirm", data=data)
    assert refused.status_code == 400
    assert client.post("/staff/logout").status_code == 400  # still logged in afterwards
    token = token_from(client.get("/staff/erasure").get_data(as_text=True))
    assert (
        client.post("/staff/erasure/confirm", data={**data, "csrf_token": token}).status_code == 303
    )


def test_another_sessions_token_is_refused(app, client, make_user, log_in):
    log_in(client, make_user("admin"))
    other = app.test_client()
    stolen = token_from(other.get("/staff/login").get_data(as_text=True))
    response = client.post("/staff/logout", data={"csrf_token": stolen})
    assert response.status_code == 400


def test_the_suppression_forms_need_the_form_token(client, make_user, log_in):
    log_in(client, make_user("admin"))
    data = {"add-email": "ann@example.org", "add-reason": "complaint", "add-scope": "all"}
    assert client.post("/staff/suppressions", data=data).status_code == 400
    lookup = {"lookup-email": "ann@example.org"}
    assert client.post("/staff/suppressions/lookup", data=lookup).status_code == 400
    page = client.get("/staff/suppressions").get_data(as_text=True)
    token = re.search(r'name="add-csrf_token"[^>]* value="([^"]+)"', page).group(1)
    added = client.post("/staff/suppressions", data={**data, "add-csrf_token": token})
    assert added.status_code == 303
