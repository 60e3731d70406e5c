"""Staff forms: parsing and per-field checks; the rules live in the domain modules."""

from __future__ import annotations

from flask_babel import format_percent
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from campaign.audit import ACTIONS
from campaign.campaigns.authoring import SLUG_MAX
from campaign.config import LOCALES
from campaign.models import HERO_FOCUS_STEP, ROLES, STATEMENT_KINDS
from campaign.privacy.exports import DEFAULT_PRESET, PRESETS
from campaign.privacy.suppression_list import STAFF_REASONS
from campaign.staff.accounts import MIN_PASSWORD_LENGTH
from campaign.staff.labels import ACTION_LABELS, PRESET_LABELS, ROLE_LABELS
from campaign.statements.vocabulary import KIND_LABELS, TOPIC_LABELS
from campaign.updates.outcomes import OUTCOME_LABELS
from campaign.web.i18n import LANGUAGE_NAMES

EMAIL_MAX = 254


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address")), Length(max=EMAIL_MAX)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address")), Length(max=EMAIL_MAX)],
        render_kw={"autocomplete": "username"},
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Choose a password")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1024,
                message=_l("Use at least %(min)d characters", min=MIN_PASSWORD_LENGTH),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("password", _l("The two passwords are not the same"))],
        render_kw={"autocomplete": "new-password"},
    )


class LanguageForm(FlaskForm):
    lang = StringField(validators=[AnyOf(LOCALES)])
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something: nothing to fill in but the CSRF token."""


class StatusForm(FlaskForm):
    status = StringField(validators=[DataRequired()])


def _role_field(**options):
    return SelectField(
        _l("Role"),
        choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES],
        validators=[AnyOf(ROLES, message=_l("Choose a role from the list"))],
        **options,
    )


class RoleForm(FlaskForm):
    role = _role_field()


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter an email address")), Length(max=EMAIL_MAX)],
    )
    # The least privileged role unless the administrator chooses another.
    role = _role_field(default="exporter")
    locale = SelectField(
        _l("Language of the invitation"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LOCALES],
        validators=[AnyOf(LOCALES)],
    )


SLUG_HINT = _l("Lowercase letters, digits and hyphens, like stop-torture-now")


class CampaignTextForm(Form):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=1000)])
    body = TextAreaField(_l("Text"), validators=[Length(max=50_000)])
    hero_alt = StringField(_l("Description of the hero image"), validators=[Length(max=300)])


class PetitionTextForm(Form):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[Length(max=50_000)])
    share_text = TextAreaField(_l("Text for sharing"), validators=[Length(max=280)])
    target = StringField(_l("Addressed to"), validators=[Length(max=200)])


def _language_choices():
    return [SelectChoice(code, LANGUAGE_NAMES[code]) for code in LOCALES]


class _TextsForm(FlaskForm):
    """Shared by campaigns and petitions: one sub-form of texts per language (text_en, ...)."""

    def text_forms(self):
        return [(locale, getattr(self, f"text_{locale}")) for locale in LOCALES]


class CampaignForm(_TextsForm):
    slug = StringField(
        _l("Web address (slug)"),
        validators=[DataRequired(_l("Choose an address")), Length(max=SLUG_MAX)],
        description=SLUG_HINT,
    )
    hashtag = StringField(_l("Hashtag"), validators=[Length(max=101)])
    default_locale = SelectField(
        _l("Main language"), choices=_language_choices(), validators=[AnyOf(LOCALES)]
    )
    hero_image = FileField(
        _l("Hero image"),
        description=_l("JPEG, PNG, WebP or GIF. Location and camera data are removed."),
    )
    remove_hero_image = BooleanField(_l("Remove the current image"))
    # An image chosen before a preview or a refused save, already stored: kept until saved.
    pending_hero_image = HiddenField()
    hero_focus_x = SelectField(
        _l("Point to keep in view, from the left edge"),
        coerce=int,
        default=50,
        validate_choice=False,
        description=_l("When a page crops the picture, this point stays in view."),
    )
    hero_focus_y = SelectField(
        _l("Point to keep in view, from the top edge"),
        coerce=int,
        default=50,
        validate_choice=False,
    )
    donation_url = StringField(
        _l("Donation page"),
        validators=[Length(max=500)],
        description=_l(
            "Optional. An https address: the page that thanks signers invites them to give there."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Percentages written the reader's way, so built per request rather than at import.
        self.hero_focus_x.choices = self.hero_focus_y.choices = _focus_choices()


def _focus_choices():
    return [
        SelectChoice(value, format_percent(value / 100)) for value in range(0, 101, HERO_FOCUS_STEP)
    ]


class PetitionForm(_TextsForm):
    slug = StringField(
        _l("Web address (slug)"),
        validators=[DataRequired(_l("Choose an address")), Length(max=SLUG_MAX)],
        description=SLUG_HINT,
    )
    goal = IntegerField(
        _l("Goal (signatures)"),
        validators=[
            Optional(),
            NumberRange(min=1, message=_l("The goal must be a whole number above zero")),
        ],
    )
    raise_goal_automatically = BooleanField(_l("Raise the goal automatically when it is reached"))
    # Choices: "" (not protected) and the registered protection keys, set by the view.
    protected_by = SelectField(
        _l("Protect signers' identities"),
        choices=[],
        default="",
        validate_choice=True,
        description=_l(
            "Names, email addresses and countries are encrypted to this key; only whoever holds "
            "its private key can read them, offline. It cannot change once the petition has "
            "opened or anyone has signed."
        ),
    )
    count_by_country = BooleanField(
        _l("Protected petitions: keep the country readable, to count signatures by country")
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    default_locale = SelectField(
        _l("Main language"), choices=_language_choices(), validators=[AnyOf(LOCALES)]
    )


class StatementTextForm(Form):
    title = StringField(_l("Title"), validators=[Length(max=300)])
    excerpt = TextAreaField(_l("Excerpt"), validators=[Length(max=1000)])
    body = TextAreaField(_l("Text"), validators=[Length(max=100_000)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StatementForm(_TextsForm):
    """Choices the domain checks (kind, countries, topics, links) are not checked here, so a
    wrong one gets the domain's message rather than a generic one."""

    slug = StringField(
        _l("Web address (slug)"),
        validators=[DataRequired(_l("Choose an address")), Length(max=SLUG_MAX)],
        description=SLUG_HINT,
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in STATEMENT_KINDS],
        validate_choice=False,
    )
    published_on = DateField(
        _l("Publication date"), validators=[InputRequired(_l("Enter the publication date"))]
    )
    default_locale = SelectField(
        _l("Main language"), choices=_language_choices(), validators=[AnyOf(LOCALES)]
    )
    countries = SelectMultipleField(
        _l("Countries"),
        choices=[],
        validate_choice=False,
        description=_l("Hold Ctrl (or ⌘ on a Mac) to choose several."),
    )
    topics = MultiCheckboxField(
        _l("Topics"),
        choices=[SelectChoice(slug, label) for slug, label in TOPIC_LABELS.items()],
        validate_choice=False,
    )
    signatories = TextAreaField(
        _l("Signatory organisations"),
        validators=[Length(max=50_000)],
        description=_l(
            "One organisation a line: name | country code | website, "
            "like Human Rights Centre | FR | https://example.org. "
            "Country and website are optional: end a name alone with |."
        ),
    )
    open_for_endorsement = BooleanField(
        _l("Organisations may ask to sign it (joint statements only)")
    )
    campaign_ids = MultiCheckboxField(
        _l("Campaigns"), coerce=int, choices=[], validate_choice=False
    )
    petition_ids = MultiCheckboxField(
        _l("Petitions"), coerce=int, choices=[], validate_choice=False
    )


