"""Statement pages: the filtered listing, its Atom feed, one statement, endorsing it."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from campaign.campaigns.permissions import can_view_campaign, can_view_petition, can_view_statement
from campaign.extensions import db
from campaign.mail.addresses import address_policy
from campaign.models import Statement, utcnow
from campaign.petitions.signing import SigningPaused
from campaign.petitions.switches import site_signing_paused
from campaign.public.forms import SignForm
from campaign.public.messages import consent_text
from campaign.public.views import (
    PAUSED_RETRY_AFTER,
    _add_lang,
    _cacheable,
    _pull_lang,
    petition_paused,
    visible_here,
)
from campaign.statements.display import present, published_at
from campaign.statements.endorsing import (
    EndorsementClosed,
    EndorsementData,
    EndorsementNotFound,
    InvalidEndorsement,
    endorse_statement,
    endorsement_from_token,
)
from campaign.statements.endorsing import confirm_endorsement as confirm_endorsed
from campaign.statements.feeds import FeedEntry, atom_feed
from campaign.statements.forms import EndorseForm
from campaign.statements.listing import (
    Filters,
    InvalidFilter,
    PageOutOfRange,
    feed_cache_key,
    find_statements,
    latest_statements,
    listing_cache_key,
    parse_filters,
    parse_page,
    published_countries,
    published_years,
)
from campaign.statements.messages import (
    ENDORSEMENT_ERRORS,
    FILTER_ERRORS,
    endorsement_consent_text,
)
from campaign.statements.vocabulary import KIND_LABELS, TOPIC_LABELS, sorted_countries
from campaign.web.forgery import require_same_origin
from campaign.web.honeypot import caught
from campaign.web.i18n import LANG_PREFIX, LANGUAGE_NAMES, country_name, organisation_name
from campaign.web.inputs import require_utf8_form
from campaign.web.links import absolute_url
from campaign.web.pagecache import cached_page
from campaign.web.ratelimits import endorsing_limit
from campaign.web.tokens import ExpiredToken, InvalidToken

bp = Blueprint("statements", __name__, url_prefix=LANG_PREFIX)
bp.url_value_preprocessor(_pull_lang)
bp.url_defaults(_add_lang)

FEED_SIZE = 50


@bp.app_template_global("statement_view")
def statement_view(statement: Statement):
    """A statement as the current page's reader sees it, for templates of other pages."""
    return present(statement, str(get_locale()))


def _public_statement(slug: str, *, preview: bool = False) -> Statement:
    """A published statement; with `preview`, a draft too for the staff who may edit it
    (statements have no preview status: a draft is what staff preview)."""
    statement = db.session.scalar(select(Statement).where(Statement.slug == slug))
    if statement is None or not visible_here(statement, can_view_statement, in_preview=preview):
        abort(404)
    return statement


def _filter_choices(filters: Filters) -> dict:
    """The options of the filter form; a chosen value stays selectable even if nothing has it."""
    countries = set(published_countries(db.session))
    years = published_years(db.session)
    if filters.country:
        countries.add(filters.country)
    if filters.year is not None and filters.year not in years:
        years = sorted({*years, filters.year}, reverse=True)
    return {
        "countries": sorted_countries(countries, g.lang),
        "kinds": list(KIND_LABELS.items()),
        "topics": list(TOPIC_LABELS.items()),
        "years": years,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in current_app.config["LOCALES"]],
    }


@bp.get("/statements")
@cached_page(query_key=listing_cache_key)
def index():
    try:
        filters = parse_filters(request.args)
        number = parse_page(request.args.get("page"))
    except InvalidFilter as exc:
        page = render_template(
            "statements/index.html",
            filters=Filters(),
            page=None,
            items=[],
            problem=FILTER_ERRORS[exc.field],
            choices=_filter_choices(Filters()),
        )
        return current_app.make_response((page, 400))
    try:
        found = find_statements(db.session, filters, page=number)
    except PageOutOfRange:
        abort(404)
    items = [present(s, g.lang, text_locale=filters.language or None) for s in found.items]
    page = render_template(
        "statements/index.html",
        filters=filters,
        page=found,
        items=items,
        problem=None,
        choices=_filter_choices(filters),
        # Each page of the listing is a page of its own for search engines.
        alternate_query={"page": number} if number > 1 else None,
    )
    return _cacheable(current_app.make_response(page))


@bp.get("/statements/feed.atom")
@cached_page(query_key=feed_cache_key)
def feed():
    try:
        filters = parse_filters(request.args)
    except InvalidFilter:
        abort(400)
    lang = g.lang
    entries = []
    for statement in latest_statements(db.session, filters, limit=FEED_SIZE):
        view = present(statement, lang, text_locale=filters.language or None)
        url = absolute_url("statements.show", lang=lang, slug=statement.slug)
        entries.append(
            FeedEntry(
                id=url,
                url=url,
                title=view.heading,
                lang=view.text.locale,
                published=published_at(statement),
                updated=statement.updated_at,
                summary=view.text.excerpt,
                content_html=str(view.text.body_markup()),
                categories=tuple(label for _slug, label in view.topics),
            )
        )
    params = filters.as_params()
    self_url = absolute_url("statements.feed", lang=lang, **params)
    body = atom_feed(
        feed_id=self_url,
        title=_("Statements") + " · " + organisation_name(),
        lang=lang,
        self_url=self_url,
        html_url=absolute_url("statements.index", lang=lang, **params),
        author=organisation_name(),
        updated=max((e.updated for e in entries), default=utcnow()),
        entries=entries,
    )
    return _cacheable(Response(body, mimetype="application/atom+xml"))


