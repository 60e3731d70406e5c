"""What a supporter is told about a refused field or photo, in their language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

POST_ERRORS = {
    ("display_name", "required"): _l("Enter the name to show with your message"),
    ("display_name", "too_long"): _l("The name must be 80 characters or fewer"),
    ("display_name", "invalid_characters"): _l("Your name contains characters we cannot accept"),
    ("display_name", "bad_start"): _l("Your name cannot start with =, +, - or @"),
    ("message", "required"): _l("Write your message"),
    ("message", "too_long"): _l("Your message must be 280 characters or fewer"),
    ("message", "invalid_characters"): _l("Your message contains characters we cannot accept"),
    ("email", "required"): _l("Enter your email address"),
    ("email", "invalid"): _l("Enter an email address like name@example.org"),
    ("email", "disposable"): _l(
        "We cannot accept addresses from disposable email services: use an address you keep"
    ),
    ("country", "invalid"): _l("Choose a country from the list"),
    ("message_language", "invalid"): _l("Choose the language of your message from the list"),
    ("consent", "required"): _l("Tick the box to agree, or we cannot publish your message"),
}

PHOTO_ERRORS = {
    "too_large": _l("The photo is larger than 10 MB. Choose a smaller one."),
    "too_many_pixels": _l("The photo has too many pixels. Choose a smaller one."),
    "animated": _l("Animated images cannot go on the wall. Choose a photo."),
    "not_an_image": _l("This file is not a photo we can read. Choose a JPEG, PNG or WebP photo."),
}

REPORT_REASON_LABELS = {
    "abusive": _l("It is abusive or hateful"),
    "not_me": _l("It is me, and I did not post it"),
    "other": _l("Something else is wrong"),
}


def wall_consent_text(organisation: str) -> str:
    """The consent sentence exactly as shown; stored with each post."""
    return _(
        "I agree that %(organisation)s publishes my name, country, message and photo on this "
        "campaign’s wall, and keeps my email address to confirm the post and answer me about it.",
        organisation=organisation,
    )
