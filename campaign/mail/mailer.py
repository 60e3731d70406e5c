"""Talking to the SMTP server named by MAIL_URL."""

from __future__ import annotations

import email.policy
import functools
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from campaign.mail.addresses import reads_as_itself


class MailUrlError(ValueError):
    """MAIL_URL is not of the form smtp[s]://[user:password@]host:port."""


class TemporaryFailure(Exception):
    """The message may go through if tried again later."""


class PermanentFailure(Exception):
    """The server refused the message for good."""

    def __init__(self, reason: str, *, mailbox_refused: bool = False):
        super().__init__(reason)
        # The refusal is about the mailbox itself (no such user...), not about this message.
        self.mailbox_refused = mailbox_refused


# Refusals that name the mailbox when they answer the message (RFC 5321 4.2.3): mailbox
# unavailable, user not local, mailbox name not allowed. 552 and 554 may be about the content.
MAILBOX_CODES = frozenset({550, 551, 553})


class InvalidRecipient(ValueError):
    """The recipient is not exactly one well-formed address."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    starttls: bool = False
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps", "smtp+starttls"} or not parts.hostname:
            raise MailUrlError("MAIL_URL must look like smtp://user:password@host:port")
        try:
            port = parts.port
        except ValueError as exc:
            raise MailUrlError("MAIL_URL has an invalid port") from exc
        default_port = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}[parts.scheme]
        return cls(
            host=parts.hostname,
            port=port or default_port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=parts.scheme == "smtps",
            starttls=parts.scheme == "smtp+starttls",
        )


@dataclass(frozen=True)
class OutgoingMessage:
    """A message as it goes on the wire: its envelope and its bytes."""

    envelope_from: str
    to: str
    data: bytes


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    domain: str,
    list_unsubscribe: str | None = None,
) -> OutgoingMessage:
    """A multipart/alternative message to `to`, ready for SMTP.

    Built with the email package's compat32 classes, which store headers as written: the
    default policy parses every header it is given and again when it writes them, five of the
    six milliseconds an email used to cost the worker, which sends an update to a million.
    What it parsed is checked here instead: the recipient is exactly one ASCII address (no
    list, no header injection), non-ASCII names and subjects become encoded words.
    """
    # Without this check "a@x, b@y" would be written to a To header naming two people, and a
    # line break in an address would start a header of its own.
    if not to.isascii() or not reads_as_itself(to):
        raise InvalidRecipient("the recipient is not exactly one valid address")
    message = MIMEMultipart("alternative")
    message["From"] = _from_header(sender)
    message["To"] = to
    message["Subject"] = Header(subject, header_name="Subject")
    # An aware UTC time is written "+0000"; formatdate's "-0000" means "time zone unknown".
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    if list_unsubscribe:
        # RFC 8058: the mail provider's own unsubscribe button POSTs to this https address.
        message["List-Unsubscribe"] = _Unfolded(f"<{list_unsubscribe}>")
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for body, subtype in ((text, "plain"), (html, "html")):
        part = MIMEText(body, subtype, _body_charset(body))
        del part["MIME-Version"]  # a part of a message carries none (RFC 2045 4)
        message.attach(part)
    return OutgoingMessage(
        envelope_from=parseaddr(sender)[1], to=to, data=message.as_bytes(policy=_WIRE)
    )


# SMTP's line ends; compat32 folds only what is longer than a line may be.
_WIRE = email.policy.compat32.clone(linesep="\r\n")
_QUOTED_PRINTABLE = Charset("utf-8")
_QUOTED_PRINTABLE.body_encoding = QP
_BASE64 = Charset("utf-8")  # the email package's default for UTF-8 bodies


def _body_charset(body: str) -> Charset:
    """Quoted-printable keeps a mostly Latin body readable and short; a body mostly in another
    script (Arabic) is shorter in base64, which spam filters also expect for it."""
    # Each character outside ASCII takes one to three bytes more in UTF-8: counted cheaply.
    foreign = len(body.encode()) - len(body)
    return _BASE64 if foreign * 4 > len(body) else _QUOTED_PRINTABLE


class _Unfolded:
    """A header value written on one line, as the email package writes a value it is given as
    a Header: a link has no space to fold at, and folded before it, it reads back with one."""

    def __init__(self, value: str):
        self.value = value

    def encode(self, linesep: str, maxlinelen: int) -> str:
        return self.value


@functools.lru_cache(maxsize=16)
def _from_header(sender: str) -> str:
    """MAIL_FROM as a header: a name outside ASCII (the organisation's, in Arabic) encoded."""
    name, address = parseaddr(sender)
    return formataddr((name, address), charset="utf-8")


class SmtpConnection:
    """One SMTP session, reused for a batch of messages."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.implicit_tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(
                f"cannot reach the SMTP server: {exc.__class__.__name__}"
            ) from exc
        return smtp

    def send(self, message: OutgoingMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.sendmail(message.envelope_from, [message.to], message.data)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise _failure_for(min(codes), "recipient refused", mailbox=True) from exc
        except smtplib.SMTPSenderRefused as exc:
            # The relay refuses MAIL_FROM, for every message alike: a setting to fix, not the
            # recipient's mailbox. Given up, each signer's address would be suppressed and
            # the queue would look empty; kept waiting, the emails go out once it is fixed,
            # and meanwhile turn late for the staff banner, /readyz and ALERT_EMAIL.
            raise TemporaryFailure(f"sender refused: SMTP {exc.smtp_code}") from exc
        except smtplib.SMTPResponseException as exc:
            mailbox = exc.smtp_code in MAILBOX_CODES
            raise _failure_for(exc.smtp_code, "message refused", mailbox=mailbox) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TemporaryFailure(f"connection lost: {exc.__class__.__name__}") from exc

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def _failure_for(code: int, what: str, *, mailbox: bool) -> Exception:
    if 500 <= code < 600:
        return PermanentFailure(f"{what}: SMTP {code}", mailbox_refused=mailbox)
    return TemporaryFailure(f"{what}: SMTP {code}")
