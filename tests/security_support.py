"""A small site with one of everything, and the URL of every route in the app's URL map built
from it: the security tests walk them all."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from helpers import csp_directives, sign_fields
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import OutboxEmail, Signature, StatementEndorsement
from campaign.petitions.signing import confirmation_token
from campaign.web.tokens import Purpose, make_token


@dataclass(frozen=True)
class Site:
    campaign_slug: str
    petition_slug: str
    statement_slug: str
    confirm_token: str
    endorsement_token: str
    endorsement_id: int
    email_id: int


def build_site(app, client, make_petition, make_statement) -> Site:
    """A published campaign and open petition, a joint statement open for endorsement linked
    to it, a pending signature and endorsement (with their links), and an outbox email."""
    petition = make_petition()
    statement = make_statement(
        kind="joint_statement", open_for_endorsement=True, petitions=[petition]
    )
    assert client.post(f"/en/petitions/{petition.slug}", data=sign_fields()).status_code == 200
    endorsed = client.post(
        f"/en/statements/{statement.slug}/endorse",
        data={
            "endorse-organisation": "Red de Defensoras",
            "endorse-country": "MX",
            "endorse-email": "red@example.org",
            "endorse-consent": "y",
        },
    )
    assert endorsed.status_code == 303
    with app.app_context():
        signature = db.session.scalars(select(Signature)).one()
        endorsement = db.session.scalars(select(StatementEndorsement)).one()
        key = app.config["SECRET_KEY"]
        return Site(
            campaign_slug=petition.campaign.slug,
            petition_slug=petition.slug,
            statement_slug=statement.slug,
            confirm_token=confirmation_token(key, signature),
            endorsement_token=make_token(key, Purpose.CONFIRM_ENDORSEMENT, endorsement.id),
            endorsement_id=endorsement.id,
            email_id=db.session.scalars(select(OutboxEmail.id)).first(),
        )


# Which kind of slug each endpoint takes; a new route with a slug must be added here.
_SLUG_KINDS = {
    "public.campaign": "campaign",
    "statements.show": "statement",
    "statements.endorse": "statement",
    "statements.endorse_check_email": "statement",
    "staff.edit_campaign": "campaign",
    "staff.add_campaign_member": "campaign",
    "staff.remove_campaign_member": "campaign",
    "staff.new_petition": "campaign",
    "staff.campaign_status": "campaign",
    "staff.edit_statement": "statement",
    "staff.statement_status": "statement",
    "staff.statement_endorsements": "statement",
    "staff.approve_statement_endorsement": "statement",
    "staff.remove_statement_endorsement": "statement",
    "public.wall": "campaign",
    "public.new_wall_post": "campaign",
    "public.wall_check_email": "campaign",
    "public.wall_posted": "campaign",
    "public.report_wall_post": "campaign",
    "staff.wall_settings": "campaign",
    "staff.export_wall": "campaign",
}
_PETITION_ENDPOINTS = ("public.", "outreach.", "embed.", "api.", "staff.", "staff_api.")


def route_values(site: Site, endpoint: str, arguments: set[str]) -> dict[str, object]:
    """URL values for a rule, from the sample site; fails for an argument it does not know."""
    values: dict[str, object] = {}
    for name in arguments:
        if name == "lang":
            values[name] = "en"
        elif name == "slug":
            kind = _SLUG_KINDS.get(endpoint)
            if kind is None and endpoint.startswith(_PETITION_ENDPOINTS):
                kind = "petition"
            assert kind, f"tests/security_support.py: which slug does {endpoint} take?"
            values[name] = getattr(site, f"{kind}_slug")
        elif name == "token":
            values[name] = {
                "public.confirm": site.confirm_token,
                "public.opt_in": site.confirm_token,
                "statements.confirm_endorsement": site.endorsement_token,
                # Staff links: a damaged one is enough here (test_staff_security has real ones).
                "staff.reset_password": "damaged-token",
                "staff.accept_invitation": "damaged-token",
                "public.unsubscribe": "damaged-token",
                "public.not_me": "damaged-token",
                "public.confirm_wall_post": "damaged-token",
                "public.my_wall_post": "damaged-token",
            }[endpoint]
        elif name == "email_id":
            values[name] = site.email_id
        elif name == "user_id":
            values[name] = 1
        elif name == "endorsement_id":
            values[name] = site.endorsement_id
        elif name in {
            "update_id",
            "suppression_id",
            "endpoint_id",
            "delivery_id",
            "token_id",
            "pack_id",
            "post_id",
        }:
            values[name] = 1  # none exists: the answer is a 404, with the same headers
        elif name == "name":
            values[name] = "no-such-image.jpg"
        elif name == "filename":
            values[name] = "css/site.css"
        else:
            raise AssertionError(f"tests/security_support.py: no sample value for <{name}>")
    return values


def every_route(app, site: Site) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every rule and method in the URL map."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            path = rule.build(route_values(site, rule.endpoint, set(rule.arguments)))[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, path))
    return routes


class _Inline(HTMLParser):
    """Collects what a strict Content-Security-Policy would block in a page."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> block")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {name} of <{tag}>")


def inline_code(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.problems


STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-src": "'self'",
}


def assert_secure_headers(response, *, framed: bool = False, token: bool = False) -> None:
    where = f"{response.request.method} {response.request.path} ({response.status_code})"
    csp = csp_directives(response)
    for directive, sources in STRICT.items():
        assert csp.get(directive) == sources, f"{where}: {directive} is {csp.get(directive)!r}"
    assert csp["form-action"] in {"'self'", "'self' https:"}, where
    assert csp["frame-ancestors"] == ("*" if framed else "'none'"), where
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"], where
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"], where
    if framed:
        assert "X-Frame-Options" not in response.headers, where
    else:
        assert response.headers["X-Frame-Options"] == "DENY", where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    expected_referrer = (
        {"no-referrer"} if token else {"no-referrer", "strict-origin-when-cross-origin"}
    )
    assert response.headers["Referrer-Policy"] in expected_referrer, where
    assert "camera=()" in response.headers["Permissions-Policy"], where
    assert "geolocation=()" in response.headers["Permissions-Policy"], where
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", where
    assert "Strict-Transport-Security" not in response.headers, f"{where}: HSTS over http"
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, f"{where}: {cookie}"
    if response.mimetype == "text/html":
        assert inline_code(response.get_data(as_text=True)) == [], where
