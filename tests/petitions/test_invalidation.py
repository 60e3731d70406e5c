"""Undoing a flood: bulk invalidation by email domain, dates or hashed address with counters
checked, its audit event, its race with confirmations, the signing-speed view, and the CLI."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from campaign.extensions import db
from campaign.models import AuditEvent, Petition, Signature, utcnow
from campaign.petitions.invalidation import (
    AUDIT_ACTION,
    Criteria,
    InvalidCriteria,
    invalidate_signatures,
    preview,
)
from campaign.petitions.signing import ConfirmationRefused, confirm_signature
from campaign.petitions.velocity import DAY, HOUR, fast_sources, signing_speed
from campaign.web.pseudonyms import address_hash

SECRET = "test-secret-key-" + "x" * 32
BOT = address_hash(SECRET, "203.0.113.66")
PERSON = address_hash(SECRET, "198.51.100.1")


@pytest.fixture
def add(app):
    """Insert signatures directly: (petition, email, confirmed?, ip hash, age)."""

    def run(petition, email, *, confirmed=True, ip_hash=PERSON, age=timedelta(minutes=1)):
        with app.app_context():
            now = utcnow()
            db.session.add(
                Signature(
                    petition_id=petition.id,
                    name="Someone",
                    email=email,
                    email_normalized=email.lower(),
                    country="FR",
                    locale="en",
                    consent_text="I agree.",
                    consented_at=now - age,
                    created_at=now - age,
                    confirmed_at=now - age if confirmed else None,
                    ip_hash=ip_hash,
                )
            )
            if confirmed:
                db.session.execute(
                    update(Petition)
                    .where(Petition.id == petition.id)
                    .values(signature_count=Petition.signature_count + 1)
                )
            db.session.commit()

    return run


def counter(app, petition) -> int:
    with app.app_context():
        return db.session.scalar(select(Petition.signature_count).where(Petition.id == petition.id))


def remaining(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Signature.email)))


@pytest.fixture
def flood(add, make_petition):
    """Two petitions: real signers, and a bot at throwaway.example from one address."""
    target, other = make_petition(), make_petition()
    add(target, "ann@example.org")
    add(target, "bob@example.org", confirmed=False)
    for n in range(4):
        add(target, f"bot{n}@throwaway.example", ip_hash=BOT)
    add(target, "bot9@mx.throwaway.example", confirmed=False, ip_hash=BOT)
    add(other, "bot5@throwaway.example", ip_hash=BOT)
    add(other, "carol@example.org")
    return target, other


def test_criteria_are_checked():
    with pytest.raises(InvalidCriteria, match="empty"):
        Criteria(petition_id=1)
    for domain in ("", "not a domain", "a@b.example", "%.example", "_x.example", "x" * 300):
        with pytest.raises(InvalidCriteria, match="email_domain"):
            Criteria(email_domain=domain)
    with pytest.raises(InvalidCriteria, match="ip_hash"):
        Criteria(ip_hash="203.0.113.66")
    now = utcnow()
    with pytest.raises(InvalidCriteria, match="dates"):
        Criteria(created_from=now, created_until=now)
    assert Criteria(email_domain=" @Throwaway.Example. ").email_domain == "throwaway.example"
    assert Criteria(ip_hash=BOT.upper()).ip_hash == BOT


def test_invalidating_a_domain_on_one_petition_lowers_its_counter_only(app, flood):
    target, other = flood
    assert counter(app, target) == 5 and counter(app, other) == 2

    with app.app_context():
        criteria = Criteria(petition_id=target.id, email_domain="throwaway.example")
        assert preview(db.session, criteria).total == 5
        result = invalidate_signatures(db.session, criteria, now=utcnow(), actor_id=None)
        db.session.commit()

    assert (result.tally.confirmed, result.tally.pending) == (4, 1)
    assert result.uncounted == {target.slug: 4}
    assert counter(app, target) == 1
    assert counter(app, other) == 2
    assert remaining(app) == [
        "ann@example.org",
        "bob@example.org",
        "bot5@throwaway.example",
        "carol@example.org",
    ]


def test_a_domain_matches_itself_and_its_subdomains_label_by_label(app, add, make_petition):
    """Never by substring or suffix: `evil.com` is not `notevil.com` nor `evil.com.example`."""
    petition = make_petition()
    for address in (
        "x@evil.com",
        "y@mx.evil.com",
        "x@notevil.com",
        "x@evil.com.example",
        "x@evil.community",
        "x@my-evil.com",
    ):
        add(petition, address)
    with app.app_context():
        criteria = Criteria(email_domain="Evil.COM")
        assert preview(db.session, criteria).total == 2
        invalidate_signatures(db.session, criteria, now=utcnow())
        db.session.commit()
    assert remaining(app) == [
        "x@evil.com.example",
        "x@evil.community",
        "x@my-evil.com",
        "x@notevil.com",
    ]


def test_an_idn_domain_matches_however_it_is_written(app, add, make_petition):
    petition = make_petition()
    add(petition, "x@xn--bcher-kva.example")  # how signing keys x@bücher.example
    add(petition, "x@example.org")
    assert Criteria(email_domain="Bücher.example").email_domain == "xn--bcher-kva.example"
    with app.app_context():
        invalidate_signatures(db.session, Criteria(email_domain="bücher.example"), now=utcnow())
        db.session.commit()
    assert remaining(app) == ["x@example.org"]


def test_invalidating_a_hashed_address_everywhere(app, flood):
    target, other = flood
    with app.app_context():
        result = invalidate_signatures(db.session, Criteria(ip_hash=BOT), now=utcnow())
        db.session.commit()
    assert result.tally.total == 6
    assert result.uncounted == {target.slug: 4, other.slug: 1}
    assert (counter(app, target), counter(app, other)) == (1, 1)
    assert remaining(app) == ["ann@example.org", "bob@example.org", "carol@example.org"]


def test_invalidating_a_date_range(app, add, make_petition):
    petition = make_petition()
    add(petition, "old@example.org", age=timedelta(days=3))
    add(petition, "night1@example.org", age=timedelta(hours=10))
    add(petition, "night2@example.org", age=timedelta(hours=9), confirmed=False)
    add(petition, "new@example.org", age=timedelta(minutes=5))
    now = utcnow()
    with app.app_context():
        criteria = Criteria(
            petition_id=petition.id,
            created_from=now - timedelta(hours=12),
            created_until=now - timedelta(hours=1),
        )
        result = invalidate_signatures(db.session, criteria, now=now)
        db.session.commit()
    assert (result.tally.confirmed, result.tally.pending) == (1, 1)
    assert counter(app, petition) == 2
    assert remaining(app) == ["new@example.org", "old@example.org"]


def test_the_audit_event_records_criteria_and_counts_never_an_address(app, flood):
    target, _ = flood
    with app.app_context():
        invalidate_signatures(
            db.session,
            Criteria(petition_id=target.id, email_domain="throwaway.example", ip_hash=BOT),
            now=utcnow(),
            origin=address_hash(SECRET, "192.0.2.9"),
        )
        db.session.commit()
        [event] = db.session.scalars(select(AuditEvent)).all()
        assert event.action == AUDIT_ACTION
        assert event.details == {
            "criteria": {
                "petition": target.slug,
                "email_domain": "throwaway.example",
                "ip_hash": BOT,
            },
            "deleted": 5,
            "confirmed": 4,
            "pending": 1,
            "uncounted": {target.slug: 4},
        }
        assert "@" not in repr(event.details)
        assert "192.0.2.9" not in repr(event.details) + str(event.origin)


def test_nothing_matching_changes_nothing_but_is_still_recorded(app, flood):
    target, other = flood
    with app.app_context():
        result = invalidate_signatures(
            db.session, Criteria(email_domain="nobody.example"), now=utcnow()
        )
        db.session.commit()
        assert db.session.scalar(select(AuditEvent.details))["deleted"] == 0
    assert result.tally.total == 0
    assert (counter(app, target), counter(app, other)) == (5, 2)


def test_a_confirmation_racing_an_invalidation_is_counted_once_or_not_at_all(
    make_app, add, make_petition
):
    """Many pending signatures; one thread confirms them while another deletes them all.
    Whatever interleaving the database picks, the counter ends equal to what is left."""
    app = make_app()
    petition = make_petition()
    for n in range(30):
        add(petition, f"p{n}@throwaway.example", confirmed=False, ip_hash=BOT)
    with app.app_context():
        ids = list(db.session.scalars(select(Signature.public_id).order_by(Signature.id)))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def confirm_all():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                for public_id in ids:
                    # Deleted before its turn: refused, counted nowhere.
                    with contextlib.suppress(ConfirmationRefused):
                        confirm_signature(db.session, public_id, now=utcnow())
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def invalidate_all():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                invalidate_signatures(db.session, Criteria(ip_hash=BOT), now=utcnow())
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=confirm_all), threading.Thread(target=invalidate_all)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    with app.app_context():
        left = db.session.scalar(
            select(db.func.count())
            .select_from(Signature)
            .where(Signature.confirmed_at.is_not(None))
        )
    assert counter(app, petition) == left


# --- signing speed ----------------------------------------------------------------------------


def test_fast_sources_list_addresses_and_domains_above_the_threshold(app, add, make_petition):
    petition, other = make_petition(), make_petition()
    for n in range(6):
        add(petition, f"b{n}@throwaway.example", ip_hash=BOT, confirmed=n % 2 == 0)
    for n in range(3):
        add(petition, f"p{n}@example.org", ip_hash=address_hash(SECRET, f"198.51.100.1{n}"))
    for n in range(8):
        add(other, f"o{n}@elsewhere.example", ip_hash=BOT)
    for n in range(5):
        add(petition, f"old{n}@old.example", ip_hash=PERSON, age=timedelta(hours=5))

    with app.app_context():
        hour = fast_sources(db.session, petition.id, since=utcnow() - HOUR, threshold=3)
        windows = signing_speed(
            db.session, petition.id, now=utcnow(), hour_threshold=4, day_threshold=5
        )

    assert [(s.kind, s.value, s.signatures) for s in hour] == [
        ("address", BOT, 6),
        ("domain", "throwaway.example", 6),
        ("domain", "example.org", 3),
    ]
    last_hour, last_day = windows
    assert (last_hour.span, last_hour.threshold) == (HOUR, 4)
    assert [(s.kind, s.value) for s in last_hour.sources] == [
        ("address", BOT),
        ("domain", "throwaway.example"),
    ]
    assert last_day.span == DAY
    assert {(s.kind, s.value, s.signatures) for s in last_day.sources} == {
        ("address", BOT, 6),
        ("domain", "throwaway.example", 6),
        ("address", PERSON, 5),
        ("domain", "old.example", 5),
    }


# --- command line -----------------------------------------------------------------------------


def test_cli_fast_then_invalidate(app, runner, flood):
    target, _ = flood

    fast = runner.invoke(
        args=["signatures", "fast", "--petition", target.slug, "--hour-threshold", "4"]
    )
    assert fast.exit_code == 0, fast.output
    assert BOT in fast.output and "throwaway.example" in fast.output
    assert "ann@" not in fast.output

    declined = runner.invoke(
        args=["signatures", "invalidate", "--petition", target.slug, "--ip-hash", BOT],
        input="n\n",
    )
    assert declined.exit_code != 0
    assert "5 signatures match (4 confirmed, 1 pending)" in declined.output
    assert counter(app, target) == 5

    done = runner.invoke(
        args=["signatures", "invalidate", "--petition", target.slug, "--ip-hash", BOT, "--yes"]
    )
    assert done.exit_code == 0, done.output
    assert "deleted 5 signatures; counters lowered by 4" in done.output
    assert counter(app, target) == 1
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action)) == AUDIT_ACTION


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give at least one of"),
        (["--domain", "not a domain"], "--domain must be a domain name"),
        (["--ip-hash", "1.2.3.4"], "--ip-hash must be 32 hexadecimal characters"),
        (["--from", "2030-01-02", "--until", "2030-01-01"], "--from must be before --until"),
        (["--petition", "nope", "--domain", "x.example"], "no petition 'nope'"),
    ],
)
def test_cli_refuses_bad_criteria(app, runner, flood, args, message):
    result = runner.invoke(args=["signatures", "invalidate", "--yes", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert len(remaining(app)) == 9


def test_confirming_a_signature_invalidated_meanwhile_is_refused(app, add, make_petition):
    petition = make_petition()
    add(petition, "late@throwaway.example", confirmed=False, ip_hash=BOT)
    with app.app_context():
        signature = db.session.scalars(select(Signature)).one()
        # Another request invalidates it between this one reading and confirming it.
        with db.engine.begin() as other:
            other.execute(Signature.__table__.delete())
        with pytest.raises(ConfirmationRefused):
            confirm_signature(db.session, signature.public_id, now=utcnow())
        db.session.rollback()
    assert counter(app, petition) == 0
