"""Building a delivery pack: signatures.csv, summary.pdf and the signed manifest.json, written
into a temporary folder beside the destination and renamed into place only when complete, so
that a failure never leaves a partial pack behind. The pack is recorded, its receipt hashes
with it, before that rename: a pack on disk is a pack the receipt check knows.

The signatures are streamed from the database in batches and never held together in memory:
a million-signature pack stays within a few hundred megabytes (bench/delivery)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from babel import Locale
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Integer, insert, literal, select
from sqlalchemy.orm import Session

from campaign.audit import DELIVERY_PACK, record_event
from campaign.delivery.countries import country_counts
from campaign.delivery.keys import KeyProblem, key_id, load_private_key, public_key_text
from campaign.delivery.summary import MissingFonts, write_summary
from campaign.delivery.verification import (
    CSV_HEADER,
    FORMAT,
    MANIFEST,
    SIGNATURES,
    SUMMARY,
    canonical,
    file_sha256,
    signed_message,
)
from campaign.models import DeliveryPack, DeliveryPackReceipt, Petition, Signature
from campaign.models.protection import UNKNOWN_COUNTRY
from campaign.privacy.exports import csv_chunks, iter_batches

BATCH_SIZE = 5000


class PackProblem(Exception):
    """The pack cannot be built as asked (its message says why, for the command line; its
    `reason` which, for pages: "future", "key" or "other")."""

    def __init__(self, message: str, *, reason: str = "other") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class PackFacts:
    """What the pack says about the signatures, gathered while they are written out."""

    petition: Petition
    language: str
    cut_off: datetime
    organisation: str
    public_url: str
    min_country_count: int  # the map folds countries as the public map does
    count: int = 0
    countries: Counter[str] = field(default_factory=Counter)
    first_on: date | None = None
    last_on: date | None = None

    def country_names(self) -> dict[str, str]:
        names = Locale.parse(self.language).territories
        return {code: names.get(code, code) for code in self.countries}


@dataclass(frozen=True)
class BuiltPack:
    folder: Path
    count: int
    cut_off: datetime
    manifest_sha256: str
    receipts_sha256: str


def cut_off_for(to: date | None, *, now: datetime) -> datetime:
    """The instant before which signatures go into the pack: the end of day `to` (UTC), or
    now. A day still to come is refused: a pack cannot promise signatures not yet given."""
    if to is None:
        return now
    if to > now.date():
        raise PackProblem(f"the cut-off {to.isoformat()} is in the future", reason="future")
    return min(datetime.combine(to + timedelta(days=1), time(), tzinfo=UTC), now)


def build_pack(
    session: Session,
    petition: Petition,
    destination: Path,
    *,
    language: str,
    cut_off: datetime,
    key: Ed25519PrivateKey,
    organisation: str,
    public_url: str,
    font_dir: Path,
    min_country_count: int,
    record: Callable[[BuiltPack], DeliveryPack],
) -> DeliveryPack:
    """Write the pack into the folder `destination`, which must not exist yet (or be empty),
    once `record` has recorded it; a pack `record` refuses is never written."""
    destination = destination.absolute()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise PackProblem(f"{destination} exists and is not an empty folder")
    try:
        workspace = Path(tempfile.mkdtemp(prefix=".delivery-pack-", dir=destination.parent))
    except OSError as exc:
        raise PackProblem(f"cannot write into {destination.parent}: {exc.strerror}") from None
    try:
        facts = PackFacts(petition, language, cut_off, organisation, public_url, min_country_count)
        _write_signatures(session, workspace / SIGNATURES, facts)
        write_summary(
            workspace / SUMMARY,
            facts,
            public_key=public_key_text(key.public_key()),
            font_dir=font_dir,
        )
        manifest_sha256, receipts_sha256 = _write_manifest(session, workspace, facts, key)
        pack = record(
            BuiltPack(destination, facts.count, cut_off, manifest_sha256, receipts_sha256)
        )
        workspace.chmod(0o755)
        workspace.replace(destination)
    except MissingFonts as exc:
        shutil.rmtree(workspace, ignore_errors=True)
        raise PackProblem(str(exc)) from None
    except OSError as exc:
        shutil.rmtree(workspace, ignore_errors=True)
        raise PackProblem(f"cannot write the pack: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(workspace, ignore_errors=True)
        raise
    return pack


def _included(petition_id: int, cut_off: datetime):
    return (
        Signature.petition_id == petition_id,
        Signature.confirmed_at.is_not(None),
        Signature.confirmed_at < cut_off,
    )


def _write_signatures(session: Session, path: Path, facts: PackFacts) -> None:
    # A protected petition's pack never names anyone: its names are sealed (campaign.protection)
    # and only staff holding the private key may add them, offline.
    protected = facts.petition.protection_key_id is not None
    name = literal("") if protected else Signature.name
    # Nor does it single anyone out by country: a country with fewer signers than the public
    # figures show alone is written as UNKNOWN_COUNTRY, and counted so, as "other countries".
    shown = _countries_shown_alone(session, facts) if protected else None
    query = (
        select(name, Signature.country, Signature.confirmed_at)
        .where(*_included(facts.petition.id, facts.cut_off))
        .order_by(Signature.confirmed_at, Signature.id)
    )
    territories = Locale.parse(facts.language).territories

    def rows() -> Iterator[Sequence[Sequence[str]]]:
        for batch in iter_batches(session, query, batch_size=BATCH_SIZE):
            if not batch:
                continue
            if shown is not None:
                batch = [
                    (name, code if code in shown else UNKNOWN_COUNTRY, at)
                    for name, code, at in batch
                ]
            written = [
                (name, code, territories.get(code, code), at.date().isoformat())
                for name, code, at in batch
            ]
            facts.countries.update(code for _name, code, _at in batch)
            facts.count += len(batch)
            facts.first_on = facts.first_on or batch[0][2].date()
            facts.last_on = batch[-1][2].date()
            yield written

    with path.open("wb") as file:
        for chunk in csv_chunks(CSV_HEADER, rows()):
            file.write(chunk)


def _countries_shown_alone(session: Session, facts: PackFacts) -> set[str]:
    """The countries the public figures would show by name for the signatures in the pack."""
    counts = country_counts(
        session, facts.petition.id, min_count=facts.min_country_count, before=facts.cut_off
    )
    return {code for code, _count in counts.countries}


def _receipts(session: Session, facts: PackFacts) -> Iterator[str]:
    """The receipt hashes of the signatures in the pack, sorted so that their order says
    nothing about whose they are."""
    query = (
        select(Signature.receipt_hash)
        .where(*_included(facts.petition.id, facts.cut_off), Signature.receipt_hash.is_not(None))
        .order_by(Signature.receipt_hash)
    )
    yield from _streamed(session, query)


def _streamed(session: Session, query) -> Iterator[str]:
    for batch in iter_batches(session, query, batch_size=BATCH_SIZE * 4):
        for (receipt,) in batch:
            yield receipt


def manifest_head(facts: PackFacts, files: dict[str, dict], key: Ed25519PrivateKey) -> dict:
    petition = facts.petition
    text = petition.text_for(facts.language)
    public = key.public_key()
    return {
        "format": FORMAT,
        "petition": {
            "slug": petition.slug,
            "title": text.title,
            "target": text.target,
            "language": text.locale,
            "url": facts.public_url,
        },
        "organisation": facts.organisation,
        "language": facts.language,
        "cut_off": facts.cut_off.astimezone(UTC).isoformat(timespec="seconds"),
        "count": facts.count,
        "countries": dict(sorted(facts.countries.items())),
        "first_signature_on": facts.first_on.isoformat() if facts.first_on else None,
        "last_signature_on": facts.last_on.isoformat() if facts.last_on else None,
        "files": files,
        "key": {
            "algorithm": "Ed25519",
            "id": key_id(public),
            "public_key": public_key_text(public),
        },
        "receipts": [],
    }


def _write_manifest(
    session: Session, workspace: Path, facts: PackFacts, key: Ed25519PrivateKey
) -> tuple[str, str]:
    """Write manifest.json with its receipts streamed in; the SHA-256 of the written file, and
    that of its receipt hashes one after the other (what recording the pack checks against)."""
    files = {
        name: {"sha256": file_sha256(workspace / name), "bytes": (workspace / name).stat().st_size}
        for name in (SIGNATURES, SUMMARY)
    }
    head = canonical(manifest_head(facts, files, key))
    # "receipts" is the last key but "signature" in sorted order: the list goes where the
    # empty one is, and the signature after it, so the file is the canonical form throughout.
    before, empty, after = head.rpartition(b'"receipts":[]')
    if not empty or after != b"}":
        raise AssertionError("the manifest's keys are not in the expected order")
    body, receipts = hashlib.sha256(), hashlib.sha256()
    path = workspace / MANIFEST

    def write(piece: bytes) -> None:
        body.update(piece)
        file.write(piece)

    with path.open("wb") as file:
        write(before + b'"receipts":[')
        separator = ""
        pieces: list[str] = []
        for receipt in _receipts(session, facts):
            receipts.update(receipt.encode("ascii"))
            pieces.append(receipt)
            if len(pieces) == BATCH_SIZE:
                write((separator + _quoted(pieces)).encode("ascii"))
                separator, pieces = ",", []
        if pieces:
            write((separator + _quoted(pieces)).encode("ascii"))
        write(b"]")
        body.update(b"}")
        signature = base64.b64encode(key.sign(signed_message(body.hexdigest())))
        file.write(b',"signature":' + json.dumps(signature.decode("ascii")).encode() + b"}\n")
    return file_sha256(path), receipts.hexdigest()


def _quoted(receipts: list[str]) -> str:
    return ",".join(f'"{receipt}"' for receipt in receipts)


def record_pack(
    session: Session,
    built: BuiltPack,
    petition: Petition,
    *,
    language: str,
    actor_id: int | None,
    origin: str | None,
    via: str,
) -> DeliveryPack:
    """Keep a record of the pack (never its signatures) with the receipt hashes its manifest
    lists, and note it in the audit log."""
    pack = DeliveryPack(
        petition_id=petition.id,
        created_by_id=actor_id,
        cut_off=built.cut_off,
        language=language,
        signature_count=built.count,
        manifest_sha256=built.manifest_sha256,
    )
    session.add(pack)
    session.flush()
    _store_receipts(session, pack, built)
    record_event(
        session,
        DELIVERY_PACK,
        actor_id=actor_id,
        origin=origin,
        details={
            "petition": petition.slug,
            "pack": pack.id,
            "cut_off": built.cut_off.isoformat(timespec="seconds"),
            "count": built.count,
            "manifest_sha256": built.manifest_sha256,
            "via": via,
        },
    )
    return pack


def _store_receipts(session: Session, pack: DeliveryPack, built: BuiltPack) -> None:
    """Copy the pack's receipt hashes in one statement, then read them back: a receipt given
    or a signature removed while the manifest was written would make the copy differ from
    the manifest, and the pack is refused rather than answer signers wrongly."""
    session.execute(
        insert(DeliveryPackReceipt).from_select(
            ["pack_id", "receipt_hash"],
            select(literal(pack.id, Integer), Signature.receipt_hash).where(
                *_included(pack.petition_id, built.cut_off), Signature.receipt_hash.is_not(None)
            ),
        )
    )
    stored = hashlib.sha256()
    query = (
        select(DeliveryPackReceipt.receipt_hash)
        .where(DeliveryPackReceipt.pack_id == pack.id)
        .order_by(DeliveryPackReceipt.receipt_hash)
    )
    for receipt in _streamed(session, query):
        stored.update(receipt.encode("ascii"))
    if stored.hexdigest() != built.receipts_sha256:
        raise PackProblem("signatures changed while the pack was being made: make it again")


def make_pack(
    session: Session,
    petition: Petition,
    destination: Path,
    *,
    language: str,
    to: date | None,
    now: datetime,
    key_file: Path,
    font_dir: Path,
    min_country_count: int,
    organisation: str,
    public_url: str,
    actor_id: int | None,
    origin: str | None,
    via: str,
) -> DeliveryPack:
    """Build the pack and record it (the caller commits): what the command and staff run."""
    try:
        key = load_private_key(key_file)
    except KeyProblem as exc:
        raise PackProblem(str(exc), reason="key") from None
    return build_pack(
        session,
        petition,
        destination,
        language=language,
        cut_off=cut_off_for(to, now=now),
        key=key,
        organisation=organisation,
        public_url=public_url,
        font_dir=font_dir,
        min_country_count=min_country_count,
        record=lambda built: record_pack(
            session, built, petition, language=language, actor_id=actor_id, origin=origin, via=via
        ),
    )
