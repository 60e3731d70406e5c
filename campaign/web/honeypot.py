"""A form field people never see and simple bots fill in.

It is hidden with CSS (not `type=hidden`, which bots skip), out of the tab order, hidden from
screen readers and from autofill. A form that arrives with it filled in gets the same answer
as a real one, so the bot learns nothing, and nothing is stored or sent.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from wtforms import StringField

log = logging.getLogger(__name__)
FIELD_NAME = "homepage"


def honeypot_field() -> StringField:
    return StringField(
        _l("Leave this field empty"),
        render_kw={"autocomplete": "off", "tabindex": "-1", "maxlength": 200},
    )


def caught(form, what: str) -> bool:
    """True when the form's honeypot is filled in; logs the fact, never the content."""
    if getattr(form, FIELD_NAME).data:
        log.info("honeypot filled in on a %s form: ignored", what)
        return True
    return False
