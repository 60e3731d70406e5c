"""A petition whose deadline passes is told to the webhooks once as closed, while its row stays
open; staff moving the deadline clear that, and tell them it reopened."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from helpers import database_work
from sqlalchemy import select
from test_races import run_together

from campaign.campaigns.authoring import (
    PetitionData,
    TextData,
    change_petition_status,
    save_petition,
)
from campaign.extensions import db
from campaign.models import Petition, WebhookDelivery, utcnow
from campaign.petitions.deadlines import announce_passed_deadlines

PASSED = timedelta(minutes=-5)


@pytest.fixture
def subscribed(runner):
    result = runner.invoke(
        args=[
            "webhooks",
            "add",
            "--url",
            "http://127.0.0.1:9/hooks",
            "--events",
            "petition.opened,petition.closed",
        ]
    )
    assert result.exit_code == 0, result.output


def queued(session) -> list[tuple[str, dict]]:
    rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    return [(row.event, json.loads(row.body)) for row in rows]


def moved_deadline(session, petition: Petition, closes_at) -> None:
    data = PetitionData(
        petition.slug,
        petition.default_locale,
        {text.locale: TextData(title=text.title) for text in petition.texts},
        goal=petition.goal,
        closes_at=closes_at,
    )
    save_petition(session, petition.campaign, petition, data, now=utcnow())
    session.commit()


def test_a_passed_deadline_is_announced_once_and_the_petition_stays_open(
    session, subscribed, make_petition
):
    petition = make_petition(closes_in=PASSED)
    make_petition(closes_in=timedelta(days=1))
    make_petition()  # no deadline

    assert announce_passed_deadlines(session, utcnow()) == 1
    assert announce_passed_deadlines(session, utcnow()) == 0

    [(event, body)] = queued(session)
    row = session.get(Petition, petition.id)
    assert event == "petition.closed"
    assert body["status"] == "closed" and body["slug"] == petition.slug
    assert body["action_date"] == row.closes_at.isoformat()
    assert row.status == "open" and row.deadline_announced_at is not None


def test_a_round_with_nothing_due_costs_one_select(app, session, subscribed, make_petition):
    make_petition(closes_in=PASSED)
    make_petition(closes_in=timedelta(days=1))
    announce_passed_deadlines(session, utcnow())

    with database_work(app) as work:
        assert announce_passed_deadlines(session, utcnow()) == 0

    [statement] = [sql for sql in work if sql != "COMMIT"]
    assert statement.lstrip().startswith("SELECT")


def test_nothing_is_queued_when_no_endpoint_subscribes(session, make_petition):
    petition = make_petition(closes_in=PASSED)

    assert announce_passed_deadlines(session, utcnow()) == 1

    assert queued(session) == []
    assert session.get(Petition, petition.id).deadline_announced_at is not None


def test_a_petition_staff_closed_is_not_announced_again(session, subscribed, make_petition):
    petition = make_petition(closes_in=timedelta(seconds=1))
    change_petition_status(session.get(Petition, petition.id), "closed", now=utcnow())
    session.commit()

    assert announce_passed_deadlines(session, utcnow() + timedelta(minutes=1)) == 0

    assert [event for event, _ in queued(session)] == ["petition.closed"]


def test_closing_by_hand_after_an_announced_deadline_tells_nothing_more(
    session, subscribed, make_petition
):
    petition = make_petition(closes_in=PASSED)
    announce_passed_deadlines(session, utcnow())

    change_petition_status(session.get(Petition, petition.id), "closed", now=utcnow())
    session.commit()

    assert [event for event, _ in queued(session)] == ["petition.closed"]


def test_extending_an_announced_deadline_reopens_the_petition(session, subscribed, make_petition):
    petition = make_petition(closes_in=PASSED)
    announce_passed_deadlines(session, utcnow())
    row = session.get(Petition, petition.id)

    moved_deadline(session, row, utcnow() + timedelta(days=7))

    assert row.deadline_announced_at is None
    assert [(event, body["status"]) for event, body in queued(session)] == [
        ("petition.closed", "closed"),
        ("petition.opened", "open"),
    ]
    # Open again: nothing to announce until the new deadline passes.
    assert announce_passed_deadlines(session, utcnow()) == 0


def test_removing_an_announced_deadline_reopens_the_petition(session, subscribed, make_petition):
    petition = make_petition(closes_in=PASSED)
    announce_passed_deadlines(session, utcnow())

    moved_deadline(session, session.get(Petition, petition.id), None)

    assert [event for event, _ in queued(session)] == ["petition.closed", "petition.opened"]


def test_a_deadline_moved_but_still_passed_is_announced_with_its_new_date(
    session, subscribed, make_petition
):
    petition = make_petition(closes_in=PASSED)
    announce_passed_deadlines(session, utcnow())
    row = session.get(Petition, petition.id)
    earlier = utcnow() - timedelta(days=1)

    moved_deadline(session, row, earlier)
    assert [event for event, _ in queued(session)] == ["petition.closed"]
    assert announce_passed_deadlines(session, utcnow()) == 1

    [_, (event, body)] = queued(session)
    assert event == "petition.closed" and body["action_date"] == earlier.isoformat()


def test_saving_other_fields_keeps_the_announcement(session, subscribed, make_petition):
    petition = make_petition(closes_in=PASSED)
    announce_passed_deadlines(session, utcnow())
    row = session.get(Petition, petition.id)

    moved_deadline(session, row, row.closes_at)

    assert row.deadline_announced_at is not None
    assert announce_passed_deadlines(session, utcnow()) == 0
    assert len(queued(session)) == 1


def test_workers_running_at_once_announce_a_deadline_once(app, subscribed, make_petition):
    make_petition(closes_in=PASSED)

    def work(_i: int) -> int:
        with app.app_context():
            return announce_passed_deadlines(db.session, utcnow())

    assert sum(run_together(work, 8)) == 1
    with app.app_context():
        assert [event for event, _ in queued(db.session)] == ["petition.closed"]