for _code in LOCALES:
    setattr(CampaignForm, f"text_{_code}", FormField(CampaignTextForm, LANGUAGE_NAMES[_code]))
    setattr(PetitionForm, f"text_{_code}", FormField(PetitionTextForm, LANGUAGE_NAMES[_code]))
    setattr(StatementForm, f"text_{_code}", FormField(StatementTextForm, LANGUAGE_NAMES[_code]))


class MemberForm(FlaskForm):
    user_id = SelectField(_l("Campaigner"), coerce=int, choices=[], validate_choice=True)


class ExportForm(FlaskForm):
    date_from = DateField(_l("Signed from"), validators=[Optional()])
    date_to = DateField(_l("Signed until (inclusive)"), validators=[Optional()])
    country = SelectField(_l("Country"), choices=[], default="", validators=[Optional()])
    newsletter_only = BooleanField(_l("Only signers who asked to be kept informed"))
    include_pending = BooleanField(_l("Include unconfirmed signatures"))
    preset = RadioField(
        _l("What the file is for"),
        choices=[SelectChoice(name, PRESET_LABELS[name]) for name in PRESETS],
        default=DEFAULT_PRESET,
        validators=[AnyOf(PRESETS, message=_l("Choose what the file is for"))],
    )
    lang = SelectField(
        _l("Language of the column names and country names"),
        choices=_language_choices(),
        validators=[AnyOf(LOCALES)],
    )
    bom = BooleanField(_l("Add a byte order mark (for Microsoft Excel)"))

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date"))


