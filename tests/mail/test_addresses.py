"""Email addresses read one way everywhere: what the email library would reinterpret is refused,
every spelling of one mailbox is one signer and one rate-limit budget, and erasure finds it all."""

from __future__ import annotations

import email.policy
import email.utils
import html
import re

import pytest
from conftest import STAFF_PASSWORD
from helpers import count, outbox, sign_fields
from hypothesis import given, settings
from hypothesis import strategies as st
from processes import process_env, wait_for, worker
from sqlalchemy import select

from campaign.extensions import db
from campaign.mail.addresses import Address, InvalidAddress, keys_reached, parse_address
from campaign.mail.mailer import build_message
from campaign.models import (
    OutboxEmail,
    Signature,
    StatementEndorsement,
    User,
)

INVALID = "Enter an email address like name@example.org"
# RFC 2047 encoded words: the email library decodes them, so they reach eve@example.com, or,
# with a line break inside, stop the worker building the message.
ENCODED_WORDS = [
    "=?utf-8?q?eve?=@example.com",
    "=?utf-8?b?ZXZl?=@example.com",
    "=?iso-8859-1?q?eve?=@example.com",
    "=?utf-8?q?x=0D=0ABcc=3A_y=40example.net?=@example.com",
    "e=?utf-8?q?v?=e@example.com",
    "＝？utf-8？q？eve？＝@example.com",  # full-width: the same once folded
]
# Spellings of the one mailbox eve@example.com that mail really reaches.
EVE = [
    "eve@example.com",
    "Eve@example.com",
    "EVE@EXAMPLE.COM",
    "ｅve@example.com",
    "eve@ｅxample.com",
    "ＥＶＥ＠ＥＸＡＭＰＬＥ．ＣＯＭ",
    "eve+petition@example.com",
]


# --- the one reading ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        *ENCODED_WORDS,
        "a=?b@example.com",
        "x?=@example.com",
        '"eve"@example.com',
        "＂eve＂@example.com",
        '"eve@example.com"',
        "eve(comment)@example.com",
        "(comment)eve@example.com",
        "eve@example.com(comment)",
        "eve\\@example.com",
        "ev\\e@example.com",
        "<eve@example.com>",
        "Eve <eve@example.com>",
        "eve@example.com, bob@example.com",
        "eve@example.com; bob@example.com",
        "eve@example.com,",
        "eve @example.com",
        "eve@ example.com",
        "eve@example.com bob",
        "eve\t@example.com",
        "eve@[192.0.2.1]",
        "eve\u200b@example.com",  # zero width space: invisible
        "eve\u202e@example.com",  # right-to-left override
        "eve\u00ad@example.com",  # soft hyphen
        "eve\r\n@example.com",
        "\ufffd@example.com",
        "@example.com",
        "eve@",
    ],
)
def test_what_the_email_library_would_read_otherwise_is_refused(raw):
    with pytest.raises(InvalidAddress):
        parse_address(raw)


def test_paths_longer_than_smtp_carries_are_refused():
    domain = "example.com"
    assert parse_address("a" * 64 + "@" + domain).deliver_to == "a" * 64 + "@" + domain
    with pytest.raises(InvalidAddress):
        parse_address("a" * 65 + "@" + domain)
    # A local part outside ASCII would need SMTPUTF8 from every relay on the way.
    with pytest.raises(InvalidAddress):
        parse_address("é@" + domain)
    domain = "d" * 61 + "." + "d" * 61 + "." + "d" * 57 + ".example"  # 189 characters
    longest = "a" * 64 + "@" + domain
    assert len(longest) == 254 and parse_address(longest).deliver_to == longest
    with pytest.raises(InvalidAddress):
        parse_address("a" * 64 + "@d" + domain)
    # The domain counts as sent (IDNA ASCII), which is longer than it looks.
    with pytest.raises(InvalidAddress):
        parse_address("a" * 64 + "@" + ".".join(["ü" * 40] * 3) + ".example")


