"""Attribution: the channel of a shared link and a supporter's personal link, from the link
through the sign form and the confirmation to the numbers of share_stats."""

from __future__ import annotations

import base64
import json

import pytest
from sharing_support import (
    check_share_panel,
    confirmation_path,
    hidden_fields,
    make_shared_petition,
    query_of,
    sign,
    sign_and_confirm,
)

from campaign.extensions import db
from campaign.models import Signature, utcnow
from campaign.models.signatures import new_public_id
from campaign.petitions.attribution import (
    ShareStats,
    referral_code,
    referral_public_id,
    referrer_for,
    share_stats,
)
from campaign.petitions.sharing import CHANNELS
from campaign.web.tokens import Purpose, make_lasting_token, make_token

SECRET = "s" * 40
PUBLIC_ID = "q3JxT0v9aZk1Lm2Np4Rs6w"  # as new_public_id makes them


# --- referral codes -----------------------------------------------------------------------


def test_referral_code_names_the_signature_and_nothing_else():
    code = referral_code(SECRET, PUBLIC_ID)
    assert referral_public_id(SECRET, code) == PUBLIC_ID
    assert code == referral_code(SECRET, PUBLIC_ID)  # stable: the same personal link every time
    payload = code.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert json.loads(decoded) == PUBLIC_ID


@pytest.mark.parametrize(
    "code",
    [
        None,
        "",
        "garbage",
        referral_code("another-secret-" + "x" * 30, PUBLIC_ID),
        referral_code(SECRET, PUBLIC_ID)[:-1],
        referral_code(SECRET, PUBLIC_ID) + "x" * 100,
        make_token(SECRET, Purpose.CONFIRM_SIGNATURE, PUBLIC_ID),  # a token for another purpose
        make_lasting_token(SECRET, Purpose.REFERRAL, 42),  # a code from before public ids
        make_lasting_token(SECRET, Purpose.REFERRAL, True),
        make_lasting_token(SECRET, Purpose.REFERRAL, [PUBLIC_ID]),
    ],
)
def test_anything_but_a_genuine_code_is_ignored(code):
    assert referral_public_id(SECRET, code) is None


def new_signature(session, petition, n, *, confirmed=True, channel=None, referrer=None):
    signature = Signature(
        petition_id=petition.id,
        name=f"Signer {n}",
        email=f"s{n}@example.org",
        email_normalized=f"s{n}@example.org",
        country="FR",
        locale="en",
        consent_text="ok",
        consented_at=utcnow(),
        confirmed_at=utcnow() if confirmed else None,
        source_channel=channel,
        referrer_id=referrer.id if referrer else None,
    )
    session.add(signature)
    session.flush()
    return signature


def test_referrer_must_be_a_confirmed_signature_of_the_same_petition(app, session, make_petition):
    petition, other = make_petition(), make_petition()
    confirmed = new_signature(session, petition, 1)
    pending = new_signature(session, petition, 2, confirmed=False)
    elsewhere = new_signature(session, other, 3)
    secret = app.config["SECRET_KEY"]

    def code(public_id):
        return referral_code(secret, public_id)

    assert referrer_for(session, petition, secret, code(confirmed.public_id)) == confirmed.id
    assert referrer_for(session, petition, secret, code(pending.public_id)) is None
    assert referrer_for(session, petition, secret, code(elsewhere.public_id)) is None
    assert referrer_for(session, petition, secret, code(new_public_id())) is None
    old = make_lasting_token(secret, Purpose.REFERRAL, confirmed.id)  # from before public ids
    assert referrer_for(session, petition, secret, old) is None
    assert referrer_for(session, petition, secret, "forged") is None


# --- share_stats, the domain function the dashboard calls ----------------------------------


def test_share_stats_counts_confirmed_signatures_by_channel_and_referral(session, make_petition):
    petition, other = make_petition(), make_petition()
    alice = new_signature(session, petition, 1, channel="facebook")
    new_signature(session, petition, 2, channel="facebook")
    new_signature(session, petition, 3, channel="whatsapp", referrer=alice)
    new_signature(session, petition, 4, channel=None, referrer=alice)
    new_signature(session, petition, 5, channel=None)
    new_signature(session, petition, 6, channel="qr")
    new_signature(session, petition, 7, channel="x", confirmed=False)  # pending: not counted
    new_signature(session, petition, 8, channel="x", referrer=alice, confirmed=False)
    new_signature(session, other, 9, channel="x", referrer=None)  # another petition

    stats = share_stats(session, petition)

    assert isinstance(stats, ShareStats)
    assert list(stats.by_channel) == list(CHANNELS)
    assert {k: v for k, v in stats.by_channel.items() if v} == {
        "facebook": 2,
        "whatsapp": 1,
        "qr": 1,
    }
    assert stats.direct == 2
    assert stats.referred == 2
    assert stats.confirmed == 6
    # Numbers only: nothing that names a signer.
    assert all(isinstance(v, int) for v in (*stats.by_channel.values(), stats.direct))


def test_share_stats_of_a_petition_without_signatures(session, make_petition):
    stats = share_stats(session, make_petition())
    assert stats == ShareStats(
        by_channel=dict.fromkeys(CHANNELS, 0), direct=0, referred=0, confirmed=0
    )


# --- the sign form carries the link's attribution -------------------------------------------


@pytest.fixture
def shared_petition(app, make_campaign, make_petition):
    return make_shared_petition(app, make_campaign, make_petition)


def test_plain_petition_page_has_no_attribution_and_is_cached(client, shared_petition):
    response = client.get(f"/en/petitions/{shared_petition.slug}")
    assert hidden_fields(response.get_data(as_text=True)) == {}
    assert response.cache_control.public and response.cache_control.max_age == 5


