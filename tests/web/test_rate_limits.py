"""Rate limits on signing and endorsing: burst and sustained, per address and petition, only on
POSTs, on the real client address behind trusted proxies, translated 429 with the limiter's own
Retry-After, and shared across processes through the real Redis."""

from __future__ import annotations

import secrets
import subprocess

import pytest
import redis
import requests
from conftest import free_port
from flask_babel import force_locale, gettext
from helpers import count, sign_fields
from processes import gunicorn, gunicorn_command, process_env

from campaign.config import ROOT, ConfigError, Settings
from campaign.models import OutboxEmail, Signature, StatementEndorsement
from campaign.web.pseudonyms import address_hash

REDIS = "redis://127.0.0.1:6379/0"
BURST = "5 per minute; 30 per hour"


@pytest.fixture
def limited(make_app):
    return make_app(SIGN_RATE_LIMIT=BURST, ENDORSE_RATE_LIMIT=BURST)


def sign(client, petition, n: int, **kwargs):
    return client.post(
        f"/en/petitions/{petition.slug}", data=sign_fields(email=f"s{n}@example.org"), **kwargs
    )


def test_the_defaults_are_a_burst_and_a_sustained_limit():
    config = Settings().flask_config()
    assert config["SIGN_RATE_LIMIT"] == "5 per minute; 30 per hour"
    assert config["ENDORSE_RATE_LIMIT"] == "5 per minute; 30 per hour"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert Settings(redis_url=REDIS).flask_config()["RATELIMIT_STORAGE_URI"] == REDIS
    env = Settings.from_environ({"SIGN_RATE_LIMIT": "2 per second", "REDIS_URL": REDIS})
    assert env.flask_config()["SIGN_RATE_LIMIT"] == "2 per second"
    assert env.flask_config()["RATELIMIT_STORAGE_URI"] == REDIS


def test_a_limit_that_does_not_parse_is_refused_at_start():
    with pytest.raises(ConfigError, match="SIGN_RATE_LIMIT"):
        Settings.from_environ({"SIGN_RATE_LIMIT": "lots"}).check()


def test_the_sixth_signature_in_a_minute_is_refused_with_a_translated_429(
    app, limited, make_petition
):
    petition = make_petition()
    client = limited.test_client()

    answers = [sign(client, petition, n).status_code for n in range(5)]
    refused = client.post(
        f"/fr/petitions/{petition.slug}", data=sign_fields(email="six@example.org")
    )

    assert answers == [200] * 5
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert '<html lang="fr"' in page
    with limited.test_request_context(), force_locale("fr"):
        translated = gettext("Too many attempts")
    assert translated != "Too many attempts"
    assert translated in page
    # The fixed one-minute window: the wait left is between 1 and 60 seconds, not a constant.
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Cache-Control"] == "no-store"
    assert count(limited, Signature) == 5
    assert count(limited, OutboxEmail) == 5


def test_retry_after_is_the_reset_time_of_the_limit_that_was_broken(make_app, make_petition):
    app = make_app(SIGN_RATE_LIMIT="100 per minute; 3 per hour")
    petition = make_petition()
    client = app.test_client()

    assert [sign(client, petition, n).status_code for n in range(3)] == [200] * 3
    refused = sign(client, petition, 3)

    assert refused.status_code == 429
    # The hourly window broke: the visitor is told to wait for it, not for a minute.
    assert 60 < int(refused.headers["Retry-After"]) <= 3600


def test_reading_pages_never_counts(limited, make_petition):
    petition = make_petition()
    client = limited.test_client()
    for _ in range(30):
        assert client.get(f"/en/petitions/{petition.slug}").status_code == 200
    assert [sign(client, petition, n).status_code for n in range(5)] == [200] * 5


def test_the_limit_is_per_petition(limited, make_petition):
    first, second = make_petition(), make_petition()
    client = limited.test_client()
    for n in range(5):
        sign(client, first, n)
    assert sign(client, first, 5).status_code == 429
    assert sign(client, second, 5).status_code == 200