@pytest.mark.parametrize("raw", EVE)
def test_every_spelling_of_a_mailbox_has_its_key(raw):
    address = parse_address(raw)
    assert address.key == "eve@example.com"
    assert address.deliver_to.lower().replace("+petition", "") == "eve@example.com"
    # The key is computed from where mail goes: reading that again changes nothing.
    assert parse_address(address.deliver_to) == address


def test_idn_domains_are_sent_to_and_keyed_in_ascii():
    unicode_domain = parse_address("Eve@Bücher.example")
    assert unicode_domain == Address("Eve@xn--bcher-kva.example", "eve@xn--bcher-kva.example")
    assert parse_address("eve@xn--bcher-kva.example").key == unicode_domain.key


def test_outbox_rows_are_read_as_the_worker_reads_them():
    rules = {"*": {"drop_tags": True}}
    assert keys_reached("=?utf-8?q?eve?=@example.com", rules) == {"eve@example.com"}
    assert keys_reached("EVE+x@Example.com", rules) == {"eve@example.com"}
    assert keys_reached("=?utf-8?q?x=0D=0ABcc=3A_y=40example.net?=@example.com", rules) == set()


@settings(max_examples=300, deadline=None)
@given(
    raw=st.one_of(
        st.emails(),
        st.text(
            alphabet=st.one_of(
                st.characters(codec="utf-8"),
                st.sampled_from(list("=?@.\"'()<>,;:\\[] \t\r\n＠ｅ＝？")),
            ),
            max_size=80,
        ).map(lambda text: text + "@example.com"),
    )
)
def test_an_accepted_address_is_read_back_exactly_by_the_email_library(raw):
    try:
        address = parse_address(raw)
    except InvalidAddress:
        return
    message = build_message(
        sender="campaign@example.org",
        to=address.deliver_to,
        subject="s",
        text="t",
        html="<p>t</p>",
        domain="example.org",
    )
    sent = email.message_from_bytes(message.data, policy=email.policy.default)
    assert message.to == address.deliver_to
    assert [each.addr_spec for each in sent["To"].addresses] == [address.deliver_to]
    assert email.utils.getaddresses([str(sent["To"])]) == [("", address.deliver_to)]
    assert parse_address(address.deliver_to) == address


# --- signing and endorsing over HTTP, delivered by the real worker -------------------------


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url)


@pytest.mark.parametrize("raw", ENCODED_WORDS)
def test_the_sign_form_refuses_encoded_words(app, client, make_petition, raw):
    petition = make_petition()
    response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email=raw))
    assert response.status_code == 422
    assert INVALID in html.unescape(response.get_data(as_text=True))
    assert count(app, Signature) == 0 and count(app, OutboxEmail) == 0


def test_the_endorsement_form_refuses_encoded_words(app, client, make_statement):
    statement = make_statement(kind="joint_statement", open_for_endorsement=True)
    response = client.post(
        f"/en/statements/{statement.slug}/endorse",
        data={
            "endorse-organisation": "Red de Defensoras",
            "endorse-country": "MX",
            "endorse-email": ENCODED_WORDS[0],
            "endorse-consent": "y",
        },
    )
    assert response.status_code == 422
    assert INVALID in html.unescape(response.get_data(as_text=True))
    assert count(app, StatementEndorsement) == 0


