"""Concurrent signing and confirming: one row per address, one count per signature.

Threads start together at a barrier, each with its own app context (so its own database
session and connection). These run on SQLite (WAL, busy timeout) and on PostgreSQL alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from helpers import (
    count,
    database_work,
    sign_fields,
    signature_count,
    signature_data,
    signatures,
)
from sqlalchemy import event
from webhook_support import subscribe_to_confirmations

from campaign.extensions import db
from campaign.models import OutboxEmail, Petition, Signature, utcnow
from campaign.petitions.signing import (
    confirm_signature,
    confirmation_token,
    sign_petition,
    signature_from_token,
)

THREADS = 20


def run_together(work: Callable[[int], object], n: int = THREADS) -> list[object]:
    """Run work(0..n-1) in n threads released at once; re-raise the first failure."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001  (reported below, in the test's thread)
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    if errors:
        raise errors[0]
    return results


def _sign(app, petition_id: int, email: str, name: str = "Ann Example") -> None:
    with app.app_context():
        petition = db.session.get(Petition, petition_id)
        sign_petition(
            db.session,
            petition,
            signature_data(email=email, name=name),
            locale="en",
            now=utcnow(),
            secret_key=app.config["SECRET_KEY"],
            max_emails=app.config["MAX_EMAILS_PER_SIGNATURE"],
        )
        db.session.commit()


def test_twenty_threads_signing_with_one_email_make_one_row(app, make_petition):
    petition = make_petition()

    run_together(lambda i: _sign(app, petition.id, "Ann@Example.org", name=f"Ann {i}"))

    [signature] = signatures(app)
    assert signature.email_normalized == "ann@example.org"
    # Every attempt asked for an email; the cap held under concurrency too.
    assert signature.emails_sent == app.config["MAX_EMAILS_PER_SIGNATURE"]
    assert count(app, OutboxEmail) == app.config["MAX_EMAILS_PER_SIGNATURE"]
    assert count(app, OutboxEmail, OutboxEmail.kind != "confirm_signature") == 0


def test_twenty_threads_signing_with_different_emails_make_twenty_rows(app, make_petition):
    petition = make_petition()

    run_together(lambda i: _sign(app, petition.id, f"signer{i}@example.org"))

    assert count(app, Signature) == THREADS
    assert count(app, OutboxEmail) == THREADS


def test_twenty_clients_posting_one_email_at_once_make_one_row(app, make_petition):
    petition = make_petition()
    clients = [app.test_client() for _ in range(THREADS)]

    responses = run_together(
        lambda i: clients[i].post(
            f"/en/petitions/{petition.slug}", data=sign_fields(email="ann@example.org")
        )
    )

    assert {r.status_code for r in responses} == {200}
    assert all(b"Check your email" in r.get_data() for r in responses)
    assert count(app, Signature) == 1
    assert count(app, OutboxEmail) == app.config["MAX_EMAILS_PER_SIGNATURE"]


def _pending_signature(app, make_petition, **petition_kwargs) -> tuple[Petition, Signature]:
    petition = make_petition(**petition_kwargs)
    _sign(app, petition.id, "ann@example.org")
    return petition, signatures(app)[0]


def test_twenty_threads_confirming_one_token_count_it_once(app, make_petition):
    petition, signature = _pending_signature(app, make_petition, signature_count=10)
    token = confirmation_token(app.config["SECRET_KEY"], signature)

    def confirm(_i: int) -> bool:
        with app.app_context():
            found = signature_from_token(db.session, app.config["SECRET_KEY"], token, max_age=3600)
            result = confirm_signature(db.session, found.public_id, now=utcnow())
            db.session.commit()
            return result.newly_confirmed

    results = run_together(confirm)

    assert results.count(True) == 1
    assert signature_count(app, petition.id) == 11
    assert count(app, Signature, Signature.confirmed_at.is_not(None)) == 1


def test_twenty_clients_posting_one_confirmation_link_count_it_once(app, make_petition):
    petition, signature = _pending_signature(app, make_petition)
    token = confirmation_token(app.config["SECRET_KEY"], signature)
    clients = [app.test_client() for _ in range(THREADS)]

    responses = run_together(lambda i: clients[i].post(f"/en/confirm/{token}"))

    assert {r.status_code for r in responses} == {200}
    assert all(b"Your signature counts" in r.get_data() for r in responses)
    assert signature_count(app, petition.id) == 1


