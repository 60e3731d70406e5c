"""/staff/integrations: endpoints, their deliveries (never the body), replay, pause, rotate;
tokens revoked; every POST audited."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from sqlalchemy import select
from webhook_support import Receiver, retries_due_now, sign_and_confirm

from campaign.extensions import db
from campaign.models import AuditEvent, WebhookDelivery, WebhookEndpoint

SECRET = re.compile(r"data-secret>([0-9a-f]{64})<")


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def admin_client(app, make_user, log_in):
    client = app.test_client()
    log_in(client, make_user("admin"))
    return client


def audit_actions(app) -> list[tuple[str, dict]]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(e.action, e.details) for e in events]


def test_an_endpoint_added_shows_its_secret_once(app, admin_client, receiver, make_petition):
    petition = make_petition()
    added = admin_client.post(
        "/staff/integrations/webhooks",
        data={
            "webhook-url": receiver.url,
            "webhook-events": ["signature.confirmed", "petition.closed"],
            "webhook-petition": petition.slug,
        },
    )
    assert added.status_code == 201
    secret = SECRET.search(added.get_data(as_text=True)).group(1)
    with app.app_context():
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        assert (endpoint.secret, endpoint.events) == (secret, "signature.confirmed,petition.closed")
        assert endpoint.petition_id == petition.id
    page = admin_client.get("/staff/integrations").get_data(as_text=True)
    assert receiver.url in page and secret not in page
    assert audit_actions(app)[-1][0] == "webhook_added"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"webhook-url": "ftp://x.example.org", "webhook-events": "petition.closed"},
            "The address must start with https://",
        ),
        (
            {"webhook-url": "https://a:b@x.example.org", "webhook-events": "update.sent"},
            "must not hold a user name or password",
        ),
        (
            {"webhook-url": "http://localhost/staff", "webhook-events": "update.sent"},
            "points at this platform itself",
        ),
        ({"webhook-url": "https://x.example.org"}, "Choose at least one event"),
        (
            {"webhook-url": "https://x.example.org", "webhook-events": "signature.sent"},
            "Choose at least one event",
        ),
        (
            {
                "webhook-url": "https://x.example.org",
                "webhook-events": "update.sent",
                "webhook-petition": "nope",
            },
            "Choose a petition from the list",
        ),
    ],
)
def test_bad_endpoints_are_refused_with_a_message(app, admin_client, data, message):
    refused = admin_client.post("/staff/integrations/webhooks", data=data)
    assert refused.status_code == 422
    assert message in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_deliveries_replay_pause_and_rotate(
    app, client, admin_client, runner, run_worker, receiver, make_petition
):
    petition = make_petition()
    result = runner.invoke(
        args=["webhooks", "add", "--url", receiver.url, "--events", "signature.confirmed"]
    )
    first_secret = result.output.strip().splitlines()[-1]
    sign_and_confirm(app, client, petition.slug, "maria@example.org", name="Maria Perez")
    run_worker()
    page = admin_client.get("/staff/integrations").get_data(as_text=True)
    with app.app_context():
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert f'data-delivery="{delivery.delivery_id}" data-status="delivered"' in page
    assert "204" in page
    assert "maria" not in page.lower() and first_secret not in page  # never the body

    base = f"/staff/integrations/webhooks/{endpoint.id}"
    assert admin_client.post(f"{base}/pause").status_code == 303
    assert admin_client.post(f"{base}/deliveries/{delivery.id}/replay").status_code == 303
    run_worker()
    assert len(receiver.received) == 1  # paused: the replay waits

    rotated = admin_client.post(f"{base}/rotate")
    new_secret = SECRET.search(rotated.get_data(as_text=True)).group(1)
    assert new_secret != first_secret
    assert admin_client.post(f"{base}/resume").status_code == 303
    retries_due_now(app)
    run_worker()
    assert [r.headers["X-Campaign-Delivery"] for r in receiver.received] == [
        delivery.delivery_id
    ] * 2
    replayed = receiver.received[-1]
    timestamp = replayed.headers["X-Campaign-Timestamp"].encode()
    mac = hmac.new(new_secret.encode(), timestamp + b"." + replayed.body, hashlib.sha256)
    assert replayed.headers["X-Campaign-Signature"] == "sha256=" + mac.hexdigest()

    other = f"/staff/integrations/webhooks/{endpoint.id + 1}/deliveries/{delivery.id}/replay"
    assert admin_client.post(other).status_code == 404
    changes = [d["change"] for action, d in audit_actions(app) if action == "webhook_changed"]
    assert changes == ["paused", "replayed", "secret_rotated", "resumed"]
    assert all(
        first_secret not in str(d) and new_secret not in str(d) for _, d in audit_actions(app)
    )


def test_tokens_are_listed_and_revoked(app, admin_client, runner):
    result = runner.invoke(args=["tokens", "create", "--name", "crm-sync", "--role", "exporter"])
    token = result.output.strip().splitlines()[-1]
    page = admin_client.get("/staff/integrations").get_data(as_text=True)
    assert "crm-sync" in page and token not in page
    token_id = int(re.search(r'data-token="(\d+)"', page).group(1))
    assert admin_client.post(f"/staff/integrations/tokens/{token_id}/revoke").status_code == 303
    assert admin_client.post(f"/staff/integrations/tokens/{token_id}/revoke").status_code == 404
    assert audit_actions(app)[-1] == ("api_token_revoked", {"token": "crm-sync"})
    response = app.test_client().get(
        "/api/v1/staff/petitions/x/signatures", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["campaigner", "exporter"])
def test_only_administrators_see_it(app, make_user, log_in, role):
    client = app.test_client()
    log_in(client, make_user(role))
    assert client.get("/staff/integrations").status_code == 403
