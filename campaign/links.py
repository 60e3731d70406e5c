"""Absolute links for emails and the API, built from BASE_URL rather than the request."""

from __future__ import annotations

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    # Binding costs more than building, so each app keeps one adapter; it sees rules added later.
    adapter = current_app.extensions.get("links.adapter")
    if adapter is None:
        adapter = current_app.extensions["links.adapter"] = current_app.url_map.bind("localhost")
    return current_app.config["BASE_URL"] + adapter.build(endpoint, values)
