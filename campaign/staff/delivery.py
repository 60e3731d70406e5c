"""Delivering a petition: build the signed pack as a .zip, list the packs, mark one delivered."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from campaign.delivery.delivering import InvalidDelivery, mark_delivered, petition_packs
from campaign.delivery.packs import PackProblem, make_pack
from campaign.extensions import db
from campaign.models import DeliveryPack, Petition, utcnow
from campaign.staff.blueprint import bp
from campaign.staff.forms import DeliveredForm, DeliveryPackForm
from campaign.staff.guards import actor, editable_petition_or_404, request_origin, require_role
from campaign.web.i18n import organisation_name
from campaign.web.links import absolute_url

# Admins, and campaigners of the petition's campaign (editable_petition_or_404).
DELIVERERS = ("admin", "campaigner")
DELIVERY_PROBLEMS = {
    "future": lambda: _("The day of delivery cannot be in the future."),
    "before_pack": lambda: _("The pack was made after that day."),
    "too_long": lambda: _("The note is too long."),
}


def _page(petition: Petition, form: DeliveryPackForm, status: int = 200, problem: str = ""):
    page = render_template(
        "staff/delivery.html",
        petition=petition,
        form=form,
        delivered_form=DeliveredForm(formdata=None, delivered_on=utcnow().date()),
        packs=petition_packs(db.session, petition.id),
        problem=problem,
    )
    return page, status


@bp.get("/petitions/<slug>/delivery")
@require_role(*DELIVERERS)
def delivery(slug: str):
    petition = editable_petition_or_404(slug)
    return _page(petition, DeliveryPackForm(formdata=None, language=petition.default_locale))


@bp.post("/petitions/<slug>/delivery")
@require_role(*DELIVERERS)
def build_delivery_pack(slug: str):
    petition = editable_petition_or_404(slug)
    form = DeliveryPackForm()
    if not form.validate():
        return _page(petition, form, 422)
    language = form.language.data
    config = current_app.config
    workspace = Path(tempfile.mkdtemp(prefix="delivery-"))
    try:
        pack = make_pack(
            db.session,
            petition,
            workspace / "pack",
            language=language,
            to=form.cut_off.data,
            now=utcnow(),
            key_file=Path(config["DELIVERY_KEY_FILE"]),
            font_dir=Path(config["DELIVERY_FONT_DIR"]),
            min_country_count=config["COUNTRY_MIN_COUNT"],
            organisation=organisation_name(language),
            public_url=absolute_url("public.petition", lang=language, slug=petition.slug),
            actor_id=actor().id,
            origin=request_origin(),
            via="web",
        )
        archive = workspace / "pack.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            for path in sorted((workspace / "pack").iterdir()):
                zipped.write(path, arcname=path.name)
    except PackProblem as exc:
        db.session.rollback()
        shutil.rmtree(workspace, ignore_errors=True)
        # The reasons are for whoever runs the platform (a missing key or fonts, a date).
        current_app.logger.warning("delivery pack refused: %s", exc)
        return _page(petition, form, 422, problem=_pack_problem(exc.reason))
    except BaseException:
        shutil.rmtree(workspace, ignore_errors=True)
        raise
    db.session.commit()
    # Open, then removed from the disk: the download reads the open file, and nothing of the
    # pack stays behind on the server, however the download ends.
    download = archive.open("rb")
    shutil.rmtree(workspace, ignore_errors=True)
    response = send_file(
        download,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{petition.slug}-delivery-{pack.cut_off.date().isoformat()}.zip",
        max_age=0,
    )
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


def _pack_problem(reason: str) -> str:
    if reason == "future":
        return _("The cut-off day cannot be in the future.")
    if reason == "key":
        return _(
            "The platform has no signing key yet: whoever runs it must run "
            "`campaign keys generate`."
        )
    return _("The pack could not be made. Whoever runs the platform will find why in its log.")


@bp.post("/petitions/<slug>/delivery/<int:pack_id>/delivered")
@require_role(*DELIVERERS)
def mark_pack_delivered(slug: str, pack_id: int):
    petition = editable_petition_or_404(slug)
    pack = db.session.get(DeliveryPack, pack_id)
    if pack is None or pack.petition_id != petition.id:
        abort(404)
    form = DeliveredForm()
    problem = ""
    if form.validate():
        try:
            mark_delivered(
                db.session,
                pack,
                on=form.delivered_on.data,
                note=form.note.data or "",
                now=utcnow(),
                actor_id=actor().id,
                origin=request_origin(),
            )
        except InvalidDelivery as exc:
            db.session.rollback()
            problem = DELIVERY_PROBLEMS[str(exc)]()
        else:
            db.session.commit()
            flash(_("The petition is marked delivered; its public page says so."), "success")
            return redirect(url_for("staff.delivery", slug=petition.slug), code=303)
    else:
        problem = next(iter(form.errors.values()))[0]
    return _page(petition, DeliveryPackForm(formdata=None), 422, problem=str(problem))
