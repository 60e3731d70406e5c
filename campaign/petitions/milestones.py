"""A petition reaching its goal: the team hears of it once, and the goal may move up a step.

Runs inside the confirmation that crossed the goal (campaign.petitions.signing), so the email
exists only if that confirmation commits. The confirmation's own statement returns the goal
and the goal last announced; only a confirmation that finds the goal reached and not yet
announced comes here, which on a viral day is one in thousands.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Update, bindparam, case, or_, select, update
from sqlalchemy.orm import Session

from campaign.mail.emails import queue_email
from campaign.models import Petition, User
from campaign.web.links import absolute_url

# The 1-2-5 series: 1, 2, 5, 10, 20, 50, 100, ...
_SERIES_STEPS = (1, 2, 5, 10)


def next_goal(reached: int) -> int:
    """The first value of the 1-2-5 series above `reached` (a goal, or a count past it)."""
    if reached < 1:
        return 1
    magnitude = 1
    while magnitude * 10 <= reached:
        magnitude *= 10
    return next(step * magnitude for step in _SERIES_STEPS if step * magnitude > reached)


def goal_newly_reached(count: int, goal: int | None, announced: int | None) -> bool:
    """Whether a confirmation that brought the count to `count` must announce `goal`: the test
    every confirmation makes, on what its own statement returned."""
    return goal is not None and count >= goal and (announced is None or announced < goal)


def announce_goal_reached(session: Session, petition_id: int, *, count: int, goal: int) -> bool:
    """Mark `goal` announced (raising the goal a step if the petition asks for it) and queue
    the team's emails, in the caller's transaction; False when another transaction did.

    The UPDATE is guarded by what was read: of two confirmations crossing the goal together,
    only the one whose UPDATE changes the row (rowcount 1) announces it. The new goal is the
    series step above the count, so a goal passed several steps at once (an option switched on
    late) is not announced again at every following confirmation.
    """
    announced = session.execute(
        _ANNOUNCE, {"petition_id": petition_id, "goal": goal, "next_goal": next_goal(count)}
    )
    if announced.rowcount != 1:
        return False
    # Read after the UPDATE (and over any copy in the session), so the goal is the new one.
    petition = session.get(Petition, petition_id, populate_existing=True)
    assert petition is not None  # its row was just updated in this transaction
    _email_team(session, petition, count=count, goal=goal)
    return True


def goal_team(session: Session, petition: Petition) -> list[User]:
    """Who hears that a goal is reached: the campaign's active team, or the active admins when
    it has none, so that the news never goes nowhere."""
    team = [member for member in petition.campaign.members if member.active]
    if team:
        return team
    return list(
        session.scalars(
            select(User).where(User.role == "admin", User.active.is_(True)).order_by(User.email)
        )
    )


def _email_team(session: Session, petition: Petition, *, count: int, goal: int) -> None:
    raised_to = petition.goal if petition.goal != goal else None
    dashboard_url = absolute_url("staff.petition", slug=petition.slug)
    default_locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    for member in goal_team(session, petition):
        locale = member.locale or default_locale
        text = petition.text_for(locale)
        queue_email(
            session,
            kind="goal_reached",
            to=member.email,
            locale=locale,
            petition_title=text.title if text else petition.slug,
            count=count,
            goal=goal,
            raised_to=raised_to,
            dashboard_url=dashboard_url,
        )


def _announce_statement() -> Update:
    petitions = Petition.__table__
    return (
        update(petitions)
        .where(
            petitions.c.id == bindparam("petition_id"),
            petitions.c.goal == bindparam("goal"),
            or_(
                petitions.c.goal_reached_notified.is_(None),
                petitions.c.goal_reached_notified < petitions.c.goal,
            ),
        )
        # Both right-hand sides read the row as it was: the goal announced is the old goal.
        .values(
            goal_reached_notified=petitions.c.goal,
            goal=case(
                (petitions.c.raise_goal_automatically, bindparam("next_goal")),
                else_=petitions.c.goal,
            ),
        )
    )


_ANNOUNCE = _announce_statement()
