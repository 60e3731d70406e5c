"""What operators see of each request: an X-Request-Id on every response, the request's
duration in the metrics (with METRICS_TOKEN) and, with LOG_FORMAT=json, one JSON line per
request and per log record.

A log line names the route (the view's name), never the URL: paths carry confirmation tokens
and slugs a supporter typed. The request id comes from the nearest proxy only when
TRUSTED_PROXIES says there is one, and only in a plain shape; otherwise it is made here.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

from campaign.web.metrics import observe_request

REQUEST_ID_HEADER = "X-Request-Id"
# A proxy's id (nginx's $request_id, a UUID, a load balancer's trace id) and nothing else:
# the value goes into every log line of the request.
REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
access_log = logging.getLogger("campaign.request")


def init_observability(app: Flask) -> None:
    """Registered before the other hooks, so its start time and id come first and its
    after-request hook, run last, sees the final status. Without metrics or JSON logs only
    the after-request hook runs: the id is then needed by nothing earlier."""
    trust_proxy = app.config["TRUSTED_PROXIES"] > 0
    measure = bool(app.config.get("METRICS_TOKEN"))
    log_requests = app.config.get("LOG_FORMAT") == "json"

    def new_request_id() -> str:
        given = request.headers.get(REQUEST_ID_HEADER) if trust_proxy else None
        return given if given and REQUEST_ID_SHAPE.fullmatch(given) else os.urandom(16).hex()

    if measure or log_requests:

        @app.before_request
        def start_request() -> None:
            state = g._get_current_object()  # one context lookup instead of one per use
            state.request_id = new_request_id()
            state.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        state = g._get_current_object()
        # Absent when nothing measures, or a hook registered earlier refused the request.
        response.headers[REQUEST_ID_HEADER] = state.get("request_id") or new_request_id()
        started = state.get("request_started")
        if started is not None:
            seconds = time.perf_counter() - started
            current = request._get_current_object()
            if measure:
                observe_request(current.endpoint, current.method, response.status_code, seconds)
            if log_requests:
                access_log.info(
                    "request",
                    extra={
                        "method": current.method,
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 2),
                    },
                )
        return response


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and in a request its id and
    route; an error's traceback as `exception`."""

    EXTRA = ("method", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = g.get("request_id")
            entry["route"] = request.endpoint or "unmatched"
        for name in self.EXTRA:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
