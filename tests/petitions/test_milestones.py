"""A petition reaching its goal: the team's emails, the page's banner, the goal's next step."""

from __future__ import annotations

import re

import pytest
from helpers import confirm_link, count, outbox, sign_fields, signature_count
from sqlalchemy import delete, select
from test_races import THREADS, run_together

from campaign.extensions import db
from campaign.models import Campaign, OutboxEmail, Petition, Signature, User, utcnow
from campaign.petitions.milestones import announce_goal_reached, next_goal
from campaign.petitions.signing import confirm_signature, confirmation_token, uncount

GOAL_EMAILS = OutboxEmail.kind == "goal_reached"


@pytest.mark.parametrize(
    ("reached", "following"),
    [
        (1, 2),
        (2, 5),
        (5, 10),
        (10, 20),
        (1_000, 2_000),
        (2_000, 5_000),
        (5_000, 10_000),
        (10_000, 20_000),
        (50_000, 100_000),
        # Goals off the series move to the next series value above them.
        (3, 5),
        (7, 10),
        (1_500, 2_000),
        (2_500, 5_000),
        (9_999, 10_000),
        (12_345, 20_000),
        (750_000, 1_000_000),
    ],
)
def test_the_next_goal_is_the_next_step_of_the_1_2_5_series(reached, following):
    assert next_goal(reached) == following


def _join_team(app, campaign_id: int, user: User, *, locale: str | None = None) -> None:
    with app.app_context():
        member = db.session.get(User, user.id)
        member.locale = locale
        db.session.get(Campaign, campaign_id).members.append(member)
        db.session.commit()


def _sign_and_confirm(app, client, petition: Petition, email: str, lang: str = "en") -> None:
    """Sign through the page and confirm through the emailed link, as a supporter does."""
    page = f"/{lang}/petitions/{petition.slug}"
    assert client.post(page, data=sign_fields(email=email)).status_code == 200
    [message] = outbox(app, OutboxEmail.to_address == email)
    path = re.sub(r"^http://localhost", "", confirm_link(message.text_body))
    assert client.post(path).status_code == 200


def _goal(app, petition_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Petition.goal).where(Petition.id == petition_id))


def test_reaching_the_goal_emails_each_active_team_member_once_in_their_language(
    app, client, make_petition, make_user
):
    petition = make_petition(goal=2, locales=("en", "fr"))
    french, english = make_user("campaigner"), make_user("campaigner")
    gone = make_user("campaigner", active=False)
    _join_team(app, petition.campaign_id, french, locale="fr")
    _join_team(app, petition.campaign_id, english)
    _join_team(app, petition.campaign_id, gone)
    make_user("admin")  # not on the team: the team hears of it

    _sign_and_confirm(app, client, petition, "one@example.org")
    assert count(app, OutboxEmail, GOAL_EMAILS) == 0
    _sign_and_confirm(app, client, petition, "two@example.org")

    emails = {email.to_address: email for email in outbox(app, GOAL_EMAILS)}
    assert set(emails) == {french.email, english.email}
    assert emails[french.email].locale == "fr" and emails[english.email].locale == "en"
    assert emails[french.email].subject == f"Objectif atteint : Petition {petition.id} [fr]"
    assert emails[english.email].subject == f"Goal reached: Petition {petition.id} [en]"
    dashboard = f"http://localhost/staff/petitions/{petition.slug}"
    for email in emails.values():
        assert dashboard in email.text_body and f'href="{dashboard}"' in email.html_body
        assert email.html_body.startswith("<!doctype html>")
        assert f"<title>{email.subject}</title>" in email.html_body
    assert "Confirmed signatures: 2" in emails[english.email].text_body
    assert "Goal: 2" in emails[english.email].text_body
    assert "Signatures confirmées : 2" in emails[french.email].text_body
    # No option: the goal stays where it is, announced.
    assert _goal(app, petition.id) == 2

    _sign_and_confirm(app, client, petition, "three@example.org")
    assert count(app, OutboxEmail, GOAL_EMAILS) == 2


def test_a_campaign_without_a_team_tells_the_active_admins(app, client, make_petition, make_user):
    petition = make_petition(goal=1)
    admin = make_user("admin")
    make_user("admin", active=False)
    make_user("campaigner")  # on no team

    _sign_and_confirm(app, client, petition, "one@example.org")

    assert [(e.to_address, e.locale) for e in outbox(app, GOAL_EMAILS)] == [(admin.email, "en")]


def test_with_the_option_on_the_goal_moves_up_and_is_announced_again(
    app, client, make_petition, make_user
):
    petition = make_petition(goal=1)
    with app.app_context():
        db.session.get(Petition, petition.id).raise_goal_automatically = True
        db.session.commit()
    member = make_user("campaigner")
    _join_team(app, petition.campaign_id, member, locale="ar")

    _sign_and_confirm(app, client, petition, "one@example.org")
    assert _goal(app, petition.id) == 2
    [first] = outbox(app, GOAL_EMAILS)
    assert first.locale == "ar" and "هدفها الجديد: 2" in first.text_body
    # The API gives the current goal.
    assert client.get(f"/api/v1/petitions/{petition.slug}").get_json()["goal"] == 2

    _sign_and_confirm(app, client, petition, "two@example.org")
    assert _goal(app, petition.id) == 5
    assert count(app, OutboxEmail, GOAL_EMAILS) == 2
    _sign_and_confirm(app, client, petition, "three@example.org")
    assert count(app, OutboxEmail, GOAL_EMAILS) == 2


