"""Checks on raw public form bodies, before any field is read."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import abort, request


def require_utf8_form() -> None:
    """Refuse a form whose fields are not UTF-8, or that came as JSON.

    Werkzeug keeps undecodable percent-escapes as literal text ("%FF") and drops a raw
    non-UTF-8 body silently, so the field rules never see that the input was garbled. The
    form library reads a JSON body as the form's fields, and one that is not an object (a bare
    number) breaks it; no page of ours sends JSON.
    """
    if request.is_json:
        abort(400)
    if request.mimetype != "application/x-www-form-urlencoded":
        return
    try:
        unquote_to_bytes(request.get_data(cache=True)).decode("utf-8")
    except UnicodeDecodeError:
        abort(400)


def refuse_nul_in_path() -> None:
    """No slug or token holds a NUL byte, and PostgreSQL cannot even compare text with one:
    such an address names nothing, so it is a 404 before any query runs."""
    if request.view_args and any("\x00" in str(value) for value in request.view_args.values()):
        abort(404)
