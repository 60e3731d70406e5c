"""Error pages: translated HTML for people, JSON under /api/; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import refresh
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    ServiceUnavailable,
)

from campaign.extensions import db
from campaign.web.i18n import path_locale
from campaign.web.metrics import RATE_LIMIT_REFUSALS
from campaign.web.ratelimits import seconds_until_reset

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


def _render(error: HTTPException, *, retry_after: int | None = None):
    code = error.code or 500
    if request.path.startswith("/api/"):
        response = make_response(jsonify(error={"code": code, "message": error.description}), code)
    else:
        _speak_the_path_language()
        response = make_response(render_template("errors/error.html", code=code), code)
    response.cache_control.no_store = True
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if retry_after is None and isinstance(getattr(error, "retry_after", None), int):
        retry_after = error.retry_after  # type: ignore[attr-defined]
    if code == 429:
        retry_after = retry_after or seconds_until_reset()
        RATE_LIMIT_REFUSALS.labels(route=request.endpoint or "unmatched").inc()
    if code in (429, 503):
        response.headers["Retry-After"] = str(retry_after or RETRY_AFTER_SECONDS)
    return response


def _speak_the_path_language() -> None:
    """An error under `/ar/` is in Arabic, even when no route matched (so no view set the
    language) or the locale was chosen from the browser before the error."""
    lang = path_locale(request.path)
    if lang is not None and g.get("lang") != lang:
        g.lang = lang
        refresh()


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _render(error)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error: Exception):
        db.session.rollback()
        log.error("database unavailable: %s", error.__class__.__name__)
        return _render(ServiceUnavailable())

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.endpoint)
        return _render(InternalServerError())
