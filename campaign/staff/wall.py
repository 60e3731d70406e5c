"""Moderating the walls of support: posts waiting, reported posts, published posts, and each
campaign's switches. Admins and the campaign's campaigners only; the rules live in
campaign.wall. Authors' addresses never appear here: staff judge the words and the photo; the
CSV export carries them only when staff tick the box, and is audited either way."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from campaign.campaigns.permissions import campaigns_editable_by, can_edit_campaign
from campaign.extensions import db
from campaign.models import Campaign, SupporterMessage, utcnow
from campaign.privacy.exports import csv_chunks
from campaign.staff.blueprint import bp
from campaign.staff.campaigns import AUTHORS
from campaign.staff.forms import ActionForm
from campaign.staff.guards import actor, editable_campaign_or_404, request_origin, require_role
from campaign.wall.export import export_posts
from campaign.wall.messages import REPORT_REASON_LABELS
from campaign.wall.moderation import (
    MODERATION_STATES,
    REASON_MAX,
    InvalidReason,
    PostNotConfirmed,
    PostNotPending,
    approve_post,
    change_wall_settings,
    moderation_queue,
    reject_post,
    report_reasons,
)
from campaign.wall.posting import delete_post
from campaign.web.images import discard_images


@bp.get("/wall")
@require_role(*AUTHORS)
def wall():
    state = request.args.get("state", "pending")
    if state not in MODERATION_STATES:
        abort(400)
    among = campaigns_editable_by(actor())
    posts = moderation_queue(db.session, state=state, among=among)
    return render_template(
        "staff/wall.html",
        state=state,
        posts=posts,
        reports=report_reasons(db.session, [p.id for p in posts]),
        reason_labels=REPORT_REASON_LABELS,
        campaigns=db.session.scalars(among.order_by(Campaign.slug)).all(),
        reason_max=REASON_MAX,
    )


def _post_or_404(post_id: int) -> SupporterMessage:
    post = db.session.get(SupporterMessage, post_id)
    if post is None or not can_edit_campaign(actor(), post.campaign):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    return post


def _back():
    return redirect(url_for("staff.wall", state=request.form.get("state", "pending")), code=303)


@bp.post("/wall/<int:post_id>/approve")
@require_role(*AUTHORS)
def approve_wall_post(post_id: int):
    post = _post_or_404(post_id)
    try:
        approve_post(db.session, post, now=utcnow())
    except PostNotConfirmed:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash(_("The message is on the wall."), "success")
    return _back()


@bp.post("/wall/<int:post_id>/reject")
@require_role(*AUTHORS)
def reject_wall_post(post_id: int):
    post = _post_or_404(post_id)
    try:
        files = reject_post(db.session, post, reason=request.form.get("reason", ""))
    except (PostNotConfirmed, PostNotPending):
        db.session.rollback()
        abort(409)
    except InvalidReason:
        db.session.rollback()
        flash(_("The reason must be 500 characters or fewer."), "error")
        return _back()
    db.session.commit()
    discard_images(current_app.config["UPLOAD_DIR"], files)
    flash(_("The message is rejected and deleted; its author is told by email."), "success")
    return _back()


@bp.post("/wall/<int:post_id>/remove")
@require_role(*AUTHORS)
def remove_wall_post(post_id: int):
    post = _post_or_404(post_id)
    files = delete_post(db.session, post)
    db.session.commit()
    discard_images(current_app.config["UPLOAD_DIR"], files)
    flash(_("The message and its photo are deleted."), "success")
    return _back()


@bp.post("/wall/campaigns/<slug>/settings")
@require_role(*AUTHORS)
def wall_settings(slug: str):
    campaign = editable_campaign_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    change_wall_settings(
        db.session,
        campaign,
        enabled=request.form.get("wall_enabled") == "on",
        unmoderated=request.form.get("wall_unmoderated") == "on",
        actor_id=actor().id,
        origin=request_origin(),
    )
    db.session.commit()
    flash(_("The wall’s settings are saved."), "success")
    return _back()


@bp.post("/wall/campaigns/<slug>/export")
@require_role(*AUTHORS)
def export_wall(slug: str):
    campaign = editable_campaign_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    export = export_posts(
        db.session,
        campaign,
        include_email=request.form.get("include_email") == "on",
        lang=str(get_locale()),
        actor_id=actor().id,
        origin=request_origin(),
    )
    db.session.commit()  # recorded before the file leaves
    # With a BOM: the names are in every script, and Excel reads UTF-8 only when told.
    body = b"".join(csv_chunks(export.header, [export.rows], bom=True))
    response = Response(body, mimetype="text/csv")
    response.charset = "utf-8"
    day = utcnow().date().isoformat()
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{campaign.slug}-wall-{day}.csv"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
