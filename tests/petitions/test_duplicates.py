"""Signing twice with one address: one row, the right email, and a page that gives nothing away."""

from __future__ import annotations

import re

from helpers import count, database_work, outbox, sign_fields, signatures

from campaign.extensions import db
from campaign.models import OutboxEmail, Signature, utcnow
from campaign.petitions.resending import resend_request
from campaign.petitions.signing import confirm_signature

_RESEND_FIELD = re.compile(rb'name="resend" value="[^"]*"')


def _visible(response) -> tuple:
    """Everything a visitor (or a script) can observe of a sign response, but the resend
    token: it is made of what this visitor posted and the time, never of what the database
    holds (test_the_resend_token_holds_only_what_was_posted); nor the request id, random for
    every response (tests/web/test_observability.py)."""
    return (
        response.status_code,
        response.headers.get("Location"),
        tuple(
            sorted(
                (k, v)
                for k, v in response.headers.items()
                if k not in {"Content-Length", "X-Request-Id"}
            )
        ),
        _RESEND_FIELD.sub(b'name="resend" value="..."', response.get_data()),
    )


def _resend_token(response) -> str:
    return re.search(r'name="resend" value="([^"]+)"', response.get_data(as_text=True))[1]


def _confirm(app, public_id: str) -> None:
    with app.app_context():
        confirm_signature(db.session, public_id, now=utcnow())
        db.session.commit()


def test_new_pending_and_confirmed_signers_get_byte_identical_responses(app, client, make_petition):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"

    first = client.post(url, data=sign_fields(email="ann@example.org"))
    again_pending = client.post(url, data=sign_fields(email="Ann@Example.org", name="Ann B"))
    _confirm(app, signatures(app)[0].public_id)
    again_confirmed = client.post(url, data=sign_fields(email="ANN@example.org"))
    stranger = client.post(url, data=sign_fields(email="someone.else@example.org"))

    assert first.status_code == 200
    assert b"Check your email" in first.get_data()
    assert "Set-Cookie" not in first.headers
    assert _visible(first) == _visible(again_pending) == _visible(again_confirmed)
    assert _visible(first) == _visible(stranger)

    assert count(app, Signature, Signature.petition_id == petition.id) == 2
    ann = signatures(app, Signature.email_normalized == "ann@example.org")
    assert len(ann) == 1
    assert ann[0].name == "Ann Example"
    assert [(e.kind, e.to_address) for e in outbox(app)] == [
        ("confirm_signature", "ann@example.org"),
        ("confirm_signature", "ann@example.org"),
        ("already_signed", "ann@example.org"),
        ("confirm_signature", "someone.else@example.org"),
    ]


def test_the_resend_token_holds_only_what_was_posted(app, client, make_petition):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"
    posted = sign_fields(email="Ann@Example.org")

    first = client.post(url, data=posted)
    _confirm(app, signatures(app)[0].public_id)
    again_confirmed = client.post(url, data=posted)

    for response in (first, again_confirmed):
        data = resend_request(
            app.config["SECRET_KEY"],
            _resend_token(response),
            petition_id=petition.id,
            consent_text="consent",
        )
        assert (data.name, data.email, data.country, data.newsletter) == (
            "Ann Example",
            "Ann@Example.org",
            "FR",
            False,
        )


def test_the_page_after_signing_is_the_same_for_everyone(app, client, make_petition):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"

    new = client.post(url, data=sign_fields(), follow_redirects=True)
    repeat = client.post(url, data=sign_fields(), follow_redirects=True)

    assert new.status_code == repeat.status_code == 200
    assert _visible(new) == _visible(repeat)
    assert b"Check your email" in new.get_data()


def test_each_repeat_sends_the_email_its_state_calls_for(app, client, make_petition):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"

    client.post(url, data=sign_fields())
    client.post(url, data=sign_fields())
    kinds_while_pending = [e.kind for e in outbox(app)]
    _confirm(app, signatures(app)[0].public_id)
    client.post(url, data=sign_fields())
    client.post(url, data=sign_fields())

    assert kinds_while_pending == ["confirm_signature", "confirm_signature"]
    assert [e.kind for e in outbox(app)] == [
        "confirm_signature",
        "confirm_signature",
        "already_signed",
        "already_signed",
    ]
    already = outbox(app, OutboxEmail.kind == "already_signed")[0]
    assert already.subject.startswith("You have already signed")
    assert "/confirm/" not in already.text_body + already.html_body
    assert count(app, Signature) == 1


def test_repeats_stop_sending_after_the_cap_but_answer_the_same(app, client, make_petition):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"

    responses = [client.post(url, data=sign_fields()) for _ in range(7)]

    assert len({_visible(r) for r in responses}) == 1
    assert count(app, OutboxEmail) == app.config["MAX_EMAILS_PER_SIGNATURE"]
    assert count(app, Signature) == 1


def test_new_repeat_confirmed_and_capped_signers_cost_the_same_database_work(
    app, client, make_petition
):
    """The time an answer takes must not tell who signed either (bench/timing_oracle measures
    it): every kind of signer runs the same statements, in the same order, and one commit."""
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"
    client.post(url, data=sign_fields(email="first@example.org"))  # what is loaded once

    def work(email: str) -> tuple[list[str], tuple]:
        with database_work(app) as statements:
            response = client.post(url, data=sign_fields(email=email))
        return statements, _visible(response)

    new = work("ann@example.org")
    pending_again = work("ann@example.org")
    _confirm(app, signatures(app, Signature.email_normalized == "ann@example.org")[0].public_id)
    confirmed_again = work("ann@example.org")
    for _ in range(app.config["MAX_EMAILS_PER_SIGNATURE"]):
        client.post(url, data=sign_fields(email="ann@example.org"))
    capped = work("ann@example.org")
    stranger = work("bob@example.org")

    assert new == pending_again == confirmed_again == capped == stranger
    statements, _response = new
    assert statements.count("COMMIT") == 1
    assert any("INSERT INTO OUTBOX_EMAILS" in s.upper() for s in statements)
    assert (
        count(app, OutboxEmail, OutboxEmail.to_address == "ann@example.org")
        == (app.config["MAX_EMAILS_PER_SIGNATURE"])
    )
