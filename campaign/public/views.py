"""Public pages: home, campaign, petition with its sign form, confirmation."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from campaign.campaigns.permissions import can_view_campaign, can_view_petition
from campaign.database import Write, reads_only
from campaign.delivery.receipts import (
    issue_receipt,
    new_receipt_code,
    own_receipt,
    receipt_email,
    receipt_email_write,
    receipt_hash,
)
from campaign.extensions import db
from campaign.mail.addresses import address_policy
from campaign.mail.emails import EmailTemplate
from campaign.models import Campaign, Petition, utcnow
from campaign.petitions.attribution import genuine_referral_code, referral_code, referrer_for
from campaign.petitions.closing import closing
from campaign.petitions.opt_in import SignerStanding, opt_in_to_updates, signer_standing
from campaign.petitions.resending import resend_request, resend_token
from campaign.petitions.sharing import channel_from
from campaign.petitions.signing import (
    ConfirmationRefused,
    InvalidSignature,
    PetitionNotOpen,
    SignatureData,
    SigningPaused,
    confirm_signature,
    public_id_from_token,
    sign_petition,
    signature_from_token,
)
from campaign.petitions.switches import signing_paused, site_signing_paused
from campaign.protection.sealing import sealing_for
from campaign.public.forms import SignForm
from campaign.public.messages import FIELD_ERRORS, consent_text
from campaign.public.personal_pages import personal_page
from campaign.statements.listing import (
    Filters,
    latest_statements,
    statements_for_campaign,
    statements_for_petition,
)
from campaign.updates.outcomes import OUTCOME_LABELS, latest_outcome
from campaign.wall.messages import REPORT_REASON_LABELS
from campaign.wall.moderation import latest_posts
from campaign.wall.posting import wall_open
from campaign.web import pagecache
from campaign.web.clients import client_key
from campaign.web.forgery import require_same_origin
from campaign.web.framing import allow_framing
from campaign.web.honeypot import caught
from campaign.web.i18n import LANG_PREFIX, best_locale, organisation_name
from campaign.web.inputs import require_utf8_form
from campaign.web.metrics import SIGNATURES_CONFIRMED, SIGNINGS
from campaign.web.pagecache import cached_page
from campaign.web.ratelimits import resending_limit, signing_limit
from campaign.web.tokens import ExpiredToken, InvalidToken

bp = Blueprint("public", __name__, url_prefix=LANG_PREFIX)
HOME_STATEMENTS = 4  # the newest statements under the campaigns on the home page
CAMPAIGN_WALL_POSTS = 4  # the newest posts of its wall of support on a campaign's page
root = Blueprint("root", __name__)


@bp.url_value_preprocessor
def _pull_lang(_endpoint, values) -> None:
    # The route's converter admits only supported languages.
    g.lang = values.pop("lang")


@bp.url_defaults
def _add_lang(_endpoint, values) -> None:
    values.setdefault("lang", g.get("lang", "en"))


@root.get("/")
def negotiate():
    response = redirect(url_for("public.home", lang=best_locale(request.accept_languages)))
    response.vary.add("Accept-Language")
    return response


def _cacheable(response):
    """Public pages hold nothing personal and set no cookie, so a shared cache may keep them.

    A preview is the exception: only staff see it, and no cache may keep it.
    """
    if g.get("preview"):
        response.cache_control.no_store = True
        response.cache_control.private = True
        return response
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_CACHE_SECONDS"]
    return response


def _not_shared(response):
    """A page made for this URL's query alone: no shared cache may hand it to someone else."""
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.max_age = 0
    return response


def _carry_attribution(form: SignForm, src: str | None, ref: str | None) -> bool:
    """Keep the channel and referral code in the sign form if genuine; True if any is."""
    form.src.data = channel_from(src)
    form.ref.data = genuine_referral_code(current_app.config["SECRET_KEY"], ref)
    return bool(form.src.data or form.ref.data)


