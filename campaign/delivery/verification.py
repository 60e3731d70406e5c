"""Checking a delivery pack, for anyone who holds one: the platform, its staff, the target.

This module needs nothing but Python's standard library and the `cryptography` package, so it
can be copied out and run on its own::

    from verification import verify_pack
    key = "<base64 key from /.well-known/campaign-keys.json>"
    pack = verify_pack("pack-folder", public_key=key)
    print(pack.count)

How a pack is signed (`FORMAT`): `manifest.json` is one JSON object whose keys are sorted, with
no spaces, in UTF-8. Take it without its `signature` member, serialise it the same way
(`json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`), and hash that with
SHA-256: the `signature` member is the base64 Ed25519 signature, by the key in `key.public_key`,
of the bytes `"campaign-delivery-pack/1 sha256:"` followed by that hash in lower-case hex. The
manifest lists the SHA-256 of every other file of the pack, the count and the count by country,
which the signatures file must match row for row.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "campaign-delivery-pack/1"
MANIFEST = "manifest.json"
SIGNATURES = "signatures.csv"
SUMMARY = "summary.pdf"
CSV_HEADER = ["name", "country_code", "country", "signed_on"]
_CHUNK = 1 << 20


class PackInvalid(Exception):
    """The pack does not check out; `where` names the first file or field that does not."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


@dataclass(frozen=True)
class VerifiedPack:
    count: int
    petition: str
    cut_off: str
    key_id: str
    public_key: str


def canonical(manifest: dict) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def signed_message(body_sha256: str) -> bytes:
    """What the platform signs: the hash of the manifest without its signature, named."""
    return f"{FORMAT} sha256:{body_sha256}".encode("ascii")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_pack(folder: str | Path, *, public_key: str | None = None) -> VerifiedPack:
    """Check every file of the pack in `folder` and the platform's signature over them.

    `public_key` (base64, as /.well-known/campaign-keys.json and the summary print it) is the
    key the pack must be signed with; without it the key named in the manifest is used, which
    proves the pack is intact but not who made it. Raises PackInvalid naming the first file or
    field that does not check out; returns what was verified.
    """
    folder = Path(folder)
    manifest = _read_manifest(folder / MANIFEST)
    key_text = _check_signature(manifest, public_key)
    files = manifest["files"]
    for name in (SIGNATURES, SUMMARY):
        entry = files.get(name) if isinstance(files, dict) else None
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            raise PackInvalid(MANIFEST, f"files.{name} is missing")
        try:
            actual = file_sha256(folder / name)
        except OSError:
            raise PackInvalid(name, "is missing or unreadable") from None
        if actual != entry["sha256"]:
            raise PackInvalid(name, "its SHA-256 does not match the manifest")
    _check_rows(folder / SIGNATURES, manifest)
    return VerifiedPack(
        count=manifest["count"],
        petition=str(manifest.get("petition", {}).get("slug", "")),
        cut_off=str(manifest.get("cut_off", "")),
        key_id=hashlib.sha256(base64.b64decode(key_text)).hexdigest()[:16],
        public_key=key_text,
    )


def _read_manifest(path: Path) -> dict:
    try:
        data = path.read_bytes()
    except OSError:
        raise PackInvalid(MANIFEST, "is missing or unreadable") from None
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PackInvalid(MANIFEST, "is not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PackInvalid(MANIFEST, f"format is not {FORMAT}")
    for field, kind in (("signature", str), ("count", int), ("countries", dict), ("files", dict)):
        if not isinstance(manifest.get(field), kind):
            raise PackInvalid(MANIFEST, f"{field} is missing")
    return manifest


def _check_signature(manifest: dict, expected_key: str | None) -> str:
    key = manifest.get("key")
    key_text = key.get("public_key") if isinstance(key, dict) else None
    if not isinstance(key_text, str):
        raise PackInvalid(MANIFEST, "key.public_key is missing")
    if expected_key is not None and key_text != expected_key.strip():
        raise PackInvalid(MANIFEST, "key.public_key is not the expected key")
    try:
        verifier = Ed25519PublicKey.from_public_bytes(base64.b64decode(key_text, validate=True))
        signature = base64.b64decode(manifest["signature"], validate=True)
    except ValueError:
        raise PackInvalid(MANIFEST, "key or signature is not valid base64") from None
    body = {name: value for name, value in manifest.items() if name != "signature"}
    try:
        verifier.verify(signature, signed_message(hashlib.sha256(canonical(body)).hexdigest()))
    except InvalidSignature:
        raise PackInvalid(MANIFEST, "signature does not match its contents") from None
    return key_text


def _check_rows(path: Path, manifest: dict) -> None:
    """The signatures file says what the manifest says: the same count, country by country."""
    countries: Counter[str] = Counter()
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        if next(reader, None) != CSV_HEADER:
            raise PackInvalid(SIGNATURES, "its header is not " + ",".join(CSV_HEADER))
        for row in reader:
            if len(row) != len(CSV_HEADER):
                raise PackInvalid(SIGNATURES, f"line {reader.line_num} has the wrong columns")
            countries[row[1]] += 1
    if countries.total() != manifest["count"]:
        raise PackInvalid(SIGNATURES, "its row count differs from the manifest's count")
    if dict(countries) != manifest["countries"]:
        raise PackInvalid(SIGNATURES, "its countries differ from the manifest's countries")
