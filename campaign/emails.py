"""Composing emails into the outbox, in the recipient's language."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from campaign.models import OutboxEmail, utcnow


def queue_email(session: Session, *, kind: str, to: str, locale: str, **context) -> OutboxEmail:
    """Render `templates/email/<kind>.{subject,txt,html}` in `locale` into the outbox.

    The caller's transaction decides whether the email exists: it is sent only if the change
    that caused it commits.
    """
    with force_locale(locale):
        context = {"locale": locale, **context}
        subject = " ".join(render_template(f"email/{kind}.subject", **context).split())
        text_body = render_template(f"email/{kind}.txt", **context)
        html_body = render_template(f"email/{kind}.html", **context)
    email = OutboxEmail(
        kind=kind,
        to_address=to,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        locale=locale,
        next_attempt_at=utcnow(),
    )
    session.add(email)
    return email
