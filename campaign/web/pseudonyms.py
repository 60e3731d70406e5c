"""Pseudonymising what must never be stored in the clear."""

from __future__ import annotations

import hashlib
import hmac


def address_hash(secret_key: str, address: str) -> str:
    """A keyed hash of a client address: the same address gives the same value, but without
    the key the value cannot be turned back into the address (IPv4 space is small enough to
    brute-force a plain hash)."""
    key = hashlib.sha256(b"campaign.address-hash:" + secret_key.encode()).digest()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def mailbox_pseudonym(secret_key: str, mailbox_key: str) -> str:
    """What a protected petition keeps instead of a signer's normalised address: a keyed hash
    (HMAC-SHA256, key derived from SECRET_KEY), the same for every spelling of one mailbox, so
    that signing twice and erasure still find the row. Lower-case hex, 64 characters. Without
    the key, guessing addresses and hashing them gets nowhere."""
    key = hashlib.sha256(b"campaign.mailbox-pseudonym:" + secret_key.encode()).digest()
    return hmac.new(key, mailbox_key.encode(), hashlib.sha256).hexdigest()