def test_one_mailbox_signs_once_and_gets_at_most_its_emails_through_the_real_worker(
    app, client, make_petition, smtp_server, migrated_database
):
    petition = make_petition()
    url = f"/en/petitions/{petition.slug}"
    for raw in ENCODED_WORDS:
        assert client.post(url, data=sign_fields(email=raw)).status_code == 422
    for raw in EVE:
        assert client.post(url, data=sign_fields(email=raw)).status_code == 200
    for raw in ("bob@bücher.example", "BOB@xn--bcher-kva.example"):
        assert client.post(url, data=sign_fields(email=raw)).status_code == 200

    with app.app_context():
        rows = db.session.execute(select(Signature.email, Signature.email_normalized)).all()
    assert sorted(rows) == [
        ("bob@xn--bcher-kva.example", "bob@xn--bcher-kva.example"),
        ("eve@example.com", "eve@example.com"),
    ]
    cap = app.config["MAX_EMAILS_PER_SIGNATURE"]
    queued = outbox(app)
    assert len(queued) == cap + 2  # eve's share, and bob's confirmation and one more

    with worker(process_env(migrated_database, MAIL_URL=smtp_server.url), "--interval", "0.1"):
        wait_for(
            lambda: count(app, OutboxEmail, OutboxEmail.status == "sent") == len(queued),
            message="the worker did not deliver every email",
        )
    delivered = [
        [each.addr_spec for each in message["To"].addresses]
        for message in smtp_server.inbox.messages
    ]
    assert delivered.count(["eve@example.com"]) == cap
    assert delivered.count(["bob@xn--bcher-kva.example"]) == 2
    assert len(delivered) == cap + 2


def test_a_queued_message_that_cannot_be_built_fails_alone(app, client, make_petition, run_worker):
    with app.app_context():
        db.session.add(
            OutboxEmail(
                kind="confirm_signature",
                to_address=ENCODED_WORDS[3],  # queued before such addresses were refused
                subject="s",
                text_body="t",
                html_body="<p>t</p>",
                locale="en",
            )
        )
        db.session.commit()
    petition = make_petition()
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email="ann@example.org"))
    run_worker()
    statuses = [(email.to_address, email.status) for email in outbox(app)]
    assert statuses == [(ENCODED_WORDS[3], "failed"), ("ann@example.org", "sent")]


# --- staff accounts ---------------------------------------------------------------------------


def test_staff_accounts_refuse_encoded_words_and_find_every_spelling(make_app, make_user, log_in):
    app = make_app()
    admin = make_user("admin", email="camp1@example.org")
    client = app.test_client()
    log_in(client, admin)
    refused = client.post(
        "/staff/users", data={"email": ENCODED_WORDS[0], "role": "campaigner", "locale": "en"}
    )
    assert refused.status_code == 422
    assert INVALID in html.unescape(refused.get_data(as_text=True))
    invited = client.post(
        "/staff/users",
        data={"email": "Nadia@ＥＸＡＭＰＬＥ.org", "role": "campaigner", "locale": "en"},
    )
    assert invited.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(User.email).where(User.role == "campaigner")) == (
            "nadia@example.org"
        )
        [invitation] = db.session.scalars(select(OutboxEmail)).all()
        assert invitation.to_address == "nadia@example.org"
    taken = client.post(
        "/staff/users", data={"email": "nadia@example.org", "role": "exporter", "locale": "en"}
    )
    assert "exists already" in html.unescape(taken.get_data(as_text=True))


def test_every_spelling_of_a_staff_address_shares_one_login_budget(make_app, make_user):
    app = make_app(LOGIN_RATE_LIMIT="100 per minute", LOGIN_ACCOUNT_RATE_LIMIT="3 per minute")
    make_user("admin", email="camp1@example.org")
    client = app.test_client()

    def attempt(n: int, spelling: str, password: str = "not the password") -> int:  # noqa: S107
        return client.post(
            "/staff/login",
            data={"email": spelling, "password": password},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
        ).status_code

    assert [attempt(n, "camp1@example.org") for n in range(3)] == [422, 422, 422]
    for n, spelling in enumerate(
        ["camp1@ｅxample.org", "CAMP1@EXAMPLE.ORG", "ｃａｍｐ１＠ｅｘａｍｐｌｅ．ｏｒｇ"], start=10
    ):
        assert attempt(n, spelling) == 429
        assert attempt(n + 50, spelling, STAFF_PASSWORD) == 429


