"""Reading the email addresses people type: where mail goes, which mailbox it is, what we refuse.

`parse_address` is the one door every address comes through (signing, endorsements, staff
accounts, invitations, password resets, erasure). It returns the address mail is sent to and
the key that tells mailboxes apart, the key computed from that very address: what the outbox
sends to is what de-duplication, rate limits and erasure look for.

`Jane.Doe+petition@gmail.com` and `janedoe@googlemail.com` reach the same inbox, so they are one
signer. The rules are per provider (config EMAIL_NORMALIZATION, defaults in campaign.config);
they change only the key, never where emails go.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

from campaign.config import DEFAULT_EMAIL_NORMALIZATION

EmailRules = Mapping[str, Mapping[str, Any]]
DEFAULT_RULE = "*"
# RFC 5321 section 4.5.3.1: longer paths are refused by mail servers, or cut.
LOCAL_PART_MAX_OCTETS = 64
ADDRESS_MAX_OCTETS = 254
# Staff accounts are told apart exactly: no provider rule folds two colleagues into one.
EXACT_RULES: EmailRules = {}
# The list shipped with the platform; DISPOSABLE_EMAIL_DOMAINS_FILE may name it or another.
SHIPPED_DISPOSABLE_LIST = Path(__file__).parent.parent / "data" / "disposable_email_domains.txt"


class InvalidAddress(ValueError):
    """Not an address mail can be sent to exactly as we read it."""


@dataclass(frozen=True)
class Address:
    deliver_to: str  # what the outbox sends to: local part as typed, ASCII (IDNA) domain
    key: str  # one per mailbox, computed from deliver_to


def parse_address(raw: str, rules: EmailRules = DEFAULT_EMAIL_NORMALIZATION) -> Address:
    """The address mail goes to and its mailbox key; raises InvalidAddress.

    Compatibility characters are folded first (NFKC: full-width `ｅve＠example.com` is
    `eve@example.com`), so every spelling of one mailbox gives one address. Refused: anything
    outside a plain ASCII dot-atom local part and a host name (no quotes, comments, display names,
    domain literals), control and invisible format characters, RFC 2047 encoded words
    (`=?utf-8?q?...?=`, which the email library decodes, so mail would reach another address
    than the one checked), and paths longer than SMTP carries.
    """
    text = unicodedata.normalize("NFKC", raw.strip())
    # Category C: controls (header injection), format characters (invisible), unassigned;
    # U+FFFD stands for bytes that were not UTF-8, so the address as typed is lost.
    if any(unicodedata.category(ch)[0] == "C" or ch == "\ufffd" for ch in text):
        raise InvalidAddress("control or invisible character")
    if "=?" in text or "?=" in text:
        raise InvalidAddress("encoded word")
    try:
        info = validate_email(
            text,
            check_deliverability=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            allow_empty_local=False,
            # A local part outside ASCII needs SMTPUTF8 from every relay on the way, which the
            # worker cannot count on; the domain may be Unicode, it is sent as IDNA.
            allow_smtputf8=False,
        )
    except EmailNotValidError as exc:
        raise InvalidAddress(str(exc)) from exc
    deliver_to = f"{info.local_part}@{info.ascii_domain}"
    if (
        len(info.local_part.encode()) > LOCAL_PART_MAX_OCTETS
        or len(deliver_to.encode()) > ADDRESS_MAX_OCTETS
    ):
        raise InvalidAddress("too long")
    if not reads_as_itself(deliver_to):
        raise InvalidAddress("the email library reads it differently")
    return Address(deliver_to=deliver_to, key=mailbox_key(deliver_to, rules))


_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+")


def reads_as_itself(address: str) -> bool:
    """Whether a To header holding `address` names exactly that one address to every parser.

    Letters, digits and . _ + - read the same to any parser; the library's header parser, a
    tenth of a signing's time, is kept for the rest."""
    return bool(_PLAIN_ADDRESS.fullmatch(address)) or _as_header_address(address) == address


