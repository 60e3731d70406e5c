"""Every signed link the platform issues is bound to its purpose: a token made for one purpose,
even one carrying exactly what another purpose's reader wants, is refused by every other reader,
in the domain and on every route that takes a token, with the "link does not work" page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import permutations

import pytest
from helpers import outbox, sign_fields, signature_count, signatures
from sqlalchemy import select

from campaign.extensions import db
from campaign.mail.suppressions import subscriber_from_token
from campaign.models import (
    AuditEvent,
    Petition,
    Signature,
    StatementEndorsement,
    SupporterMessage,
    User,
    utcnow,
)
from campaign.petitions.attribution import referral_code, referral_public_id
from campaign.petitions.disowning import public_id_from_disown_token
from campaign.petitions.resending import resend_request
from campaign.petitions.signing import public_id_from_token
from campaign.staff.accounts import account_token, user_from_token
from campaign.statements.endorsing import endorsement_from_token
from campaign.wall.posting import post_from_author_token, post_from_confirm_token
from campaign.web.tokens import (
    ExpiredToken,
    InvalidToken,
    Purpose,
    make_lasting_token,
    make_token,
    read_lasting_token,
    read_token,
)

SECRET = "purpose-secret-" + "z" * 30
MAX_AGE = 3600
NEW_PASSWORD = "a brand new password"  # noqa: S105 (a test value)
# By name, aliases included: two names given the same value would share a salt, and iterating
# the enum itself would hide the second one.
PURPOSES = list(Purpose.__members__)


# --- tokens.py: every pair of the platform's purposes ------------------------------------------


@pytest.mark.parametrize(("made_for", "read_as"), list(permutations(PURPOSES, 2)))
def test_a_token_of_one_purpose_is_refused_for_every_other(made_for, read_as):
    made_for, read_as = Purpose[made_for], Purpose[read_as]
    payload = [7, "same payload"]
    assert read_token(SECRET, made_for, make_token(SECRET, made_for, payload), MAX_AGE) == payload
    with pytest.raises(InvalidToken) as refused:
        read_token(SECRET, read_as, make_token(SECRET, made_for, payload), MAX_AGE)
    assert not isinstance(refused.value, ExpiredToken)
    lasting = make_lasting_token(SECRET, made_for, payload)
    assert read_lasting_token(SECRET, made_for, lasting) == payload
    with pytest.raises(InvalidToken):
        read_lasting_token(SECRET, read_as, lasting)


# --- the readers the platform uses, given exactly the payload they accept ----------------------


@pytest.fixture
def app(make_app):
    # Many foreign links posted to the staff link pages from one address.
    return make_app(PASSWORD_RESET_RATE_LIMIT="10000 per minute")


@dataclass(frozen=True)
class Site:
    petition_id: int
    signature_public_id: str
    endorsement_id: int
    user_id: int
    user_fingerprint: str
    password_hash: str
    wall_post_id: int


@pytest.fixture
def site(app, client, make_petition, make_statement, make_user) -> Site:
    """A pending signature, a pending endorsement and a staff account, each a link's target."""
    petition = make_petition()
    statement = make_statement(kind="joint_statement", open_for_endorsement=True)
    assert client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 200
    endorsed = client.post(
        f"/en/statements/{statement.slug}/endorse",
        data={
            "endorse-organisation": "Red de Defensoras",
            "endorse-country": "MX",
            "endorse-email": "red@example.org",
            "endorse-consent": "y",
        },
    )
    assert endorsed.status_code == 303
    with app.app_context():
        user = db.session.get(User, make_user("campaigner").id)
        post = SupporterMessage(
            campaign_id=db.session.get(Petition, petition.id).campaign_id,
            display_name="Amal",
            email="amal@example.org",
            email_normalized="amal@example.org",
            message="Hats on.",
            locale="en",
            consent_text="I agree.",
            consented_at=utcnow(),
        )
        db.session.add(post)
        db.session.commit()
        return Site(
            wall_post_id=post.id,
            petition_id=petition.id,
            signature_public_id=db.session.scalars(select(Signature.public_id)).one(),
            endorsement_id=db.session.scalars(select(StatementEndorsement.id)).one(),
            user_id=user.id,
            user_fingerprint=user.password_fingerprint,
            password_hash=user.password_hash,
        )


