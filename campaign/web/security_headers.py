"""The security headers every response carries: pages, errors, feeds, files and the API.

One `after_request` decides them all, so that no view can forget one. The policy allows
nothing inline: no <script> or <style> blocks, no style="" or on…="" attributes; scripts and
styles come from our own static files. Two things vary by response:

- framing: only the embeddable widget may be shown in other sites' frames
  (campaign.web.framing.may_be_framed);
- form targets: the share panel's Mastodon form ends in a redirect to the visitor's own server,
  and browsers apply `form-action` to redirects, so pages with that form allow https targets.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from campaign.web.framing import may_be_framed

# Kept in the WSGI environ, which belongs to one request.
_EXTERNAL_FORMS = "campaign.external_form_targets"

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def allow_external_form_targets() -> None:
    """Let this response's forms end up on other https sites (the Mastodon share form)."""
    request.environ[_EXTERNAL_FORMS] = True


def external_form_targets_allowed() -> bool:
    return bool(request.environ.get(_EXTERNAL_FORMS))


def content_security_policy(*, framed: bool, external_forms: bool) -> str:
    directives = (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        # The embed-code page previews our own widget in a frame.
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'" + (" https:" if external_forms else ""),
        "frame-ancestors " + ("*" if framed else "'none'"),
    )
    return "; ".join(directives)


def _carries_token() -> bool:
    """Pages whose address holds a credential (confirmation, reset, invitation links)."""
    rule = request.url_rule
    return rule is not None and "token" in rule.arguments


def set_security_headers(response: Response) -> Response:
    framed = may_be_framed()
    response.headers["Content-Security-Policy"] = content_security_policy(
        framed=framed, external_forms=external_form_targets_allowed()
    )
    if framed:
        response.headers.pop("X-Frame-Options", None)
    else:
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if _carries_token():
        response.headers["Referrer-Policy"] = "no-referrer"
    else:
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = (
            f"max-age={current_app.config['HSTS_SECONDS']}"
        )
    return response


def init_security_headers(app: Flask) -> None:
    app.after_request(set_security_headers)
