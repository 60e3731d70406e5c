"""The embeddable widget: a petition's counter, sign form and share links in another site's frame.

The only pages other sites may frame (campaign.web.framing), so they show only what the public may
see: a petition in preview is not there, for staff either. No locale prefix: `?lang=` chooses the
language, or the visitor's browser does. The sign form posts to the petition's own route, which
answers inside the frame when the form says it came from here (`src=embed`).
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request

from campaign.config import LOCALES
from campaign.models import utcnow
from campaign.public.forms import SignForm
from campaign.public.messages import consent_text
from campaign.public.views import _cacheable, _public_petition, petition_paused
from campaign.web.framing import allow_framing
from campaign.web.i18n import best_locale, organisation_name

bp = Blueprint("embed", __name__, url_prefix="/embed")


def _choose_language() -> bool:
    """Set the page's language; True when it came from the browser rather than the URL."""
    lang = request.args.get("lang")
    if lang in LOCALES:
        g.lang = lang
        return False
    g.lang = best_locale(request.accept_languages)
    return True


def _respond(template: str, negotiated: bool, **context):
    response = _cacheable(current_app.make_response(render_template(template, **context)))
    if negotiated:
        response.vary.add("Accept-Language")
    return response


@bp.get("/petitions/<slug>")
def petition(slug: str):
    negotiated = _choose_language()
    found = _public_petition(slug, preview=False)
    allow_framing()
    form = SignForm()
    form.set_country_choices(g.lang)
    form.src.data = "embed"
    return _respond(
        "embed/petition.html",
        negotiated,
        petition=found,
        form=form,
        consent=consent_text(organisation_name()),
        is_open=found.is_open(utcnow()),
        paused=petition_paused(found),
    )


@bp.get("/petitions/<slug>/check-your-email")
def check_email(slug: str):
    negotiated = _choose_language()
    found = _public_petition(slug, preview=False)
    allow_framing()
    return _respond("embed/check_email.html", negotiated, petition=found)
