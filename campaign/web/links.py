"""Absolute links for emails and the API, built from BASE_URL rather than the request."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, request
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response


def absolute_url(endpoint: str, **values) -> str:
    # Binding costs more than building, so each app keeps one adapter; it sees rules added later.
    adapter = current_app.extensions.get("links.adapter")
    if adapter is None:
        adapter = current_app.extensions["links.adapter"] = current_app.url_map.bind("localhost")
    return current_app.config["BASE_URL"] + adapter.build(endpoint, values)


def redirect_on_base_url() -> Response | None:
    """Send the router's own redirects (`/en` -> `/en/`) to BASE_URL.

    Werkzeug builds them from the request's Host header, which the client chooses: a cache in
    front could then keep a redirect to any site for everyone. Only the path and query are
    taken from the router."""
    routed = request.routing_exception
    if not isinstance(routed, RequestRedirect):
        return None
    target = urlsplit(routed.new_url)
    path = target.path.removeprefix(request.script_root)
    query = f"?{target.query}" if target.query else ""
    return redirect(current_app.config["BASE_URL"] + path + query, code=routed.code)
