"""Emails as standards see them: every HTML part a valid document with a title, a Date in
+0000, and MIME-Version only on the message itself."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import html5lib
import pytest
from helpers import sign_fields
from jinja2 import ChainableUndefined

from campaign.config import LOCALES, ROOT
from campaign.mail.emails import render_email
from campaign.mail.mailer import InvalidRecipient, build_message

KINDS = sorted(
    path.stem for path in (ROOT / "templates" / "email").glob("*.html") if path.stem[0] != "_"
)
# Enough for every kind; a kind asking for something else still renders (ChainableUndefined).
CONTEXT = {
    "name": "Ann O'Neil",
    "petition_title": "Free the defenders",
    "petition_url": "https://example.org/en/petitions/p",
    "statement_title": "Joint statement",
    "statement_url": "https://example.org/en/statements/s",
    "confirm_url": "https://example.org/en/confirm/token",
    "link": "https://example.org/staff/link/token",
    "count": 1000,
    "goal": 1000,
    "raised_to": 2000,
    "dashboard_url": "https://example.org/staff/petitions/p",
    "unsubscribe_url": "https://example.org/en/unsubscribe/token",
    "not_me_url": "https://example.org/en/not-me/token",
    "organisation": "World Organisation Against Torture",
    "update_subject": "The minister answered",
    "update_body": "The minister *answered*.",
    "pending": 12,
    "oldest_minutes": 7,
    "retrying": 3,
    "receipt": "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567",
    "receipt_url": "https://example.org/en/petitions/p/receipt",
}


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url)


def _parse_strictly(html: str):
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


def test_every_kind_of_email_is_covered():
    assert {
        "confirm_signature",
        "already_signed",
        "signature_receipt",
        "invitation",
        "password_reset",
    } <= set(KINDS)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_the_html_part_is_a_valid_document_with_a_title(app, kind, locale):
    app.jinja_env.undefined = ChainableUndefined
    with app.test_request_context():
        email = render_email(kind, locale=locale, **CONTEXT)

    assert email.html_body.lstrip().lower().startswith("<!doctype html>")
    document = _parse_strictly(email.html_body)
    title = document.find("head/title")
    assert title is not None and title.text == email.subject
    assert title.text.strip()
    assert document.get("lang") == locale


def test_a_sent_email_dates_itself_in_utc_and_declares_mime_once(
    app, client, make_petition, smtp_server, run_worker
):
    petition = make_petition()
    response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    assert response.status_code == 200

    run_worker()

    [message] = smtp_server.inbox.messages
    assert re.search(r"[+]0000$", message["Date"])
    assert parsedate_to_datetime(message["Date"]).utcoffset().total_seconds() == 0
    assert message["MIME-Version"] == "1.0"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert all(part["MIME-Version"] is None for part in parts)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert _parse_strictly(html).find("head/title").text == message["Subject"]


ARABIC_SENDER = "المنظمة العالمية لمناهضة التعذيب <campaigns@example.org>"


@pytest.mark.parametrize(
    ("subject", "body", "encoding"),
    [
        (
            "La pétition est sur le bureau du ministre",
            "Merci à vous, déjà 1 000.\n",
            "quoted-printable",
        ),
        ("وصلت العريضة إلى مكتب الوزير " * 4, "شكرا لكم على توقيعكم.\n" * 40, "base64"),
    ],
)
def test_a_built_message_is_ascii_on_the_wire_and_reads_back_as_written(subject, body, encoding):
    message = build_message(
        sender=ARABIC_SENDER,
        to="ann@example.org",
        subject=subject,
        text=body,
        html=f"<p>{body}</p>" * 30,
        domain="example.org",
        list_unsubscribe="https://example.org/en/unsubscribe/token=1",
    )

    assert message.data.isascii()
    lines = message.data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 998
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    sent = message_from_bytes(message.data, policy=policy.default)
    assert (message.envelope_from, message.to) == ("campaigns@example.org", "ann@example.org")
    assert str(sent["From"]) == ARABIC_SENDER
    assert sent["Subject"] == subject
    assert sent["List-Unsubscribe"] == "<https://example.org/en/unsubscribe/token=1>"
    text, html = sent.iter_parts()
    assert text["Content-Transfer-Encoding"] == encoding
    # Quoted-printable lines end as SMTP's do; clients read either end alike.
    assert text.get_content().replace("\r\n", "\n") == body
    assert html.get_content().replace("\r\n", "\n") == f"<p>{body}</p>" * 30
    assert sent["MIME-Version"] == "1.0"
    assert text["MIME-Version"] is None and html["MIME-Version"] is None


@pytest.mark.parametrize(
    "to",
    [
        "ann@example.org, bob@example.net",
        "ann@example.org\r\nBcc: bob@example.net",
        "ann@example.org\nBcc: bob@example.net",
        "josé@example.org",
        "",
    ],
)
def test_a_message_goes_to_exactly_one_address(to):
    with pytest.raises((InvalidRecipient, ValueError)):
        build_message(
            sender="campaigns@example.org",
            to=to,
            subject="s",
            text="t",
            html="<p>t</p>",
            domain="example.org",
        )
