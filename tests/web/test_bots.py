"""Bots: the honeypot field, disposable-address domains, one signer per mailbox whatever dots
and tags they type, and the keyed hash that replaces the client address."""

from __future__ import annotations

import re

import pytest
from helpers import close_days_ago, count, outbox, sign_fields, signatures
from sqlalchemy import inspect, select, text

from campaign.config import DEFAULT_EMAIL_NORMALIZATION, ROOT
from campaign.extensions import db
from campaign.mail.addresses import (
    DEFAULT_POLICY,
    SHIPPED_DISPOSABLE_LIST,
    Address,
    AddressPolicy,
    is_listed_domain,
    load_domain_list,
    mailbox_key,
    parse_address,
)
from campaign.models import OutboxEmail, Signature, StatementEndorsement
from campaign.petitions.signing import InvalidSignature, validate_signature
from campaign.web.pseudonyms import address_hash

ENDORSER = {
    "endorse-organisation": "Red de Defensoras",
    "endorse-country": "MX",
    "endorse-email": "red@example.org",
    "endorse-consent": "y",
}


@pytest.fixture
def joint(make_statement):
    return make_statement(kind="joint_statement", open_for_endorsement=True)


# --- honeypot ---------------------------------------------------------------------------------


def _trap(page: str, name: str) -> str:
    match = re.search(
        rf'<div class="field field--trap" aria-hidden="true">\s*<label[^>]*>[^<]+</label>\s*'
        rf'<input[^>]*name="{name}"[^>]*>',
        page,
    )
    assert match, f"no honeypot {name} in the page"
    return match.group(0)


def test_the_honeypot_is_hidden_from_people_screen_readers_keyboards_and_autofill(
    client, make_petition, joint
):
    petition = make_petition()
    for page, name in (
        (client.get(f"/en/petitions/{petition.slug}").get_data(as_text=True), "homepage"),
        (client.get(f"/embed/petitions/{petition.slug}").get_data(as_text=True), "homepage"),
        (client.get(f"/en/statements/{joint.slug}").get_data(as_text=True), "endorse-homepage"),
    ):
        trap = _trap(page, name)
        assert 'tabindex="-1"' in trap
        assert 'autocomplete="off"' in trap
        assert 'type="text"' in trap  # bots skip type=hidden; CSS hides this one
    css = (ROOT / "static" / "css" / "site.css").read_text()
    rule = re.search(r"\.field--trap \{([^}]*)\}", css).group(1)
    assert "position: absolute" in rule and "inset-inline-start: -10000px" in rule


def _answer(response) -> tuple:
    """What a bot sees of a sign response, but the resend token (made of what it posted)."""
    page = re.sub(rb'name="resend" value="[^"]*"', b"", response.get_data())
    return response.status_code, response.headers.get("Location"), page


@pytest.mark.parametrize("embedded", [False, True])
def test_a_filled_honeypot_gets_the_signers_answer_and_stores_nothing(
    app, client, make_petition, embedded
):
    petition = make_petition()
    extra = {"src": "embed"} if embedded else {}
    real = client.post(
        f"/en/petitions/{petition.slug}", data=sign_fields(email="real@example.org", **extra)
    )
    bot = client.post(
        f"/en/petitions/{petition.slug}",
        data=sign_fields(email="bot@example.org", homepage="http://spam.example", **extra),
    )

    assert _answer(bot) == _answer(real)
    assert [s.email for s in signatures(app)] == ["real@example.org"]
    assert [e.to_address for e in outbox(app)] == ["real@example.org"]


def test_a_filled_honeypot_on_an_invalid_form_still_looks_accepted(app, client, make_petition):
    petition = make_petition()
    bot = client.post(
        f"/en/petitions/{petition.slug}",
        data={"name": "", "email": "nonsense", "homepage": "x"},
    )
    assert bot.status_code == 200 and b"Check your email" in bot.get_data()
    assert count(app, Signature) == 0 and count(app, OutboxEmail) == 0


def test_a_filled_honeypot_on_the_endorsement_form(app, client, joint):
    real = client.post(f"/en/statements/{joint.slug}/endorse", data=ENDORSER)
    bot = client.post(
        f"/en/statements/{joint.slug}/endorse",
        data={**ENDORSER, "endorse-email": "bot@example.org", "endorse-homepage": "x"},
    )
    assert (bot.status_code, bot.headers["Location"]) == (
        real.status_code,
        real.headers["Location"],
    )
    assert count(app, StatementEndorsement) == 1
    assert [e.to_address for e in outbox(app)] == ["red@example.org"]


# --- disposable domains -----------------------------------------------------------------------


