"""Composing emails into the outbox, in the recipient's language."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import insert
from sqlalchemy.orm import Session

from campaign.models import OutboxEmail, utcnow


@dataclass(frozen=True)
class RenderedEmail:
    kind: str
    locale: str
    subject: str
    text_body: str
    html_body: str

    def filled_in(self, placeholder: str, value: str) -> RenderedEmail:
        """This email with `placeholder` (letters, digits and dashes only) replaced by `value`."""
        return RenderedEmail(
            kind=self.kind,
            locale=self.locale,
            subject=self.subject.replace(placeholder, value),
            text_body=self.text_body.replace(placeholder, value),
            html_body=self.html_body.replace(placeholder, str(escape(value))),
        )


def render_email(kind: str, *, locale: str, **context) -> RenderedEmail:
    """Render `templates/email/<kind>.{subject,txt,html}` in `locale`."""
    with force_locale(locale):
        context = {"locale": locale, **context}
        subject = " ".join(render_template(f"email/{kind}.subject", **context).split())
        text_body = render_template(f"email/{kind}.txt", **context)
        html_body = render_template(f"email/{kind}.html", **context)
    return RenderedEmail(kind, locale, subject, text_body, html_body)


def queue_rendered(session: Session, email: RenderedEmail, *, to: str) -> None:
    """Put an already rendered email in the outbox, in the caller's transaction.

    A plain INSERT rather than a new ORM object: this runs inside the signing transaction's
    write lock, where every fraction of a millisecond delays the next signer.
    """
    session.execute(
        _OUTBOX_INSERT,
        {
            "kind": email.kind,
            "to_address": to,
            "subject": email.subject,
            "text_body": email.text_body,
            "html_body": email.html_body,
            "locale": email.locale,
            "status": "pending",
            "attempts": 0,
            "created_at": (now := utcnow()),
            "next_attempt_at": now,
        },
    )


_OUTBOX_INSERT = insert(OutboxEmail.__table__)


def queue_email(session: Session, *, kind: str, to: str, locale: str, **context) -> OutboxEmail:
    """Render `templates/email/<kind>.{subject,txt,html}` in `locale` into the outbox.

    The caller's transaction decides whether the email exists: it is sent only if the change
    that caused it commits.
    """
    email = OutboxEmail(
        kind=kind,
        to_address=to,
        locale=locale,
        next_attempt_at=utcnow(),
        **_fields(render_email(kind, locale=locale, **context)),
    )
    session.add(email)
    return email


def _fields(email: RenderedEmail) -> dict[str, str]:
    return {"subject": email.subject, "text_body": email.text_body, "html_body": email.html_body}
