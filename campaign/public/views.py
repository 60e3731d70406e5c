"""Public pages: home, campaign, petition with its sign form, confirmation."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from campaign import pagecache
from campaign.config import LOCALES
from campaign.extensions import db
from campaign.forgery import require_same_origin
from campaign.i18n import best_locale
from campaign.models import Campaign, Petition, utcnow
from campaign.pagecache import cached_page
from campaign.public.forms import SignForm
from campaign.public.messages import FIELD_ERRORS, consent_text
from campaign.signing import (
    ConfirmationRefused,
    InvalidSignature,
    PetitionNotOpen,
    SignatureData,
    confirm_signature,
    sign_petition,
    signature_from_token,
)
from campaign.tokens import ExpiredToken, InvalidToken

bp = Blueprint("public", __name__, url_prefix="/<lang>")
root = Blueprint("root", __name__)


@bp.url_value_preprocessor
def _pull_lang(_endpoint, values) -> None:
    lang = (values or {}).pop("lang", None)
    if lang not in LOCALES:
        abort(404)
    g.lang = lang


@bp.url_defaults
def _add_lang(_endpoint, values) -> None:
    values.setdefault("lang", g.get("lang", "en"))


@root.get("/")
def negotiate():
    response = redirect(url_for("public.home", lang=best_locale(request.accept_languages)))
    response.vary.add("Accept-Language")
    return response


def _cacheable(response):
    """Public pages hold nothing personal and set no cookie, so a shared cache may keep them."""
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_CACHE_SECONDS"]
    return response


def _public_petition(slug: str) -> Petition:
    # The campaign's own texts load only if a template asks for them (the signing POST never does).
    petition = db.session.scalar(
        select(Petition)
        .where(Petition.slug == slug)
        .options(joinedload(Petition.campaign).lazyload(Campaign.texts))
    )
    if petition is None or not petition.is_public():
        abort(404)
    return petition


def _petition_to_sign(slug: str) -> Petition:
    """The petition a sign form posts to, kept for a moment like its page: a crowd of signers
    then costs no query for it. Detached from the session, so no commit expires it; confirming
    reads the petition afresh, so a signature made in the moment after it closed never counts."""

    def load() -> Petition:
        petition = _public_petition(slug)
        db.session.expunge(petition.campaign)
        db.session.expunge(petition)
        return petition

    return pagecache.remembered(("petition-to-sign", slug), load)


@bp.get("/")
def home():
    campaigns = db.session.scalars(
        select(Campaign)
        .where(Campaign.status == "published")
        .order_by(Campaign.published_at.desc())
    ).all()
    return _cacheable(
        current_app.make_response(render_template("public/home.html", campaigns=campaigns))
    )


@bp.get("/campaigns/<slug>")
def campaign(slug: str):
    found = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if found is None or found.status == "draft":
        abort(404)
    petitions = [p for p in found.petitions if p.is_public()]
    page = render_template("public/campaign.html", campaign=found, petitions=petitions)
    return _cacheable(current_app.make_response(page))


@bp.route("/petitions/<slug>", methods=["GET", "POST"])
@cached_page()
def petition(slug: str):
    found = _petition_to_sign(slug) if request.method == "POST" else _public_petition(slug)
    if request.method == "POST":
        require_same_origin()
        request.max_content_length = current_app.config["MAX_SIGN_FORM_BYTES"]
    form = SignForm()
    status = 200
    if request.method == "POST":
        data = SignatureData(
            name=form.name.data or "",
            email=form.email.data or "",
            country=form.country.data or "",
            consent_text=consent_text(current_app.config["ORGANISATION_NAME"])
            if form.consent.data
            else "",
            newsletter=bool(form.newsletter.data),
        )
        try:
            sign_petition(
                db.session,
                found,
                data,
                locale=g.lang,
                now=utcnow(),
                secret_key=current_app.config["SECRET_KEY"],
                max_emails=current_app.config["MAX_EMAILS_PER_SIGNATURE"],
            )
        except PetitionNotOpen:
            db.session.rollback()
            status = 409
        except InvalidSignature as exc:
            db.session.rollback()
            for field, key in exc.errors.items():
                getattr(form, field).errors = [FIELD_ERRORS[(field, key)]]
            status = 422
        else:
            db.session.commit()
            return redirect(url_for("public.check_email", slug=slug), code=303)
        # The page shows the campaign's texts, which the petition kept for signing lacks.
        found = _public_petition(slug)
    form.set_country_choices(g.lang)
    page = render_template(
        "public/petition.html",
        petition=found,
        form=form,
        consent=consent_text(current_app.config["ORGANISATION_NAME"]),
        is_open=found.is_open(utcnow()),
    )
    response = current_app.make_response((page, status))
    return _cacheable(response) if request.method == "GET" else response


@bp.get("/petitions/<slug>/check-your-email")
@cached_page()
def check_email(slug: str):
    found = _public_petition(slug)
    return _cacheable(
        current_app.make_response(render_template("public/check_email.html", petition=found))
    )


def _signature_for(token: str):
    try:
        return signature_from_token(
            db.session,
            current_app.config["SECRET_KEY"],
            token,
            max_age=current_app.config["SIGNATURE_TOKEN_MAX_AGE"],
        ), None
    except ExpiredToken:
        return None, "expired"
    except (InvalidToken, ConfirmationRefused):
        return None, "invalid"


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    signature, problem = _signature_for(token)
    if signature is None:
        response = current_app.make_response(
            (
                render_template("public/confirm_problem.html", problem=problem),
                400 if problem == "invalid" else 410,
            )
        )
    elif request.method == "GET":
        response = current_app.make_response(
            render_template(
                "public/confirm.html",
                token=token,
                petition=signature.petition,
                confirmed=signature.is_confirmed,
            )
        )
    else:
        require_same_origin()
        try:
            result = confirm_signature(db.session, signature, now=utcnow())
        except PetitionNotOpen:
            db.session.rollback()
            response = current_app.make_response(
                (render_template("public/confirm_problem.html", problem="closed"), 409)
            )
        else:
            # The page shows what this transaction wrote (confirm_signature keeps the loaded
            # objects up to date), so nothing needs reading back after the commit.
            session = db.session()
            session.expire_on_commit = False
            try:
                session.commit()
            finally:
                session.expire_on_commit = True
            response = current_app.make_response(
                render_template("public/confirmed.html", petition=result.signature.petition)
            )
    # The token is a credential: keep it out of other sites' logs and out of caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response