def _staff_sees(item, can_view) -> bool:
    """Whether the logged-in staff member, if any, may see `item`, hidden from the public. Asked
    only about items in preview, because reading the session cookie would make every public page
    vary by cookie; a page showing one is a preview (a banner, never cached)."""
    if current_user.is_authenticated and can_view(current_user._get_current_object(), item):
        g.preview = True
        return True
    return False


def visible_here(item, can_view, *, in_preview: bool) -> bool:
    """Whether whoever is looking may see `item` (a campaign, petition or statement) at its
    public address: the public rule, or, for an item in preview, the staff who may edit it."""
    return can_view(None, item) or (in_preview and _staff_sees(item, can_view))


def _public_petition(slug: str, *, preview: bool = True) -> Petition:
    """The petition at its public address, or 404. With `preview` (pages), a petition in
    preview too for the staff who may edit it; without (images, widgets, what other sites or
    caches keep), only as the public sees it."""
    # The campaign's texts, members and other petitions load only if a template asks for them
    # (the signing POST never does).
    petition = db.session.scalar(
        select(Petition)
        .where(Petition.slug == slug)
        .options(joinedload(Petition.campaign).lazyload("*"))
    )
    if petition is None or not visible_here(
        petition, can_view_petition, in_preview=preview and petition.is_preview()
    ):
        abort(404)
    return petition


def _petition_to_sign(slug: str) -> Petition:
    """The petition a sign form posts to, kept for a moment like its page: a crowd of signers
    then costs no query for it. Detached from the session, so no commit expires it; confirming
    reads the petition afresh, so a signature made in the moment after it closed never counts."""

    if "HTTP_COOKIE" in request.environ:
        # Perhaps staff signing a petition in preview: neither from nor into the cache.
        return _public_petition(slug)

    def load() -> Petition:
        petition = _public_petition(slug)
        db.session.expunge(petition.campaign)
        if petition.protection_key is not None:
            db.session.expunge(petition.protection_key)
        db.session.expunge(petition)
        return petition

    # Signing needs the petition's status and texts, not its count.
    return pagecache.remembered(("petition-to-sign", slug), load, shows_counts=False)


@bp.get("/")
@cached_page()
def home():
    campaigns = db.session.scalars(
        select(Campaign)
        .where(Campaign.status == "published")
        .order_by(Campaign.published_at.desc())
    ).all()
    page = render_template(
        "public/home.html",
        campaigns=campaigns,
        statements=latest_statements(db.session, Filters(), limit=HOME_STATEMENTS),
    )
    return _cacheable(current_app.make_response(page))


@bp.get("/campaigns/<slug>")
@cached_page()
def campaign(slug: str):
    found = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if found is None or not visible_here(
        found, can_view_campaign, in_preview=found.status == "preview"
    ):
        abort(404)
    petitions = [
        p for p in found.petitions if visible_here(p, can_view_petition, in_preview=p.is_preview())
    ]
    page = render_template(
        "public/campaign.html",
        campaign=found,
        petitions=petitions,
        statements=statements_for_campaign(db.session, found.id),
        wall_open=wall_open(found),
        wall_posts=(
            latest_posts(db.session, found.id, limit=CAMPAIGN_WALL_POSTS)
            if wall_open(found)
            else []
        ),
        # Every post shown can be reported, here as on the wall.
        wall_reasons=list(REPORT_REASON_LABELS.items()),
    )
    return _cacheable(current_app.make_response(page))


PAUSED_RETRY_AFTER = 600


@bp.app_template_global("signing_paused_now")
def petition_paused(petition: Petition) -> bool:
    site_paused = pagecache.remembered(
        ("site-signing-paused",), lambda: site_signing_paused(db.session), shows_counts=False
    )
    return signing_paused(
        petition, site_paused=site_paused, forced=current_app.config["SIGNING_PAUSED"]
    )


