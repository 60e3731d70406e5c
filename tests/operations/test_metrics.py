"""/metrics: Prometheus text for the holder of METRICS_TOKEN only, parsed with
prometheus_client's own parser; several gunicorn workers add up through the multiprocess
directory."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from helpers import confirm_link, outbox, sign_fields
from processes import gunicorn, process_env, wait_for
from prometheus_client.parser import text_string_to_metric_families
from webhook_support import Receiver, retries_due_now, send_update, sign_and_confirm

from campaign.web.metrics import count_webhook_delivery

TOKEN = "metrics-token-" + "m" * 20
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(make_app, smtp_server):
    return make_app(METRICS_TOKEN=TOKEN, MAIL_URL=smtp_server.url)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample as {(name, sorted labels): value}."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert response.headers["Cache-Control"] == "no-store"
    return samples(response.get_data(as_text=True))


def test_metrics_are_refused_without_the_token(client):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "campaign_" not in response.get_data(as_text=True)


def test_metrics_are_off_without_a_token(make_app):
    assert make_app().test_client().get("/metrics", headers=BEARER).status_code == 404


def test_signing_confirming_and_delivering_show_in_the_metrics(
    app, client, make_petition, run_worker
):
    petition = make_petition()
    before = scrape(client)

    assert client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 200
    queued = scrape(client)
    assert queued[("campaign_outbox_depth", ())] == 1
    assert queued[("campaign_outbox_depth_by_kind", (("kind", "confirm_signature"),))] == 1
    assert queued[("campaign_outbox_oldest_age_seconds", ())] >= 0
    assert queued[("campaign_signings_total", ())] == before[("campaign_signings_total", ())] + 1

    run_worker()
    [email] = outbox(app)
    path = confirm_link(email.text_body).removeprefix("http://localhost")
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200  # a second click counts nothing
    run_worker()  # the signer's receipt

    after = scrape(client)
    confirmed = ("campaign_signatures_confirmed_total", ())
    assert after[confirmed] == before[confirmed] + 1
    assert after[("campaign_outbox_depth", ())] == 0
    assert after[("campaign_outbox_oldest_age_seconds", ())] == 0
    assert ("campaign_outbox_depth_by_kind", (("kind", "confirm_signature"),)) not in after
    sent = ("campaign_email_deliveries_total", (("outcome", "sent"),))
    assert after[sent] == before[sent] + 2  # the confirmation link, then the receipt
    assert after[("campaign_update_sends_in_progress", ())] == 0
    assert after[("campaign_worker_last_seen_age_seconds", ())] >= 0

    # Requests by route name and status: the petition's slug and the token appear nowhere.
    signed = (
        "campaign_http_request_duration_seconds_count",
        (("method", "POST"), ("route", "public.petition"), ("status", "200")),
    )
    assert after[signed] == before.get(signed, 0) + 1
    text = client.get("/metrics", headers=BEARER).get_data(as_text=True)
    assert petition.slug not in text and path not in text and "example.org" not in text


def test_rate_limit_refusals_are_counted_by_route(make_app, make_petition):
    app = make_app(METRICS_TOKEN=TOKEN, SIGN_RATE_LIMIT="1 per minute")
    client = app.test_client()
    petition = make_petition()
    key = ("campaign_rate_limit_refusals_total", (("route", "public.petition"),))
    before = scrape(client).get(key, 0)
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    assert client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 429
    assert scrape(client)[key] == before + 1


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


def test_webhook_deliveries_are_counted_by_outcome(
    app, client, runner, run_worker, receiver, make_petition
):
    delivered = ("campaign_webhook_deliveries_total", (("outcome", "delivered"),))
    retrying = ("campaign_webhook_deliveries_total", (("outcome", "retrying"),))
    before = scrape(client)
    petition = make_petition()
    added = runner.invoke(
        args=["webhooks", "add", "--url", receiver.url, "--events", "signature.confirmed"]
    )
    assert added.exit_code == 0, added.output
    sign_and_confirm(app, client, petition.slug, "ann@example.org")

    run_worker()  # nothing listens yet
    assert scrape(client)[retrying] == before[retrying] + 1

    receiver.start()
    retries_due_now(app)
    run_worker()
    after = scrape(client)
    assert after[delivered] == before[delivered] + 1
    assert after[retrying] == before[retrying] + 1
    assert len(receiver.received) == 1
    assert receiver.url not in client.get("/metrics", headers=BEARER).get_data(as_text=True)
    with pytest.raises(ValueError, match="outcome"):
        count_webhook_delivery("https://example.org/hook")


def test_an_update_being_sent_shows_until_its_emails_have_left(
    app, client, runner, run_worker, make_petition, tmp_path
):
    in_progress = ("campaign_update_sends_in_progress", ())
    petition = make_petition()
    sign_and_confirm(app, client, petition.slug, "ann@example.org", newsletter="y")
    run_worker()
    assert scrape(client)[in_progress] == 0
    send_update(runner, tmp_path, petition.slug)
    assert scrape(client)[in_progress] == 1

    run_worker()
    run_worker()
    after = scrape(client)
    assert after[in_progress] == 0
    assert after[("campaign_outbox_depth", ())] == 0


@pytest.mark.parametrize("configured", [True, False], ids=["configured-folder", "own-folder"])
def test_several_gunicorn_workers_add_up_their_counts(migrated_database, tmp_path, configured):
    if configured:
        metrics_dir = tmp_path / "metrics"
        env = process_env(
            migrated_database, METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)
        )
    else:
        # Without PROMETHEUS_MULTIPROC_DIR gunicorn.conf.py makes a folder of its own.
        env = process_env(migrated_database, METRICS_TOKEN=TOKEN, TMPDIR=str(tmp_path))
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    asked = 0

    def folders() -> list:
        return [metrics_dir] if configured else list(tmp_path.glob("campaign-metrics-*"))

    def ask_until_both_workers_answered(url: str) -> bool:
        nonlocal asked
        # Eight at once, each on its own connection, so that the second worker takes some.
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda _: requests.get(f"{url}/healthz", timeout=10), range(8)))
        assert {answer.status_code for answer in answers} == {200}
        asked += len(answers)
        return [len(list(folder.glob("histogram_*.db"))) for folder in folders()] == [2]

    with gunicorn(env, workers=2) as url:
        wait_for(lambda: ask_until_both_workers_answered(url), message="one worker took all")
        text = requests.get(f"{url}/metrics", headers=BEARER, timeout=10).text
    answered = samples(text)[
        (
            "campaign_http_request_duration_seconds_count",
            (("method", "GET"), ("route", "health.healthz"), ("status", "200")),
        )
    ]
    # Both workers' answers, whichever scraped; the server's start-up checks asked too.
    assert answered >= asked
    # A folder the server made is its own to remove; one it was given is left for the next start.
    assert bool(folders()) is configured