def _as_header_address(address: str) -> str | None:
    """The one address the email library reads from a To header holding `address`, if it
    reads exactly one the same way in both its parsers (the message's and smtplib's)."""
    header = email.policy.default.header_factory("To", address)
    found = [each.addr_spec for each in header.addresses]
    listed = email.utils.getaddresses([address])
    if header.defects or len(found) != 1 or listed != [("", found[0])]:
        return None
    return found[0]


def keys_reached(to_address: str, rules: EmailRules) -> set[str]:
    """The keys of the mailboxes a To header holding `to_address` reaches, read as the email
    library reads it: an outbox row queued before addresses were checked this way may hold an
    encoded word that delivers elsewhere than it looks."""
    try:
        header = email.policy.default.header_factory("To", to_address)
    except ValueError:
        return set()
    keys = set()
    for each in header.addresses:
        try:
            keys.add(parse_address(each.addr_spec, rules).key)
        except InvalidAddress:
            continue
    return keys


def account_email(raw: str) -> str:
    """How a staff account is named and looked up (login, reset, invitation, and their rate
    limits); raises InvalidAddress."""
    return parse_address(raw, EXACT_RULES).key


@dataclass(frozen=True)
class AddressPolicy:
    """How the platform reads the addresses people type: one mailbox, one key; some refused."""

    rules: EmailRules = field(default_factory=lambda: DEFAULT_EMAIL_NORMALIZATION)
    blocked_domains: frozenset[str] = frozenset()

    def parse(self, raw: str) -> Address:
        return parse_address(raw, self.rules)

    def is_blocked(self, address: Address) -> bool:
        return bool(self.blocked_domains) and is_listed_domain(
            email_domain(address.deliver_to), self.blocked_domains
        )


DEFAULT_POLICY = AddressPolicy()


def mailbox_key(address: str, rules: EmailRules) -> str:
    """The lowercased address with the provider's rules applied: equal keys, one mailbox.

    Only for an address parse_address returned as deliver_to."""
    local, _, domain = address.lower().rpartition("@")
    rule = rules.get(domain, rules.get(DEFAULT_RULE, {}))
    if rule.get("drop_tags"):
        separator = rule.get("tag_separator", "+")
        # A local part that is only a tag ("+x@") keeps it, so the key is never empty.
        local = local.split(separator, 1)[0] or local
    if rule.get("drop_dots"):
        local = local.replace(".", "") or local
    return f"{local}@{rule.get('domain', domain)}"


def email_domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def mail_domain(raw: str) -> str:
    """A domain as the mailbox keys hold it: lowercase, IDNA ASCII (`bücher.example` is
    `xn--bcher-kva.example`); raises InvalidAddress."""
    return email_domain(parse_address(f"postmaster@{raw}", EXACT_RULES).deliver_to)


def load_domain_list(path: str | Path) -> frozenset[str]:
    """Domains from a text file: one a line, `#` starts a comment, blank lines ignored."""
    domains = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip().lower().rstrip(".")
        if entry:
            domains.add(entry)
    return frozenset(domains)


def is_listed_domain(domain: str, listed: frozenset[str]) -> bool:
    """Whether the domain, or a domain it belongs to (`x.mailinator.com`), is listed."""
    labels = domain.lower().rstrip(".").split(".")
    return any(".".join(labels[i:]) in listed for i in range(len(labels) - 1))


def init_address_policy(app) -> None:
    """Read the provider rules and the optional blocked-domain list once, when the app starts."""
    listed = app.config.get("DISPOSABLE_EMAIL_DOMAINS_FILE")
    app.extensions["address_policy"] = AddressPolicy(
        rules=app.config["EMAIL_NORMALIZATION"],
        blocked_domains=load_domain_list(listed) if listed else frozenset(),
    )


def address_policy() -> AddressPolicy:
    from flask import current_app

    return current_app.extensions["address_policy"]