@bp.route("/petitions/<slug>", methods=["GET", "POST"])
@cached_page(bypass_args=("src", "ref"))
@signing_limit
def petition(slug: str):
    found = _petition_to_sign(slug) if request.method == "POST" else _public_petition(slug)
    if request.method == "POST":
        require_same_origin()
        request.max_content_length = current_app.config["MAX_SIGN_FORM_BYTES"]
        require_utf8_form()
    form = SignForm()
    if request.method == "GET":
        attributed = _carry_attribution(form, request.args.get("src"), request.args.get("ref"))
    else:
        attributed = _carry_attribution(form, form.src.data, form.ref.data)
    channel = form.src.data
    # The widget's form posts here and must get its answers inside the other site's frame.
    embedded = request.method == "POST" and channel == "embed"
    if embedded:
        allow_framing()
    status = 200
    paused = petition_paused(found)
    if request.method == "POST":
        data = SignatureData(
            name=form.name.data or "",
            email=form.email.data or "",
            country=form.country.data or "",
            consent_text=consent_text(organisation_name()) if form.consent.data else "",
            newsletter=bool(form.newsletter.data),
            source_channel=channel,
            referrer_id=None,
        )
    if request.method == "POST" and found.is_open(utcnow()) and not paused and caught(form, "sign"):
        # The answer a real signer gets, so the bot cannot tell; nothing stored, nothing sent.
        return _check_your_email(found, embedded, data)
    if request.method == "POST":
        data = replace(
            data,
            referrer_id=referrer_for(
                db.session, found, current_app.config["SECRET_KEY"], form.ref.data
            ),
        )
        try:
            _sign(found, data, paused=paused)
        except PetitionNotOpen:
            db.session.rollback()
            status = 409
        except SigningPaused:
            db.session.rollback()
            status = 503
        except InvalidSignature as exc:
            db.session.rollback()
            for field, key in exc.errors.items():
                getattr(form, field).errors = [FIELD_ERRORS[(field, key)]]
            status = 422
        else:
            db.session.commit()
            SIGNINGS.inc()
            return _check_your_email(found, embedded, data)
        # The page shows the campaign's texts, which the petition kept for signing lacks.
        found = _public_petition(slug)
    form.set_country_choices(g.lang)
    outcome = latest_outcome(db.session, found.id, now=utcnow())
    page = render_template(
        "embed/petition.html" if embedded else "public/petition.html",
        petition=found,
        form=form,
        consent=consent_text(organisation_name()),
        is_open=found.is_open(utcnow()),
        paused=paused,
        closing=closing(found, utcnow(), current_app.config["ORGANISATION_TIMEZONE"]),
        statements=statements_for_petition(db.session, found.id),
        outcome=outcome,
        outcome_on=format_date(outcome.send_at, "long") if outcome else None,
        outcome_labels=OUTCOME_LABELS,
    )
    response = current_app.make_response((page, status))
    if status == 503:
        response.headers["Retry-After"] = str(PAUSED_RETRY_AFTER)
    if request.method != "GET":
        return response
    return _not_shared(response) if attributed else _cacheable(response)


def _sign(petition: Petition, data: SignatureData, *, paused: bool) -> None:
    config = current_app.config
    sealing = sealing_for(petition)
    sign_petition(
        db.session,
        petition,
        data,
        locale=g.lang,
        now=utcnow(),
        secret_key=config["SECRET_KEY"],
        max_emails=config["MAX_EMAILS_PER_SIGNATURE"],
        addresses=address_policy(),
        # A protected petition records no trace of the signer's connection.
        ip_hash=None if sealing else client_key(),
        paused=paused,
        sealing=sealing,
    )


def _check_your_email(petition: Petition, embedded: bool, data: SignatureData):
    """The answer to a signing. On our site it is the page itself, not a redirect: it carries,
    in a hidden field, what its "send the email again" button needs (campaign.petitions.resending),
    so it is made for this visitor and kept by no cache."""
    if embedded:
        return redirect(url_for("embed.check_email", slug=petition.slug, lang=g.lang), 303)
    token = resend_token(current_app.config["SECRET_KEY"], petition.id, data)
    return _personal_check_email(petition, token)


