"""The wall of support over real HTTP and a real SMTP server: a supporter posts a photo that
gives their position away, confirms by email; staff approve; the wall shows it in English and
Arabic, its photo clean and resized. Rejection, the author's delete link and readers' reports."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests
from conftest import STAFF_PASSWORD, body_text
from PIL import Image
from sqlalchemy import update
from wall_support import AUTHOR_LINK, WALL_CONFIRM_LINK, assert_no_metadata, photo, post_fields

from campaign.extensions import db
from campaign.models import Campaign
from campaign.wall.photos import DISPLAY_SIDE, THUMBNAIL_SIDE

TIMEOUT = 10


@pytest.fixture
def uploads(tmp_path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def app(make_app, smtp_server, uploads):
    return make_app(
        MAIL_URL=smtp_server.url,
        UPLOAD_DIR=str(uploads),
        WALL_POST_RATE_LIMIT="1000 per minute",
        WALL_REPORT_THRESHOLD=2,
        # Readers come through one trusted proxy, which says who they are.
        TRUSTED_PROXIES=1,
    )


@pytest.fixture
def campaign(app, make_campaign):
    found = make_campaign(locales=("en", "ar"))
    with app.app_context():
        db.session.execute(
            update(Campaign).where(Campaign.id == found.id).values(wall_enabled=True)
        )
        db.session.commit()
    return found


def _log_in(http: requests.Session, base: str, email: str) -> None:
    answer = http.post(
        f"{base}/staff/login", data={"email": email, "password": STAFF_PASSWORD}, timeout=TIMEOUT
    )
    assert answer.status_code == 200 and answer.url.startswith(f"{base}/staff/")


def _post(base, slug, lang="en", picture=None, **fields):
    files = {"photo": ("me.jpg", picture, "image/jpeg")} if picture is not None else None
    return requests.post(
        f"{base}/{lang}/campaigns/{slug}/wall/new",
        data=post_fields(**fields),
        files=files,
        timeout=TIMEOUT,
    )


def _wall_text(base: str, slug: str) -> str:
    return requests.get(f"{base}/en/campaigns/{slug}/wall", timeout=TIMEOUT).text


def _confirm(inbox_message) -> str:
    """Open the email's link (a page with a button), press the button; the author's link."""
    text = body_text(inbox_message)
    [link] = WALL_CONFIRM_LINK.findall(text)
    page = requests.get(link, timeout=TIMEOUT)
    assert page.status_code == 200 and '<form method="post"' in page.text
    confirmed = requests.post(link, timeout=TIMEOUT)
    assert confirmed.status_code == 200
    [author] = AUTHOR_LINK.findall(text)
    return author


def test_post_confirm_approve_show_reject_delete_report(
    app, live_server, smtp_server, run_worker, campaign, make_user, uploads
):
    base = live_server.url
    slug = campaign.slug
    sent = _post(base, slug, lang="ar", picture=photo((4000, 3000), gps=True), message="لا للتعذيب")
    assert sent.status_code == 200 and sent.url.endswith("/wall/check-your-email")
    run_worker()
    [email] = smtp_server.inbox.to("amal@example.org")
    assert "amal@example.org" not in _wall_text(base, slug)
    author_link = _confirm(email)

    # Confirmed, not yet approved: nothing public.
    for lang in ("en", "ar"):
        wall = requests.get(f"{base}/{lang}/campaigns/{slug}/wall", timeout=TIMEOUT)
        assert wall.status_code == 200 and "لا للتعذيب" not in wall.text

    admin = make_user("admin")
    with requests.Session() as staff:
        _log_in(staff, base, admin.email)
        queue = staff.get(f"{base}/staff/wall", timeout=TIMEOUT)
        assert "لا للتعذيب" in queue.text and "amal@example.org" not in queue.text
        post_id = int(queue.text.split('data-review="')[1].split('"')[0])
        approved = staff.post(f"{base}/staff/wall/{post_id}/approve", timeout=TIMEOUT)
        assert approved.status_code == 200

    for lang, direction in (("en", "ltr"), ("ar", "rtl")):
        wall = requests.get(f"{base}/{lang}/campaigns/{slug}/wall", timeout=TIMEOUT)
        assert wall.status_code == 200
        assert f'<html lang="{lang}" dir="{direction}">' in wall.text
        assert 'lang="ar" dir="rtl">لا للتعذيب</blockquote>' in wall.text
        assert "amal@example.org" not in wall.text
        page = requests.get(f"{base}/{lang}/campaigns/{slug}", timeout=TIMEOUT)
        assert "لا للتعذيب" in page.text
    thumbnail_src = wall.text.split('<img src="')[1].split('"')[0]
    webp_src = wall.text.split('<source type="image/webp" srcset="')[1].split('"')[0]
    display_href = wall.text.split('class="wall-post__photo" href="')[1].split('"')[0]
    for path, side, kind in (
        (display_href, DISPLAY_SIDE, "JPEG"),
        (thumbnail_src, THUMBNAIL_SIDE, "JPEG"),
        (webp_src, THUMBNAIL_SIDE, "WEBP"),
    ):
        served = requests.get(base + path, timeout=TIMEOUT)
        assert served.status_code == 200
        assert served.headers["Content-Type"] == f"image/{kind.lower()}"
        assert "immutable" in served.headers["Cache-Control"]
        assert_no_metadata(served.content, kind)
        with Image.open(io.BytesIO(served.content)) as image:
            assert image.size == (side, side * 3 // 4)

    # Readers report: one reader twice counts once; a second reader hides it (threshold 2).
    def report(reader: str):
        return requests.post(
            f"{base}/en/campaigns/{slug}/wall/{post_id}/report",
            data={"reason": "abusive"},
            headers={"X-Forwarded-For": reader},
            timeout=TIMEOUT,
        )

    assert report("203.0.113.1").status_code == 200
    assert report("203.0.113.1").status_code == 200
    assert "لا للتعذيب" in _wall_text(base, slug)
    assert report("203.0.113.2").status_code == 200
    assert "لا للتعذيب" not in _wall_text(base, slug)
    with requests.Session() as staff:
        _log_in(staff, base, admin.email)
        reported = staff.get(f"{base}/staff/wall?state=reported", timeout=TIMEOUT)
        assert "data-hidden" in reported.text and "It is abusive or hateful: 2" in reported.text
        staff.post(
            f"{base}/staff/wall/{post_id}/approve", data={"state": "reported"}, timeout=TIMEOUT
        )
    assert "لا للتعذيب" in _wall_text(base, slug)

    # The author keeps the words and drops the photo, then deletes the post.
    page = requests.get(author_link, timeout=TIMEOUT)
    assert page.status_code == 200 and 'value="drop_photo"' in page.text
    assert len(list(uploads.iterdir())) == 3
    dropped = requests.post(author_link, data={"action": "drop_photo"}, timeout=TIMEOUT)
    assert dropped.status_code == 200 and 'data-done="photo_dropped"' in dropped.text
    assert list(uploads.iterdir()) == []
    assert "لا للتعذيب" in _wall_text(base, slug)
    deleted = requests.post(author_link, data={"action": "delete"}, timeout=TIMEOUT)
    assert deleted.status_code == 200 and 'data-done="deleted"' in deleted.text
    assert "لا للتعذيب" not in _wall_text(base, slug)
    assert requests.get(author_link, timeout=TIMEOUT).status_code == 410

    # Another post, rejected with a reason: the author is told in French, with the reason.
    sent = _post(base, slug, lang="fr", picture=photo(), email="lea@example.org")
    run_worker()
    _confirm(smtp_server.inbox.to("lea@example.org")[0])
    with requests.Session() as staff:
        _log_in(staff, base, admin.email)
        queue = staff.get(f"{base}/staff/wall", timeout=TIMEOUT)
        post_id = int(queue.text.split('data-review="')[1].split('"')[0])
        rejected = staff.post(
            f"{base}/staff/wall/{post_id}/reject", data={"reason": "Hors sujet."}, timeout=TIMEOUT
        )
        assert rejected.status_code == 200
    run_worker()
    answer = smtp_server.inbox.to("lea@example.org")[-1]
    assert "pas été publié" in answer["Subject"] and "Hors sujet." in body_text(answer)
    assert list(uploads.iterdir()) == []
