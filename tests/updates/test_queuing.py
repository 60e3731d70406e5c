"""Queuing an update: the audience, batches that resume after a crash, never twice to a mailbox,
and the schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from campaign.extensions import db
from campaign.mail.suppressions import suppress
from campaign.models import OutboxBody, OutboxEmail, Petition, Update, utcnow
from campaign.updates.audience import recipients_per_language
from campaign.updates.composing import InvalidUpdate, UpdateDraft, create_update
from campaign.updates.queuing import queue_due_updates, queue_next_batch

TEXTS = {"en": ("News", "We **won**."), "fr": ("Nouvelles", "Nous avons *gagné*.")}


def _update(session, petition_id, **draft) -> int:
    petition = session.get(Petition, petition_id)
    item = create_update(
        session, petition, UpdateDraft(TEXTS, **draft), now=utcnow(), created_by_id=None
    )
    session.commit()
    return item.id


def _emails(session, update_id) -> list[OutboxEmail]:
    return list(
        session.scalars(
            select(OutboxEmail).where(OutboxEmail.update_id == update_id).order_by(OutboxEmail.id)
        )
    )


@pytest.fixture
def signers(make_petition, make_signature):
    petition = make_petition(locales=("en", "fr"))
    make_signature(petition, email="fr@example.org", locale="fr", newsletter=True)
    make_signature(petition, email="en@example.org", locale="en", newsletter=True)
    make_signature(petition, email="quiet@example.org", newsletter=False)
    make_signature(petition, email="pending@example.org", newsletter=True, confirmed=False)
    make_signature(petition, email="es@example.org", locale="es", newsletter=True)
    return petition


def test_only_confirmed_opted_in_signers_each_in_their_language(session, signers):
    assert recipients_per_language(session, signers, campaign_wide=False) == {
        "en": 1,
        "fr": 1,
        "es": 1,
    }
    update_id = _update(session, signers.id)
    assert queue_due_updates(session, now=utcnow()) == 3
    emails = {e.to_address: e for e in _emails(session, update_id)}
    assert set(emails) == {"fr@example.org", "en@example.org", "es@example.org"}
    assert emails["fr@example.org"].subject == "Nouvelles"
    bodies = {address: email.bodies() for address, email in emails.items()}
    assert "<strong>won</strong>" in bodies["en@example.org"][1]
    # Spanish was not written: the main language, with the notice in Spanish.
    assert emails["es@example.org"].subject == "News"
    assert "Se muestra en inglés" in bodies["es@example.org"][0]
    for address, email in emails.items():
        text, html = bodies[address]
        assert email.list_unsubscribe and "/unsubscribe/" in email.list_unsubscribe
        assert email.list_unsubscribe in text
        assert email.list_unsubscribe in html
        assert "<title>" in html
    # Each language's text is stored once, however many read it; each row holds its own link.
    assert session.scalar(select(func.count()).select_from(OutboxBody)) == 3
    assert {(e.text_body, e.html_body) for e in emails.values()} == {("", "")}
    assert session.get(Update, update_id).status == "queued"


def test_suppressed_mailboxes_are_left_out(session, signers):
    suppress(session, "en@example.org", scope="all", reason="unsubscribed")
    session.commit()
    assert "en" not in recipients_per_language(session, signers, campaign_wide=False)
    update_id = _update(session, signers.id)
    queue_due_updates(session, now=utcnow())
    assert "en@example.org" not in {e.to_address for e in _emails(session, update_id)}


class Killed(BaseException):
    """The process dies where it stands."""


def test_a_job_killed_mid_batch_resumes_after_its_cursor(session, signers, monkeypatch):
    update_id = _update(session, signers.id)
    assert queue_next_batch(session, update_id, now=utcnow(), batch=2) == 2
    item = session.get(Update, update_id)
    assert (item.status, item.queued_count, len(_emails(session, update_id))) == ("queuing", 2, 2)

    def die():
        raise Killed

    # Killed after writing the second batch's emails, before its commit: all of it is lost.
    monkeypatch.setattr(session, "commit", die)
    with pytest.raises(Killed):
        queue_next_batch(session, update_id, now=utcnow(), batch=2)
    monkeypatch.undo()
    session.rollback()
    assert len(_emails(session, update_id)) == 2
    assert queue_due_updates(session, now=utcnow(), batch=2) == 1
    assert queue_due_updates(session, now=utcnow(), batch=2) == 0
    emails = _emails(session, update_id)
    assert len(emails) == len({e.recipient_key for e in emails}) == 3
    assert session.get(Update, update_id).status == "queued"


def test_a_batch_run_again_queues_nothing_twice(session, signers):
    update_id = _update(session, signers.id)
    queue_due_updates(session, now=utcnow())
    # As if the cursor had not been saved: the same recipients once more.
    session.execute(db.update(Update).values(status="queuing", cursor=0))
    session.commit()
    assert queue_due_updates(session, now=utcnow()) == 0
    assert len(_emails(session, update_id)) == 3
    assert session.get(Update, update_id).skipped_count == 3


def test_the_database_refuses_a_second_email_of_an_update_to_a_mailbox(session, signers):
    update_id = _update(session, signers.id)
    queue_due_updates(session, now=utcnow())
    first = _emails(session, update_id)[0]
    session.add(
        OutboxEmail(
            kind="update",
            to_address=first.to_address,
            subject="again",
            text_body="again",
            html_body="again",
            locale="en",
            update_id=update_id,
            recipient_key=first.recipient_key,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_the_database_refuses_a_shared_body_with_a_text_of_its_own(session, signers):
    update_id = _update(session, signers.id)
    queue_due_updates(session, now=utcnow())
    first = _emails(session, update_id)[0]
    first.text_body = "a copy of its own"
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_campaign_wide_reaches_each_mailbox_once(session, make_petition, make_signature, signers):
    sister = make_petition(campaign=signers.campaign, locales=("en",))
    make_signature(sister, email="EN@example.org", newsletter=True)
    make_signature(sister, email="other@example.org", newsletter=True)
    counts = recipients_per_language(session, signers, campaign_wide=True)
    assert sum(counts.values()) == 4
    update_id = _update(session, signers.id, campaign_wide=True)
    queue_due_updates(session, now=utcnow())
    emails = _emails(session, update_id)
    assert sorted(e.recipient_key for e in emails) == sorted(
        ["fr@example.org", "en@example.org", "es@example.org", "other@example.org"]
    )


def test_campaign_wide_batches_follow_signature_order_across_petitions(
    session, make_petition, make_signature
):
    """Small batches over two petitions whose signers alternate: each batch takes the next
    signatures of the whole campaign, so none is skipped and none comes twice."""
    first = make_petition()
    second = make_petition(campaign=first.campaign)
    addresses = [f"signer{i}@example.org" for i in range(7)]
    for i, address in enumerate(addresses):
        make_signature(second if i % 2 else first, email=address, newsletter=True)
    update_id = _update(session, first.id, campaign_wide=True)
    queued = [queue_next_batch(session, update_id, now=utcnow(), batch=3) for _ in range(3)]
    assert queued == [3, 3, 1]
    assert [e.recipient_key for e in _emails(session, update_id)] == addresses
    assert session.get(Update, update_id).status == "queued"


def test_a_scheduled_update_waits_for_its_time(session, signers):
    update_id = _update(session, signers.id, send_at=utcnow() + timedelta(hours=1))
    assert queue_due_updates(session, now=utcnow()) == 0
    assert _emails(session, update_id) == []
    assert queue_due_updates(session, now=utcnow() + timedelta(hours=2)) == 3


@pytest.mark.parametrize(
    ("texts", "extra", "problem"),
    [
        ({}, {}, {"texts": "missing"}),
        ({"en": ("", "")}, {}, {"texts": "missing"}),
        ({"en": ("Subject", "")}, {}, {"en.body": "missing"}),
        ({"fr": ("", "Corps")}, {}, {"fr.subject": "missing"}),
        ({"en": ("A \u202e turn", "Body")}, {}, {"en.subject": "direction_controls"}),
        ({"xx": ("S", "B")}, {}, {"xx": "unknown_language"}),
        ({"en": ("S", "B")}, {"outcome": "won"}, {"outcome": "unknown"}),
        ({"en": ("S", "B")}, {"send_at": utcnow() - timedelta(minutes=5)}, {"send_at": "past"}),
    ],
)
def test_bad_drafts_are_refused_and_nothing_is_stored(session, signers, texts, extra, problem):
    petition = session.get(Petition, signers.id)
    with pytest.raises(InvalidUpdate) as refused:
        create_update(
            session, petition, UpdateDraft(texts, **extra), now=utcnow(), created_by_id=None
        )
    assert refused.value.errors == problem
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Update)) == 0
