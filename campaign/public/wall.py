"""A campaign's wall of support: the wall, the posting form, the email link's confirmation, the
author's own page (delete the post, or only its photo), and readers' reports.

The rules live in campaign.wall; the routes join the public blueprint.
"""

from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from campaign.extensions import db
from campaign.mail.addresses import address_policy
from campaign.models import Campaign, SupporterMessage, utcnow
from campaign.petitions.signing import ConfirmationRefused, public_id_from_token
from campaign.public.views import _cacheable, bp
from campaign.wall.forms import WallPostForm
from campaign.wall.messages import (
    PHOTO_ERRORS,
    POST_ERRORS,
    REPORT_REASON_LABELS,
    wall_consent_text,
)
from campaign.wall.moderation import PageOutOfRange, report_post, wall_page
from campaign.wall.photos import process_photo, store_photo
from campaign.wall.posting import (
    InvalidPost,
    KnownAddress,
    NoPhotoToBlur,
    PostData,
    PostNotFound,
    WallClosed,
    blur_photo,
    confirm_post,
    delete_post,
    drop_photo,
    known_address_from_signature,
    post_from_author_token,
    post_from_confirm_token,
    post_message,
    validate_post,
    wall_open,
)
from campaign.web.clients import client_key
from campaign.web.forgery import require_same_origin
from campaign.web.honeypot import caught
from campaign.web.i18n import country_name, organisation_name
from campaign.web.images import InvalidImage, discard_images
from campaign.web.pagecache import cached_page
from campaign.web.ratelimits import wall_posting_limit, wall_report_limit
from campaign.web.tokens import ExpiredToken, InvalidToken

# Room for the form's other fields beside the largest photo.
FORM_ALLOWANCE = 64 * 1024


def _wall_campaign(slug: str) -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None or not wall_open(campaign):
        abort(404)
    return campaign


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        abort(404)
    return int(raw)


def _private(response):
    """A page made for one visitor's link: kept by no cache, its token sent to no other site."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


@bp.app_template_global("wall_place")
def wall_place(post: SupporterMessage) -> str:
    return country_name(post.country, g.lang) if post.country else ""


@bp.get("/campaigns/<slug>/wall")
@cached_page(query_args=("page",))
def wall(slug: str):
    campaign = _wall_campaign(slug)
    try:
        found = wall_page(db.session, campaign.id, _page_number())
    except PageOutOfRange:
        abort(404)
    page = render_template(
        "public/wall.html",
        campaign=campaign,
        page=found,
        reasons=list(REPORT_REASON_LABELS.items()),
        alternate_query={"page": found.number} if found.number > 1 else None,
    )
    return _cacheable(current_app.make_response(page))


def _known_address(campaign: Campaign, token: str | None) -> KnownAddress | None:
    """The address a confirmed signature's link proves, or None for no link or a bad one."""
    if not token:
        return None
    config = current_app.config
    try:
        public_id = public_id_from_token(
            config["SECRET_KEY"], token, max_age=config["SIGNATURE_TOKEN_MAX_AGE"]
        )
        return known_address_from_signature(db.session, campaign, public_id)
    except (InvalidToken, ConfirmationRefused):
        return None


def _form_page(campaign: Campaign, form: WallPostForm, known: KnownAddress | None, status=200):
    form.set_country_choices(g.lang)
    page = render_template(
        "public/wall_new.html",
        campaign=campaign,
        form=form,
        known=known is not None,
        consent=wall_consent_text(organisation_name()),
    )
    return current_app.make_response((page, status))


def _photo_too_large(campaign: Campaign):
    """A body larger than the largest photo is not read at all, so the form comes back empty,
    with the photo's own explanation rather than a bare error page."""
    form = WallPostForm(formdata=None, message_language=g.lang)
    form.photo.errors = [PHOTO_ERRORS["too_large"]]
    return _form_page(campaign, form, None, status=413)