def test_concurrent_confirmations_of_different_signatures_all_count(app, make_petition):
    petition = make_petition()
    for i in range(THREADS):
        _sign(app, petition.id, f"signer{i}@example.org")
    secret = app.config["SECRET_KEY"]
    tokens = [confirmation_token(secret, s) for s in signatures(app)]

    def confirm(i: int) -> bool:
        with app.app_context():
            found = signature_from_token(db.session, secret, tokens[i], max_age=3600)
            result = confirm_signature(db.session, found.public_id, now=utcnow())
            db.session.commit()
            return result.newly_confirmed

    assert run_together(confirm) == [True] * THREADS
    assert signature_count(app, petition.id) == THREADS


def test_a_confirmation_locks_its_petition_only_for_its_last_statement(app, make_petition):
    """Every confirmation of a petition waits for the one holding the petition's row, from its
    increment to its commit: a subscribed webhook's delivery is written before the increment,
    not inside the lock, and the receipt email before it too, or on PostgreSQL by the
    increment's own statement (no round trip more); and the page it answers needs no query
    after the commit (which would open another transaction)."""
    subscribe_to_confirmations(app)
    petition = make_petition()
    for email in ("first@example.org", "second@example.org"):
        _sign(app, petition.id, email)
    secret = app.config["SECRET_KEY"]
    first, second = (confirmation_token(secret, s) for s in signatures(app))
    client = app.test_client()
    # The first renders what every confirmation of the petition then reuses.
    assert client.post(f"/en/confirm/{first}").status_code == 200

    with database_work(app) as work:
        confirmed = client.post(f"/en/confirm/{second}")
    assert confirmed.status_code == 200 and b"<strong>2</strong>" in confirmed.data
    writes = [" ".join(sql.split()) for sql in work if not sql.lstrip().upper().startswith("SEL")]
    assert work[-1] == "COMMIT", "nothing is read after the commit"
    *before, increment, _commit = writes
    assert increment.startswith(("UPDATE petitions", "WITH written AS")), writes
    assert "UPDATE petitions SET signature_count" in increment, writes
    assert any(w.startswith("INSERT INTO webhook_deliveries") for w in before), writes
    receipt = "INSERT INTO outbox_emails"
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        assert receipt in increment and not any(receipt in w for w in before), writes
        assert len(writes) == 4, "the signature's UPDATE, the webhook, the count, the commit"
    else:
        assert any(w.startswith(receipt) for w in before), writes
    assert signature_count(app, petition.id) == 2


@contextmanager
def in_transaction_per_statement(app) -> Iterator[list[tuple[str, bool]]]:
    """Each statement run on the app's database meanwhile, and whether its connection was then
    inside a transaction (which costs a BEGIN and a ROLLBACK or COMMIT on PostgreSQL)."""
    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, bool]] = []

    def executed(conn, _cursor, sql, _parameters, _context, _executemany) -> None:
        driver = conn.connection.driver_connection
        if engine.dialect.name == "sqlite":
            inside = driver.in_transaction
        else:
            inside = driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        seen.append((sql.split(None, 1)[0].upper(), inside))

    event.listen(engine, "after_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", executed)


def test_a_confirmation_link_reads_outside_a_transaction_and_the_confirming_writes_inside_one(
    app, make_petition
):
    """The page a link opens makes one read: no BEGIN and ROLLBACK around it. The connection
    goes back to the pool as it came, so the confirmation after it is one transaction again."""
    petition = make_petition()
    _sign(app, petition.id, "ann@example.org")
    token = confirmation_token(app.config["SECRET_KEY"], signatures(app)[0])
    client = app.test_client()
    client.get(f"/en/confirm/{token}")  # the page's layout rendered once

    with in_transaction_per_statement(app) as reading:
        assert client.get(f"/en/confirm/{token}").status_code == 200
    with in_transaction_per_statement(app) as confirming:
        assert client.post(f"/en/confirm/{token}").status_code == 200
    assert reading and not any(inside for _, inside in reading), reading
    # SQLite's driver begins a transaction at the first write (reads before it need none).
    writes = [inside for verb, inside in confirming if verb != "SELECT"]
    assert writes and all(writes), confirming
    assert signature_count(app, petition.id) == 1
