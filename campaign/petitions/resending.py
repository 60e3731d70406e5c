"""Sending the confirmation email again from the page that answers a signing.

That page carries, in a hidden field, a signed token of what was signed; the button posts it
back and the signing runs again (sign_petition), which re-sends to a pending signature, tells
a confirmed one it counts, caps the emails per signature, and answers alike whether or not the
address had signed. The address never goes into a URL, and the token lives an hour.
"""

from __future__ import annotations

from campaign.petitions.signing import SignatureData
from campaign.web.tokens import InvalidToken, Purpose, make_token, read_token

RESEND_MAX_AGE = 3600


def resend_token(secret_key: str, petition_id: int, data: SignatureData) -> str:
    return make_token(
        secret_key,
        Purpose.RESEND_CONFIRMATION,
        [petition_id, data.name, data.email, data.country, data.newsletter],
    )


def resend_request(
    secret_key: str, token: str, *, petition_id: int, consent_text: str
) -> SignatureData:
    """The signing a resend token stands for; raises InvalidToken (ExpiredToken) when it is
    forged, too old, or made on another petition's page."""
    payload = read_token(secret_key, Purpose.RESEND_CONFIRMATION, token, max_age=RESEND_MAX_AGE)
    if not (isinstance(payload, list) and len(payload) == 5 and payload[0] == petition_id):
        raise InvalidToken("not this petition's")
    _, name, email, country, newsletter = payload
    return SignatureData(
        name=str(name),
        email=str(email),
        country=str(country),
        consent_text=consent_text,
        newsletter=bool(newsletter),
    )
