"""The platform's Ed25519 key that signs delivery packs, and its public half as published."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class KeyProblem(Exception):
    """The signing key is missing, unreadable or not an Ed25519 key (its message says which)."""


class KeyExists(KeyProblem):
    """`generate_key` will not overwrite a key: packs already signed with it must still verify."""


def generate_key(path: Path) -> Ed25519PublicKey:
    """A new private key written to `path`, readable by its owner alone (mode 600)."""
    if path.exists():
        raise KeyExists(f"{path} exists already; move it away first to make a new key")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Created with mode 600 from the start, so the key is never readable by others even briefly.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key.public_key()


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyProblem(f"no signing key at {path}: run `campaign keys generate` first") from None
    except OSError as exc:
        raise KeyProblem(f"cannot read the signing key at {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyProblem(f"{path} is not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyProblem(f"{path} is not an Ed25519 key")
    return key


def public_key_text(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key in standard base64: what packs and the key document print."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def key_id(key: Ed25519PublicKey) -> str:
    """A short name for the key: the first 16 hex digits of the SHA-256 of its raw bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_from_text(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError:
        raise KeyProblem("not a base64 Ed25519 public key") from None


def keys_document(key: Ed25519PublicKey | None) -> dict:
    """What /.well-known/campaign-keys.json publishes: the key that signs delivery packs."""
    keys = []
    if key is not None:
        keys.append(
            {
                "id": key_id(key),
                "algorithm": "Ed25519",
                "public_key": public_key_text(key),
                "use": "delivery-pack",
            }
        )
    return {"keys": keys}
