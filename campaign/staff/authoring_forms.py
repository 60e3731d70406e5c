"""What the authoring forms (campaigns, petitions, statements) share: texts per language,
Markdown previews, the authoring domain's refusals shown on fields, status buttons."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from campaign.campaigns.authoring import (
    InvalidContent,
    InvalidTransition,
    ProtectionLocked,
    SlugLocked,
    SlugTaken,
    TextData,
)
from campaign.extensions import db
from campaign.models import utcnow
from campaign.staff.forms import StatusForm
from campaign.staff.guards import actor, request_origin
from campaign.text.markdown import render_markdown
from campaign.web.i18n import LANGUAGE_NAMES


def _content_message(key: str, problem: str, default_locale: str) -> str:
    if problem == "direction_controls":
        return _(
            "Remove the invisible characters that change the direction of text "
            "(U+202A to U+202E, U+2066 to U+2069)"
        )
    if key == "slug":
        return _("Use lowercase letters, digits and hyphens, like stop-torture-now")
    if key == "hashtag":
        return _("A hashtag has letters, digits and underscores only")
    if key == "donation_url":
        return _("Give an address starting with https://, like https://example.org/give")
    if key == "goal":
        return _("The goal must be a whole number above zero")
    if key == "default_locale":
        return _("Choose a language from the list")
    if key in ("hero_focus_x", "hero_focus_y"):
        return _("Choose a position from the list")
    if key == "protected_by":
        return _("Choose a key from the list")
    locale = key.split(".", 1)[0]
    if locale == default_locale:
        return _("Give a title in the main language")
    return _(
        "Give a title in %(language)s, or leave all its fields empty",
        language=LANGUAGE_NAMES[locale],
    )


def _field(form, key: str):
    if "." in key:
        locale, name = key.split(".", 1)
        return getattr(getattr(form, f"text_{locale}").form, name)
    return getattr(form, key)


def show_problems(form, exc: Exception, default_locale: str) -> None:
    if isinstance(exc, InvalidContent):
        for key, problem in exc.errors.items():
            _field(form, key).errors = [_content_message(key, problem, default_locale)]
    elif isinstance(exc, SlugTaken):
        form.slug.errors = [_("This address is taken already. Choose another one.")]
    elif isinstance(exc, ProtectionLocked):
        form.protected_by.errors = [
            _(
                "Protection cannot change once the petition has opened or anyone has signed: "
                "its page told signers how their data is kept."
            )
        ]
    elif isinstance(exc, SlugLocked):
        form.slug.errors = [
            _("The address cannot change once the page is public: links to it are out there.")
        ]


def texts_from(form) -> dict[str, TextData]:
    texts = {}
    for locale, sub in form.text_forms():
        values = {name: (field.data or "").strip() for name, field in sub.form._fields.items()}
        texts[locale] = TextData(**values)
    return texts


def text_data(item, fields: tuple[str, ...]) -> dict:
    return {
        f"text_{text.locale}": {name: getattr(text, name) for name in fields} for text in item.texts
    }


def previews(form) -> dict[str, object]:
    return {locale: render_markdown(sub.form.body.data or "") for locale, sub in form.text_forms()}


def previewing() -> bool:
    return request.method == "POST" and request.form.get("action") == "preview"


def change_status(item, change, edit_endpoint: str):
    """Apply a status button's POST to a campaign or petition, then back to its edit page."""
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        change(item, form.status.data, now=utcnow(), actor_id=actor().id, origin=request_origin())
    except InvalidTransition:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash(_("Status changed."), "success")
    return redirect(url_for(edit_endpoint, slug=item.slug), code=303)
