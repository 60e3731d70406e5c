"""The posting form: parses and renders fields; the rules live in posting.py and photos.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FileField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)

from campaign.config import LOCALES
from campaign.models import MESSAGE_MAX
from campaign.models.wall import DISPLAY_NAME_MAX
from campaign.petitions.signing import EMAIL_MAX
from campaign.wall.posting import OTHER_LANGUAGE
from campaign.web.honeypot import honeypot_field
from campaign.web.i18n import LANGUAGE_NAMES, countries


class WallPostForm(FlaskForm):
    # Public pages are cached and carry no cookie, so no session token: see campaign.web.forgery.
    class Meta:
        csrf = False

        def get_translations(self, form):
            return None  # see campaign.public.forms.SignForm

    display_name = StringField(
        _l("Your first name, or the name to show"),
        render_kw={"autocomplete": "given-name", "maxlength": DISPLAY_NAME_MAX},
    )
    email = EmailField(
        _l("Your email address"), render_kw={"autocomplete": "email", "maxlength": EMAIL_MAX}
    )
    country = SelectField(
        _l("Country (optional)"),
        choices=[],
        validate_choice=False,
        render_kw={"data-country": True},
    )
    message = TextAreaField(
        _l("Your message"), render_kw={"maxlength": MESSAGE_MAX, "rows": 4, "dir": "auto"}
    )
    # Each language named in itself; the page's language is chosen until the supporter says.
    message_language = SelectField(
        _l("The language of your message"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code], {"lang": code}) for code in LOCALES]
        + [SelectChoice(OTHER_LANGUAGE, _l("Another language"))],
        validate_choice=False,
    )
    photo = FileField(
        _l("Your photo (optional)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    consent = BooleanField()
    # A confirmed signature's link: the address is proved, so the form does not ask for it.
    signed = HiddenField()
    homepage = honeypot_field()

    def set_country_choices(self, locale: str) -> None:
        self.country.choices = [("", _l("Not shown"))] + list(countries(locale))