def _personal_check_email(petition: Petition, token: str, *, sent_again: bool = False, status=200):
    # Rendering this page was most of what a signing cost; all of it but the token is the same
    # for every signer of the petition in a language.
    if token:
        page = personal_page(
            "public/check_email.html", petition.id, token=token, sent_again=sent_again
        )
    else:
        page = render_template("public/check_email.html", petition=petition, token="")
    response = current_app.make_response((page, status))
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


@bp.post("/petitions/<slug>/resend")
@resending_limit
def resend(slug: str):
    """ "Send the email again": the signing once more, from the token the page carried."""
    found = _petition_to_sign(slug)
    require_same_origin()
    require_utf8_form()
    token = request.form.get("resend", "")
    try:
        data = resend_request(
            current_app.config["SECRET_KEY"],
            token,
            petition_id=found.id,
            consent_text=consent_text(current_app.config["ORGANISATION_NAME"]),
        )
        _sign(found, data, paused=petition_paused(found))
    except InvalidToken:
        db.session.rollback()
        return _personal_check_email(found, "", status=400)
    except PetitionNotOpen:
        db.session.rollback()
        return _personal_check_email(found, "", status=409)
    except SigningPaused:
        db.session.rollback()
        response = _personal_check_email(found, "", status=503)
        response.headers["Retry-After"] = str(PAUSED_RETRY_AFTER)
        return response
    except InvalidSignature:
        # Only a token made before the rules changed can hold what they now refuse.
        db.session.rollback()
        return _personal_check_email(found, "", status=400)
    db.session.commit()
    return _personal_check_email(found, token, sent_again=True)


@bp.get("/privacy")
@cached_page()
def privacy():
    config = current_app.config
    page = render_template(
        "public/privacy.html",
        pending_days=config["PURGE_PENDING_DAYS"],
        closed_months=config["PURGE_CLOSED_MONTHS"],
        privacy_contact=config["PRIVACY_CONTACT"],
        security_contact=config["SECURITY_CONTACT"],
        reminders=config["REMINDER_AFTER"] > 0,
    )
    return _cacheable(current_app.make_response(page))


@bp.get("/petitions/<slug>/check-your-email")
@cached_page()
def check_email(slug: str):
    found = _public_petition(slug)
    return _cacheable(
        current_app.make_response(render_template("public/check_email.html", petition=found))
    )


def _confirmation_problem(problem: str):
    status = {"invalid": 400, "expired": 410, "closed": 409}[problem]
    return current_app.make_response(
        (render_template("public/confirm_problem.html", problem=problem), status)
    )


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    try:
        if request.method == "GET":
            response = current_app.make_response(_confirmation_page(token))
        else:
            require_same_origin()
            response = current_app.make_response(_confirm(token))
    except ExpiredToken:
        response = _confirmation_problem("expired")
    except (InvalidToken, ConfirmationRefused):
        db.session.rollback()
        response = _confirmation_problem("invalid")
    except PetitionNotOpen:
        db.session.rollback()
        response = _confirmation_problem("closed")
    # The token is a credential: keep it out of other sites' logs and out of caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


def _confirmation_page(token: str):
    """The page a confirmation link opens: a button, so that no mail scanner confirms."""
    config = current_app.config
    reads_only(db.session())
    signature = signature_from_token(
        db.session, config["SECRET_KEY"], token, max_age=config["SIGNATURE_TOKEN_MAX_AGE"]
    )
    confirmed = signature.is_confirmed
    return personal_page(
        "public/confirm.html",
        signature.petition_id,
        token=token,
        ref=referral_code(config["SECRET_KEY"], signature.public_id) if confirmed else None,
        confirmed=confirmed,
    )


