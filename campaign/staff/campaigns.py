"""Authoring: campaigns and their petitions, texts per language, preview, status, team."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from campaign.campaigns.authoring import (
    CAMPAIGN_TRANSITIONS,
    PETITION_TRANSITIONS,
    CampaignData,
    InvalidContent,
    NotACampaigner,
    PetitionData,
    ProtectionLocked,
    SlugLocked,
    SlugTaken,
    add_member,
    change_campaign_status,
    change_petition_status,
    protection_settled,
    publish_and_open,
    remove_member,
    save_campaign,
    save_petition,
)
from campaign.campaigns.permissions import campaigns_editable_by
from campaign.extensions import db
from campaign.models import Campaign, Petition, ProtectionKey, User, utcnow
from campaign.petitions.closing import local_from_utc, utc_from_local
from campaign.staff.authoring_forms import (
    change_status,
    previewing,
    previews,
    show_problems,
    text_data,
    texts_from,
)
from campaign.staff.blueprint import bp
from campaign.staff.confirming import confirmation_page, is_confirmed
from campaign.staff.forms import ActionForm, CampaignForm, MemberForm, PetitionForm, StatusForm
from campaign.staff.guards import (
    actor,
    editable_campaign_or_404,
    editable_petition_or_404,
    request_origin,
    require_role,
)
from campaign.statements.authoring import linked_statements
from campaign.web.images import STORED_NAME, InvalidImage, reencode_image, store_image

AUTHORS = ("admin", "campaigner")


def _chosen_hero_image(form) -> str | None:
    """The image chosen on this form: a new upload, stored at once so that a preview or a
    refused save keeps it (stored names come from the content), or the one kept from an earlier
    submission of the same form. Raises InvalidImage."""
    directory = Path(current_app.config["UPLOAD_DIR"])
    upload = form.hero_image.data
    if upload and getattr(upload, "filename", ""):
        limit = current_app.config["HERO_IMAGE_MAX_BYTES"]
        image = reencode_image(
            upload.read(limit + 1),
            max_bytes=limit,
            max_side=current_app.config["HERO_IMAGE_MAX_SIDE"],
        )
        form.pending_hero_image.data = store_image(directory, *image)
        return form.pending_hero_image.data
    pending = form.pending_hero_image.data or ""
    if STORED_NAME.match(pending) and (directory / pending).is_file():
        return pending
    form.pending_hero_image.data = ""
    return None


def _keep_hero_image(form) -> None:
    """Store the chosen image before the form comes back (preview, mistakes)."""
    try:
        _chosen_hero_image(form)
    except InvalidImage as exc:
        form.hero_image.errors = [_image_problem(exc.reason)]


def _image_problem(reason: str) -> str:
    if reason == "too_large":
        megabytes = current_app.config["HERO_IMAGE_MAX_BYTES"] / (1024 * 1024)
        return _(
            "The image is larger than %(size)s MB. Upload a smaller one.",
            size=format_decimal(megabytes, format="#,##0.#"),
        )
    if reason == "too_many_pixels":
        return _("The image has too many pixels. Upload a smaller one.")
    return _("This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF image.")


@bp.get("/campaigns")
@require_role(*AUTHORS)
def campaigns():
    found = db.session.scalars(
        campaigns_editable_by(actor()).order_by(Campaign.created_at.desc())
    ).all()
    return render_template("staff/campaigns.html", campaigns=found)


def _campaign_form_page(form, campaign: Campaign | None, status: int, previews=None):
    context = {"form": form, "campaign": campaign, "previews": previews}
    if campaign is not None:
        context.update(
            transitions=CAMPAIGN_TRANSITIONS[campaign.status],
            action_form=ActionForm(),
            member_form=_member_form(campaign),
            linked_statements=linked_statements(db.session, campaign),
        )
    return render_template("staff/campaign_form.html", **context), status


def _member_form(campaign: Campaign) -> MemberForm:
    form = MemberForm()
    candidates = db.session.scalars(
        select(User).where(User.role == "campaigner", User.active).order_by(User.email)
    ).all()
    form.user_id.choices = [
        SelectChoice(u.id, u.email) for u in candidates if u not in campaign.members
    ]
    return form


def _save_campaign_form(form, campaign: Campaign | None):
    """Save the submitted form; a redirect on success, else the form page with its errors."""
    data = CampaignData(
        slug=(form.slug.data or "").strip(),
        hashtag=form.hashtag.data or "",
        default_locale=form.default_locale.data,
        texts=texts_from(form),
        donation_url=form.donation_url.data or "",
        hero_focus_x=form.hero_focus_x.data,
        hero_focus_y=form.hero_focus_y.data,
    )
    try:
        image = _chosen_hero_image(form)
        saved = save_campaign(db.session, campaign, data, author=actor())
    except InvalidImage as exc:
        db.session.rollback()
        form.hero_image.errors = [_image_problem(exc.reason)]
    except (InvalidContent, SlugTaken, SlugLocked) as exc:
        db.session.rollback()
        show_problems(form, exc, data.default_locale)
    else:
        if image is not None:
            saved.hero_image = image
        elif form.remove_hero_image.data:
            saved.hero_image = None
        db.session.commit()
        flash(_("Campaign saved."), "success")
        return redirect(url_for("staff.edit_campaign", slug=saved.slug), code=303)
    return _campaign_form_page(form, campaign, 422)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@require_role(*AUTHORS)
def new_campaign():
    form = CampaignForm()
    if previewing():
        _keep_hero_image(form)
        return _campaign_form_page(form, None, 200, previews(form))
    if form.validate_on_submit():
        return _save_campaign_form(form, None)
    if request.method == "POST":
        _keep_hero_image(form)
        return _campaign_form_page(form, None, 422)
    return _campaign_form_page(form, None, 200)


@bp.route("/campaigns/<slug>", methods=["GET", "POST"])
@require_role(*AUTHORS)
def edit_campaign(slug: str):
    campaign = editable_campaign_or_404(slug)
    if request.method == "GET":
        form = CampaignForm(
            data={
                "slug": campaign.slug,
                "hashtag": campaign.hashtag or "",
                "donation_url": campaign.donation_url or "",
                "default_locale": campaign.default_locale,
                "hero_focus_x": campaign.hero_focus_x,
                "hero_focus_y": campaign.hero_focus_y,
                **text_data(campaign, ("title", "summary", "body", "hero_alt")),
            }
        )
        return _campaign_form_page(form, campaign, 200)
    form = CampaignForm()
    if previewing():
        _keep_hero_image(form)
        return _campaign_form_page(form, campaign, 200, previews(form))
    if form.validate_on_submit():
        return _save_campaign_form(form, campaign)
    _keep_hero_image(form)
    return _campaign_form_page(form, campaign, 422)


@bp.post("/campaigns/<slug>/status")
@require_role(*AUTHORS)
def campaign_status(slug: str):
    return change_status(
        editable_campaign_or_404(slug), change_campaign_status, "staff.edit_campaign"
    )


@bp.post("/campaigns/<slug>/members")
@require_role(*AUTHORS)
def add_campaign_member(slug: str):
    campaign = editable_campaign_or_404(slug)
    form = _member_form(campaign)
    if not form.validate_on_submit():
        flash(_("Choose a campaigner from the list."), "error")
        return redirect(url_for("staff.edit_campaign", slug=slug, _anchor="team"), code=303)
    user = db.session.get(User, form.user_id.data)
    try:
        add_member(campaign, user, actor_id=actor().id, origin=request_origin())
    except NotACampaigner:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash(_("%(email)s joined the team.", email=user.email), "success")
    return redirect(url_for("staff.edit_campaign", slug=slug, _anchor="team"), code=303)


@bp.post("/campaigns/<slug>/members/<int:user_id>/remove")
@require_role(*AUTHORS)
def remove_campaign_member(slug: str, user_id: int):
    campaign = editable_campaign_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    remove_member(campaign, user, actor_id=actor().id, origin=request_origin())
    db.session.commit()
    flash(_("%(email)s left the team.", email=user.email), "success")
    return redirect(url_for("staff.edit_campaign", slug=slug, _anchor="team"), code=303)


def _organisation_timezone() -> str:
    return current_app.config["ORGANISATION_TIMEZONE"]


def _protection_choices(form) -> None:
    keys = db.session.execute(
        select(ProtectionKey.id, ProtectionKey.name).order_by(ProtectionKey.name)
    ).all()
    form.protected_by.choices = [SelectChoice("", _("Not protected"))] + [
        SelectChoice(str(key.id), key.name) for key in keys
    ]


def _protection_locked(petition: Petition | None) -> bool:
    """Whether the petition has opened or anyone has signed: then the protection shows but
    cannot be changed."""
    return petition is not None and protection_settled(db.session, petition)


def _petition_data(form, petition: Petition | None) -> PetitionData:
    closes_at = form.closes_at.data
    if _protection_locked(petition):
        protection = (petition.protection_key_id, petition.count_by_country)
    else:
        chosen = form.protected_by.data
        protection = (int(chosen) if chosen else None, bool(form.count_by_country.data))
    return PetitionData(
        slug=(form.slug.data or "").strip(),
        default_locale=form.default_locale.data,
        texts=texts_from(form),
        goal=form.goal.data,
        raise_goal_automatically=bool(form.raise_goal_automatically.data),
        closes_at=utc_from_local(closes_at, _organisation_timezone()) if closes_at else None,
        protection_key_id=protection[0],
        count_by_country=protection[1],
    )


def _petition_form_page(form, campaign, petition, status: int, previews=None):
    _protection_choices(form)
    context = {
        "form": form,
        "campaign": campaign,
        "petition": petition,
        "previews": previews,
        "timezone": _organisation_timezone(),
    }
    context["protection_locked"] = _protection_locked(petition)
    context["protection_key"] = (
        db.session.get(ProtectionKey, petition.protection_key_id)
        if petition is not None and petition.protection_key_id
        else None
    )
    if petition is not None:
        # Opening goes through its own button and confirmation (go_live), never a bare status.
        context["transitions"] = [s for s in PETITION_TRANSITIONS[petition.status] if s != "open"]
        context["go_live_label"] = go_live_label(petition)
    return render_template("staff/petition_form.html", **context), status


def _save_petition_form(form, campaign: Campaign, petition: Petition | None):
    data = _petition_data(form, petition)
    try:
        saved = save_petition(
            db.session,
            campaign,
            petition,
            data,
            now=utcnow(),
            actor_id=actor().id,
            origin=request_origin(),
        )
    except (InvalidContent, SlugTaken, SlugLocked, ProtectionLocked) as exc:
        db.session.rollback()
        show_problems(form, exc, data.default_locale)
        return _petition_form_page(form, campaign, petition, 422)
    db.session.commit()
    flash(_("Petition saved."), "success")
    return redirect(url_for("staff.edit_petition", slug=saved.slug), code=303)


@bp.route("/campaigns/<slug>/petitions/new", methods=["GET", "POST"])
@require_role(*AUTHORS)
def new_petition(slug: str):
    campaign = editable_campaign_or_404(slug)
    form = PetitionForm(default_locale=campaign.default_locale)
    _protection_choices(form)
    if previewing():
        return _petition_form_page(form, campaign, None, 200, previews(form))
    if form.validate_on_submit():
        return _save_petition_form(form, campaign, None)
    return _petition_form_page(form, campaign, None, 422 if request.method == "POST" else 200)


@bp.route("/petitions/<slug>/edit", methods=["GET", "POST"])
@require_role(*AUTHORS)
def edit_petition(slug: str):
    petition = editable_petition_or_404(slug)
    campaign = petition.campaign
    if request.method == "GET":
        closes_at = petition.closes_at
        form = PetitionForm(
            data={
                "slug": petition.slug,
                "goal": petition.goal,
                "raise_goal_automatically": petition.raise_goal_automatically,
                "closes_at": local_from_utc(closes_at, _organisation_timezone())
                if closes_at
                else None,
                "default_locale": petition.default_locale,
                "protected_by": str(petition.protection_key_id or ""),
                "count_by_country": petition.count_by_country,
                **text_data(petition, ("title", "body", "share_text", "target")),
            }
        )
        return _petition_form_page(form, campaign, petition, 200)
    form = PetitionForm()
    _protection_choices(form)
    if previewing():
        return _petition_form_page(form, campaign, petition, 200, previews(form))
    if form.validate_on_submit():
        return _save_petition_form(form, campaign, petition)
    return _petition_form_page(form, campaign, petition, 422)


def _petition_title(petition: Petition) -> str:
    return petition.text_for(str(get_locale())).title


def _campaign_title(campaign: Campaign) -> str:
    return campaign.text_for(str(get_locale())).title


@bp.post("/petitions/<slug>/status")
@require_role(*AUTHORS)
def petition_status(slug: str):
    petition = editable_petition_or_404(slug)
    status = request.form.get("status")
    if status == "open" and petition.campaign.status != "published":
        # Opened alone, it would answer 404 to the public: both go live together, once confirmed.
        return redirect(url_for("staff.go_live", slug=petition.slug), code=303)
    if status == "closed" and not is_confirmed():
        if not StatusForm().validate_on_submit():
            abort(400)
        return confirmation_page(
            title=_("Close this petition for good?"),
            consequences=[
                _("Signing stops for good: a closed petition never opens again."),
                _(
                    "The page keeps its final count of confirmed signatures: %(count)s.",
                    count=format_decimal(petition.signature_count),
                ),
            ],
            action=url_for("staff.petition_status", slug=petition.slug),
            fields={"status": "closed"},
            button=_("Close for good"),
            back=url_for("staff.edit_petition", slug=petition.slug),
        )
    return change_status(petition, change_petition_status, "staff.edit_petition")


@bp.route("/petitions/<slug>/go-live", methods=["GET", "POST"])
@require_role(*AUTHORS)
def go_live(slug: str):
    """Publish the campaign and open the petition, after one confirmation page."""
    petition = editable_petition_or_404(slug)
    if request.method == "POST" and not ActionForm().validate_on_submit():
        abort(400)
    if petition.status not in ("draft", "preview"):
        flash(_("This petition is open or closed already."), "error")
        return redirect(url_for("staff.edit_petition", slug=petition.slug), code=303)
    campaign = petition.campaign
    if not is_confirmed():
        consequences = []
        if campaign.status != "published":
            consequences.append(
                _(
                    "The campaign “%(title)s” becomes public at its address.",
                    title=_campaign_title(campaign),
                )
            )
        consequences += [
            _(
                "The petition “%(title)s” opens: anyone can sign it.",
                title=_petition_title(petition),
            ),
            _("Their web addresses cannot change any more: links to them will be shared."),
        ]
        return confirmation_page(
            title=_("Publish the campaign and open the petition?")
            if campaign.status != "published"
            else _("Open the petition for signatures?"),
            consequences=consequences,
            action=url_for("staff.go_live", slug=petition.slug),
            button=go_live_label(petition),
            back=url_for("staff.edit_petition", slug=petition.slug),
        )
    published = publish_and_open(
        petition, now=utcnow(), actor_id=actor().id, origin=request_origin()
    )
    db.session.commit()
    flash(
        _("The campaign is published and the petition is open.")
        if published
        else _("The petition is open."),
        "success",
    )
    return redirect(url_for("staff.edit_petition", slug=petition.slug), code=303)


def go_live_label(petition: Petition) -> str:
    if petition.campaign.status != "published":
        return _("Publish campaign and open petition")
    return _("Open for signatures")
