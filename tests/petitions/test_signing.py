"""The signing domain, called directly: validation, one row per email, emails, confirmation,
and the confirmation tokens."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from helpers import (
    confirm_link,
    count,
    outbox,
    signature_count,
    signature_data,
    signatures,
)
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import update

from campaign.extensions import db
from campaign.mail.addresses import Address, InvalidAddress, parse_address
from campaign.models import OutboxEmail, Petition, Signature, utcnow
from campaign.models.signatures import new_public_id
from campaign.petitions.signing import (
    ConfirmationRefused,
    InvalidSignature,
    PetitionNotOpen,
    confirm_signature,
    confirmation_token,
    name_problem,
    sign_petition,
    signature_from_token,
    validate_signature,
)
from campaign.web.tokens import ExpiredToken, InvalidToken

MAX_AGE = 30 * 24 * 3600


@pytest.fixture
def sign(app, session):
    """Sign through the domain function and commit, as the view does."""

    def run(petition, locale: str = "en", **overrides):
        sign_petition(
            session,
            petition,
            signature_data(**overrides),
            locale=locale,
            now=utcnow(),
            secret_key=app.config["SECRET_KEY"],
            max_emails=app.config["MAX_EMAILS_PER_SIGNATURE"],
        )
        session.commit()

    return run


def test_signing_writes_one_pending_signature_and_its_confirmation_email(
    app, session, make_petition
):
    petition = make_petition()
    now = utcnow()

    sign_petition(
        session,
        petition,
        signature_data(name="  Ann   Example ", email=" Ann@Example.ORG "),
        locale="fr",
        now=now,
        secret_key=app.config["SECRET_KEY"],
    )
    session.commit()

    [signature] = signatures(app)
    assert signature.petition_id == petition.id
    assert signature.name == "Ann Example"
    assert signature.email == "Ann@example.org"
    assert signature.email_normalized == "ann@example.org"
    assert signature.country == "FR"
    assert signature.locale == "fr"
    assert signature.consent_text == "I agree."
    assert signature.consented_at == now
    assert signature.confirmed_at is None
    assert signature.emails_sent == 1
    [email] = outbox(app)
    assert email.kind == "confirm_signature"
    assert email.to_address == "Ann@example.org"
    assert email.status == "pending"
    assert email.locale == "fr"
    link = confirm_link(email.text_body)
    assert link.startswith("http://localhost/fr/confirm/")
    assert link in email.html_body
    assert signature_count(app, petition.id) == 0


def test_rolling_back_the_signing_transaction_leaves_neither_row_nor_email(
    app, session, make_petition
):
    petition = make_petition()

    sign_petition(
        session, petition, signature_data(), locale="en", now=utcnow(), secret_key="k" * 32
    )
    assert count(app, Signature) == 0  # not visible to others before the commit
    session.rollback()

    assert count(app, Signature) == 0
    assert count(app, OutboxEmail) == 0


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "required"),
        ("a" * 101, "too_long"),
        ("see https://spam.example", "no_links"),
        ("www.example", "no_links"),
        ("buy at cheap-pills.com", "no_links"),
        ("javascript://x", "no_links"),
        ("=HYPERLINK(1)", "bad_start"),
        ("+33 Ann", "bad_start"),
        ("-Ann", "bad_start"),
        ("@ann", "bad_start"),
        ("Ann\x00Example", "invalid_characters"),
        ("Ann\x07", "invalid_characters"),
        ("Ann\nBob", "invalid_characters"),
        ("Ann\u202eelpmaxE", "invalid_characters"),
        ("Ann\ufffd", "invalid_characters"),
    ],
)
def test_name_rules(name, problem):
    assert name_problem(name) == problem


@pytest.mark.parametrize(
    "name", ["Ann", "a" * 100, "José Müller-Lüdenscheidt", "أحمد حداد", "Mei 陈", "O'Brien"]
)
def test_ordinary_names_are_accepted(name):
    assert name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("   ", "required"),
        ("b" * 101, "too_long"),
        ("http://x.example", "no_links"),
        ("=1+1", "bad_start"),
        ("Ann\x00", "invalid_characters"),
        ("\ufffd\ufffd", "invalid_characters"),
    ],
)
def test_signing_refuses_bad_names_and_stores_nothing(app, session, make_petition, name, problem):
    petition = make_petition()

    with pytest.raises(InvalidSignature) as refused:
        sign_petition(
            session, petition, signature_data(name=name), locale="en", now=utcnow(), secret_key="k"
        )
    session.rollback()

    assert refused.value.errors == {"name": problem}
    assert count(app, Signature) == 0
    assert count(app, OutboxEmail) == 0


def test_spaces_in_names_are_folded_before_the_rules():
    name, _, _ = validate_signature(signature_data(name="  Ann \u00a0  Example "))
    assert name == "Ann Example"


@pytest.mark.parametrize("name", [" Ann\t\n Example ", "Ann\r\nBcc: x", "Ann\rExample"])
def test_line_breaks_and_tabs_in_names_are_refused_not_folded(name):
    # A one-line field never sends them; a script injecting headers does.
    with pytest.raises(InvalidSignature) as refused:
        validate_signature(signature_data(name=name))
    assert refused.value.errors == {"name": "invalid_characters"}


@pytest.mark.parametrize(
    "email",
    [
        "not-an-email",
        "ann@",
        "@example.org",
        "ann@localhost",
        "ann@example.org\r\nBcc: victim@example.org",
        "ann@example.org\nBcc: victim@example.org",
        "ann\r@example.org",
        "ann\x00@example.org",
        "\ufffd@example.org",
        "ann@example.org, bob@example.org",
        "a" * 250 + "@example.org",
    ],
)
def test_invalid_emails_are_refused(email):
    with pytest.raises(InvalidAddress):
        parse_address(email)
    with pytest.raises(InvalidSignature) as refused:
        validate_signature(signature_data(email=email))
    assert refused.value.errors == {"email": "invalid"}


def test_a_missing_email_is_required():
    with pytest.raises(InvalidSignature) as refused:
        validate_signature(signature_data(email="  "))
    assert refused.value.errors == {"email": "required"}


def test_emails_go_to_the_local_part_as_typed_and_are_keyed_in_lowercase():
    assert parse_address("  Ann.Example@Example.ORG ") == Address(
        deliver_to="Ann.Example@example.org", key="ann.example@example.org"
    )


@pytest.mark.parametrize(
    ("country", "problem"),
    [("", "required"), ("XX", "invalid"), ("fr", "invalid"), ("EU", "invalid"), ("FRA", "invalid")],
)
def test_country_must_be_in_the_list(country, problem):
    with pytest.raises(InvalidSignature) as refused:
        validate_signature(signature_data(country=country))
    assert refused.value.errors == {"country": problem}


def test_consent_is_required():
    with pytest.raises(InvalidSignature) as refused:
        validate_signature(signature_data(consent_text=""))
    assert refused.value.errors == {"consent": "required"}


def test_every_wrong_field_is_reported_at_once():
    with pytest.raises(InvalidSignature) as refused:
        validate_signature(signature_data(name="", email="x", country="XX", consent_text=""))
    assert refused.value.errors == {
        "name": "required",
        "email": "invalid",
        "country": "invalid",
        "consent": "required",
    }


@pytest.mark.parametrize(
    "petition_kwargs",
    [
        {"status": "closed"},
        {"status": "open", "closes_in": -timedelta(minutes=1)},
        {"status": "closed", "closes_in": -timedelta(days=1)},
        {"status": "draft"},
    ],
    ids=["closed", "past-closing-date", "closed-and-past", "draft"],
)
def test_only_open_petitions_take_signatures(app, session, make_petition, petition_kwargs):
    petition = make_petition(**petition_kwargs)

    with pytest.raises(PetitionNotOpen):
        sign_petition(
            session, petition, signature_data(), locale="en", now=utcnow(), secret_key="k"
        )
    session.rollback()

    assert count(app, Signature) == 0
    assert count(app, OutboxEmail) == 0


def test_a_petition_closing_later_is_open(app, sign, make_petition):
    petition = make_petition(closes_in=timedelta(days=1))
    sign(petition)
    assert count(app, Signature) == 1


def test_signing_again_while_pending_keeps_one_row_and_sends_a_fresh_confirmation(
    app, sign, make_petition
):
    petition = make_petition()

    sign(petition, name="Ann Example", email="ann@example.org")
    sign(petition, name="Someone Else", email="ANN@example.org", country="DE")

    [signature] = signatures(app)
    assert (signature.name, signature.email, signature.country) == (
        "Ann Example",
        "ann@example.org",
        "FR",
    ), "a second signing must not overwrite the first"
    assert signature.emails_sent == 2
    emails = outbox(app)
    assert [e.kind for e in emails] == ["confirm_signature", "confirm_signature"]
    assert {e.to_address for e in emails} == {"ann@example.org"}
    # Both links name the same signature and both work.
    with app.app_context():
        for email in emails:
            token = confirm_link(email.text_body).rsplit("/", 1)[1]
            found = signature_from_token(db.session, app.config["SECRET_KEY"], token, max_age=60)
            assert found.public_id == signature.public_id


def test_signing_again_once_confirmed_sends_an_already_signed_email(
    app, session, sign, make_petition
):
    petition = make_petition()
    sign(petition)
    [signature] = signatures(app)
    confirm_signature(session, signature.public_id, now=utcnow())
    session.commit()

    sign(petition, email="Ann@Example.org")

    assert count(app, Signature) == 1
    emails = outbox(app)
    assert [e.kind for e in emails] == ["confirm_signature", "already_signed"]
    already = emails[1]
    assert already.to_address == "ann@example.org"
    assert "/confirm/" not in already.text_body
    assert f"http://localhost/en/petitions/{petition.slug}" in already.text_body
    assert signature_count(app, petition.id) == 1


def test_the_same_email_may_sign_two_petitions(app, sign, make_petition):
    first, second = make_petition(), make_petition()
    sign(first)
    sign(second)
    assert count(app, Signature) == 2
    assert count(app, OutboxEmail, OutboxEmail.kind == "confirm_signature") == 2


def test_a_signature_causes_at_most_max_emails(app, sign, make_petition):
    assert app.config["MAX_EMAILS_PER_SIGNATURE"] == 5
    petition = make_petition()

    for _ in range(8):
        sign(petition)  # no error: the visitor sees the same page every time

    [signature] = signatures(app)
    assert signature.emails_sent == 5
    assert count(app, OutboxEmail) == 5


def test_confirming_counts_once(app, session, sign, make_petition):
    petition = make_petition(signature_count=7)
    sign(petition)
    [signature] = signatures(app)
    before = utcnow()

    first = confirm_signature(session, signature.public_id, now=utcnow())
    session.commit()
    second = confirm_signature(session, signature.public_id, now=utcnow())
    session.commit()

    assert first.newly_confirmed is True
    assert second.newly_confirmed is False
    assert signature_count(app, petition.id) == 8
    [confirmed] = signatures(app)
    assert confirmed.confirmed_at is not None and confirmed.confirmed_at >= before


def test_confirming_a_stale_copy_of_a_confirmed_signature_changes_nothing(
    app, make_petition, sign, session
):
    """The guarded UPDATE, not the in-memory state, decides: a copy loaded before another
    request confirmed the signature still counts it once."""
    petition = make_petition()
    sign(petition)
    [signature] = signatures(app)
    stale = session.get(Signature, signature.id)
    assert stale.confirmed_at is None
    with app.app_context():
        confirm_signature(db.session, signature.public_id, now=utcnow())
        db.session.commit()

    result = confirm_signature(session, stale.public_id, now=utcnow())
    session.commit()

    assert result.newly_confirmed is False
    assert result.signature.confirmed_at is not None
    assert signature_count(app, petition.id) == 1


def test_a_signature_cannot_be_confirmed_after_the_petition_closed(
    app, session, sign, make_petition
):
    petition = make_petition()
    sign(petition)
    [signature] = signatures(app)
    session.execute(update(Petition).where(Petition.id == petition.id).values(status="closed"))
    session.commit()

    with pytest.raises(PetitionNotOpen):
        confirm_signature(session, signature.public_id, now=utcnow())
    session.rollback()

    assert signatures(app)[0].confirmed_at is None
    assert signature_count(app, petition.id) == 0


# --- confirmation tokens ---------------------------------------------------------------------


@pytest.fixture
def pending(app, sign, make_petition) -> Signature:
    sign(make_petition())
    return signatures(app)[0]


def test_a_genuine_token_names_its_signature(app, session, pending):
    token = confirmation_token(app.config["SECRET_KEY"], pending)
    found = signature_from_token(session, app.config["SECRET_KEY"], token, max_age=MAX_AGE)
    assert found.public_id == pending.public_id


def test_a_tampered_token_is_refused(app, session, pending):
    token = confirmation_token(app.config["SECRET_KEY"], pending)
    payload, timestamp, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    # Another id under the original signature, or the original id under a damaged signature.
    other_id = base64.urlsafe_b64encode(json.dumps(new_public_id()).encode()).decode().rstrip("=")
    forged = [
        f"{payload}.{timestamp}.{flipped}",
        f"{payload}.{timestamp}",
        f"{other_id}.{timestamp}.{signature}",
        token[:-1],
        "",
        "not-a-token",
    ]
    for bad in forged:
        with pytest.raises(InvalidToken):
            signature_from_token(session, app.config["SECRET_KEY"], bad, max_age=MAX_AGE)


def test_a_token_signed_with_another_key_is_refused(app, session, pending):
    token = confirmation_token("another-secret-key-" + "y" * 32, pending)
    with pytest.raises(InvalidToken):
        signature_from_token(session, app.config["SECRET_KEY"], token, max_age=MAX_AGE)


@pytest.mark.parametrize(
    "salt", ["campaign.unsubscribe", "campaign.erase-signature", "itsdangerous", None]
)
def test_a_token_made_for_another_purpose_is_refused(app, session, pending, salt):
    kwargs = {"salt": salt} if salt else {}
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], **kwargs).dumps(pending.public_id)
    with pytest.raises(InvalidToken) as refused:
        signature_from_token(session, app.config["SECRET_KEY"], token, max_age=MAX_AGE)
    assert not isinstance(refused.value, ExpiredToken)


def _token_made_ago(monkeypatch, secret_key: str, signature: Signature, seconds: int) -> str:
    real = TimestampSigner.get_timestamp
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - seconds)
        return confirmation_token(secret_key, signature)


def test_an_expired_token_is_refused(app, session, pending, monkeypatch):
    secret = app.config["SECRET_KEY"]
    old = _token_made_ago(monkeypatch, secret, pending, MAX_AGE + 60)
    recent = _token_made_ago(monkeypatch, secret, pending, MAX_AGE - 60)

    with pytest.raises(ExpiredToken):
        signature_from_token(session, secret, old, max_age=MAX_AGE)
    found = signature_from_token(session, secret, recent, max_age=MAX_AGE)
    assert found.public_id == pending.public_id


def test_a_token_for_a_missing_signature_is_refused(app, session, pending):
    secret = app.config["SECRET_KEY"]
    # The sequential id of an existing signature is what links named before public ids.
    for payload in (pending.id, new_public_id(), "1", None, [pending.public_id]):
        token = URLSafeTimedSerializer(secret, salt="campaign.confirm-signature").dumps(payload)
        with pytest.raises(ConfirmationRefused):
            signature_from_token(session, secret, token, max_age=MAX_AGE)
