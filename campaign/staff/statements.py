"""Authoring statements, and reviewing organisations' endorsements of joint statements.

The rules live in campaign.statements.authoring and campaign.statements.endorsing. Contact
addresses of endorsing organisations appear only on these pages, to staff who may edit the
statement, and never in a URL or a flash message.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from wtforms import SelectChoice

from campaign.campaigns.authoring import InvalidContent, SlugLocked, SlugTaken
from campaign.campaigns.permissions import statements_editable_by
from campaign.extensions import db
from campaign.models import Campaign, Statement, StatementEndorsement, utcnow
from campaign.staff.authoring_forms import (
    change_status,
    previewing,
    previews,
    show_problems,
    text_data,
    texts_from,
)
from campaign.staff.blueprint import bp
from campaign.staff.campaigns import AUTHORS
from campaign.staff.forms import ActionForm, StatementForm
from campaign.staff.guards import (
    actor,
    editable_statement_or_404,
    request_origin,
    require_role,
    safe_next,
)
from campaign.staff.labels import ENDORSEMENT_STATE_LABELS, STATEMENT_STATUS_LABELS
from campaign.statements.authoring import (
    STATEMENT_TRANSITIONS,
    StatementData,
    change_statement_status,
    format_signatories,
    linkable_campaigns,
    linkable_petitions,
    parse_signatories,
    save_statement,
)
from campaign.statements.display import heading_text
from campaign.statements.endorsing import (
    EndorsementNotConfirmed,
    approve_endorsement,
    endorsements,
    remove_endorsement,
)
from campaign.statements.vocabulary import sorted_countries, statement_country_codes

TEXT_FIELDS = ("title", "excerpt", "body")


def _lang() -> str:
    return str(get_locale())


@bp.get("/statements")
@require_role(*AUTHORS)
def statements():
    status = request.args.get("status", "")
    if status and status not in STATEMENT_STATUS_LABELS:
        abort(400)
    query = statements_editable_by(actor()).order_by(
        Statement.published_on.desc(), Statement.id.desc()
    )
    if status:
        query = query.where(Statement.status == status)
    found = db.session.scalars(query).all()
    waiting = dict(
        db.session.execute(
            select(StatementEndorsement.statement_id, func.count())
            .where(
                StatementEndorsement.confirmed_at.is_not(None),
                StatementEndorsement.approved_at.is_(None),
                StatementEndorsement.statement_id.in_([s.id for s in found]),
            )
            .group_by(StatementEndorsement.statement_id)
        ).all()
    )
    return render_template(
        "staff/statements.html", statements=found, status=status, waiting=waiting
    )


def _statement_message(key: str, problem: str) -> str | None:
    """The message for a statement's own fields; None for those campaigns share."""
    if key.startswith("signatories."):
        number = int(key.split(".", 1)[1])
        if problem == "separator":
            return _(
                "Line %(number)d: separate the organisation’s name from its country and "
                "website with |, like Human Rights Centre | FR | https://example.org, "
                "or end a name alone with |",
                number=number,
            )
        if problem == "name":
            return _(
                "Line %(number)d: give the organisation’s name, up to 200 characters, "
                "not starting with =, +, - or @",
                number=number,
            )
        if problem == "country":
            return _(
                "Line %(number)d: use a two-letter country code, like FR, or leave it out",
                number=number,
            )
        return _("Line %(number)d: the website must start with http:// or https://", number=number)
    messages = {
        "kind": _("Choose a kind from the list"),
        "countries": _("Choose countries from the list"),
        "topics": _("Choose topics from the list"),
        "open_for_endorsement": _(
            "Only joint statements can be signed by other organisations. "
            "Choose the kind “Joint statement” or untick this box."
        ),
        "petition_ids": _("Choose petitions from the list"),
    }
    if key == "campaign_ids":
        if problem == "required":
            return _("Link the statement to at least one of your campaigns")
        return _("Choose campaigns from the list")
    return messages.get(key)


def _show_statement_problems(form, exc: Exception, default_locale: str) -> None:
    if isinstance(exc, InvalidContent):
        shared = {}
        for key, problem in exc.errors.items():
            message = _statement_message(key, problem)
            if message is None:
                shared[key] = problem
                continue
            field = form.signatories if key.startswith("signatories.") else getattr(form, key)
            field.errors = [*field.errors, message]
        exc = InvalidContent(shared)
    show_problems(form, exc, default_locale)


def _set_choices(form: StatementForm) -> None:
    lang = _lang()
    form.countries.choices = sorted_countries(statement_country_codes(), lang)
    form.campaign_ids.choices = [
        SelectChoice(c.id, c.text_for(lang).title) for c in linkable_campaigns(db.session, actor())
    ]
    form.petition_ids.choices = [
        SelectChoice(p.id, p.text_for(lang).title) for p in linkable_petitions(db.session, actor())
    ]


def _shown_titles(form: StatementForm) -> dict[str, str]:
    """Each language's title as readers will see it in that language, with or without the
    countries before it, so the form can say so before saving."""
    codes = [code for code in form.countries.data or () if code]
    shown = {}
    for locale, sub in form.text_forms():
        title = (sub.form.title.data or "").strip()
        if title:
            shown[locale] = heading_text(title, codes, locale, locale)
    return shown


def _statement_form_page(form, statement: Statement | None, status: int, previews=None):
    context = {
        "form": form,
        "statement": statement,
        "previews": previews,
        "shown_titles": _shown_titles(form),
    }
    if statement is not None:
        editable = {choice.value for choice in form.campaign_ids.choices}
        context.update(
            transitions=STATEMENT_TRANSITIONS[statement.status],
            other_campaigns=[c for c in statement.campaigns if c.id not in editable],
            endorsed=[s for s in statement.signatories if s.endorsement_id is not None],
        )
    return render_template("staff/statement_form.html", **context), status