def test_a_count_falling_under_the_goal_and_climbing_back_announces_nothing(
    app, make_petition, make_signature, make_user
):
    petition = make_petition(goal=2)
    _join_team(app, petition.campaign_id, make_user("campaigner"))
    first = make_signature(petition, confirmed=False)
    second = make_signature(petition, confirmed=False)
    third = make_signature(petition, confirmed=False)
    with app.app_context():
        for signature_id in (first, second):
            public_id = db.session.get(Signature, signature_id).public_id
            confirm_signature(db.session, public_id, now=utcnow())
        db.session.commit()
        assert count(app, OutboxEmail, GOAL_EMAILS) == 1
        # Staff invalidate one confirmed signature: the count drops under the goal.
        db.session.execute(delete(Signature).where(Signature.id == first))
        uncount(db.session, {petition.id: 1})
        db.session.commit()
        assert signature_count(app, petition.id) == 1
        public_id = db.session.get(Signature, third).public_id
        confirm_signature(db.session, public_id, now=utcnow())
        db.session.commit()
    assert signature_count(app, petition.id) == 2
    assert count(app, OutboxEmail, GOAL_EMAILS) == 1


def test_the_announcement_is_guarded_by_what_was_read(app, make_petition, make_user):
    """Two confirmations that both saw the goal reached: the second announcing changes no row."""
    petition = make_petition(goal=3, signature_count=3)
    _join_team(app, petition.campaign_id, make_user("campaigner"))
    with app.app_context():
        assert announce_goal_reached(db.session, petition.id, count=3, goal=3) is True
        assert announce_goal_reached(db.session, petition.id, count=3, goal=3) is False
        db.session.commit()
    assert count(app, OutboxEmail, GOAL_EMAILS) == 1


@pytest.mark.parametrize(("raise_goal", "emails", "final_goal"), [(False, 1, 5), (True, 3, 50)])
def test_concurrent_confirmations_crossing_the_goal_announce_it_once(
    app, make_petition, make_signature, make_user, raise_goal, emails, final_goal
):
    """Twenty confirmations at once past a goal of 5: one email; with the option, one for each
    of 5, 10 and 20."""
    petition = make_petition(goal=5)
    with app.app_context():
        db.session.get(Petition, petition.id).raise_goal_automatically = raise_goal
        db.session.commit()
    _join_team(app, petition.campaign_id, make_user("campaigner"))
    secret = app.config["SECRET_KEY"]
    with app.app_context():
        tokens = [
            confirmation_token(
                secret, db.session.get(Signature, make_signature(petition, confirmed=False))
            )
            for _ in range(THREADS)
        ]
    clients = [app.test_client() for _ in range(THREADS)]

    responses = run_together(lambda i: clients[i].post(f"/en/confirm/{tokens[i]}"))

    assert {r.status_code for r in responses} == {200}
    assert signature_count(app, petition.id) == THREADS
    assert count(app, OutboxEmail, GOAL_EMAILS) == emails
    assert _goal(app, petition.id) == final_goal


def test_the_page_celebrates_the_goal_at_once_in_every_language(
    app, client, make_petition, make_signature, make_user
):
    petition = make_petition(goal=2, locales=("en", "ar"))
    _join_team(app, petition.campaign_id, make_user("campaigner"))
    secret = app.config["SECRET_KEY"]
    with app.app_context():
        tokens = [
            confirmation_token(
                secret, db.session.get(Signature, make_signature(petition, confirmed=False))
            )
            for _ in range(2)
        ]
    visitor = app.test_client()
    assert client.post(f"/en/confirm/{tokens[0]}").status_code == 200
    for lang in ("en", "ar"):  # both kept in the page cache, with no banner
        assert 'class="goal-reached"' not in visitor.get(f"/{lang}/petitions/{petition.slug}").text

    # Within the second in which a new count alone would leave the cached pages be.
    assert client.post(f"/en/confirm/{tokens[1]}").status_code == 200

    english = visitor.get(f"/en/petitions/{petition.slug}").text
    assert '<p class="goal-reached">Goal reached: 2 signatures</p>' in english
    arabic = visitor.get(f"/ar/petitions/{petition.slug}").text
    assert 'dir="rtl"' in arabic
    assert '<p class="goal-reached">تحقّق الهدف: 2 توقيعين</p>' in arabic


def test_the_banner_waits_while_the_count_is_under_the_goal_reached(app, make_petition):
    """Signatures invalidated after the goal was reached: no banner until the count is back."""
    petition = make_petition(goal=10, signature_count=9)
    visitor = app.test_client()
    with app.app_context():
        db.session.get(Petition, petition.id).goal_reached_notified = 10
        db.session.commit()
    assert 'class="goal-reached"' not in visitor.get(f"/en/petitions/{petition.slug}").text
    with app.app_context():
        db.session.get(Petition, petition.id).signature_count = 10
        db.session.commit()
    page = visitor.get(f"/en/petitions/{petition.slug}").text
    assert '<p class="goal-reached">Goal reached: 10 signatures</p>' in page
