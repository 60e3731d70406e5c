"""Plain helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from conftest import body_text
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import event, func, select, update

from campaign.extensions import db
from campaign.models import OutboxEmail, Petition, Signature, utcnow
from campaign.petitions.signing import SignatureData

CONSENT = "I agree."
CONFIRM_LINK = re.compile(r"https?://\S+/confirm/[A-Za-z0-9_.\-]+")


def sign_fields(**overrides: str) -> dict[str, str]:
    """A valid sign form, as a browser would post it; `overrides` replace or drop (None) fields."""
    fields = {
        "name": "Ann Example",
        "email": "ann@example.org",
        "country": "FR",
        "consent": "y",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def signature_data(**overrides) -> SignatureData:
    values = {
        "name": "Ann Example",
        "email": "ann@example.org",
        "country": "FR",
        "consent_text": CONSENT,
    }
    values.update(overrides)
    return SignatureData(**values)


def count(app: Flask, model, *criteria) -> int:
    """Rows of `model` matching `criteria`, read in a fresh session (no stale identity map)."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*criteria))


def signatures(app: Flask, *criteria) -> list[Signature]:
    with app.app_context():
        rows = db.session.scalars(select(Signature).where(*criteria).order_by(Signature.id)).all()
        db.session.expunge_all()
        return list(rows)


def outbox(app: Flask, *criteria) -> list[OutboxEmail]:
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxEmail).where(*criteria).order_by(OutboxEmail.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def signature_count(app: Flask, petition_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Petition.signature_count).where(Petition.id == petition_id))


def close_days_ago(app: Flask, petition_id: int, days: int) -> None:
    """Mark the petition closed `days` ago (what the retention purge goes by)."""
    with app.app_context():
        db.session.execute(
            update(Petition)
            .where(Petition.id == petition_id)
            .values(status="closed", closed_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()


def confirm_link(text: str) -> str:
    links = CONFIRM_LINK.findall(text)
    assert len(links) == 1, f"expected one confirmation link in:\n{text}"
    return links[0]


def confirm_link_in(message) -> str:
    return confirm_link(body_text(message))


def csp_directives(response) -> dict[str, str]:
    """The response's Content-Security-Policy as {directive: sources}."""
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        name, _, sources = part.strip().partition(" ")
        if name:
            directives[name] = sources.strip()
    return directives


@contextmanager
def database_work(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run on the app's database meanwhile, with "COMMIT" for each commit:
    two answers that must not differ in time must not differ in this either."""
    with app.app_context():
        engine = db.engine
    work: list[str] = []

    def statement(_conn, _cursor, sql, _parameters, _context, _executemany) -> None:
        work.append(sql)

    def commit(_conn) -> None:
        work.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield work
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def pdf_text(path: Path) -> str:
    """The text of every page of a PDF file (a delivery pack's summary)."""
    return "".join(page.extract_text() for page in PdfReader(path).pages)