def test_another_address_is_not_held_back(limited, make_petition):
    petition = make_petition()
    client = limited.test_client()
    for n in range(5):
        sign(client, petition, n)
    assert sign(client, petition, 5).status_code == 429
    other = sign(client, petition, 6, environ_base={"REMOTE_ADDR": "192.0.2.44"})
    assert other.status_code == 200


def test_a_forged_forwarded_for_gains_nothing_without_trusted_proxies(limited, make_petition):
    assert limited.config["TRUSTED_PROXIES"] == 0
    petition = make_petition()
    client = limited.test_client()
    answers = [
        sign(client, petition, n, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(8)
    ]
    assert answers == [200] * 5 + [429] * 3
    assert count(limited, Signature) == 5


def test_behind_one_proxy_only_the_last_hop_counts(make_app, make_petition):
    app = make_app(SIGN_RATE_LIMIT=BURST, TRUSTED_PROXIES=1)
    petition = make_petition()
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    # The client forges earlier hops; the proxy appends the address it saw, which is kept.
    answers = [
        sign(
            client,
            petition,
            n,
            headers={"X-Forwarded-For": f"203.0.113.{n}, 198.51.100.7"},
            environ_base=proxy,
        ).status_code
        for n in range(7)
    ]
    assert answers == [200] * 5 + [429] * 2
    # Another visitor behind the same proxy is a different client.
    other = sign(
        client, petition, 9, headers={"X-Forwarded-For": "198.51.100.8"}, environ_base=proxy
    )
    assert other.status_code == 200
    hashes = {s for (s,) in _ip_hashes(app)}
    secret = app.config["SECRET_KEY"]
    assert hashes == {address_hash(secret, "198.51.100.7"), address_hash(secret, "198.51.100.8")}


def _ip_hashes(app):
    from sqlalchemy import select

    from campaign.extensions import db

    with app.app_context():
        return db.session.execute(select(Signature.ip_hash)).all()


def test_endorsing_is_limited_per_address_and_statement(limited, make_statement):
    statement = make_statement(kind="joint_statement", open_for_endorsement=True)
    client = limited.test_client()

    def endorse(n):
        return client.post(
            f"/en/statements/{statement.slug}/endorse",
            data={
                "endorse-organisation": f"Organisation {n}",
                "endorse-country": "MX",
                "endorse-email": f"o{n}@example.org",
                "endorse-consent": "y",
            },
        )

    answers = [endorse(n).status_code for n in range(6)]
    assert answers == [303] * 5 + [429]
    assert count(limited, StatementEndorsement) == 5


def test_limits_can_be_turned_off_for_load_tests(make_app, make_petition):
    app = make_app(SIGN_RATE_LIMIT=BURST, RATELIMIT_ENABLED=False)
    petition = make_petition()
    client = app.test_client()
    assert {sign(client, petition, n).status_code for n in range(12)} == {200}


# --- several processes ------------------------------------------------------------------------


@pytest.fixture
def redis_prefix():
    """A key prefix of our own in the real Redis; its keys are deleted afterwards."""
    prefix = f"campaign-test-{secrets.token_hex(6)}"
    connection = redis.Redis.from_url(REDIS)
    yield prefix, connection
    for key in connection.scan_iter(match=f"*{prefix}*"):
        connection.delete(key)
    connection.close()


def _sign_over_http(url: str, slug: str, n: int) -> int:
    return requests.post(
        f"{url}/en/petitions/{slug}",
        data=sign_fields(email=f"p{n}@example.org"),
        allow_redirects=False,
        timeout=10,
    ).status_code


def test_two_server_processes_share_one_count_in_redis(
    migrated_database, make_petition, redis_prefix
):
    prefix, connection = redis_prefix
    petition = make_petition()
    env = process_env(
        migrated_database,
        REDIS_URL=REDIS,
        RATELIMIT_KEY_PREFIX=prefix,
        SIGN_RATE_LIMIT="3 per minute; 30 per hour",
    )
    with gunicorn(env) as first, gunicorn(env) as second:
        answers = [
            _sign_over_http(first, petition.slug, 0),
            _sign_over_http(second, petition.slug, 1),
            _sign_over_http(first, petition.slug, 2),
            # Each process saw at most two: only a shared count knows this is the fourth.
            _sign_over_http(second, petition.slug, 3),
            _sign_over_http(first, petition.slug, 4),
        ]
        keys = [key.decode() for key in connection.scan_iter(match=f"*{prefix}*")]

    assert answers == [200, 200, 200, 429, 429]
    assert keys, "the limits were not counted in Redis"
    # Keys hold a keyed hash of the address, never the address itself.
    assert not any("127.0.0.1" in key for key in keys)


def test_without_redis_each_process_counts_alone(migrated_database, make_petition):
    """The control for the test above: per-process memory lets twice the limit through."""
    petition = make_petition()
    env = process_env(migrated_database, SIGN_RATE_LIMIT="3 per minute; 30 per hour")
    with gunicorn(env) as first, gunicorn(env) as second:
        answers = [_sign_over_http(url, petition.slug, n) for n, url in enumerate([first] * 3)]
        answers += [_sign_over_http(second, petition.slug, n) for n in range(3, 6)]
        answers.append(_sign_over_http(first, petition.slug, 6))
    assert answers == [200] * 6 + [429]


def test_signing_goes_on_and_stays_limited_when_redis_is_unreachable(
    migrated_database, make_petition
):
    petition = make_petition()
    closed_port = "redis://127.0.0.1:9/0"
    env = process_env(
        migrated_database, REDIS_URL=closed_port, SIGN_RATE_LIMIT="3 per minute; 30 per hour"
    )
    with gunicorn(env) as url:
        answers = [_sign_over_http(url, petition.slug, n) for n in range(4)]
    # Limits fall back to this process's memory rather than failing or letting everyone in.
    assert answers == [200, 200, 200, 429]


def _production_env(database_url: str, **extra: str) -> dict[str, str]:
    return process_env(
        database_url, CAMPAIGN_ENV="production", MAIL_URL="smtp://127.0.0.1:9", **extra
    )


@pytest.mark.parametrize(
    ("settings", "workers", "refused"),
    [
        ({"CAMPAIGN_ENV": "production"}, 2, True),
        ({"CAMPAIGN_ENV": "production"}, 1, False),
        ({"CAMPAIGN_ENV": "production", "REDIS_URL": REDIS}, 4, False),
        ({"CAMPAIGN_ENV": "production", "RATELIMIT_ENABLED": "0"}, 4, False),
        ({"CAMPAIGN_ENV": "development"}, 2, False),
    ],
)
def test_production_needs_redis_for_more_than_one_worker(settings, workers, refused):
    check = Settings.from_environ(settings).check_worker_processes
    if refused:
        with pytest.raises(ConfigError, match="REDIS_URL"):
            check(workers)
    else:
        check(workers)


def test_gunicorn_refuses_two_production_workers_without_redis(migrated_database):
    started = subprocess.run(
        gunicorn_command(free_port(), workers=2),
        cwd=ROOT,
        env=_production_env(migrated_database),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert started.returncode != 0
    assert "REDIS_URL" in started.stderr


def test_two_production_workers_share_one_count_in_redis(
    migrated_database, make_petition, redis_prefix
):
    prefix, connection = redis_prefix
    petition = make_petition()
    env = _production_env(
        migrated_database,
        REDIS_URL=REDIS,
        RATELIMIT_KEY_PREFIX=prefix,
        SIGN_RATE_LIMIT="5 per minute",
    )
    with gunicorn(env, workers=2) as url:
        answers = [_sign_over_http(url, petition.slug, n) for n in range(16)]
        keys = list(connection.scan_iter(match=f"*{prefix}*"))
    assert sorted(answers) == [200] * 5 + [429] * 11
    assert keys, "the limits were not counted in Redis"
