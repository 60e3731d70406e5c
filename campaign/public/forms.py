"""The sign form: parses and renders fields; the rules live in campaign.petitions.signing."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField
from wtforms.widgets import Select

from campaign.petitions.signing import EMAIL_MAX, NAME_MAX
from campaign.web.honeypot import honeypot_field
from campaign.web.i18n import countries


class _CountrySelect(Select):
    """The country list, rendered once per language while nothing is chosen.

    Escaping its 250 options was most of what rendering a petition page cost, and the page is
    rendered afresh after every change; with nothing chosen (every page a visitor first sees:
    the browser picks the country) the list is the same each time. A list with a choice, shown
    again with an error, is rendered as usual.
    """

    def __init__(self) -> None:
        super().__init__()
        # Keyed by language and the attributes templates give: a handful of entries.
        self._unchosen: dict[tuple, Markup] = {}

    def __call__(self, field, **kwargs) -> Markup:
        if field.data:
            return super().__call__(field, **kwargs)
        key = (str(get_locale()), field.id, field.name, tuple(sorted(kwargs.items())))
        html = self._unchosen.get(key)
        if html is None:
            html = self._unchosen[key] = super().__call__(field, **kwargs)
        return html


class SignForm(FlaskForm):
    # Public pages are cached and carry no cookie, so no session token: see campaign.web.forgery.
    class Meta:
        csrf = False

        def get_translations(self, form):
            # No WTForms validator runs here (campaign.petitions.signing checks the fields and
            # campaign.public.messages words the errors), so WTForms' own message catalogue is
            # never used; Flask-WTF would otherwise read it from disk on every request.
            return None

    name = StringField(_l("Your name"), render_kw={"autocomplete": "name", "maxlength": NAME_MAX})
    email = EmailField(
        _l("Your email address"), render_kw={"autocomplete": "email", "maxlength": EMAIL_MAX}
    )
    # static/js/country.js preselects it from the browser's language region.
    country = SelectField(
        _l("Country"),
        choices=[],
        validate_choice=False,
        render_kw={"data-country": True},
        widget=_CountrySelect(),
    )
    consent = BooleanField()
    newsletter = BooleanField(_l("Keep me informed about this campaign"))
    # Share attribution, from the link the visitor followed: see campaign.petitions.attribution.
    src = HiddenField()
    ref = HiddenField()
    homepage = honeypot_field()

    def set_country_choices(self, locale: str) -> None:
        self.country.choices = [("", _l("Choose your country"))] + list(countries(locale))


class MastodonForm(FlaskForm):
    """Where a visitor's Mastodon account lives, to open its share dialog. Sent with GET."""

    class Meta:
        csrf = False

    instance = StringField(
        _l("Your Mastodon server"),
        render_kw={"autocomplete": "off", "inputmode": "url", "spellcheck": "false"},
    )
