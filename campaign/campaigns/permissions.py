"""Who may see and change what: in the staff workspace, and at the public addresses.

admin: everything, including accounts. campaigner: the campaigns they created or were added to,
those campaigns' petitions, and the statements linked to one of those campaigns. exporter: every
petition's dashboard, and exports.

At a public address, a campaign, petition or statement hidden from the public (a draft, or an
embargoed preview) is shown only to staff who may edit it: to anyone else, other staff included,
it does not exist (404, left out of lists). `can_view_*` say so for one item, the viewer None for
the public; `publicly_visible_*` say the same as SQL conditions for lists.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, false, select

from campaign.models import Campaign, Petition, Statement, User, campaign_members
from campaign.models.campaigns import HIDDEN_STATUSES
from campaign.models.statements import statement_campaigns

ADMIN = "admin"
CAMPAIGNER = "campaigner"
EXPORTER = "exporter"


def is_admin(user: User) -> bool:
    return user.role == ADMIN


def can_author(user: User) -> bool:
    return user.role in (ADMIN, CAMPAIGNER)


def can_export(user: User) -> bool:
    return user.role in (ADMIN, EXPORTER)


def _is_member(user: User, campaign: Campaign) -> bool:
    return any(member.id == user.id for member in campaign.members)


def can_edit_campaign(user: User, campaign: Campaign) -> bool:
    return is_admin(user) or (user.role == CAMPAIGNER and _is_member(user, campaign))


def can_see_petition(user: User, petition: Petition) -> bool:
    if user.role in (ADMIN, EXPORTER):
        return True
    return can_edit_campaign(user, petition.campaign)


def _membership(user: User):
    return select(campaign_members.c.campaign_id).where(campaign_members.c.user_id == user.id)


def petitions_visible_to(user: User) -> Select[tuple[Petition]]:
    query = select(Petition)
    if user.role == CAMPAIGNER:
        query = query.where(Petition.campaign_id.in_(_membership(user)))
    elif user.role not in (ADMIN, EXPORTER):
        query = query.where(false())
    return query


def campaigns_editable_by(user: User) -> Select[tuple[Campaign]]:
    query = select(Campaign)
    if user.role == CAMPAIGNER:
        query = query.where(Campaign.id.in_(_membership(user)))
    elif not is_admin(user):
        query = query.where(false())
    return query


def can_edit_statement(user: User, statement: Statement) -> bool:
    return is_admin(user) or (
        user.role == CAMPAIGNER and any(_is_member(user, c) for c in statement.campaigns)
    )


def statements_editable_by(user: User) -> Select[tuple[Statement]]:
    query = select(Statement)
    if user.role == CAMPAIGNER:
        linked = select(statement_campaigns.c.statement_id).where(
            statement_campaigns.c.campaign_id.in_(_membership(user))
        )
        query = query.where(Statement.id.in_(linked))
    elif not is_admin(user):
        query = query.where(false())
    return query


def can_view_campaign(viewer: User | None, campaign: Campaign) -> bool:
    if not campaign.is_hidden():
        return True
    return (
        campaign.status == "preview" and viewer is not None and can_edit_campaign(viewer, campaign)
    )


def can_view_petition(viewer: User | None, petition: Petition) -> bool:
    if petition.is_public():
        return True
    return (
        petition.is_preview()
        and viewer is not None
        and can_edit_campaign(viewer, petition.campaign)
    )


def can_view_statement(viewer: User | None, statement: Statement) -> bool:
    """Statements have no preview status: a draft is what their editors preview."""
    if not statement.is_hidden():
        return True
    return viewer is not None and can_edit_statement(viewer, statement)


def publicly_visible_campaigns() -> ColumnElement[bool]:
    return Campaign.status.not_in(sorted(HIDDEN_STATUSES))


def publicly_visible_petitions() -> ColumnElement[bool]:
    """For a query that joins Petition.campaign."""
    return and_(Petition.status.not_in(sorted(HIDDEN_STATUSES)), publicly_visible_campaigns())