@bp.route("/campaigns/<slug>/wall/new", methods=["GET", "POST"])
@cached_page(bypass_args=("signed",))
@wall_posting_limit
def new_wall_post(slug: str):
    campaign = _wall_campaign(slug)
    if request.method == "GET":
        form = WallPostForm(formdata=None, message_language=g.lang)
        known = _known_address(campaign, request.args.get("signed"))
        if known is None:
            return _cacheable(_form_page(campaign, form, None))
        form.signed.data = request.args["signed"]
        return _private(_form_page(campaign, form, known))
    require_same_origin()
    config = current_app.config
    request.max_content_length = config["WALL_PHOTO_MAX_BYTES"] + FORM_ALLOWANCE
    try:
        form = WallPostForm()
    except RequestEntityTooLarge:
        return _private(_photo_too_large(campaign))
    known = _known_address(campaign, form.signed.data)
    if known is None:
        form.signed.data = ""
    if caught(form, "wall post"):
        return redirect(url_for("public.wall_check_email", slug=campaign.slug), code=303)
    data = PostData(
        display_name=form.display_name.data or "",
        email=form.email.data or "",
        country=form.country.data or "",
        message=form.message.data or "",
        consent_text=wall_consent_text(organisation_name()) if form.consent.data else "",
        # A form without the question (an older page still open) speaks the page's language.
        message_language=form.message_language.data or g.lang,
    )
    policy = address_policy()
    try:
        validate_post(data, policy, known=known)
    except InvalidPost as exc:
        for field, key in exc.errors.items():
            getattr(form, field).errors = [POST_ERRORS[(field, key)]]
        return _private(_form_page(campaign, form, known, status=422))
    stored = None
    upload = request.files.get(form.photo.name)
    if upload is not None and upload.filename:
        try:
            photo = process_photo(
                upload.read(config["WALL_PHOTO_MAX_BYTES"] + 1),
                max_bytes=config["WALL_PHOTO_MAX_BYTES"],
            )
        except InvalidImage as exc:
            form.photo.errors = [PHOTO_ERRORS[exc.reason]]
            return _private(_form_page(campaign, form, known, status=422))
        stored = store_photo(config["UPLOAD_DIR"], photo)
    try:
        post_message(
            db.session,
            campaign,
            data,
            photo=stored,
            locale=g.lang,
            now=utcnow(),
            secret_key=config["SECRET_KEY"],
            addresses=policy,
            known=known,
        )
    except WallClosed:
        db.session.rollback()
        abort(404)
    db.session.commit()
    endpoint = "public.wall_posted" if known else "public.wall_check_email"
    return redirect(url_for(endpoint, slug=campaign.slug), code=303)


@bp.get("/campaigns/<slug>/wall/check-your-email")
@cached_page()
def wall_check_email(slug: str):
    page = render_template("public/wall_sent.html", campaign=_wall_campaign(slug), confirmed=False)
    return _cacheable(current_app.make_response(page))


@bp.get("/campaigns/<slug>/wall/thank-you")
@cached_page()
def wall_posted(slug: str):
    page = render_template("public/wall_sent.html", campaign=_wall_campaign(slug), confirmed=True)
    return _cacheable(current_app.make_response(page))


def _link_problem(problem: str):
    page = render_template("public/wall_problem.html", problem=problem)
    return current_app.make_response((page, 410 if problem in ("expired", "gone") else 400))


@bp.route("/wall/confirm/<token>", methods=["GET", "POST"])
def confirm_wall_post(token: str):
    config = current_app.config
    try:
        post = post_from_confirm_token(
            db.session, config["SECRET_KEY"], token, max_age=config["WALL_TOKEN_MAX_AGE"]
        )
    except ExpiredToken:
        return _private(_link_problem("expired"))
    except InvalidToken:
        return _private(_link_problem("invalid"))
    except PostNotFound:
        return _private(_link_problem("gone"))
    if request.method == "POST":
        require_same_origin()
        confirm_post(db.session, post, now=utcnow())
        db.session.commit()
        page = render_template("public/wall_confirmed.html", post=post, campaign=post.campaign)
    else:
        page = render_template(
            "public/wall_confirm.html", post=post, campaign=post.campaign, token=token
        )
    return _private(current_app.make_response(page))


@bp.route("/wall/mine/<token>", methods=["GET", "POST"])
def my_wall_post(token: str):
    """The author's link: delete the post, or keep the words and drop or blur the photo."""
    try:
        post = post_from_author_token(db.session, current_app.config["SECRET_KEY"], token)
    except InvalidToken:
        return _private(_link_problem("invalid"))
    except PostNotFound:
        return _private(_link_problem("gone"))
    campaign = post.campaign
    done = None
    if request.method == "POST":
        require_same_origin()
        action = request.form.get("action")
        if action == "delete":
            files = delete_post(db.session, post)
            done = "deleted"
        elif action == "drop_photo" and post.photo:
            files = drop_photo(db.session, post)
            done = "photo_dropped"
        elif action == "blur_photo":
            try:
                files = blur_photo(db.session, post, current_app.config["UPLOAD_DIR"])
                done = "photo_blurred"
            except NoPhotoToBlur:
                files = []
                done = "nothing_to_blur"
        else:
            abort(400)
        db.session.commit()
        # Only once the rows are gone for good: a failed commit leaves the files in place.
        discard_images(current_app.config["UPLOAD_DIR"], files)
    page = render_template(
        "public/wall_mine.html",
        post=None if done == "deleted" else post,
        campaign=campaign,
        token=token,
        done=done,
    )
    return _private(current_app.make_response(page))


@bp.post("/campaigns/<slug>/wall/<int:post_id>/report")
@wall_report_limit
def report_wall_post(slug: str, post_id: int):
    campaign = _wall_campaign(slug)
    require_same_origin()
    post = db.session.get(SupporterMessage, post_id)
    if post is None or post.campaign_id != campaign.id:
        abort(404)
    report_post(
        db.session,
        post,
        reason=request.form.get("reason", ""),
        reporter_key=client_key(),
        threshold=current_app.config["WALL_REPORT_THRESHOLD"],
        now=utcnow(),
    )
    db.session.commit()
    page = render_template("public/wall_reported.html", campaign=campaign)
    return _private(current_app.make_response(page))