def _confirm(token: str):
    config = current_app.config
    public_id = public_id_from_token(
        config["SECRET_KEY"], token, max_age=config["SIGNATURE_TOKEN_MAX_AGE"]
    )
    # The signer's receipt, written with the confirmation and shown on this page alone.
    receipt = new_receipt_code()

    def receipt_by_email(petition_id: int, locale: str) -> Write:
        # The receipt by email too, with the confirmation or not at all; in the signer's language.
        return receipt_email_write(public_id, _receipt_email(petition_id, locale), receipt)

    result = confirm_signature(
        db.session,
        public_id,
        now=utcnow(),
        receipt_hash=receipt_hash(receipt),
        written_with_count=receipt_by_email,
    )
    if not result.newly_confirmed:
        # Confirmed before: a receipt only if it never had one (confirmed before receipts).
        receipt = issue_receipt(db.session, public_id)
    db.session.commit()
    if result.newly_confirmed:
        SIGNATURES_CONFIRMED.inc()
    petition_id = result.signature.petition_id
    count = result.signature_count
    if count is None:
        # Counted before: show the count as it is now.
        count = db.session.scalar(
            select(Petition.signature_count).where(Petition.id == petition_id)
        )
    return _confirmed_page(
        token, public_id, petition_id, count, receipt=receipt, standing=result.standing
    )


def _receipt_email(petition_id: int, locale: str) -> EmailTemplate:
    """Rendered once per petition and language in this process: a confirmation only fills it."""
    return pagecache.remembered(
        ("receipt-email", petition_id, locale),
        lambda: receipt_email(db.session.get(Petition, petition_id), locale),
        shows_counts=False,
    )


def _confirmed_page(
    token: str,
    public_id: str,
    petition_id: int,
    count: int,
    *,
    opted_in: bool = False,
    receipt: str | None = None,
    standing: SignerStanding | None = None,
) -> str:
    """ "Your signature counts", with its next steps: the updates opt-in only to a signer who
    did not tick it, and word that it is recorded right after they do. `standing`, when the
    confirmation read it, spares a query (and the transaction it would open after the commit)."""
    if standing is None:
        standing = signer_standing(db.session, public_id)
    return personal_page(
        "public/confirmed.html",
        petition_id,
        token=token,
        ref=None
        if standing.protected
        else referral_code(current_app.config["SECRET_KEY"], public_id),
        count=count,
        receipt=receipt,
        offer_updates=not opted_in and not standing.wants_updates and not standing.protected,
        opted_in=opted_in,
    )


@bp.post("/confirm/<token>/updates")
def opt_in(token: str):
    """The one-click "send me updates" on the confirmed page, authorised by the same token."""
    config = current_app.config
    require_same_origin()
    try:
        public_id = public_id_from_token(
            config["SECRET_KEY"], token, max_age=config["SIGNATURE_TOKEN_MAX_AGE"]
        )
        if not opt_in_to_updates(db.session, public_id):
            raise ConfirmationRefused("no confirmed signature")
    except ExpiredToken:
        response = _confirmation_problem("expired")
    except (InvalidToken, ConfirmationRefused):
        db.session.rollback()
        response = _confirmation_problem("invalid")
    else:
        db.session.commit()
        link = signature_from_token(
            db.session, config["SECRET_KEY"], token, max_age=config["SIGNATURE_TOKEN_MAX_AGE"]
        )
        count = db.session.scalar(
            select(Petition.signature_count).where(Petition.id == link.petition_id)
        )
        # The receipt shown before the opt-in stays on the page, if it is this signature's.
        receipt = own_receipt(db.session, public_id, request.form.get("receipt", ""))
        response = current_app.make_response(
            _confirmed_page(
                token, public_id, link.petition_id, count, opted_in=True, receipt=receipt
            )
        )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


@bp.app_template_global()
def campaign_statements(campaign: Campaign) -> list:
    """The campaign's published statements, for the confirmed page's next steps (rendered once
    per petition and language, campaign.public.personal_pages)."""
    return statements_for_campaign(db.session, campaign.id)