def test_the_shipped_list_reads_comments_and_subdomains():
    listed = load_domain_list(SHIPPED_DISPOSABLE_LIST)
    assert "mailinator.com" in listed and len(listed) > 30
    assert not any(entry.startswith("#") or " " in entry for entry in listed)
    assert is_listed_domain("mailinator.com", listed)
    assert is_listed_domain("eu.Mailinator.com.", listed)
    assert not is_listed_domain("notmailinator.com", listed)
    assert not is_listed_domain("com", listed)


def test_disposable_domains_are_accepted_unless_configured(client, make_petition, app):
    assert app.config["DISPOSABLE_EMAIL_DOMAINS_FILE"] is None
    petition = make_petition()
    response = client.post(
        f"/en/petitions/{petition.slug}", data=sign_fields(email="x@mailinator.com")
    )
    assert response.status_code == 200


@pytest.fixture
def strict(make_app, tmp_path):
    listed = tmp_path / "disposable.txt"
    listed.write_text("# ours\nthrowaway.example\n")
    return make_app(DISPOSABLE_EMAIL_DOMAINS_FILE=str(listed))


@pytest.mark.parametrize("email", ["x@throwaway.example", "x@eu.THROWAWAY.example"])
def test_a_listed_domain_is_refused_with_a_clear_message(strict, make_petition, email):
    petition = make_petition()
    response = strict.test_client().post(
        f"/en/petitions/{petition.slug}", data=sign_fields(email=email)
    )
    assert response.status_code == 422
    assert "We cannot accept addresses from disposable email services" in response.get_data(
        as_text=True
    )
    assert count(strict, Signature) == 0 and count(strict, OutboxEmail) == 0


def test_a_listed_domain_is_refused_on_the_endorsement_form(strict, joint):
    response = strict.test_client().post(
        f"/en/statements/{joint.slug}/endorse",
        data={**ENDORSER, "endorse-email": "x@throwaway.example"},
    )
    assert response.status_code == 422
    assert "disposable email services" in response.get_data(as_text=True)
    assert count(strict, StatementEndorsement) == 0


def test_the_shipped_list_can_be_switched_on(make_app, make_petition):
    app = make_app(DISPOSABLE_EMAIL_DOMAINS_FILE=str(SHIPPED_DISPOSABLE_LIST))
    petition = make_petition()
    refused = app.test_client().post(
        f"/en/petitions/{petition.slug}", data=sign_fields(email="x@yopmail.com")
    )
    assert refused.status_code == 422


def test_a_missing_list_file_stops_the_platform_at_start(monkeypatch, tmp_path):
    from campaign.config import ConfigError, Settings

    monkeypatch.setenv("DISPOSABLE_EMAIL_DOMAINS_FILE", str(tmp_path / "missing.txt"))
    with pytest.raises(ConfigError, match="DISPOSABLE_EMAIL_DOMAINS_FILE"):
        Settings.from_environ().check()


# --- one signer per mailbox -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Jane.Doe+x@gmail.com", "janedoe@gmail.com"),
        ("janedoe@gmail.com", "janedoe@gmail.com"),
        ("J.a.n.e.D.o.e@GoogleMail.com", "janedoe@gmail.com"),
        ("jane.doe+petition+2@googlemail.com", "janedoe@gmail.com"),
        ("Jane.Doe+x@example.org", "jane.doe@example.org"),
        ("jane.doe@example.org", "jane.doe@example.org"),
        ("+tag@example.org", "+tag@example.org"),
    ],
)
def test_mailbox_keys_under_the_default_rules(typed, key):
    assert mailbox_key(typed, DEFAULT_EMAIL_NORMALIZATION) == key
    assert parse_address(typed).key == key


def test_rules_are_per_provider_and_configurable():
    rules = {
        "yahoo.com": {"drop_tags": True, "tag_separator": "-"},
        "example.org": {},
        "*": {},
    }
    assert mailbox_key("Ann-news@Yahoo.com", rules) == "ann@yahoo.com"
    assert mailbox_key("ann+news@example.org", rules) == "ann+news@example.org"
    assert mailbox_key("a.nn+x@gmail.com", rules) == "a.nn+x@gmail.com"
    policy = AddressPolicy(rules=rules)
    assert policy.parse("Ann-news@yahoo.com") == Address("Ann-news@yahoo.com", "ann@yahoo.com")


def test_the_address_as_typed_is_kept_for_sending():
    name, typed, normalized = validate_signature(
        _data(email=" Jane.Doe+x@gmail.com "), DEFAULT_POLICY
    )
    assert (typed, normalized) == ("Jane.Doe+x@gmail.com", "janedoe@gmail.com")


def _data(**overrides):
    from helpers import signature_data

    return signature_data(**overrides)


