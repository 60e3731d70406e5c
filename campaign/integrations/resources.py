"""What webhooks and the signatures API say about a signature, shaped after OSDI's signature
resource (https://opensupporter.github.io/osdi-docs/signatures.html), so that CRMs that read
OSDI (Action Network, CiviCRM's OSDI extension) map it without a custom importer."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select

from campaign.models import Petition, Signature

# Identifiers are namespaced as OSDI asks: "<system>:<id>".
PREFIX = "campaign:"


def signature_identifier(public_id: str) -> str:
    return PREFIX + public_id


def petition_reference(slug: str) -> dict[str, str]:
    return {"identifier": f"{PREFIX}petition:{slug}", "slug": slug}


def consent_version(consent_text: str) -> str:
    """A short name for the exact consent wording a person agreed to: the same text, the same
    version, across petitions and languages."""
    return hashlib.sha256(consent_text.encode()).hexdigest()[:12]


def signature_columns() -> Select:
    """The columns a signature resource is built from, with its petition and referrer."""
    signatures, petitions = Signature.__table__, Petition.__table__
    referrer = signatures.alias("referrer")
    return (
        select(
            signatures.c.id,
            signatures.c.public_id,
            # A protected petition's signatures give their sealed values (campaign.protection),
            # as its exports do: what the receiver's private key opens, offline.
            func.coalesce(signatures.c.sealed_name, signatures.c.name).label("name"),
            func.coalesce(signatures.c.sealed_email, signatures.c.email).label("email"),
            func.coalesce(signatures.c.sealed_country, signatures.c.country).label("country"),
            signatures.c.locale,
            signatures.c.consent_text,
            signatures.c.consented_at,
            signatures.c.newsletter,
            signatures.c.source_channel,
            signatures.c.created_at,
            signatures.c.confirmed_at,
            petitions.c.slug.label("petition_slug"),
            referrer.c.public_id.label("referrer"),
        )
        .select_from(signatures)
        .join(petitions, petitions.c.id == signatures.c.petition_id)
        .outerjoin(referrer, referrer.c.id == signatures.c.referrer_id)
    )


@cache
def one_signature() -> Select:
    """Built once: a confirmation with a subscribed endpoint runs it inside its transaction."""
    return signature_columns().where(
        Signature.__table__.c.public_id == bindparam("signature_public_id")
    )


def signature_resource(row) -> dict:
    """A confirmed signature as OSDI describes one. The platform asks for one name field, so
    it goes out whole in `custom_fields.full_name`: splitting it into OSDI's given and family
    names would guess wrong for many of the names signers write."""
    return {
        "identifier": signature_identifier(row.public_id),
        "action_date": _iso(row.confirmed_at),
        "created_date": _iso(row.created_at),
        "petition": petition_reference(row.petition_slug),
        "person": {
            "email_addresses": [{"address": row.email, "primary": True}],
            "postal_addresses": [{"country": row.country}],
            "languages_spoken": [row.locale],
        },
        "custom_fields": {
            "full_name": row.name,
            "consent_text": row.consent_text,
            "consent_version": consent_version(row.consent_text),
            "consented_at": _iso(row.consented_at),
            "opt_in": bool(row.newsletter),
            "source_channel": row.source_channel,
            "referrer": signature_identifier(row.referrer) if row.referrer else None,
        },
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
