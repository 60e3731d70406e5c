"""Cross-site request forgery defence for public forms, which carry no session cookie.

Public pages must stay cacheable by a shared cache, so they cannot hold a per-visitor CSRF
token. Browsers tell us where a POST comes from (`Sec-Fetch-Site`, `Origin`); a POST that says
it comes from another site is refused. See SECURITY.md.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request


def require_same_origin() -> None:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in {"same-origin", "none"}:
        abort(403)
    origin = request.headers.get("Origin")
    if origin == "null" and fetch_site == "same-origin":
        # A page sent with `Referrer-Policy: no-referrer` (the confirmation pages) makes
        # Chromium post `Origin: null`; the browser's own Sec-Fetch-Site still vouches for it.
        return
    if origin and (origin == "null" or urlsplit(origin).netloc != request.host):
        abort(403)