def _site_paused() -> bool:
    return current_app.config["SIGNING_PAUSED"] or site_signing_paused(db.session)


def _statement_page(statement: Statement, *, endorse_form: EndorseForm | None, status: int = 200):
    lang = g.lang
    now = utcnow()
    petitions = [p for p in statement.petitions if can_view_petition(None, p)]
    petition_to_sign = next((p for p in petitions if p.is_open(now)), None)
    petition_form = None
    if petition_to_sign is not None:
        petition_form = SignForm(formdata=None)
        petition_form.set_country_choices(lang)
    if endorse_form is None and statement.accepts_endorsements:
        endorse_form = EndorseForm(formdata=None)
        endorse_form.set_country_choices(lang)
    organisation = organisation_name()
    page = render_template(
        "statements/show.html",
        view=present(statement, lang),
        statement=statement,
        body=statement.text_for(lang).body_markup(),
        signatories=[
            (s, country_name(s.country, lang) if s.country else "") for s in statement.signatories
        ],
        campaigns=[c for c in statement.campaigns if can_view_campaign(None, c)],
        petitions=petitions,
        petition_to_sign=petition_to_sign,
        petition_form=petition_form,
        sign_consent=consent_text(organisation),
        endorse_form=endorse_form if statement.accepts_endorsements else None,
        endorse_consent=endorsement_consent_text(organisation),
        petition_paused=petition_to_sign is not None and petition_paused(petition_to_sign),
        endorsing_paused=_site_paused(),
    )
    return current_app.make_response((page, status))


@bp.get("/statements/<slug>")
@cached_page()
def show(slug: str):
    return _cacheable(_statement_page(_public_statement(slug, preview=True), endorse_form=None))


@bp.post("/statements/<slug>/endorse")
@endorsing_limit
def endorse(slug: str):
    statement = _public_statement(slug)
    require_same_origin()
    request.max_content_length = current_app.config["MAX_SIGN_FORM_BYTES"]
    require_utf8_form()
    form = EndorseForm()
    form.set_country_choices(g.lang)
    paused = _site_paused()
    if statement.accepts_endorsements and not paused and caught(form, "endorsement"):
        # The answer a real endorser gets, so the bot cannot tell; nothing stored or sent.
        return _endorse_check_email(statement)
    organisation = organisation_name()
    data = EndorsementData(
        organisation=form.organisation.data or "",
        country=form.country.data or "",
        website=form.website.data or "",
        email=form.email.data or "",
        consent_text=endorsement_consent_text(organisation) if form.consent.data else "",
    )
    try:
        endorse_statement(
            db.session,
            statement,
            data,
            locale=g.lang,
            now=utcnow(),
            secret_key=current_app.config["SECRET_KEY"],
            max_emails=current_app.config["MAX_EMAILS_PER_SIGNATURE"],
            addresses=address_policy(),
            paused=paused,
        )
    except EndorsementClosed:
        db.session.rollback()
        return _statement_page(statement, endorse_form=None, status=409)
    except SigningPaused:
        db.session.rollback()
        response = _statement_page(statement, endorse_form=form, status=503)
        response.headers["Retry-After"] = str(PAUSED_RETRY_AFTER)
        return response
    except InvalidEndorsement as exc:
        db.session.rollback()
        for field, key in exc.errors.items():
            getattr(form, field).errors = [ENDORSEMENT_ERRORS[(field, key)]]
        return _statement_page(statement, endorse_form=form, status=422)
    db.session.commit()
    return _endorse_check_email(statement)


def _endorse_check_email(statement: Statement):
    return redirect(url_for("statements.endorse_check_email", slug=statement.slug), code=303)


@bp.get("/statements/<slug>/endorse/check-your-email")
def endorse_check_email(slug: str):
    statement = _public_statement(slug)
    page = render_template("statements/check_email.html", view=present(statement, g.lang))
    return _cacheable(current_app.make_response(page))


@bp.route("/endorsements/confirm/<token>", methods=["GET", "POST"])
def confirm_endorsement(token: str):
    try:
        endorsement = endorsement_from_token(
            db.session,
            current_app.config["SECRET_KEY"],
            token,
            max_age=current_app.config["ENDORSEMENT_TOKEN_MAX_AGE"],
        )
    except ExpiredToken:
        endorsement, problem = None, "expired"
    except (InvalidToken, EndorsementNotFound):
        endorsement, problem = None, "invalid"
    if endorsement is None:
        page = render_template("statements/confirm_problem.html", problem=problem)
        response = current_app.make_response((page, 410 if problem == "expired" else 400))
    elif request.method == "GET":
        page = render_template(
            "statements/confirm.html",
            token=token,
            endorsement=endorsement,
            view=present(endorsement.statement, g.lang),
        )
        response = current_app.make_response(page)
    else:
        require_same_origin()
        try:
            confirm_endorsed(db.session, endorsement, now=utcnow())
        except EndorsementClosed:
            db.session.rollback()
            page = render_template("statements/confirm_problem.html", problem="closed")
            response = current_app.make_response((page, 409))
        else:
            db.session.commit()
            page = render_template(
                "statements/confirmed.html", view=present(endorsement.statement, g.lang)
            )
            response = current_app.make_response(page)
    # The token is a credential: keep it out of other sites' logs and out of caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response
