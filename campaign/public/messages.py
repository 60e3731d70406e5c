"""What a visitor is told about each refused field, in their language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

FIELD_ERRORS = {
    ("name", "required"): _l("Enter your name"),
    ("name", "too_long"): _l("Your name must be 100 characters or fewer"),
    ("name", "invalid_characters"): _l("Your name contains characters we cannot accept"),
    ("name", "bad_start"): _l("Your name cannot start with =, +, - or @"),
    ("name", "no_links"): _l("Your name cannot contain a web address"),
    ("email", "required"): _l("Enter your email address"),
    ("email", "invalid"): _l("Enter an email address like name@example.org"),
    ("email", "disposable"): _l(
        "We cannot accept addresses from disposable email services: use an address you keep"
    ),
    ("country", "required"): _l("Choose your country"),
    ("country", "invalid"): _l("Choose a country from the list"),
    ("consent", "required"): _l("Tick the box to agree, or we cannot count your signature"),
}


def consent_text(organisation: str) -> str:
    """The consent sentence exactly as shown; stored with each signature."""
    return _(
        "I agree that %(organisation)s keeps my name, email address and country to count my "
        "signature and hand the list to the people this petition addresses.",
        organisation=organisation,
    )
