"""When two email addresses are one mailbox, and which domains we refuse.

`Jane.Doe+petition@gmail.com` and `janedoe@googlemail.com` reach the same inbox, so they are one
signer. The rules are per provider (config EMAIL_NORMALIZATION, defaults in campaign.config);
they change only the normalised address used for uniqueness, never the address as typed, which
is where emails go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign.config import DEFAULT_EMAIL_NORMALIZATION

EmailRules = Mapping[str, Mapping[str, Any]]
DEFAULT_RULE = "*"
# The list shipped with the platform; DISPOSABLE_EMAIL_DOMAINS_FILE may name it or another.
SHIPPED_DISPOSABLE_LIST = Path(__file__).parent / "data" / "disposable_email_domains.txt"


@dataclass(frozen=True)
class AddressPolicy:
    """How the platform reads the addresses people type: one mailbox, one key; some refused."""

    rules: EmailRules = field(default_factory=lambda: DEFAULT_EMAIL_NORMALIZATION)
    blocked_domains: frozenset[str] = frozenset()

    def key(self, address: str) -> str:
        return mailbox_key(address, self.rules)

    def is_blocked(self, address: str) -> bool:
        return bool(self.blocked_domains) and is_listed_domain(
            email_domain(address), self.blocked_domains
        )


DEFAULT_POLICY = AddressPolicy()


def mailbox_key(address: str, rules: EmailRules) -> str:
    """The lowercased address with the provider's rules applied: equal keys, one mailbox."""
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