def _payload(site: Site, name: str) -> object:
    """What a genuine link of the purpose `name` carries for the sample site (a purpose added
    to the platform must be added here)."""
    return {
        "CONFIRM_SIGNATURE": site.signature_public_id,
        "CONFIRM_ENDORSEMENT": site.endorsement_id,
        "REFERRAL": site.signature_public_id,
        "RESET_PASSWORD": [site.user_id, site.user_fingerprint],
        "INVITATION": [site.user_id, site.user_fingerprint],
        "UNSUBSCRIBE": [site.signature_public_id, 1],
        "NOT_ME": site.signature_public_id,
        "RESEND_CONFIRMATION": [site.petition_id, "Ann Example", "ann@example.org", "FR", False],
        "CONFIRM_WALL_POST": site.wall_post_id,
        "WALL_POST_AUTHOR": site.wall_post_id,
    }[name]


def _expected(site: Site, name: str) -> int | str:
    """What `_named` gives for a genuine link of the purpose `name`."""
    if name == "UNSUBSCRIBE":
        return site.petition_id
    if name == "RESEND_CONFIRMATION":
        return "ann@example.org"
    payload = _payload(site, name)
    return site.user_id if isinstance(payload, list) else payload


def _named(session, key: str, name: str, token: str) -> int | str:
    """The id `token` names, read as the platform reads a link of the purpose `name`; raises
    InvalidToken when refused."""
    if name == "CONFIRM_SIGNATURE":
        return public_id_from_token(key, token, max_age=MAX_AGE)
    if name == "CONFIRM_ENDORSEMENT":
        return endorsement_from_token(session, key, token, max_age=MAX_AGE).id
    if name == "UNSUBSCRIBE":
        return subscriber_from_token(session, key, token).petition_id
    if name == "NOT_ME":
        return public_id_from_disown_token(key, token, max_age=MAX_AGE)
    if name == "RESEND_CONFIRMATION":
        # The "send the email again" button names the petition its page was made on.
        petition_id = session.scalars(select(Petition.id)).one()
        return resend_request(key, token, petition_id=petition_id, consent_text="yes").email
    if name == "CONFIRM_WALL_POST":
        return post_from_confirm_token(session, key, token, max_age=MAX_AGE).id
    if name == "WALL_POST_AUTHOR":
        return post_from_author_token(session, key, token).id
    if name == "REFERRAL":
        public_id = referral_public_id(key, token)
        if public_id is None:
            raise InvalidToken("not a referral code")
        return public_id
    return user_from_token(session, key, Purpose[name], token, max_age=MAX_AGE).id


@pytest.mark.parametrize("read_as", PURPOSES)
def test_each_reader_refuses_what_it_wants_under_any_other_purpose(app, session, site, read_as):
    key = app.config["SECRET_KEY"]
    # Personal share, unsubscribe and wall authors' links are the platform's lasting tokens;
    # every other link expires.
    make = (
        make_lasting_token
        if read_as in {"REFERRAL", "UNSUBSCRIBE", "WALL_POST_AUTHOR"}
        else make_token
    )
    payload = _payload(site, read_as)
    named = _expected(site, read_as)
    assert _named(session, key, read_as, make(key, Purpose[read_as], payload)) == named
    for made_for in set(PURPOSES) - {read_as}:
        with pytest.raises(InvalidToken) as refused:
            _named(session, key, read_as, make(key, Purpose[made_for], payload))
        # Refused as forged: not as expired, nor as a spent link to a real account.
        assert type(refused.value) is InvalidToken, made_for


# --- the routes that take a token -------------------------------------------------------------

