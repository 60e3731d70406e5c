"""The endorsement form: parses and renders fields; the rules live in endorsing.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, URLField

from campaign.petitions.signing import EMAIL_MAX
from campaign.statements.endorsing import ORGANISATION_MAX, WEBSITE_MAX
from campaign.web.honeypot import honeypot_field
from campaign.web.i18n import countries


class EndorseForm(FlaskForm):
    # Public pages are cached and carry no cookie, so no session token: see campaign.web.forgery.
    class Meta:
        csrf = False

    organisation = StringField(
        _l("Name of your organisation"),
        render_kw={"autocomplete": "organization", "maxlength": ORGANISATION_MAX},
    )
    country = SelectField(_l("Country of your organisation"), choices=[], validate_choice=False)
    website = URLField(
        _l("Website of your organisation (optional)"),
        render_kw={"autocomplete": "url", "maxlength": WEBSITE_MAX, "placeholder": "https://"},
    )
    email = EmailField(
        _l("Contact email address"), render_kw={"autocomplete": "email", "maxlength": EMAIL_MAX}
    )
    consent = BooleanField()
    homepage = honeypot_field()

    def __init__(self, *args, **kwargs):
        # A prefix keeps these fields apart from the sign form's on the same page.
        super().__init__(*args, prefix="endorse", **kwargs)

    def set_country_choices(self, locale: str) -> None:
        self.country.choices = [("", _l("Choose a country"))] + list(countries(locale))
