"""Request ids on every response and, with LOG_FORMAT=json, one JSON object per log line that
names the route, never the URL or anything a supporter typed."""

from __future__ import annotations

import io
import json
import logging
import re
import sys

import pytest
from helpers import sign_fields

from campaign.config import ConfigError, Settings
from campaign.web.observability import JsonFormatter

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_every_response_carries_a_request_id_of_its_own(client, make_petition):
    petition = make_petition()
    answers = [
        client.get(f"/en/petitions/{petition.slug}"),
        client.get(f"/en/petitions/{petition.slug}"),  # served from the page cache
        client.get("/en/petitions/nothing-here"),
        client.get("/healthz"),
        client.post(f"/en/petitions/{petition.slug}", data=sign_fields()),
    ]
    ids = [answer.headers["X-Request-Id"] for answer in answers]
    assert all(GENERATED.fullmatch(i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_a_proxy_id_is_taken_only_from_a_trusted_proxy_and_in_a_plain_shape(make_app):
    proxied = make_app(TRUSTED_PROXIES=1).test_client()
    given = "4bf92f3577b34da6a3ce929d0e0e4736"
    assert proxied.get("/healthz", headers={"X-Request-Id": given}).headers["X-Request-Id"] == given
    uuid = "0b5e1c0e-7d4c-4a8e-9a53-1d1c4e3b1f2a"
    assert proxied.get("/healthz", headers={"X-Request-Id": uuid}).headers["X-Request-Id"] == uuid
    for odd in ("short", "a" * 200, "<script>alert(1)</script>", "id with spaces 123"):
        answer = proxied.get("/healthz", headers={"X-Request-Id": odd})
        assert GENERATED.fullmatch(answer.headers["X-Request-Id"]), odd

    direct = make_app().test_client()
    assert direct.get("/healthz", headers={"X-Request-Id": given}).headers["X-Request-Id"] != given


@pytest.fixture
def json_lines():
    """What the platform's loggers write, through the JSON formatter, as parsed lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("campaign")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_json_logs_name_the_route_status_and_duration_and_nothing_personal(
    make_app, make_petition, json_lines
):
    app = make_app(LOG_FORMAT="json")
    client = app.test_client()
    petition = make_petition()
    answer = client.post(
        f"/en/petitions/{petition.slug}", data=sign_fields(email="ann.secret@example.org")
    )
    assert answer.status_code == 200

    lines = json_lines()
    [request] = [line for line in lines if line["logger"] == "campaign.request"]
    assert request["request_id"] == answer.headers["X-Request-Id"]
    assert request["route"] == "public.petition"
    assert (request["method"], request["status"], request["level"]) == ("POST", 200, "INFO")
    assert request["duration_ms"] >= 0
    assert request["time"].endswith("+00:00")
    written = json.dumps(lines)
    assert "ann.secret" not in written and "Ann Example" not in written
    assert petition.slug not in written


def test_an_error_is_one_json_line_with_its_traceback():
    record = logging.LogRecord("campaign.worker", logging.ERROR, __file__, 1, "broke", (), None)
    try:
        raise ValueError("inside")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["logger"] == "campaign.worker" and entry["message"] == "broke"
    assert "ValueError: inside" in entry["exception"]


def test_operations_settings_are_checked():
    settings = Settings.from_environ({"MAIL_LATE_AFTER": "10m", "LOG_FORMAT": "JSON"})
    assert settings.mail_late_after.total_seconds() == 600
    assert settings.flask_config()["MAIL_LATE_AFTER"] == 600
    assert settings.log_format == "json"
    for environ, name in (
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"METRICS_TOKEN": "short"}, "METRICS_TOKEN"),
        ({"ALERT_EMAIL": "nobody"}, "ALERT_EMAIL"),
        ({"MAIL_LATE_AFTER": "0s"}, "MAIL_LATE_AFTER"),
    ):
        with pytest.raises(ConfigError, match=name):
            Settings.from_environ(environ).check()
    with pytest.raises(ConfigError, match="MAIL_LATE_AFTER"):
        Settings.from_environ({"MAIL_LATE_AFTER": "soon"})
