"""Where signatures come from: the channel of the link followed, and the supporter who shared it.

A confirmed signer's personal link carries a referral code: a signed token of their signature's
random public id, never its sequential id (which would tell how many signed since), their name
or their address. Dashboards get numbers only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.models import Petition, Signature
from campaign.petitions.sharing import CHANNELS
from campaign.web.tokens import InvalidToken, Purpose, make_lasting_token, read_lasting_token

# Genuine codes are about 60 characters; longer input is not worth a signature check.
REF_MAX = 100


def referral_code(secret_key: str, public_id: str) -> str:
    return make_lasting_token(secret_key, Purpose.REFERRAL, public_id)


def referral_public_id(secret_key: str, code: str | None) -> str | None:
    """The signature public id a genuine referral code names; None for anything else, such as
    the codes that named the sequential id before public ids existed."""
    if not code or len(code) > REF_MAX:
        return None
    try:
        value = read_lasting_token(secret_key, Purpose.REFERRAL, code)
    except InvalidToken:
        return None
    return value if type(value) is str else None


def genuine_referral_code(secret_key: str, code: str | None) -> str | None:
    """`code` when it is a genuine referral code, worth carrying along in links and forms."""
    return code if referral_public_id(secret_key, code) is not None else None


def referrer_for(session: Session, petition: Petition, secret_key: str, code: str | None):
    """The id of the confirmed signature of `petition` whose personal link `code` is, or None."""
    public_id = referral_public_id(secret_key, code)
    if public_id is None:
        return None
    return session.scalar(
        select(Signature.id).where(
            Signature.public_id == public_id,
            Signature.petition_id == petition.id,
            Signature.confirmed_at.is_not(None),
        )
    )


@dataclass(frozen=True)
class ShareStats:
    """Confirmed signatures of one petition by where they came from. Numbers only."""

    by_channel: dict[str, int]  # every channel in CHANNELS order, zeros included
    direct: int  # came without a channel: typed address, search, an untagged link
    referred: int  # brought by a supporter's personal link, whatever the channel
    confirmed: int


def share_stats(session: Session, petition: Petition) -> ShareStats:
    confirmed = (Signature.petition_id == petition.id, Signature.confirmed_at.is_not(None))
    rows = session.execute(
        select(Signature.source_channel, func.count())
        .where(*confirmed)
        .group_by(Signature.source_channel)
    ).all()
    by_channel = dict.fromkeys(CHANNELS, 0)
    direct = 0
    for channel, count in rows:
        if channel is None:
            direct += count
        else:
            # A channel retired from CHANNELS still counts, after the current ones.
            by_channel[channel] = by_channel.get(channel, 0) + count
    referred = session.scalar(
        select(func.count())
        .select_from(Signature)
        .where(*confirmed, Signature.referrer_id.is_not(None))
    )
    return ShareStats(
        by_channel=by_channel,
        direct=direct,
        referred=referred or 0,
        confirmed=direct + sum(by_channel.values()),
    )
