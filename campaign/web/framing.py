"""Which responses other sites may show in a frame: the embeddable widget's, nothing else.

The widget's views call `allow_framing`; campaign.web.security_headers asks `may_be_framed` and
writes `Content-Security-Policy: frame-ancestors` and, for browsers that predate it,
`X-Frame-Options` accordingly.
"""

from __future__ import annotations

from flask import request

# Kept in the WSGI environ, which belongs to one request (flask.g can outlive it in tests).
_ALLOWED = "campaign.framing_allowed"


def allow_framing() -> None:
    """Let other sites frame the response to this request (the widget's views call this)."""
    request.environ[_ALLOWED] = True


def may_be_framed() -> bool:
    return bool(request.environ.get(_ALLOWED))