ROUTES = {
    "CONFIRM_SIGNATURE": "/en/confirm/{token}",
    "CONFIRM_ENDORSEMENT": "/en/endorsements/confirm/{token}",
    "RESET_PASSWORD": "/staff/password/reset/{token}",
    "INVITATION": "/staff/invitation/{token}",
    "CONFIRM_WALL_POST": "/en/wall/confirm/{token}",
}


def _nothing_changed(app, site: Site) -> None:
    [signature] = signatures(app)
    assert signature.confirmed_at is None
    assert signature_count(app, site.petition_id) == 0
    with app.app_context():
        endorsement = db.session.get(StatementEndorsement, site.endorsement_id)
        assert endorsement.confirmed_at is None
        assert db.session.get(User, site.user_id).password_hash == site.password_hash
        assert db.session.scalars(select(AuditEvent)).all() == []


@pytest.mark.parametrize(
    ("route_purpose", "made_for"),
    [(route, other) for route in ROUTES for other in PURPOSES if other != route],
)
def test_a_route_refuses_a_token_of_another_purpose_carrying_what_it_wants(
    app, client, site, route_purpose, made_for
):
    path = ROUTES[route_purpose]
    payload = _payload(site, route_purpose)
    key = app.config["SECRET_KEY"]
    genuine = path.format(token=make_token(key, Purpose[route_purpose], payload))
    assert client.get(genuine).status_code == 200  # the payload is right; only the purpose is not
    foreign = path.format(token=make_token(key, Purpose[made_for], payload))

    for response in (
        client.get(foreign),
        client.post(
            foreign, data={"password": NEW_PASSWORD}, headers={"Sec-Fetch-Site": "same-origin"}
        ),
    ):
        assert response.status_code == 400, (response.request.method, response.status_code)
        assert "This link does not work" in response.get_data(as_text=True)
        assert response.headers["Referrer-Policy"] == "no-referrer"
    _nothing_changed(app, site)


def _issued_tokens(app, site: Site) -> dict[str, str]:
    """Every kind of token the platform hands out, as it hands them out."""
    key = app.config["SECRET_KEY"]
    emailed = {email.kind: email.text_body for email in outbox(app)}
    with app.app_context():
        user = db.session.get(User, site.user_id)
        return {
            "signature confirmation": _token_in(emailed["confirm_signature"], "/en/confirm/"),
            "endorsement confirmation": _token_in(
                emailed["confirm_endorsement"], "/en/endorsements/confirm/"
            ),
            "personal share link": referral_code(key, site.signature_public_id),
            "password reset": account_token(key, Purpose.RESET_PASSWORD, user),
            "invitation": account_token(key, Purpose.INVITATION, user),
        }


def _token_in(text: str, path: str) -> str:
    return re.search(rf"http://localhost{re.escape(path)}([A-Za-z0-9_.\-]+)", text).group(1)


ISSUED_FOR = {
    "signature confirmation": "CONFIRM_SIGNATURE",
    "endorsement confirmation": "CONFIRM_ENDORSEMENT",
    "personal share link": "REFERRAL",
    "password reset": "RESET_PASSWORD",
    "invitation": "INVITATION",
}


def test_an_issued_token_pasted_into_another_route_is_a_clear_400(app, client, site):
    """A signer pasting their confirmation link into the invitation page, and so on: every
    mix-up answers the link page, never a 500, never a change."""
    tried = 0
    for name, token in _issued_tokens(app, site).items():
        for route_purpose, path in ROUTES.items():
            if route_purpose == ISSUED_FOR[name]:
                continue
            url = path.format(token=token)
            for response in (
                client.get(url),
                client.post(
                    url, data={"password": NEW_PASSWORD}, headers={"Sec-Fetch-Site": "same-origin"}
                ),
            ):
                assert response.status_code == 400, (name, url, response.status_code)
                assert "This link does not work" in response.get_data(as_text=True)
                tried += 1
    assert tried == 2 * (4 * 4 + 5)
    _nothing_changed(app, site)
