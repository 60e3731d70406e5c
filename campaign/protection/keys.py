"""Protection key pairs: made on the machine of the people allowed to read names; only the
public half is registered with the platform.

X25519 keys for libsodium sealed boxes (PyNaCl): an anonymous sender seals to a public key, and
only the private key opens, so the server can write what it can never read back.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path

from nacl.public import PrivateKey, PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.models import ProtectionKey

PRIVATE_KEY_FILE = "protection-private.key"
PUBLIC_KEY_FILE = "protection-public.key"
# The first line of each key file: both halves are 32 bytes of base64, so only this tells them
# apart, and registering the private half by mistake would upload it.
PRIVATE_KEY_LABEL = "# Protection private key: keep it offline, never upload it."
PUBLIC_KEY_LABEL = "# Protection public key: register it with campaign keys add-protection."
_OTHER_HALF = {PRIVATE_KEY_LABEL: PUBLIC_KEY_LABEL, PUBLIC_KEY_LABEL: PRIVATE_KEY_LABEL}
KEY_NAME_MAX = 80


class ProtectionKeyError(Exception):
    """Base of what registering or reading a key refuses."""


class InvalidKey(ProtectionKeyError):
    """The file does not hold one base64-encoded 32-byte key."""


class KeyNameTaken(ProtectionKeyError):
    """Another key is registered under this name."""


class KeyAlreadyRegistered(ProtectionKeyError):
    """This public key is registered already (under the name given)."""


class InvalidKeyName(ProtectionKeyError):
    """The name is empty or too long."""


class WrongHalf(InvalidKey):
    """A private key file given where the public one is asked for, or the reverse."""


@dataclass(frozen=True)
class KeyPairFiles:
    private: Path
    public: Path


def _encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def decode_key(text: str, *, label: str) -> bytes:
    """The 32 bytes a key file holds (its label line, then one line of base64); raises
    WrongHalf when the file is labelled as the other half, InvalidKey when it holds no key.
    A file without a label is taken as it is."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if _OTHER_HALF[label] in lines:
        raise WrongHalf(label)
    try:
        raw = base64.b64decode("".join(line for line in lines if line != label), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidKey("not base64") from exc
    if len(raw) != PublicKey.SIZE:
        raise InvalidKey("not 32 bytes")
    return raw


def write_key_pair(directory: Path) -> KeyPairFiles:
    """Make a key pair in `directory` (created if missing): the private key readable by its
    owner only, never overwriting a key already there (that would lose every name sealed to it).
    """
    directory.mkdir(parents=True, exist_ok=True)
    files = KeyPairFiles(directory / PRIVATE_KEY_FILE, directory / PUBLIC_KEY_FILE)
    for path in (files.private, files.public):
        if path.exists():
            raise FileExistsError(path)
    private = PrivateKey.generate()
    descriptor = os.open(files.private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(f"{PRIVATE_KEY_LABEL}\n{_encode(bytes(private))}\n")
    files.public.write_text(
        f"{PUBLIC_KEY_LABEL}\n{_encode(bytes(private.public_key))}\n", encoding="ascii"
    )
    return files


def read_private_key(text: str) -> PrivateKey:
    """The private key a key file holds; raises InvalidKey (WrongHalf for the public file)."""
    return PrivateKey(decode_key(text, label=PRIVATE_KEY_LABEL))


def register_key(session: Session, name: str, public_key_text: str) -> ProtectionKey:
    """Register a public key under `name`, in the caller's transaction. Raises WrongHalf for
    the text of a private key file, which must never reach the platform."""
    public_key = _encode(decode_key(public_key_text, label=PUBLIC_KEY_LABEL))
    name = " ".join(name.split())
    if not name or len(name) > KEY_NAME_MAX:
        raise InvalidKeyName(name)
    if session.scalar(select(ProtectionKey.id).where(ProtectionKey.name == name)):
        raise KeyNameTaken(name)
    if session.scalar(select(ProtectionKey.id).where(ProtectionKey.public_key == public_key)):
        raise KeyAlreadyRegistered(name)
    key = ProtectionKey(name=name, public_key=public_key)
    session.add(key)
    session.flush()
    return key