@pytest.mark.parametrize("channel", CHANNELS)
def test_channel_link_puts_the_channel_in_the_form_and_is_not_shared_cached(
    client, shared_petition, channel
):
    response = client.get(f"/en/petitions/{shared_petition.slug}", query_string={"src": channel})
    assert hidden_fields(response.get_data(as_text=True)) == {"src": channel}
    assert response.cache_control.private and not response.cache_control.public
    assert response.cache_control.max_age == 0


@pytest.mark.parametrize(
    "query", [{"src": "myspace"}, {"src": "X"}, {"ref": "forged.code"}, {"utm_source": "x"}]
)
def test_unknown_channels_and_forged_codes_are_ignored(client, shared_petition, query):
    response = client.get(f"/en/petitions/{shared_petition.slug}", query_string=query)
    assert hidden_fields(response.get_data(as_text=True)) == {}
    assert response.cache_control.public


def test_a_forged_channel_posted_directly_is_not_stored(app, client, shared_petition):
    client.post(
        f"/en/petitions/{shared_petition.slug}",
        data={
            "name": "Ann",
            "email": "ann@example.org",
            "country": "FR",
            "consent": "y",
            "src": "<script>",
            "ref": "forged",
        },
    )
    with app.app_context():
        signature = db.session.scalars(db.select(Signature)).one()
        assert signature.source_channel is None and signature.referrer_id is None


def signature_of(app, email):
    with app.app_context():
        return db.session.scalars(
            db.select(Signature).where(Signature.email_normalized == email)
        ).one()


def test_attribution_from_channel_link_and_personal_link_to_share_stats(
    app, client, shared_petition, make_petition
):
    # Ann arrives from Facebook, signs and confirms: her page offers her personal links.
    html, code = sign_and_confirm(
        app, client, shared_petition, email="ann@example.org", src="facebook"
    )
    ann = signature_of(app, "ann@example.org")
    assert ann.source_channel == "facebook" and ann.referrer_id is None
    assert code and "ann" not in code.lower() and "Ann Example" not in code
    assert referral_public_id(app.config["SECRET_KEY"], code) == ann.public_id
    assert f"?src=whatsapp&amp;ref={code}" in html or f"%3Fsrc%3Dwhatsapp%26ref%3D{code}" in html

    # Ben follows the link Ann sent on WhatsApp, signs and confirms.
    page, _ = sign(client, shared_petition, email="ben@example.org", src="whatsapp", ref=code)
    assert hidden_fields(page.get_data(as_text=True)) == {"src": "whatsapp", "ref": code}
    client.post(confirmation_path(app, "ben@example.org"))
    ben = signature_of(app, "ben@example.org")
    assert ben.is_confirmed
    assert ben.source_channel == "whatsapp" and ben.referrer_id == ann.id

    # Cleo follows Ann's copied link but never confirms: she is not counted.
    sign(client, shared_petition, email="cleo@example.org", src="copy", ref=code)
    assert signature_of(app, "cleo@example.org").referrer_id == ann.id

    # Dan brings a code from another petition: the channel counts, the referral does not.
    other = make_petition()
    _, other_code = sign_and_confirm(app, client, other, email="eve@example.org")
    sign(client, shared_petition, email="dan@example.org", src="x", ref=other_code)
    client.post(confirmation_path(app, "dan@example.org"))
    assert signature_of(app, "dan@example.org").referrer_id is None

    with app.app_context():
        stats = share_stats(db.session, shared_petition)
    assert {k: v for k, v in stats.by_channel.items() if v} == {
        "facebook": 1,
        "whatsapp": 1,
        "x": 1,
    }
    assert stats.referred == 1
    assert stats.confirmed == 3


def test_confirm_link_opened_again_shows_the_personal_links(app, client, shared_petition):
    _, code = sign_and_confirm(app, client, shared_petition, lang="fr", email="ann@example.org")
    again = client.get(confirmation_path(app, "ann@example.org"))
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    check_share_panel(html, "fr", shared_petition.slug, ref=code)
    assert again.cache_control.no_store


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar"])
def test_your_signature_counts_page_offers_personal_links(app, client, shared_petition, lang):
    html, code = sign_and_confirm(app, client, shared_petition, lang=lang)
    assert '<meta name="robots" content="noindex">' in html
    check_share_panel(html, lang, shared_petition.slug, ref=code)


def test_mastodon_route_keeps_a_genuine_ref_and_drops_a_forged_one(app, client, shared_petition):
    _, code = sign_and_confirm(app, client, shared_petition)
    base = f"/en/petitions/{shared_petition.slug}/share/mastodon"
    good = client.get(base, query_string={"instance": "mastodon.social", "ref": code})
    assert query_of(good.headers["Location"])["text"].endswith(f"?src=mastodon&ref={code}")
    forged = client.get(base, query_string={"instance": "mastodon.social", "ref": code + "x"})
    assert query_of(forged.headers["Location"])["text"].endswith("?src=mastodon")


def test_attribution_survives_a_form_error_and_a_forged_one_does_not(client, shared_petition):
    url = f"/en/petitions/{shared_petition.slug}"
    kept = client.post(url, data={"name": "", "email": "x", "src": "telegram", "ref": "forged"})
    assert kept.status_code == 422
    assert hidden_fields(kept.get_data(as_text=True)) == {"src": "telegram"}
    dropped = client.post(url, data={"name": "", "email": "x", "src": "<b>"})
    assert dropped.status_code == 422 and hidden_fields(dropped.get_data(as_text=True)) == {}
