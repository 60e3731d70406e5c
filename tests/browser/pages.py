"""The pages a visitor can reach, on the demo content, for the checks that go over all of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Page
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import Signature, SupporterMessage
from campaign.petitions.signing import confirmation_token
from campaign.web.tokens import Purpose, make_lasting_token, make_token

CAMPAIGN = "humans-against-torture"
PETITION = "end-impunity-for-torture"
# A statement with a petition's sign box, and a joint statement open for endorsement.
STATEMENT = "mexico-coalition-observatory-impunity"
JOINT_STATEMENT = "eu-mexico-trade-agreement-impact-assessment"


@dataclass(frozen=True)
class Visit:
    name: str
    path: str
    status: int = 200
    # Run after loading `path`: reaches pages that only a form submission shows.
    then: Callable[[Page], None] | None = None


def submit_empty_sign_form(page: Page) -> None:
    page.locator(".sign-form button[type=submit]").click()
    page.wait_for_selector(".error-summary")


def submit_empty_wall_form(page: Page) -> None:
    page.locator(".wall-form button[type=submit]").click()
    page.wait_for_selector(".error-summary")


def open_report_form(page: Page) -> None:
    page.locator(".wall-post__report summary").first.click()


def send_a_report(page: Page) -> None:
    open_report_form(page)
    page.locator(".wall-post__report input[value=other]").first.check()
    page.locator(".wall-post__report button[type=submit]").first.click()
    page.wait_for_url("**/report")


def press_confirm(page: Page) -> None:
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def _token(app, *, confirmed: bool) -> str:
    """A demo signature's confirmation token (the demo has pending and confirmed ones)."""
    with app.app_context():
        pending = Signature.confirmed_at.is_(None)
        signature = db.session.scalars(
            select(Signature).where(~pending if confirmed else pending).order_by(Signature.id)
        ).first()
        return confirmation_token(app.config["SECRET_KEY"], signature)


def _wall_tokens(app) -> tuple[str, str]:
    """A demo wall post's confirmation link token, and its author's own link token."""
    with app.app_context():
        post_id = db.session.scalars(
            select(SupporterMessage.id).where(SupporterMessage.photo.is_not(None))
        ).first()
    secret = app.config["SECRET_KEY"]
    return (
        make_token(secret, Purpose.CONFIRM_WALL_POST, post_id),
        make_lasting_token(secret, Purpose.WALL_POST_AUTHOR, post_id),
    )


def public_pages(app, lang: str) -> list[Visit]:
    """Every kind of public page, in `lang` (the demo content must be loaded)."""
    pending, confirmed = _token(app, confirmed=False), _token(app, confirmed=True)
    petition = f"/{lang}/petitions/{PETITION}"
    widget = f"/embed/petitions/{PETITION}"
    wall = f"/{lang}/campaigns/{CAMPAIGN}/wall"
    wall_confirm, wall_author = _wall_tokens(app)
    return [
        Visit("home", f"/{lang}/"),
        Visit("campaign", f"/{lang}/campaigns/{CAMPAIGN}"),
        Visit("petition", petition),
        Visit("petition with errors", petition, status=422, then=submit_empty_sign_form),
        Visit("check your email", f"{petition}/check-your-email"),
        Visit("confirm", f"/{lang}/confirm/{pending}"),
        Visit("confirmed", f"/{lang}/confirm/{pending}", then=press_confirm),
        Visit("confirmed before", f"/{lang}/confirm/{confirmed}"),
        Visit("broken link", f"/{lang}/confirm/not-a-token", status=400),
        Visit("statements", f"/{lang}/statements"),
        Visit("statements found none", f"/{lang}/statements?q=zzzzzz"),
        Visit("statement with petition", f"/{lang}/statements/{STATEMENT}"),
        Visit("joint statement", f"/{lang}/statements/{JOINT_STATEMENT}"),
        Visit("developers", f"/{lang}/developers"),
        Visit("embed code", f"{petition}/embed-code"),
        Visit("mastodon", f"{petition}/share/mastodon?instance=", status=400),
        Visit("widget", f"{widget}?lang={lang}"),
        Visit("widget check your email", f"{widget}/check-your-email?lang={lang}"),
        Visit("not found", f"/{lang}/petitions/no-such-petition", status=404),
        Visit("wall", f"{wall}", then=open_report_form),
        Visit("wall form", f"{wall}/new"),
        Visit("wall form with errors", f"{wall}/new", status=422, then=submit_empty_wall_form),
        Visit("wall check your email", f"{wall}/check-your-email"),
        Visit("wall thank you", f"{wall}/thank-you"),
        Visit("wall report sent", f"{wall}", then=send_a_report),
        Visit("wall confirm", f"/{lang}/wall/confirm/{wall_confirm}"),
        Visit("wall author's page", f"/{lang}/wall/mine/{wall_author}"),
        Visit("wall broken link", f"/{lang}/wall/confirm/not-a-token", status=400),
    ]


def open_visit(page: Page, browsing, visit: Visit) -> None:
    """Load the page of `visit` and check its status; error pages are expected, not problems."""
    path = visit.path.split("?")[0]
    if visit.status != 200:
        browsing.expect_status(visit.status, path)
    response = page.goto(visit.path)
    if visit.then is None:
        assert response.status == visit.status, f"{visit.name}: {visit.path} -> {response.status}"
    else:
        visit.then(page)