def test_every_spelling_of_a_staff_address_shares_one_reset_budget(make_app, make_user):
    app = make_app(PASSWORD_RESET_RATE_LIMIT="2 per minute")
    make_user("admin", email="camp1@example.org")
    client = app.test_client()
    answers = [
        client.post(
            "/staff/password/forgot",
            data={"email": spelling},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
        ).status_code
        for n, spelling in enumerate(
            ["camp1@example.org", "Camp1@ｅxample.org", "camp1@EXAMPLE.org", "ｃamp1@example.org"]
        )
    ]
    assert answers == [200, 200, 429, 429]
    # Both requests that went through reached the one real account.
    assert [email.to_address for email in outbox(app)] == ["camp1@example.org"] * 2


# --- erasure ------------------------------------------------------------------------------------


def _figures(page: str) -> dict[str, int]:
    pairs = re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page)
    return {label: int(value.replace(",", "")) for label, value in pairs}


def _erase(client, address: str) -> str:
    answer = client.post("/staff/erasure/confirm", data={"email": address, "confirm": "y"})
    assert answer.status_code == 303
    return html.unescape(client.get("/staff/erasure").get_data(as_text=True))


def test_erasure_removes_everything_that_would_reach_the_mailbox(
    app, client, make_petition, make_statement, make_user, log_in
):
    first, second = make_petition(), make_petition()
    statement = make_statement(kind="joint_statement", open_for_endorsement=True)
    for petition, spelling in ((first, "Eve@example.com"), (second, "ｅve+news@EXAMPLE.com")):
        answer = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email=spelling))
        assert answer.status_code == 200
    client.post(f"/en/petitions/{first.slug}", data=sign_fields(email="bob@example.com"))
    endorsed = client.post(
        f"/en/statements/{statement.slug}/endorse",
        data={
            "endorse-organisation": "Red de Defensoras",
            "endorse-country": "MX",
            "endorse-email": "EVE@example.com",
            "endorse-consent": "y",
        },
    )
    assert endorsed.status_code == 303
    with app.app_context():
        # Queued before encoded words were refused: the worker would deliver it to eve.
        db.session.add(
            OutboxEmail(
                kind="confirm_signature",
                to_address="=?utf-8?q?eve?=@example.com",
                subject="s",
                text_body="t",
                html_body="<p>t</p>",
                locale="en",
            )
        )
        db.session.commit()
    assert count(app, OutboxEmail) == 5

    staff = app.test_client()
    log_in(staff, make_user("admin"))
    page = _erase(staff, "EVE@ｅxample.com")
    assert _figures(page) == {
        "Confirmed signatures": 0,
        "Unconfirmed signatures": 2,
        "Petitions": 2,
        "Endorsements": 1,
        "Messages on walls of support": 0,
        "Emails": 4,
    }
    assert "Nothing is stored" not in page
    assert [s.email for s in db_signatures(app)] == ["bob@example.com"]
    assert count(app, StatementEndorsement) == 0
    # What is left: bob's email, and the one telling Eve it is done, to the address as asked.
    assert sorted((email.to_address, email.kind) for email in outbox(app)) == [
        ("EVE@example.com", "erasure_confirmation"),
        ("bob@example.com", "confirm_signature"),
    ]

    # Asked again: nothing is held (the pending answer to the first request is not theirs).
    again = _erase(staff, "eve@example.com")
    assert "Nothing is stored" in again and _figures(again) == {}
    assert count(app, OutboxEmail) == 2
    unknown = _erase(staff, "nobody@example.org")
    assert "Nothing is stored" in unknown


def test_nothing_found_is_translated(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context():
        for locale in ("fr", "es", "ar"):
            with force_locale(locale):
                message = "Nothing is stored for this address"
                assert gettext(message) != message


def db_signatures(app) -> list[Signature]:
    with app.app_context():
        rows = db.session.scalars(select(Signature).order_by(Signature.id)).all()
        db.session.expunge_all()
        return list(rows)