def test_signing_as_two_spellings_of_one_mailbox_makes_one_signer(app, client, make_petition):
    petition = make_petition()
    for email in ("Jane.Doe+x@gmail.com", "janedoe@gmail.com", "jane.doe@googlemail.com"):
        response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email=email))
        assert response.status_code == 200

    [signature] = signatures(app)
    assert signature.email == "Jane.Doe+x@gmail.com"  # where the emails go
    assert signature.email_normalized == "janedoe@gmail.com"
    # Each attempt re-sends the link to the first address, capped per signature.
    assert [e.to_address for e in outbox(app)] == ["Jane.Doe+x@gmail.com"] * 3


def test_with_rules_switched_off_spellings_are_separate_signers(make_app, make_petition):
    app = make_app(EMAIL_NORMALIZATION={"*": {}})
    petition = make_petition()
    client = app.test_client()
    for email in ("Jane.Doe+x@gmail.com", "janedoe@gmail.com"):
        client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email=email))
    assert count(app, Signature) == 2


def test_endorsements_use_the_same_rules(app, client, joint):
    for email in ("Red+one@example.org", "red@example.org"):
        client.post(
            f"/en/statements/{joint.slug}/endorse", data={**ENDORSER, "endorse-email": email}
        )
    assert count(app, StatementEndorsement) == 1


def test_a_disposable_domain_is_a_field_error_in_the_domain_too():
    policy = AddressPolicy(blocked_domains=frozenset({"throwaway.example"}))
    with pytest.raises(InvalidSignature) as refused:
        validate_signature(_data(email="a@throwaway.example"), policy)
    assert refused.value.errors == {"email": "disposable"}


# --- no address stored ------------------------------------------------------------------------


def test_signatures_keep_a_keyed_hash_of_the_address_and_never_the_address(
    app, client, make_petition
):
    petition = make_petition()
    client.post(
        f"/en/petitions/{petition.slug}",
        data=sign_fields(),
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
    )
    [signature] = signatures(app)
    secret = app.config["SECRET_KEY"]
    assert signature.ip_hash == address_hash(secret, "203.0.113.77")
    assert signature.ip_hash != address_hash("another-key-" + "y" * 32, "203.0.113.77")
    assert _database_contains(app, "203.0.113.77") == []


def _database_contains(app, needle: str) -> list[str]:
    """Every table.column whose text holds `needle`, read straight from the database."""
    found = []
    with app.app_context():
        inspector = inspect(db.engine)
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                quoted = db.engine.dialect.identifier_preparer.quote
                rows = db.session.execute(
                    select(text("1"))
                    .select_from(text(quoted(table)))
                    .where(text(f"CAST({quoted(column['name'])} AS TEXT) LIKE :needle"))
                    .limit(1),
                    {"needle": f"%{needle}%"},
                ).all()
                if rows:
                    found.append(f"{table}.{column['name']}")
        db.session.rollback()
    return found


def test_the_database_search_would_find_an_address(app, client, make_petition):
    """Guard for the test above: the search finds what is there."""
    petition = make_petition()
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email="ann@x203.example"))
    assert "signatures.email" in _database_contains(app, "ann@x203")


def test_erasing_one_spelling_erases_the_whole_mailbox(
    app, client, make_petition, make_user, log_in
):
    petition = make_petition()
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields(email="Jane.Doe+x@gmail.com"))
    assert count(app, Signature) == 1
    staff = app.test_client()
    log_in(staff, make_user("admin"))

    erased = staff.post(
        "/staff/erasure/confirm", data={"email": "janedoe@googlemail.com", "confirm": "y"}
    )

    assert erased.status_code == 303
    assert count(app, Signature) == 0
    # The signing confirmation to the typed address went too; what is left is the one email
    # telling the person it is done, forgotten once delivered (test_staff_data_protection).
    with app.app_context():
        assert db.session.scalars(select(OutboxEmail.kind)).all() == ["erasure_confirmation"]


def test_erasure_follows_configured_rules(make_app, make_petition, make_user, log_in):
    app = make_app(EMAIL_NORMALIZATION={"example.org": {"drop_tags": True, "tag_separator": "-"}})
    petition = make_petition()
    app.test_client().post(
        f"/en/petitions/{petition.slug}", data=sign_fields(email="ann-news@example.org")
    )
    staff = app.test_client()
    log_in(staff, make_user("admin"))
    staff.post("/staff/erasure/confirm", data={"email": "ann@example.org", "confirm": "y"})
    assert count(app, Signature) == 0


def test_the_retention_purge_also_forgets_address_hashes(
    app, runner, make_petition, make_signature
):
    closed = make_petition(status="closed")
    open_one = make_petition()
    make_signature(closed, ip_hash="a" * 32)
    make_signature(open_one, ip_hash="b" * 32)
    close_days_ago(app, closed.id, 800)

    assert runner.invoke(args=["purge"]).exit_code == 0

    with app.app_context():
        hashes = dict(db.session.execute(select(Signature.petition_id, Signature.ip_hash)).all())
    assert hashes == {closed.id: None, open_one.id: "b" * 32}
