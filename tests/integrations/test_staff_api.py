"""The staff signatures API: bearer tokens, cursor pages, audit, refusals."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from processes import wait_for
from sqlalchemy import insert, select

from campaign.extensions import db
from campaign.integrations.tokens import token_hash
from campaign.models import ApiToken, AuditEvent, Signature, utcnow
from campaign.petitions.signing import confirm_signature


def create_token(runner, name: str = "crm-sync") -> str:
    result = runner.invoke(args=["tokens", "create", "--name", name, "--role", "exporter"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def add_signatures(app, petition, number: int, *, confirmed: bool = True, start: int = 0):
    """Rows straight into the table: many at once, confirmed a microsecond apart."""
    now = utcnow() - timedelta(minutes=1)
    rows = [
        {
            "petition_id": petition.id,
            "public_id": f"sig{start + n:019d}",
            "name": f"Signer {n}",
            "email": f"signer{start + n}@example.org",
            "email_normalized": f"signer{start + n}@example.org",
            "country": "FR",
            "locale": "en",
            "consent_text": "I agree",
            "consented_at": now,
            "created_at": now,
            "confirmed_at": now + timedelta(microseconds=n) if confirmed else None,
            "newsletter": False,
            "emails_sent": 1,
        }
        for n in range(number)
    ]
    with app.app_context():
        db.session.execute(insert(Signature), rows)
        db.session.commit()
    return [row["public_id"] for row in rows]


def read_all(client, url: str, token: str) -> tuple[list[str], list[int], str]:
    """Every page: (identifiers, page sizes, the resume cursor of the last page)."""
    seen, sizes, cursor = [], [], None
    while True:
        response = client.get(
            url + (f"?cursor={cursor}" if cursor else ""),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        seen += [s["identifier"].removeprefix("campaign:") for s in page["signatures"]]
        sizes.append(len(page["signatures"]))
        if page["next"] is None:
            return seen, sizes, page["resume"]
        cursor = page["next"]


def test_tokens_are_printed_once_and_stored_hashed(app, runner):
    token = create_token(runner)
    with app.app_context():
        stored = db.session.scalars(select(ApiToken)).one()
        audit = db.session.scalars(select(AuditEvent)).one()
    assert token.startswith("cpt_") and stored.token_hash == token_hash(token)
    assert token not in stored.token_hash and stored.role == "exporter"
    assert audit.action == "api_token_created" and token not in str(audit.details)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [(["--name", "  "], "name"), (["--name", "x" * 101], "too long")],
)
def test_token_refusals(app, runner, arguments, message):
    result = runner.invoke(args=["tokens", "create", *arguments, "--role", "exporter"])
    assert result.exit_code != 0 and message in result.output


def test_a_token_name_is_taken_once(runner):
    create_token(runner, "crm")
    result = runner.invoke(args=["tokens", "create", "--name", "crm", "--role", "exporter"])
    assert result.exit_code != 0 and "another token" in result.output


def test_pages_of_at_most_500_with_next_and_every_call_audited(app, client, runner, make_petition):
    app.config["STAFF_API_SETTLE_SECONDS"] = 0
    petition = make_petition()
    expected = add_signatures(app, petition, 1203)
    add_signatures(app, petition, 5, confirmed=False, start=5000)  # pending: never served
    token = create_token(runner)
    url = f"/api/v1/staff/petitions/{petition.slug}/signatures"
    seen, sizes, resume = read_all(client, url, token)
    assert seen == expected and sizes == [500, 500, 203]

    with app.app_context():
        calls = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "api_signatures_read")
        ).all()
    assert [c.details["count"] for c in calls] == [500, 500, 203]
    assert {c.details["token"] for c in calls} == {"crm-sync"}

    # Later, from where the last page ended: only what came since.
    newer = add_signatures(app, petition, 2, start=9000)
    page = client.get(f"{url}?cursor={resume}", headers={"Authorization": f"Bearer {token}"})
    assert [s["identifier"] for s in page.get_json()["signatures"]] == [
        f"campaign:{p}" for p in newer
    ]
    assert page.headers["Cache-Control"].startswith("no-store") or page.cache_control.no_store


def test_since_keeps_the_later_confirmations(app, client, runner, make_petition):
    app.config["STAFF_API_SETTLE_SECONDS"] = 0
    petition = make_petition()
    add_signatures(app, petition, 3)
    token = create_token(runner)
    url = f"/api/v1/staff/petitions/{petition.slug}/signatures"
    auth = {"Authorization": f"Bearer {token}"}
    future = (utcnow() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert (
        client.get(url, query_string={"since": future}, headers=auth).get_json()["signatures"] == []
    )
    past = client.get(url, query_string={"since": "2000-01-01T00:00:00"}, headers=auth)
    assert len(past.get_json()["signatures"]) == 3


def test_paging_while_signatures_are_confirmed_reads_each_once(app, client, runner, make_petition):
    app.config["STAFF_API_SETTLE_SECONDS"] = 1
    petition = make_petition()
    pending = add_signatures(app, petition, 120, confirmed=False)
    token = create_token(runner)
    url = f"/api/v1/staff/petitions/{petition.slug}/signatures"
    auth = {"Authorization": f"Bearer {token}"}

    def confirm(public_ids: list[str]) -> None:
        with app.app_context():
            for public_id in public_ids:
                confirm_signature(db.session, public_id, now=utcnow())
                db.session.commit()

    writers = [threading.Thread(target=confirm, args=(pending[n::2],)) for n in range(2)]
    for writer in writers:
        writer.start()
    seen: list[str] = []
    cursor = None

    def caught_up() -> bool:
        nonlocal cursor
        query = {"cursor": cursor} if cursor else {}
        page = client.get(url, query_string=query, headers=auth).get_json()
        seen.extend(s["identifier"].removeprefix("campaign:") for s in page["signatures"])
        cursor = page["next"] or page["resume"]
        return len(seen) >= len(pending) and not any(w.is_alive() for w in writers)

    wait_for(caught_up, timeout=60, interval=0.02, message="the API never served them all")
    for writer in writers:
        writer.join()
    assert sorted(seen) == sorted(pending) and len(seen) == len(set(seen))


def test_refusals(app, client, runner, make_petition, make_app):
    app.config["STAFF_API_SETTLE_SECONDS"] = 0
    petition, other = make_petition(), make_petition()
    add_signatures(app, petition, 3)
    token = create_token(runner)
    url = f"/api/v1/staff/petitions/{petition.slug}/signatures"
    auth = {"Authorization": f"Bearer {token}"}

    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {token}"}):
        refused = client.get(url, headers=headers)
        assert refused.status_code == 401 and refused.get_json()["error"]["code"] == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/staff/petitions/nope/signatures", headers=auth).status_code == 404
    for since in ("yesterday", "2026-13-01", "1"):
        assert client.get(url, query_string={"since": since}, headers=auth).status_code == 400
    resume = client.get(url, headers=auth).get_json()["resume"]
    tampered = resume[:-2] + ("AA" if not resume.endswith("AA") else "BB")
    for cursor in (tampered, "garbage", resume + "x"):
        response = client.get(url, query_string={"cursor": cursor}, headers=auth)
        assert response.status_code == 400, cursor
    # A cursor of one petition is no key to another.
    other_url = f"/api/v1/staff/petitions/{other.slug}/signatures"
    assert client.get(other_url, query_string={"cursor": resume}, headers=auth).status_code == 400

    revoked = runner.invoke(args=["tokens", "revoke", "--name", "crm-sync"])
    assert revoked.exit_code == 0, revoked.output
    assert client.get(url, headers=auth).status_code == 401


def test_too_many_calls_are_answered_429(make_app, make_petition):
    app = make_app(STAFF_API_RATE_LIMIT="2 per minute")
    petition = make_petition()
    token = create_token(app.test_cli_runner())
    client = app.test_client()
    url = f"/api/v1/staff/petitions/{petition.slug}/signatures"
    auth = {"Authorization": f"Bearer {token}"}
    assert [client.get(url, headers=auth).status_code for _ in range(3)] == [200, 200, 429]
