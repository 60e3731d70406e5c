"""What a reader is told about a refused filter or endorsement field, in their language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

FILTER_ERRORS = {
    "country": _l("There is no such country or region. Choose one from the list."),
    "kind": _l("There is no such kind of text. Choose one from the list."),
    "topic": _l("There is no such topic. Choose one from the list."),
    "year": _l("Enter the year as four digits, like 2018."),
    "language": _l("Choose a language from the list."),
    "q": _l("Search with 200 characters or fewer."),
    "page": _l("The page number must be a whole number, 1 or more."),
}

ENDORSEMENT_ERRORS = {
    ("organisation", "required"): _l("Enter the name of your organisation"),
    ("organisation", "too_long"): _l("The name must be 200 characters or fewer"),
    ("organisation", "invalid_characters"): _l("The name contains characters we cannot accept"),
    ("organisation", "bad_start"): _l("The name cannot start with =, +, - or @"),
    ("country", "required"): _l("Choose the country of your organisation"),
    ("country", "invalid"): _l("Choose a country from the list"),
    ("website", "invalid"): _l("Enter a web address starting with http:// or https://"),
    ("email", "required"): _l("Enter a contact email address"),
    ("email", "invalid"): _l("Enter an email address like name@example.org"),
    ("email", "disposable"): _l(
        "We cannot accept addresses from disposable email services: use an address you keep"
    ),
    ("consent", "required"): _l("Tick the box to agree, or we cannot add your organisation"),
}


def endorsement_consent_text(organisation: str) -> str:
    """The consent sentence exactly as shown; stored with each endorsement."""
    return _(
        "I am entitled to speak for this organisation. I agree that %(organisation)s keeps this "
        "contact address to confirm the endorsement, and publishes the organisation’s name, "
        "country and website among the signatories once it is approved.",
        organisation=organisation,
    )
