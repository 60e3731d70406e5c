"""Webhooks end to end: events written with the change, delivered by `campaign worker` to a
real HTTP receiver on loopback, signed, in order, retried, never twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta

import pytest
from helpers import count
from processes import process_env, wait_for, worker
from sqlalchemy import select
from webhook_support import Receiver, retries_due_now, send_update, sign_and_confirm

from campaign.campaigns.authoring import (
    PetitionData,
    TextData,
    change_petition_status,
    save_petition,
)
from campaign.extensions import db
from campaign.integrations.delivery import FIRST_RETRY, GIVE_UP_AFTER, retry_delay
from campaign.integrations.endpoints import add_endpoint
from campaign.models import (
    AuditEvent,
    Petition,
    Signature,
    SupporterMessage,
    WebhookDelivery,
    utcnow,
)
from campaign.privacy.erasure import erase_mailbox
from campaign.wall.moderation import approve_post


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


def add_webhook(runner, url: str, events: str, *extra: str) -> str:
    """`campaign webhooks add` through the real CLI; the secret from its last line."""
    result = runner.invoke(args=["webhooks", "add", "--url", url, "--events", events, *extra])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def verifies(secret: str, received) -> bool:
    timestamp = received.headers["X-Campaign-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256)
    return hmac.compare_digest(
        received.headers["X-Campaign-Signature"], "sha256=" + expected.hexdigest()
    )


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        db.session.expunge_all()
        return list(rows)


def test_each_confirmed_signature_is_delivered_once_and_signed(
    app, client, runner, run_worker, receiver, make_petition
):
    receiver.start()
    petition = make_petition()
    secret = add_webhook(runner, receiver.url, "signature.confirmed")
    emails = [f"signer{n}@example.org" for n in range(5)]
    for email in emails:
        sign_and_confirm(app, client, petition.slug, email, name="Ann Example")

    run_worker()

    assert len(receiver.received) == 5
    assert all(verifies(secret, received) for received in receiver.received)
    assert {r.headers["X-Campaign-Event"] for r in receiver.received} == {"signature.confirmed"}
    assert len({r.headers["X-Campaign-Delivery"] for r in receiver.received}) == 5
    bodies = [json.loads(r.body) for r in receiver.received]
    # In the order the signers confirmed.
    assert [b["person"]["email_addresses"][0]["address"] for b in bodies] == emails
    with app.app_context():
        public_ids = db.session.scalars(select(Signature.public_id).order_by(Signature.id)).all()
    assert [b["identifier"] for b in bodies] == [f"campaign:{p}" for p in public_ids]
    first = bodies[0]
    assert first["petition"]["slug"] == petition.slug
    assert first["person"]["postal_addresses"] == [{"country": "FR"}]
    assert first["person"]["languages_spoken"] == ["en"]
    assert "given_name" not in first["person"] and "family_name" not in first["person"]
    fields = first["custom_fields"]
    assert fields["full_name"] == "Ann Example" and fields["opt_in"] is False
    assert fields["consent_text"] and len(fields["consent_version"]) == 12
    assert {d.status for d in deliveries(app)} == {"delivered"}
    assert {d.last_response_code for d in deliveries(app)} == {204}


def test_nothing_is_written_for_events_no_endpoint_subscribes_to(
    app, client, runner, make_petition
):
    petition = make_petition()
    other = make_petition()
    add_webhook(runner, "http://127.0.0.1:9/hooks", "signature.erased")
    add_webhook(runner, "http://127.0.0.1:9/other", "signature.confirmed", "--petition", other.slug)
    sign_and_confirm(app, client, petition.slug, "ann@example.org")
    assert count(app, WebhookDelivery) == 0


def test_a_receiver_down_then_up_gets_everything_once_and_in_order(
    app, client, runner, run_worker, receiver, make_petition
):
    petition = make_petition()
    secret = add_webhook(runner, receiver.url, "signature.confirmed")
    for n in range(3):
        sign_and_confirm(app, client, petition.slug, f"signer{n}@example.org")

    run_worker()  # nothing listens yet: connection refused
    head, *waiting = deliveries(app)
    assert head.status == "pending" and head.attempts == 1 and head.last_error
    assert head.next_attempt_at - head.last_attempt_at <= FIRST_RETRY
    # The deliveries behind it wait for it, so that they arrive in order.
    assert [(d.status, d.attempts) for d in waiting] == [("pending", 0), ("pending", 0)]
    run_worker()  # the retry is not due yet: nothing is tried
    assert deliveries(app)[0].attempts == 1

    receiver.status = 503  # up, but failing
    receiver.start()
    retries_due_now(app)
    run_worker()
    assert len(receiver.received) == 1 and deliveries(app)[0].last_response_code == 503
    assert deliveries(app)[0].next_attempt_at > utcnow()

    receiver.status = 200
    retries_due_now(app)
    run_worker()
    run_worker()
    received_ids = [r.headers["X-Campaign-Delivery"] for r in receiver.received]
    ids = [d.delivery_id for d in deliveries(app)]
    assert received_ids == [ids[0]] + ids  # the first twice (503, then 200), the rest once
    assert all(verifies(secret, received) for received in receiver.received)
    assert {d.status for d in deliveries(app)} == {"delivered"}
    assert [d.attempts for d in deliveries(app)] == [3, 1, 1]


def test_a_dead_endpoint_does_not_hold_back_another(
    app, client, runner, run_worker, receiver, make_petition
):
    receiver.start()
    petition = make_petition()
    add_webhook(runner, f"http://127.0.0.1:{Receiver().port}/dead", "signature.confirmed")
    secret = add_webhook(runner, receiver.url, "signature.confirmed")
    for n in range(3):
        sign_and_confirm(app, client, petition.slug, f"signer{n}@example.org")
    run_worker()
    assert len(receiver.received) == 3
    assert all(verifies(secret, received) for received in receiver.received)
    statuses = [(d.endpoint_id, d.status) for d in deliveries(app)]
    assert sorted(set(statuses)) == [(1, "pending"), (2, "delivered")]


def test_a_slow_receiver_does_not_hold_up_email(
    app, client, runner, make_petition, smtp_server, migrated_database
):
    """`campaign worker` sends signers' emails while a receiver takes its time to answer:
    webhooks are delivered beside the outbox, not between its batches."""
    answer = threading.Event()
    slow = Receiver(hold=answer).start()
    try:
        petition = make_petition()
        add_webhook(runner, slow.url, "signature.confirmed")
        sign_and_confirm(app, client, petition.slug, "ann@example.org")
        env = process_env(migrated_database, MAIL_URL=smtp_server.url, WEBHOOKS_ALLOW_HTTP="1")
        with worker(env, "--interval", "0.1"):
            wait_for(lambda: slow.received, message="the receiver was never called")
            wait_for(lambda: smtp_server.inbox.messages, message="no email while it waited")
            # The call is still waiting for its answer: nothing about it is written yet.
            [delivery] = deliveries(app)
            assert (delivery.status, delivery.attempts, delivery.last_error) == (
                "pending",
                0,
                None,
            )
            answer.set()
            wait_for(
                lambda: deliveries(app)[0].status == "delivered",
                timeout=15,
                message="the answered call was not recorded",
            )
        assert deliveries(app)[0].attempts == 1
        assert len(slow.received) == 1
    finally:
        answer.set()
        slow.stop()


def test_a_delivery_is_given_up_after_two_days(app, client, runner, run_worker, make_petition):
    petition = make_petition()
    add_webhook(runner, f"http://127.0.0.1:{Receiver().port}/dead", "signature.confirmed")
    sign_and_confirm(app, client, petition.slug, "ann@example.org")
    with app.app_context():
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        delivery.created_at = utcnow() - GIVE_UP_AFTER
        db.session.commit()
    run_worker()
    [delivery] = deliveries(app)
    assert (delivery.status, delivery.attempts) == ("failed", 1)


def test_backoff_doubles_up_to_six_hours():
    assert retry_delay(1) == FIRST_RETRY
    assert retry_delay(2) == 2 * FIRST_RETRY
    assert retry_delay(40) == timedelta(hours=6)


def test_an_erasure_sends_signature_erased_without_personal_data(
    app, client, runner, run_worker, receiver, session, make_petition
):
    receiver.start()
    petition = make_petition()
    secret = add_webhook(runner, receiver.url, "signature.confirmed,signature.erased")
    sign_and_confirm(app, client, petition.slug, "maria@example.org", name="Maria Perez")
    run_worker()
    [confirmed] = receiver.received
    identifier = json.loads(confirmed.body)["identifier"]

    erase_mailbox(session, "maria@example.org", actor_id=None, origin=None, secret_key="k")
    session.commit()
    # The delivery that carried her data is gone from the platform too.
    assert [d.event for d in deliveries(app)] == ["signature.erased"]
    run_worker()

    erased = receiver.received[-1]
    assert erased.headers["X-Campaign-Event"] == "signature.erased"
    assert verifies(secret, erased)
    body = json.loads(erased.body)
    assert body == {
        "identifier": identifier,
        "action_date": body["action_date"],
        "petition": {"identifier": f"campaign:petition:{petition.slug}", "slug": petition.slug},
    }
    assert b"maria" not in erased.body.lower() and b"perez" not in erased.body.lower()


def test_a_pending_delivery_of_an_erased_signature_never_leaves(
    app, client, runner, run_worker, receiver, session, make_petition
):
    petition = make_petition()
    add_webhook(runner, receiver.url, "signature.confirmed")
    sign_and_confirm(app, client, petition.slug, "maria@example.org")
    erase_mailbox(session, "maria@example.org", actor_id=None, origin=None, secret_key="k")
    session.commit()
    receiver.start()
    run_worker()
    assert receiver.received == [] and deliveries(app) == []


def test_petition_opened_and_closed(app, runner, run_worker, receiver, session, make_petition):
    receiver.start()
    petition = make_petition(status="preview")
    add_webhook(runner, receiver.url, "petition.opened,petition.closed")
    row = session.get(Petition, petition.id)
    change_petition_status(row, "open", now=utcnow())
    session.commit()
    change_petition_status(row, "closed", now=utcnow())
    session.commit()
    run_worker()
    events = [r.headers["X-Campaign-Event"] for r in receiver.received]
    assert events == ["petition.opened", "petition.closed"]
    assert json.loads(receiver.received[1].body)["status"] == "closed"


def test_a_passed_deadline_closes_and_an_extension_reopens(
    app, runner, run_worker, receiver, session, make_petition
):
    """Nobody closes it: the worker notices the date passed, once, and staff moving the date
    to the future open it again."""
    receiver.start()
    petition = make_petition(closes_in=timedelta(seconds=-1))
    add_webhook(runner, receiver.url, "petition.opened,petition.closed")
    run_worker()
    run_worker()
    assert [r.headers["X-Campaign-Event"] for r in receiver.received] == ["petition.closed"]
    closed = json.loads(receiver.received[0].body)
    assert closed["slug"] == petition.slug and closed["status"] == "closed"
    row = session.get(Petition, petition.id)
    assert closed["action_date"] == row.closes_at.isoformat()

    data = PetitionData(
        row.slug, "en", {"en": TextData(title="T")}, closes_at=utcnow() + timedelta(days=7)
    )
    save_petition(session, row.campaign, row, data, now=utcnow())
    session.commit()
    run_worker()
    assert [r.headers["X-Campaign-Event"] for r in receiver.received] == [
        "petition.closed",
        "petition.opened",
    ]
    assert json.loads(receiver.received[1].body)["status"] == "open"


def test_update_sent_once_its_recipients_are_queued(
    app, client, runner, run_worker, receiver, make_petition, tmp_path
):
    receiver.start()
    petition = make_petition()
    add_webhook(runner, receiver.url, "update.sent")
    sign_and_confirm(app, client, petition.slug, "ann@example.org", newsletter="y")
    sign_and_confirm(app, client, petition.slug, "bob@example.org")  # asked for no news
    send_update(runner, tmp_path, petition.slug)
    run_worker()
    run_worker()
    [received] = receiver.received
    body = json.loads(received.body)
    assert received.headers["X-Campaign-Event"] == "update.sent"
    assert body["subjects"] == {"en": "We won"} and body["recipients"] == 1


def test_adding_an_endpoint_is_audited_without_its_url_or_secret(app, runner):
    secret = add_webhook(runner, "https://crm.example.org/hooks", "signature.confirmed")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent)).one()
    assert event.action == "webhook_added"
    assert secret not in json.dumps(event.details) and "crm" not in json.dumps(event.details)


def test_the_domain_refuses_what_the_cli_refuses(session):
    with pytest.raises(Exception) as refused:
        add_endpoint(
            session,
            "https://crm.example.org",
            ["signature.signed"],
            petition_slug=None,
            allow_http=True,
            base_url="http://localhost",
            actor_id=None,
            origin=None,
        )
    assert refused.value.errors == {"events": "unknown"}


def test_a_confirmation_whose_signature_is_gone_is_not_sent(
    app, client, runner, run_worker, receiver, make_petition
):
    """Staff invalidated it before the worker came: nothing to say, nothing sent."""
    receiver.start()
    petition = make_petition()
    add_webhook(runner, receiver.url, "signature.confirmed")
    sign_and_confirm(app, client, petition.slug, "ann@example.org")
    sign_and_confirm(app, client, petition.slug, "bob@example.org")
    with app.app_context():
        db.session.execute(db.delete(Signature).where(Signature.email == "ann@example.org"))
        db.session.commit()
    run_worker()
    [received] = receiver.received
    assert json.loads(received.body)["person"]["email_addresses"][0]["address"] == (
        "bob@example.org"
    )
    gone, sent = deliveries(app)
    assert (gone.status, gone.body, sent.status) == ("failed", None, "delivered")


def test_the_retention_purge_forgets_deliveries_done_with(
    app, client, runner, run_worker, receiver, session, make_petition
):
    receiver.start()
    petition = make_petition()
    add_webhook(runner, receiver.url, "signature.confirmed")
    sign_and_confirm(app, client, petition.slug, "ann@example.org")
    run_worker()
    sign_and_confirm(app, client, petition.slug, "bob@example.org")  # still to be delivered
    with app.app_context():
        db.session.execute(db.update(WebhookDelivery).values(created_at=utcnow() - timedelta(31)))
        db.session.commit()
    assert runner.invoke(args=["purge"]).exit_code == 0
    [kept] = deliveries(app)
    assert kept.status == "pending"


def test_an_approved_wall_post_is_sent_without_its_authors_address(
    app, runner, run_worker, receiver, session, make_petition
):
    receiver.start()
    petition = make_petition()
    add_webhook(runner, receiver.url, "wall_post.approved", "--petition", petition.slug)
    campaign_id = session.get(Petition, petition.id).campaign_id
    post = SupporterMessage(
        campaign_id=campaign_id,
        display_name="Amal",
        email="amal@example.org",
        email_normalized="amal@example.org",
        country="TN",
        message="Torture must end.",
        locale="en",
        message_language="ar",
        consent_text="I agree",
        consented_at=utcnow(),
        confirmed_at=utcnow(),
        status="pending",
    )
    session.add(post)
    session.commit()
    approve_post(session, post, now=utcnow())
    session.commit()
    approve_post(session, post, now=utcnow())  # already published: nothing new to tell
    session.commit()
    run_worker()

    [received] = receiver.received
    assert received.headers["X-Campaign-Event"] == "wall_post.approved"
    body = json.loads(received.body)
    assert (body["display_name"], body["message"], body["language"]) == (
        "Amal",
        "Torture must end.",
        "ar",
    )
    assert b"amal@example.org" not in received.body
