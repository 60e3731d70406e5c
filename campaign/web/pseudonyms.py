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
