"""The organisation's own tools (administrators only): webhook endpoints and their recent
deliveries, API tokens. A secret is shown once, in the answer to the POST that made it: never in
a URL, a flash message (the session cookie is signed, not encrypted) or a later page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice, SelectField, URLField
from wtforms.validators import Length

from campaign.extensions import db
from campaign.integrations.endpoints import (
    URL_MAX,
    InvalidEndpoint,
    add_endpoint,
    recent_deliveries,
    replay,
    rotate_secret,
    set_paused,
)
from campaign.integrations.events import EVENTS
from campaign.integrations.tokens import revoke_token, tokens
from campaign.models import Petition, WebhookEndpoint, utcnow
from campaign.staff.blueprint import bp
from campaign.staff.forms import MultiCheckboxField
from campaign.staff.guards import actor, request_origin, require_role

EVERY_PETITION = ""
_URL_PROBLEMS = {
    "required": _l("Enter the address of your tool's webhook receiver"),
    "invalid": _l("Enter an address like https://crm.example.org/webhooks"),
    "scheme": _l("The address must start with https://"),
    "credentials": _l("The address must not hold a user name or password"),
    "platform": _l("The address points at this platform itself"),
    "http": _l("The address must start with https://"),
    "private": _l(
        "The address leads to a private or local network, or nowhere: only public https "
        "addresses are allowed"
    ),
}
DELIVERY_LABELS = {
    "pending": _l("Waiting"),
    "delivered": _l("Delivered"),
    "failed": _l("Given up"),
}
_FIELD_PROBLEMS = {
    "events": _l("Choose at least one event"),
    "petition": _l("Choose a petition from the list"),
}


class WebhookForm(FlaskForm):
    """Parsing only: campaign.integrations.endpoints decides what is acceptable."""

    url = URLField(
        _l("Receiver address"),
        validators=[Length(max=URL_MAX)],
        description=_l("An https address of your CRM or automation tool."),
    )
    events = MultiCheckboxField(
        _l("Events"), choices=[SelectChoice(e, e) for e in EVENTS], validate_choice=False
    )
    petition = SelectField(_l("Petition"), choices=[], validate_choice=False)


def _webhook_form() -> WebhookForm:
    form = WebhookForm(prefix="webhook")
    lang = str(get_locale())
    petitions = db.session.scalars(select(Petition).order_by(Petition.slug)).all()
    form.petition.choices = [SelectChoice(EVERY_PETITION, _("Every petition"))] + [
        SelectChoice(p.slug, (p.text_for(lang).title if p.text_for(lang) else p.slug))
        for p in petitions
    ]
    return form


def _page(form: WebhookForm, status: int, *, secret: str | None = None, secret_for=None):
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    return render_template(
        "staff/integrations.html",
        form=form,
        endpoints=endpoints,
        deliveries={e.id: recent_deliveries(db.session, e.id) for e in endpoints},
        petition_slugs={
            row.id: row.slug for row in db.session.execute(select(Petition.id, Petition.slug))
        },
        tokens=tokens(db.session),
        secret=secret,
        secret_for=secret_for,
        delivery_labels=DELIVERY_LABELS,
    ), status


def _endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


@bp.get("/integrations")
@require_role("admin")
def integrations():
    return _page(_webhook_form(), 200)


@bp.post("/integrations/webhooks")
@require_role("admin")
def add_webhook():
    form = _webhook_form()
    if form.validate_on_submit():
        try:
            endpoint, secret = add_endpoint(
                db.session,
                form.url.data or "",
                form.events.data or [],
                petition_slug=form.petition.data or None,
                allow_http=current_app.config["WEBHOOKS_ALLOW_HTTP"],
                base_url=current_app.config["BASE_URL"],
                actor_id=actor().id,
                origin=request_origin(),
            )
        except InvalidEndpoint as exc:
            db.session.rollback()
            for name, problem in exc.errors.items():
                message = _URL_PROBLEMS[problem] if name == "url" else _FIELD_PROBLEMS[name]
                getattr(form, name).errors = [str(message)]
        else:
            db.session.commit()
            return _page(_webhook_form(), 201, secret=secret, secret_for=endpoint.id)
    return _page(form, 422)


@bp.post("/integrations/webhooks/<int:endpoint_id>/rotate")
@require_role("admin")
def rotate_webhook_secret(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    secret = rotate_secret(db.session, endpoint, actor_id=actor().id, origin=request_origin())
    db.session.commit()
    return _page(_webhook_form(), 200, secret=secret, secret_for=endpoint.id)


@bp.post("/integrations/webhooks/<int:endpoint_id>/pause")
@require_role("admin")
def pause_webhook(endpoint_id: int):
    return _set_paused(endpoint_id, True, _("The endpoint is paused: its deliveries wait."))


@bp.post("/integrations/webhooks/<int:endpoint_id>/resume")
@require_role("admin")
def resume_webhook(endpoint_id: int):
    return _set_paused(endpoint_id, False, _("The endpoint is resumed."))


def _set_paused(endpoint_id: int, paused: bool, message: str):
    endpoint = _endpoint_or_404(endpoint_id)
    set_paused(db.session, endpoint, paused, actor_id=actor().id, origin=request_origin())
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("staff.integrations"), code=303)


@bp.post("/integrations/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/replay")
@require_role("admin")
def replay_webhook_delivery(endpoint_id: int, delivery_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    if not replay(
        db.session,
        endpoint,
        delivery_id,
        now=utcnow(),
        actor_id=actor().id,
        origin=request_origin(),
    ):
        abort(404)
    db.session.commit()
    flash(_("The delivery will be sent again in a moment."), "success")
    return redirect(url_for("staff.integrations"), code=303)


@bp.post("/integrations/tokens/<int:token_id>/revoke")
@require_role("admin")
def revoke_api_token(token_id: int):
    if not revoke_token(
        db.session, token_id, now=utcnow(), actor_id=actor().id, origin=request_origin()
    ):
        abort(404)
    db.session.commit()
    flash(_("The token is revoked: the API refuses it from now on."), "success")
    return redirect(url_for("staff.integrations"), code=303)
