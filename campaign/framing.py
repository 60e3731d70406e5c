"""Which responses other sites may show in a frame: the embeddable widget's, nothing else.

Every response says so in `Content-Security-Policy: frame-ancestors` and, for browsers that
predate it, `X-Frame-Options`. The decision lives in `may_be_framed`, so the full security
policy that comes later can ask the same question (a response that already carries a policy
keeps it).
"""

from __future__ import annotations

from flask import Flask, Response, request

# Kept in the WSGI environ, which belongs to one request (flask.g can outlive it in tests).
_ALLOWED = "campaign.framing_allowed"


def allow_framing() -> None:
    """Let other sites frame the response to this request (the widget's views call this)."""
    request.environ[_ALLOWED] = True


def may_be_framed() -> bool:
    return bool(request.environ.get(_ALLOWED))


def _set_framing_headers(response: Response) -> Response:
    if may_be_framed():
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors *")
        response.headers.pop("X-Frame-Options", None)
    else:
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        response.headers["X-Frame-Options"] = "DENY"
    return response


def init_framing(app: Flask) -> None:
    app.after_request(_set_framing_headers)