class ErasureLookupForm(FlaskForm):
    email = EmailField(
        _l("Email address of the person"),
        validators=[DataRequired(_l("Enter an email address")), Length(max=EMAIL_MAX)],
    )


class ErasureForm(FlaskForm):
    """The confirmation, under what will be erased; the address rides along, never in a URL."""

    email = HiddenField(
        validators=[DataRequired(_l("Enter an email address")), Length(max=EMAIL_MAX)]
    )
    confirm = BooleanField(
        _l("I understand that this cannot be undone"),
        validators=[DataRequired(_l("Tick the box to confirm"))],
    )


class SuppressionForm(FlaskForm):
    """Suppress one address; the view fills `scope` with the campaigns."""

    email = EmailField(
        _l("Email address of the person"),
        validators=[DataRequired(_l("Enter an email address")), Length(max=EMAIL_MAX)],
    )
    reason = SelectField(
        _l("Reason"),
        choices=[
            SelectChoice("complaint", _l("Complaint")),
            SelectChoice("staff", _l("Added by staff")),
        ],
        validate_choice=False,
        validators=[AnyOf(STAFF_REASONS, message=_l("Choose a reason from the list"))],
    )
    scope = SelectField(_l("No more updates from"), choices=[], validate_choice=False)

    def validate_scope(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose everything or one campaign from the list"))


class SuppressionLookupForm(FlaskForm):
    email = EmailField(
        _l("Email address of the person"),
        validators=[DataRequired(_l("Enter an email address")), Length(max=EMAIL_MAX)],
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form: it changes nothing

    action = SelectField(
        _l("Action"),
        choices=[SelectChoice("", _l("All actions"))]
        + [SelectChoice(a, ACTION_LABELS[a]) for a in ACTIONS],
        validators=[Optional()],
    )
    actor = SelectField(_l("Who"), choices=[], validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until (inclusive)"), validators=[Optional()])


class InvalidationForm(FlaskForm):
    """Which signatures of a petition to invalidate (campaign.petitions.invalidation.Criteria)."""

    email_domain = StringField(
        _l("Email domain"),
        validators=[Optional(), Length(max=253)],
        description=_l("For example throwaway.example. Its subdomains are included."),
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    ip_hash = StringField(
        _l("Hashed address"),
        validators=[Optional(), Length(max=64)],
        description=_l("A code from the tables above: never an address itself."),
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    created_from = DateTimeLocalField(
        _l("Signed at or after (UTC)"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    created_until = DateTimeLocalField(
        _l("Signed before (UTC)"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    confirm = BooleanField(
        _l("I understand that the matching signatures are deleted and the counter goes down")
    )


class UpdateTextForm(Form):
    subject = StringField(_l("Subject"), validators=[Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[Length(max=50_000)])


class UpdateForm(_TextsForm):
    audience = SelectField(
        _l("Send to"),
        choices=[
            SelectChoice("petition", _l("Signers of this petition who asked to be kept informed")),
            SelectChoice(
                "campaign",
                _l("Signers of any petition of the campaign who asked to be kept informed"),
            ),
        ],
        validators=[AnyOf(("petition", "campaign"))],
    )
    outcome = SelectField(
        _l("Outcome"),
        choices=[SelectChoice("", _l("No outcome"))]
        + [SelectChoice(kind, label) for kind, label in OUTCOME_LABELS.items()],
        validators=[AnyOf(("", *OUTCOME_LABELS), message=_l("Choose an outcome from the list"))],
        description=_l("An outcome is shown at the top of the petition page, with this update."),
    )
    when = SelectField(
        _l("When"),
        choices=[SelectChoice("now", _l("Now")), SelectChoice("later", _l("At a set time"))],
        validators=[AnyOf(("now", "later"))],
    )
    send_at = DateTimeLocalField(_l("Send at"), validators=[Optional()], format="%Y-%m-%dT%H:%M")

    def validate_send_at(self, field):
        if self.when.data == "later" and not field.data:
            raise ValidationError(_l("Choose the time to send the update"))


for _code in LOCALES:
    setattr(UpdateForm, f"text_{_code}", FormField(UpdateTextForm, LANGUAGE_NAMES[_code]))


class DeliveryPackForm(FlaskForm):
    language = SelectField(
        _l("Language of the pack"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LOCALES],
    )
    cut_off = DateField(
        _l("Signatures confirmed up to (inclusive; empty: up to now)"), validators=[Optional()]
    )


class DeliveredForm(FlaskForm):
    delivered_on = DateField(
        _l("Delivered on"), validators=[InputRequired(_l("Enter the day it was delivered"))]
    )
    note = TextAreaField(
        _l("Note for the public page (optional)"),
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
    )
