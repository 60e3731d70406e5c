"""A mailbox the receiving server refuses for good is suppressed from everything, by the worker
against a real SMTP server; refusals that may be about the message, or may pass later, are not."""

from __future__ import annotations

import pytest
from helpers import count, outbox, sign_fields
from sqlalchemy import select

from campaign.extensions import db
from campaign.mail.addresses import address_policy
from campaign.models import Suppression


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url)


@pytest.fixture
def sign(client, make_petition):
    def run(email: str) -> None:
        petition = make_petition()
        response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email=email))
        assert response.status_code == 200

    return run


def test_a_mailbox_refused_for_good_is_suppressed_from_everything(
    app, smtp_server, sign, run_worker
):
    typed = "No.Body+petition@gmail.com"
    sign(typed)
    smtp_server.inbox.refuse_with = "550 5.1.1 no such user"

    run_worker()

    assert [e.status for e in outbox(app)] == ["failed"]
    with app.app_context():
        key = address_policy().parse(typed).key
        rows = db.session.execute(
            select(
                Suppression.email_key, Suppression.scope, Suppression.scope_id, Suppression.reason
            )
        ).all()
    assert [tuple(r) for r in rows] == [(key, "all", 0, "bounced")]


@pytest.mark.parametrize("reply", ["554 5.7.1 message looks like spam", "451 4.3.0 try later"])
def test_a_refusal_of_the_message_or_a_temporary_one_suppresses_nothing(
    app, smtp_server, sign, run_worker, reply
):
    sign("ann@example.org")
    smtp_server.inbox.refuse_with = reply

    run_worker()

    assert "SMTP" in outbox(app)[0].last_error
    assert count(app, Suppression) == 0