def _save_statement_form(form, statement: Statement | None):
    data = StatementData(
        slug=(form.slug.data or "").strip(),
        kind=form.kind.data or "",
        published_on=form.published_on.data,
        default_locale=form.default_locale.data,
        texts=texts_from(form),
        countries=tuple(form.countries.data or ()),
        topics=tuple(form.topics.data or ()),
        signatories=parse_signatories(form.signatories.data or ""),
        campaign_ids=tuple(form.campaign_ids.data or ()),
        petition_ids=tuple(form.petition_ids.data or ()),
        open_for_endorsement=form.open_for_endorsement.data,
    )
    try:
        saved = save_statement(db.session, statement, data, author=actor(), now=utcnow())
    except (InvalidContent, SlugTaken, SlugLocked) as exc:
        db.session.rollback()
        _show_statement_problems(form, exc, data.default_locale)
        return _statement_form_page(form, statement, 422)
    db.session.commit()
    flash(_("Statement saved."), "success")
    return redirect(url_for("staff.edit_statement", slug=saved.slug), code=303)


def _statement_form_view(form: StatementForm, statement: Statement | None):
    """The POST half of the new and edit pages."""
    _set_choices(form)
    if previewing():
        return _statement_form_page(form, statement, 200, previews(form))
    if form.validate_on_submit():
        return _save_statement_form(form, statement)
    return _statement_form_page(form, statement, 422)


@bp.route("/statements/new", methods=["GET", "POST"])
@require_role(*AUTHORS)
def new_statement():
    if request.method == "POST":
        return _statement_form_view(StatementForm(), None)
    form = StatementForm(data={"published_on": utcnow().date(), "default_locale": _lang()})
    _set_choices(form)
    # Opened from a campaign's page: linked to it from the start.
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.slug == request.args.get("campaign", ""))
    )
    if campaign is not None and campaign.id in {c.value for c in form.campaign_ids.choices}:
        form.campaign_ids.data = [campaign.id]
    return _statement_form_page(form, None, 200)


@bp.route("/statements/<slug>", methods=["GET", "POST"])
@require_role(*AUTHORS)
def edit_statement(slug: str):
    statement = editable_statement_or_404(slug)
    if request.method == "POST":
        return _statement_form_view(StatementForm(), statement)
    form = StatementForm(
        data={
            "slug": statement.slug,
            "kind": statement.kind,
            "published_on": statement.published_on,
            "default_locale": statement.default_locale,
            "open_for_endorsement": statement.open_for_endorsement,
            "countries": statement.country_codes,
            "topics": statement.topic_slugs,
            "signatories": format_signatories(
                s for s in statement.signatories if s.endorsement_id is None
            ),
            "campaign_ids": [c.id for c in statement.campaigns],
            "petition_ids": [p.id for p in statement.petitions],
            **text_data(statement, TEXT_FIELDS),
        }
    )
    _set_choices(form)
    return _statement_form_page(form, statement, 200)


@bp.post("/statements/<slug>/status")
@require_role(*AUTHORS)
def statement_status(slug: str):
    return change_status(
        editable_statement_or_404(slug), change_statement_status, "staff.edit_statement"
    )


# --- endorsements ------------------------------------------------------------------------------


def _state_filter() -> str:
    state = request.args.get("state", "confirmed")
    if state not in (*ENDORSEMENT_STATE_LABELS, "all"):
        abort(400)
    return state


@bp.get("/endorsements")
@require_role(*AUTHORS)
def all_endorsements():
    state = _state_filter()
    found = endorsements(
        db.session,
        state=None if state == "all" else state,
        among=statements_editable_by(actor()),
    )
    return render_template(
        "staff/endorsements.html",
        statement=None,
        endorsements=found,
        state=state,
    )


@bp.get("/statements/<slug>/endorsements")
@require_role(*AUTHORS)
def statement_endorsements(slug: str):
    statement = editable_statement_or_404(slug)
    state = _state_filter()
    found = endorsements(
        db.session, state=None if state == "all" else state, statement_slug=statement.slug
    )
    return render_template(
        "staff/endorsements.html",
        statement=statement,
        endorsements=found,
        state=state,
    )


def _endorsement_or_404(slug: str, endorsement_id: int) -> StatementEndorsement:
    statement = editable_statement_or_404(slug)
    endorsement = db.session.get(StatementEndorsement, endorsement_id)
    if endorsement is None or endorsement.statement_id != statement.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    return endorsement


def _back_to_list(slug: str):
    default = url_for("staff.statement_endorsements", slug=slug)
    return redirect(safe_next(request.form.get("next"), default), code=303)


@bp.post("/statements/<slug>/endorsements/<int:endorsement_id>/approve")
@require_role(*AUTHORS)
def approve_statement_endorsement(slug: str, endorsement_id: int):
    endorsement = _endorsement_or_404(slug, endorsement_id)
    try:
        signatory = approve_endorsement(
            db.session, endorsement, now=utcnow(), actor_id=actor().id, origin=request_origin()
        )
    except EndorsementNotConfirmed:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash(
        _("%(organisation)s is listed among the signatories.", organisation=signatory.name),
        "success",
    )
    return _back_to_list(slug)


@bp.post("/statements/<slug>/endorsements/<int:endorsement_id>/remove")
@require_role(*AUTHORS)
def remove_statement_endorsement(slug: str, endorsement_id: int):
    endorsement = _endorsement_or_404(slug, endorsement_id)
    remove_endorsement(
        db.session, endorsement, now=utcnow(), actor_id=actor().id, origin=request_origin()
    )
    db.session.commit()
    flash(_("The endorsement and its contact address are deleted."), "success")
    return _back_to_list(slug)
