"""Signers' receipts: a random code shown once, when a signature is confirmed, whose SHA-256
alone is kept and listed in delivery packs, so that a signer (or a target holding the pack)
can check that the signature was delivered without anyone learning who else signed."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from campaign.database import Write
from campaign.mail.emails import EmailTemplate, email_template, outbox_insert_to, write_rendered_to
from campaign.models import DeliveryPack, DeliveryPackReceipt, Petition, Signature
from campaign.web.links import absolute_url

# 20 random bytes (160 bits) in base32, grouped by four for reading aloud or copying by hand.
RECEIPT_BYTES = 20
RECEIPT_PATTERN = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$")


def new_receipt_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(RECEIPT_BYTES)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def receipt_hash(code: str) -> str:
    """Lower-case hex SHA-256 of the code exactly as shown (what packs list)."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def normalised_code(raw: str) -> str | None:
    """The code as shown, from what a signer typed (case, spaces and missing dashes forgiven);
    None when it cannot be a receipt code."""
    letters = "".join(raw.split()).replace("-", "").upper()
    code = "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))
    return code if RECEIPT_PATTERN.match(code) else None


def issue_receipt(session: Session, public_id: str) -> str | None:
    """A receipt for the confirmed signature `public_id`, if it has none yet; else None. Only
    the first confirmation page shows it: the code itself is never stored."""
    code = new_receipt_code()
    issued = session.execute(
        update(Signature)
        .where(
            Signature.public_id == public_id,
            Signature.confirmed_at.is_not(None),
            Signature.receipt_hash.is_(None),
        )
        .values(receipt_hash=receipt_hash(code))
        .execution_options(synchronize_session=False)
    )
    return code if issued.rowcount == 1 else None


def receipt_email(petition: Petition, locale: str) -> EmailTemplate:
    """The short email that gives a newly confirmed signer their receipt, in `locale`, rendered
    once per petition and language with a placeholder for the code."""
    text = petition.text_for(locale)
    return email_template(
        "signature_receipt",
        locale=locale,
        fields=("receipt",),
        petition_title=text.title if text else petition.slug,
        receipt_url=absolute_url("public.receipt", lang=locale, slug=petition.slug),
    )


def receipt_email_write(public_id: str, template: EmailTemplate, code: str) -> Write:
    """The receipt email to the signature's address, for the caller to make in its transaction:
    one INSERT, which adds nothing for a protected petition, whose signers get no further email
    (their row keeps no address to write to)."""
    return write_rendered_to(
        _RECEIPT_EMAIL_INSERT, template.fill(receipt=code), signature_public_id=public_id
    )


_signatures, _petitions = Signature.__table__, Petition.__table__
_RECEIPT_EMAIL_INSERT = outbox_insert_to(
    _signatures.c.email,
    _signatures.join(_petitions, _petitions.c.id == _signatures.c.petition_id),
    _signatures.c.public_id == bindparam("signature_public_id"),
    _petitions.c.protection_key_id.is_(None),
)


def latest_delivered_pack(session: Session, petition_id: int) -> DeliveryPack | None:
    return session.scalars(
        select(DeliveryPack)
        .where(DeliveryPack.petition_id == petition_id, DeliveryPack.delivered_on.is_not(None))
        .order_by(DeliveryPack.delivered_on.desc(), DeliveryPack.id.desc())
        .limit(1)
    ).first()


def receipt_in_pack(session: Session, pack: DeliveryPack, code: str) -> bool:
    """Whether the pack's manifest lists the code (its list is kept with the pack's record)."""
    return session.get(DeliveryPackReceipt, (pack.id, receipt_hash(code))) is not None


def own_receipt(session: Session, public_id: str, raw: str) -> str | None:
    """`raw` as a receipt code, if it is the one given for the signature `public_id`."""
    code = normalised_code(raw)
    if code is None:
        return None
    stored = session.scalar(select(Signature.receipt_hash).where(Signature.public_id == public_id))
    return code if stored == receipt_hash(code) else None
