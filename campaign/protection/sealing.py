"""Sealing a protected signer's values to the petition's public key, and opening them with the
private key (offline, campaign decrypt-export)."""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from campaign.models import Petition
from campaign.models.protection import SEALED_PREFIX
from campaign.petitions.signing import Sealing


class CannotOpen(Exception):
    """A sealed value this key does not open (another key's, or damaged)."""


@lru_cache(maxsize=64)
def _box(public_key: str) -> SealedBox:
    return SealedBox(PublicKey(base64.b64decode(public_key)))


def seal(public_key: str, value: str) -> str:
    """`value` sealed to `public_key` (base64): an ephemeral key pair per value, so two equal
    values seal differently and nothing can be compared without the private key."""
    sealed = _box(public_key).encrypt(value.encode("utf-8"))
    return SEALED_PREFIX + base64.b64encode(sealed).decode("ascii")


def open_sealed(private_key: PrivateKey, value: str) -> str:
    """The clear text of a sealed value; raises CannotOpen."""
    if not value.startswith(SEALED_PREFIX):
        raise CannotOpen("not a sealed value")
    try:
        sealed = base64.b64decode(value.removeprefix(SEALED_PREFIX), validate=True)
        return SealedBox(private_key).decrypt(sealed).decode("utf-8")
    except (binascii.Error, ValueError, CryptoError) as exc:
        raise CannotOpen("this key does not open it") from exc


def sealing_for(petition: Petition) -> Sealing | None:
    """How signing `petition` seals a signer's identity; None when it is not protected."""
    if petition.protection_key is None:
        return None
    public_key = petition.protection_key.public_key
    return Sealing(
        seal=lambda value: seal(public_key, value),
        country_in_clear=petition.count_by_country,
    )
