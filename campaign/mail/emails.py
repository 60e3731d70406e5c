"""Composing emails into the outbox, in the recipient's language."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import Boolean, ColumnElement, FromClause, Insert, Update, bindparam, insert, select
from sqlalchemy.orm import Session

from campaign.database import Write
from campaign.models import OutboxEmail, utcnow
from campaign.text.bidi import without_bidi_controls


def subject_line(text: str) -> str:
    """A subject on one line, without bidirectional controls: a mail client sets it into its
    own lists, where a control from a title or a name would turn the text after it around."""
    return " ".join(without_bidi_controls(text).split())


@dataclass(frozen=True)
class RenderedEmail:
    kind: str
    locale: str
    subject: str
    text_body: str
    html_body: str

    def filled_in(self, placeholder: str, value: str) -> RenderedEmail:
        """This email with `placeholder` (letters, digits and dashes only) replaced by `value`."""
        # An update's subject carries no placeholder: kept as it is, it costs its million
        # recipients nothing.
        subject = self.subject
        if placeholder in subject:
            subject = subject_line(subject.replace(placeholder, value))
        return RenderedEmail(
            kind=self.kind,
            locale=self.locale,
            subject=subject,
            text_body=self.text_body.replace(placeholder, value),
            html_body=self.html_body.replace(placeholder, str(escape(value))),
        )


def render_email(kind: str, *, locale: str, **context) -> RenderedEmail:
    """Render `templates/email/<kind>.{subject,txt,html}` in `locale`."""
    with force_locale(locale):
        context = {"locale": locale, **context}
        subject = subject_line(render_template(f"email/{kind}.subject", **context))
        text_body = render_template(f"email/{kind}.txt", **context)
        # The HTML part is a document of its own, whose <title> is the subject.
        html_body = render_template(f"email/{kind}.html", subject=subject, **context)
    return RenderedEmail(kind, locale, subject, text_body, html_body)


@dataclass(frozen=True)
class EmailTemplate:
    """An email rendered once, with a placeholder where each recipient's own values go."""

    email: RenderedEmail
    placeholders: dict[str, str]

    def fill(self, **values: str) -> RenderedEmail:
        email = self.email
        for field, value in values.items():
            email = email.filled_in(self.placeholders[field], value)
        return email


def email_template(
    kind: str, *, locale: str, fields: tuple[str, ...], **context: str
) -> EmailTemplate:
    """`kind` rendered in `locale` with `context`, leaving placeholders for `fields`.

    Rendered once per process for each language and context (a petition's title, say) and then
    only filled in, which is what keeps a crowd of signers cheap. The templates must print each
    field as it is (escaped, never transformed by a filter); the placeholders are random, so no
    signer can type one.
    """
    templates = current_app.extensions.setdefault("emails.templates", {})
    key = (kind, locale, fields, tuple(sorted(context.items())))
    template = templates.get(key)
    if template is None:
        if len(templates) >= 512:
            templates.clear()
        placeholders = {field: f"{field}-{secrets.token_hex(16)}" for field in fields}
        rendered = render_email(kind, locale=locale, **context, **placeholders)
        template = templates[key] = EmailTemplate(rendered, placeholders)
    return template


def queue_rendered(session: Session, email: RenderedEmail, *, to: str) -> None:
    """Put an already rendered email in the outbox, in the caller's transaction.

    A plain INSERT rather than a new ORM object: this runs inside the signing transaction's
    write lock, where every fraction of a millisecond delays the next signer.
    """
    session.execute(_OUTBOX_INSERT, _outbox_row(email, to))


def queue_rendered_if(
    session: Session,
    email: RenderedEmail,
    *,
    to: str,
    send: bool,
    erase_when_done: bool = False,
) -> None:
    """queue_rendered when `send`; otherwise the same statement runs and inserts nothing.

    For answers that must take as long whether or not an email goes out: the time taken must
    not tell who signed a petition or who has an account. `erase_when_done`: the row is emptied
    of its address and bodies once sent or given up on (campaign.mail.outbox).
    """
    row = _outbox_row(email, to, erase_when_done=erase_when_done)
    session.execute(_OUTBOX_INSERT_IF, {**row, "send": send})


def outbox_insert_after(counter: Update) -> Insert:
    """One statement that runs `counter` (an UPDATE ... RETURNING) and queues an email (the
    parameters of queue_rendered_after) only if it changed a row: a data-modifying WITH, so
    PostgreSQL only."""
    counted = counter.cte("counted")
    # Named apart: parameters named like the UPDATE's columns would be taken as more SET values.
    values = select(
        *(
            bindparam(f"outbox_{name}", type_=OutboxEmail.__table__.c[name].type)
            for name in _QUEUED_COLUMNS
        )
    ).select_from(counted)
    return insert(OutboxEmail.__table__).from_select(_QUEUED_COLUMNS, values).add_cte(counted)


def queue_rendered_after(
    session: Session,
    statement: Insert,
    email: RenderedEmail,
    *,
    to: str,
    erase_when_done: bool = False,
    **params: object,
) -> None:
    """Run an outbox_insert_after statement with `params` for its UPDATE."""
    row = _outbox_row(email, to, erase_when_done=erase_when_done)
    row = {f"outbox_{name}": value for name, value in row.items()}
    session.execute(statement, {**row, **params})


def outbox_insert_to(to_address: ColumnElement, source: FromClause, *where) -> Insert:
    """One statement that queues an email (the parameters of write_rendered_to) to the address
    `to_address` reads from `source`, for each row of it that `where` selects: an email to a
    signer costs one INSERT, without reading the row first."""
    values = select(
        *(
            to_address
            if name == "to_address"
            else bindparam(f"outbox_{name}", type_=OutboxEmail.__table__.c[name].type)
            for name in _QUEUED_COLUMNS
        )
    ).select_from(source)
    return insert(OutboxEmail.__table__).from_select(_QUEUED_COLUMNS, values.where(*where))


def write_rendered_to(statement: Insert, email: RenderedEmail, **params: object) -> Write:
    """An outbox_insert_to statement with `params` for its conditions, ready to be made."""
    row = _outbox_row(email, "")
    del row["to_address"]
    return Write(statement, {**{f"outbox_{k}": v for k, v in row.items()}, **params})


def _outbox_row(
    email: RenderedEmail, to: str, *, erase_when_done: bool = False
) -> dict[str, object]:
    now = utcnow()
    return {
        "kind": email.kind,
        "to_address": to,
        "subject": email.subject,
        "text_body": email.text_body,
        "html_body": email.html_body,
        "locale": email.locale,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "erase_when_done": erase_when_done,
    }


_OUTBOX_INSERT = insert(OutboxEmail.__table__)
_QUEUED_COLUMNS = (
    "kind",
    "to_address",
    "subject",
    "text_body",
    "html_body",
    "locale",
    "status",
    "attempts",
    "created_at",
    "next_attempt_at",
    "erase_when_done",
)
# INSERT ... SELECT <the values> WHERE :send
_OUTBOX_INSERT_IF = insert(OutboxEmail.__table__).from_select(
    _QUEUED_COLUMNS,
    select(
        *(bindparam(name, type_=OutboxEmail.__table__.c[name].type) for name in _QUEUED_COLUMNS)
    ).where(bindparam("send", type_=Boolean())),
)


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
