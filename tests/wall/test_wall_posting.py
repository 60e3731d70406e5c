"""Posting on a wall: the rules, bad input (each refused with a translated 4xx and nothing
stored), photos cleaned and turned upright, the switches, the signer's shortcut, pages."""

from __future__ import annotations

import io
import re
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import close_days_ago, count, outbox
from PIL import Image
from sqlalchemy import select, update
from wall_support import AUTHOR_LINK, SECRETS, WALL_CONFIRM_LINK, photo, post_fields
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from campaign.extensions import db
from campaign.models import (
    Campaign,
    OutboxEmail,
    Signature,
    SupporterMessage,
    WallReport,
    utcnow,
)
from campaign.petitions.signing import confirmation_token
from campaign.privacy.erasure import ERASED_WALL_ADDRESS, erase_mailbox, purge
from campaign.wall.moderation import PAGE_SIZE
from campaign.wall.photos import DISPLAY_SIDE
from campaign.web.images import discard_images


@pytest.fixture
def uploads(tmp_path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def app(make_app, uploads):
    return make_app(UPLOAD_DIR=str(uploads), WALL_POST_RATE_LIMIT="10000 per minute")


def _switch(app, campaign_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(**values))
        db.session.commit()


@pytest.fixture
def campaign(app, make_campaign):
    found = make_campaign(locales=("en", "fr", "ar"))
    _switch(app, found.id, wall_enabled=True)
    return found


def send(client, campaign, *, lang="en", picture=None, filename="me.jpg", **fields):
    data: dict[str, object] = dict(post_fields(**fields))
    if picture is not None:
        data["photo"] = FileStorage(io.BytesIO(picture), filename=filename)
    # Encoded here, in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(data)
    return client.post(
        f"/{lang}/campaigns/{campaign.slug}/wall/new",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _link(app, pattern, to="amal@example.org") -> str:
    [email] = [e for e in outbox(app, OutboxEmail.to_address == to)][-1:]
    return pattern.findall(email.text_body)[0].split("localhost", 1)[1]


def posted_and_confirmed(app, client, campaign, **fields) -> int:
    assert send(client, campaign, **fields).status_code == 303
    path = _link(app, WALL_CONFIRM_LINK, fields.get("email", "amal@example.org"))
    assert client.post(path).status_code == 200
    with app.app_context():
        return db.session.scalars(
            select(SupporterMessage.id).order_by(SupporterMessage.id.desc())
        ).first()


def approve(app, post_id: int) -> None:
    with app.app_context():
        db.session.execute(
            update(SupporterMessage)
            .where(SupporterMessage.id == post_id)
            .values(status="approved", approved_at=utcnow())
        )
        db.session.commit()


def assert_nothing_stored(app, uploads: Path) -> None:
    assert count(app, SupporterMessage) == 0
    assert count(app, OutboxEmail) == 0
    assert not uploads.exists() or list(uploads.iterdir()) == []


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header that claims a size, and no pixels: what a decompression bomb starts with."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def fifty_megapixels() -> bytes:
    out = io.BytesIO()
    Image.new("1", (8000, 6250)).save(out, "PNG")
    return out.getvalue()


def animated(fmt: str = "WEBP") -> bytes:
    out = io.BytesIO()
    frames = [Image.new("RGB", (40, 40), colour) for colour in ("red", "blue")]
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


PHOTOS = {
    "svg": (
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        "not_an_image",
    ),
    "html renamed .jpg": (b"<!doctype html><html><script>alert(1)</script></html>", "not_an_image"),
    "truncated": (photo()[:3000], "not_an_image"),
    "decompression bomb": (png_claiming(100_000, 100_000), "too_many_pixels"),
    "50 Mpx PNG": (fifty_megapixels(), "too_many_pixels"),
    "animated": (animated(), "animated"),
    "animated PNG": (animated("PNG"), "animated"),
    "GIF": (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
        "not_an_image",
    ),
    "too large": (b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024), "too_large"),
}
PHOTO_MESSAGES = {
    "not_an_image": "Ce fichier n’est pas une photo que nous pouvons lire",
    "too_many_pixels": "La photo compte trop de pixels",
    "animated": "Les images animées ne peuvent pas aller sur le mur",
    "too_large": "La photo dépasse 10 Mo",
}


@pytest.mark.parametrize("name", list(PHOTOS))
def test_bad_photos_are_refused_in_the_visitors_language_and_nothing_is_stored(
    app, client, campaign, uploads, name
):
    data, reason = PHOTOS[name]
    answer = send(client, campaign, lang="fr", picture=data)
    assert answer.status_code == 422
    assert PHOTO_MESSAGES[reason] in answer.get_data(as_text=True)
    assert_nothing_stored(app, uploads)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"message": ""}, "Écrivez votre message"),
        ({"message": "x" * 5000}, "Votre message ne doit pas dépasser 280 caractères"),
        ({"message": "Free them \u202eall"}, "Votre message contient des caractères"),
        ({"display_name": "Amal\u2067"}, "Votre nom contient des caractères"),
        ({"display_name": "=HYPERLINK(1)"}, "Votre nom ne peut pas commencer par"),
        ({"email": "not an address"}, "Saisissez une adresse e-mail"),
        ({"country": "XX"}, "Choisissez un pays dans la liste"),
        ({"message_language": "xx"}, "Choisissez la langue de votre message dans la liste"),
        ({"consent": None}, "Cochez la case pour donner votre accord"),
    ],
)
def test_bad_fields_are_refused_with_the_photo_unread(
    app, client, campaign, uploads, fields, expected
):
    answer = send(client, campaign, lang="fr", picture=photo(), **fields)
    assert answer.status_code == 422
    assert expected in answer.get_data(as_text=True)
    assert_nothing_stored(app, uploads)


def test_a_message_of_280_characters_with_line_breaks_and_no_country_is_taken(
    app, client, campaign
):
    message = ("a" * 139) + "\r\n" + ("b" * 139)
    assert send(client, campaign, message=message, country="").status_code == 303
    with app.app_context():
        post = db.session.scalars(select(SupporterMessage)).one()
        assert post.message == ("a" * 139) + "\n" + ("b" * 139)
        assert post.country is None and post.status == "unconfirmed"


def test_photos_are_turned_upright_and_resized_and_files_are_named_by_content(
    app, client, campaign, uploads
):
    # Stored landscape, with the camera's note that it was held upright (EXIF orientation 6).
    assert send(client, campaign, picture=photo((1600, 1200), orientation=6)).status_code == 303
    with app.app_context():
        post = db.session.scalars(select(SupporterMessage)).one()
        assert re.fullmatch(r"[0-9a-f]{32}\.jpg", post.photo)
        with Image.open(uploads / post.photo) as display:
            assert display.size == (900, DISPLAY_SIDE)
        assert (post.thumbnail_width, post.thumbnail_height) == (360, 480)


def test_a_post_waits_for_its_confirmation_then_for_moderation(app, client, campaign):
    post_id = posted_and_confirmed(app, client, campaign, lang="fr", message="Liberté")
    with app.app_context():
        post = db.session.get(SupporterMessage, post_id)
        assert post.status == "pending" and post.locale == "fr"
    assert "Liberté" not in client.get(f"/fr/campaigns/{campaign.slug}/wall").get_data(as_text=True)
    # Confirming again changes nothing.
    path = _link(app, WALL_CONFIRM_LINK)
    assert client.post(path).status_code == 200
    # The GET never confirms: a mail scanner following the link changes nothing.
    send(client, campaign, email="scan@example.org")
    client.get(_link(app, WALL_CONFIRM_LINK, "scan@example.org"))
    with app.app_context():
        assert (
            db.session.scalars(
                select(SupporterMessage.status).where(SupporterMessage.email == "scan@example.org")
            ).one()
            == "unconfirmed"
        )


def test_publish_without_moderation_is_a_per_campaign_switch(app, client, campaign):
    _switch(app, campaign.id, wall_unmoderated=True)
    posted_and_confirmed(app, client, campaign, message="Straight on the wall")
    assert "Straight on the wall" in client.get(f"/en/campaigns/{campaign.slug}/wall").get_data(
        as_text=True
    )


def test_a_closed_wall_has_no_pages_and_takes_no_posts(app, client, make_campaign, uploads):
    closed = make_campaign()
    assert client.get(f"/en/campaigns/{closed.slug}/wall").status_code == 404
    assert client.get(f"/en/campaigns/{closed.slug}/wall/new").status_code == 404
    assert send(client, closed).status_code == 404
    assert "wall-heading" not in client.get(f"/en/campaigns/{closed.slug}").get_data(as_text=True)
    assert_nothing_stored(app, uploads)


def test_an_unconfirmed_post_cannot_be_approved_by_guessing_its_address(
    app, client, campaign, make_user, log_in
):
    send(client, campaign, message="Never confirmed")
    with app.app_context():
        post_id = db.session.scalars(select(SupporterMessage.id)).one()
    log_in(client, make_user("admin"))
    assert client.post(f"/staff/wall/{post_id}/approve").status_code == 409
    assert client.post(f"/staff/wall/{post_id}/reject").status_code == 409
    assert client.post("/staff/wall/999999/approve").status_code == 404
    assert "Never confirmed" not in client.get(f"/en/campaigns/{campaign.slug}/wall").get_data(
        as_text=True
    )


def test_campaigners_moderate_only_their_campaigns(app, client, campaign, make_user, log_in):
    post_id = posted_and_confirmed(app, client, campaign, message="Mine to judge")
    outsider = make_user("campaigner")
    log_in(client, outsider)
    assert "Mine to judge" not in client.get("/staff/wall").get_data(as_text=True)
    assert client.post(f"/staff/wall/{post_id}/approve").status_code == 404
    assert client.post(f"/staff/wall/campaigns/{campaign.slug}/settings").status_code == 404
    exporter = make_user("exporter")
    log_in(client, exporter)
    assert client.get("/staff/wall").status_code == 403


def test_staff_switch_the_wall_on_and_off(app, client, make_campaign, make_user, log_in):
    found = make_campaign()
    log_in(client, make_user("admin"))
    page = client.get("/staff/wall").get_data(as_text=True)
    assert f'data-wall-settings="{found.slug}"' in page
    client.post(f"/staff/wall/campaigns/{found.slug}/settings", data={"wall_enabled": "on"})
    assert client.get(f"/en/campaigns/{found.slug}/wall").status_code == 200
    with app.app_context():
        assert db.session.get(Campaign, found.id).wall_unmoderated is False
    client.post(f"/staff/wall/campaigns/{found.slug}/settings", data={})
    assert client.get(f"/en/campaigns/{found.slug}/wall").status_code == 404


def test_a_report_storm_from_one_reader_counts_once_and_unknown_reasons_are_ignored(
    app, client, campaign
):
    post_id = posted_and_confirmed(app, client, campaign, message="Stay strong")
    approve(app, post_id)
    path = f"/en/campaigns/{campaign.slug}/wall/{post_id}/report"
    statuses = [client.post(path, data={"reason": "abusive"}).status_code for _ in range(40)]
    # Thanked, then slowed down by the rate limit; never an error.
    assert statuses[:5] == [200] * 5 and set(statuses) == {200, 429}
    with app.app_context():
        post = db.session.get(SupporterMessage, post_id)
        assert (post.report_count, post.hidden_at) == (1, None)
        assert db.session.scalar(select(WallReport.reason)) == "abusive"
    assert "Stay strong" in client.get(f"/en/campaigns/{campaign.slug}/wall").get_data(as_text=True)


def test_unknown_reasons_and_unknown_posts_are_ignored(app, client, campaign):
    post_id = posted_and_confirmed(app, client, campaign, message="Stay strong")
    approve(app, post_id)
    path = f"/en/campaigns/{campaign.slug}/wall/{post_id}/report"
    assert client.post(path, data={"reason": "<script>"}).status_code == 200
    assert client.post(path).status_code == 200
    assert count(app, WallReport) == 0
    assert client.post(f"/en/campaigns/{campaign.slug}/wall/999999/report").status_code == 404


def test_reports_are_rate_limited(make_app, uploads, make_campaign):
    app = make_app(UPLOAD_DIR=str(uploads), WALL_REPORT_RATE_LIMIT="2 per minute")
    found = make_campaign()
    _switch(app, found.id, wall_enabled=True)
    client = app.test_client()
    path = f"/en/campaigns/{found.slug}/wall/1/report"
    assert [client.post(path, data={"reason": "other"}).status_code for _ in range(3)] == [
        404,
        404,
        429,
    ]


def test_hidden_posts_leave_the_wall_and_staff_see_them(
    make_app, uploads, make_campaign, make_user, log_in
):
    app = make_app(UPLOAD_DIR=str(uploads), WALL_REPORT_THRESHOLD=2)
    found = make_campaign()
    _switch(app, found.id, wall_enabled=True)
    client = app.test_client()
    post_id = posted_and_confirmed(app, client, found, message="Reported words")
    approve(app, post_id)
    for reader in ("198.51.100.1", "198.51.100.2"):
        client.post(
            f"/en/campaigns/{found.slug}/wall/{post_id}/report",
            data={"reason": "not_me"},
            environ_base={"REMOTE_ADDR": reader},
        )
    assert "Reported words" not in client.get(f"/en/campaigns/{found.slug}/wall").get_data(
        as_text=True
    )
    log_in(client, make_user("admin"))
    page = client.get("/staff/wall?state=reported").get_data(as_text=True)
    assert "Reported words" in page and "It is me, and I did not post it: 2" in page
    client.post(f"/staff/wall/{post_id}/remove", data={"state": "reported"})
    assert count(app, SupporterMessage) == 0 and count(app, WallReport) == 0


def test_a_signer_who_just_confirmed_is_not_asked_for_the_address_again(
    app, client, campaign, make_petition, make_signature
):
    petition = make_petition(campaign=campaign)
    signature_id = make_signature(petition, email="signer@example.org", locale="fr")
    with app.app_context():
        token = confirmation_token(
            app.config["SECRET_KEY"], db.session.get(Signature, signature_id)
        )
    confirmed_page = client.get(f"/fr/confirm/{token}")
    assert confirmed_page.status_code == 200
    form = client.get(f"/fr/campaigns/{campaign.slug}/wall/new?signed={token}")
    html = form.get_data(as_text=True)
    assert (
        form.headers["Cache-Control"].startswith("no-store")
        or "no-store" in form.headers["Cache-Control"]
    )
    assert 'name="email"' not in html and f'value="{token}"' in html
    answer = send(
        client, campaign, lang="fr", signed=token, email=None, message="Je signe et j’écris"
    )
    assert answer.status_code == 303 and answer.location.endswith("/wall/thank-you")
    with app.app_context():
        post = db.session.scalars(select(SupporterMessage)).one()
        assert (post.status, post.email) == ("pending", "signer@example.org")
    [email] = outbox(app, OutboxEmail.to_address == "signer@example.org")
    assert AUTHOR_LINK.search(email.text_body) and not WALL_CONFIRM_LINK.search(email.text_body)
    # A signature on another campaign's petition proves nothing here.
    other = make_petition()
    other_id = make_signature(other, email="other@example.org")
    with app.app_context():
        other_token = confirmation_token(
            app.config["SECRET_KEY"], db.session.get(Signature, other_id)
        )
    html = client.get(f"/en/campaigns/{campaign.slug}/wall/new?signed={other_token}").get_data(
        as_text=True
    )
    assert 'name="email"' in html


def test_the_confirmed_signature_page_offers_the_wall(
    app, client, campaign, make_petition, make_signature
):
    petition = make_petition(campaign=campaign)
    signature_id = make_signature(petition, email="signer@example.org", confirmed=False)
    with app.app_context():
        token = confirmation_token(
            app.config["SECRET_KEY"], db.session.get(Signature, signature_id)
        )
    page = client.post(f"/en/confirm/{token}").get_data(as_text=True)
    assert f"/wall/new?signed={token}" in page


def test_the_wall_is_paginated_newest_first_and_the_campaign_page_shows_the_latest(
    app, client, campaign
):
    now = utcnow()
    with app.app_context():
        for n in range(PAGE_SIZE + 1):
            db.session.add(
                SupporterMessage(
                    campaign_id=campaign.id,
                    display_name=f"Person {n}",
                    email=f"p{n}@example.org",
                    email_normalized=f"p{n}@example.org",
                    message=f"Message number {n}.",
                    locale="en",
                    message_language="ar" if n % 2 else "en",
                    consent_text="I agree.",
                    consented_at=now,
                    status="approved",
                    confirmed_at=now,
                    approved_at=now + timedelta(seconds=n),
                )
            )
        db.session.commit()
    first = client.get(f"/en/campaigns/{campaign.slug}/wall").get_data(as_text=True)
    assert first.count("data-wall-post=") == PAGE_SIZE
    assert first.index("Message number 24.") < first.index("Message number 23.")
    assert "Message number 0." not in first and 'rel="next"' in first
    assert 'lang="ar" dir="rtl">Message number 23.' in first
    second = client.get(f"/en/campaigns/{campaign.slug}/wall?page=2").get_data(as_text=True)
    assert second.count("data-wall-post=") == 1 and "Message number 0." in second
    for bad in ("3", "0", "abc", "-1", "1e3"):
        assert client.get(f"/en/campaigns/{campaign.slug}/wall?page={bad}").status_code == 404
    page = client.get(f"/en/campaigns/{campaign.slug}").get_data(as_text=True)
    assert page.count("data-wall-post=") == 4 and "Message number 24." in page
    assert page.count(f'action="/en/campaigns/{campaign.slug}/wall/') == 4  # each can be reported


def test_erasure_and_the_purge_take_posts_and_their_files(app, client, campaign, uploads):
    posted_and_confirmed(app, client, campaign, picture=photo())
    # Small enough that its display size is its thumbnail: one JPEG for both, and the WebP.
    send(client, campaign, email="late@example.org", picture=photo((300, 200)))
    assert len(list(uploads.iterdir())) == 5
    with app.app_context():
        result = erase_mailbox(
            db.session, "Amal@Example.org", actor_id=None, origin=None, secret_key="k"
        )
        db.session.commit()
        assert result.wall_posts == 1 and len(result.files) == 3
        assert count(app, SupporterMessage) == 1
        swept = purge(
            db.session, now=utcnow() + timedelta(days=31), pending_days=30, closed_months=12
        )
        db.session.commit()
        assert swept.wall_deleted == 1 and len(swept.files) == 2
    assert count(app, SupporterMessage) == 0


def test_the_purge_command_deletes_the_files_of_old_unconfirmed_posts(
    app, client, campaign, uploads
):
    send(client, campaign, picture=photo())
    with app.app_context():
        db.session.execute(
            update(SupporterMessage).values(created_at=utcnow() - timedelta(days=40))
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "deleted 1 unpublished wall posts" in result.output
    assert list(uploads.iterdir()) == []


def test_an_identical_photo_stays_while_another_post_uses_it(app, client, campaign, uploads):
    picture = photo()
    send(client, campaign, picture=picture, email="one@example.org")
    send(client, campaign, picture=picture, email="two@example.org")
    assert len(list(uploads.iterdir())) == 3
    path = _link(app, AUTHOR_LINK, "one@example.org")
    assert client.post(path, data={"action": "delete"}).status_code == 200
    assert len(list(uploads.iterdir())) == 3
    path = _link(app, AUTHOR_LINK, "two@example.org")
    assert client.post(path, data={"action": "delete"}).status_code == 200
    assert list(uploads.iterdir()) == []


def _photo_names(app, post_id: int) -> tuple[str, str, str]:
    with app.app_context():
        post = db.session.get(SupporterMessage, post_id)
        return post.photo, post.photo_thumbnail, post.photo_thumbnail_webp


def test_an_author_blurs_their_photo_and_keeps_their_words(app, client, campaign, uploads):
    post_id = posted_and_confirmed(app, client, campaign, picture=photo(gps=True))
    approve(app, post_id)
    before = _photo_names(app, post_id)
    originals = {name: (uploads / name).read_bytes() for name in before}
    assert "Hats off" in client.get(f"/en/campaigns/{campaign.slug}/wall").get_data(as_text=True)
    path = _link(app, AUTHOR_LINK)
    assert 'value="blur_photo"' in client.get(path).get_data(as_text=True)

    blurred = client.post(path, data={"action": "blur_photo"})
    assert blurred.status_code == 200
    assert 'data-done="photo_blurred"' in blurred.get_data(as_text=True)
    after = _photo_names(app, post_id)
    assert set(after).isdisjoint(before)
    assert sorted(p.name for p in uploads.iterdir()) == sorted(after)
    wall = client.get(f"/en/campaigns/{campaign.slug}/wall").get_data(as_text=True)
    # The cached page was emptied.
    assert after[1] in wall and after[2] in wall and before[1] not in wall and before[2] not in wall
    for old, new in zip(before, after, strict=True):
        with client.get(f"/uploads/{new}") as served:  # closed: the file is sent from disk
            assert served.status_code == 200
            data = served.data
        assert data != originals[old]
        assert client.get(f"/uploads/{old}").status_code == 404
        with (
            Image.open(io.BytesIO(served.data)) as image,
            Image.open(io.BytesIO(originals[old])) as original,
        ):
            assert image.size == original.size
            assert not image.getexif() and "comment" not in image.info
            # The red block's edge is smeared far into the blue: no sharp line is left.
            width, height = image.size
            near_the_edge = (width // 2 + width // 40, height // 8)
            assert image.getpixel(near_the_edge)[0] > original.getpixel(near_the_edge)[0] + 30
        for secret in SECRETS:
            assert secret not in data
    with app.app_context():
        post = db.session.get(SupporterMessage, post_id)
        assert post.photo_blurred and post.message.startswith("No one")

    again = client.post(path, data={"action": "blur_photo"})
    assert again.status_code == 200
    assert 'data-done="nothing_to_blur"' in again.get_data(as_text=True)
    assert _photo_names(app, post_id) == after


def test_a_post_without_a_photo_has_nothing_to_blur(app, client, campaign):
    posted_and_confirmed(app, client, campaign)
    path = _link(app, AUTHOR_LINK)
    assert 'value="blur_photo"' not in client.get(path).get_data(as_text=True)
    answer = client.post(path, data={"action": "blur_photo"})
    assert answer.status_code == 200
    assert 'data-done="nothing_to_blur"' in answer.get_data(as_text=True)


def test_a_polyglot_keeps_its_pixels_and_loses_what_rides_behind_them(
    app, client, campaign, uploads
):
    # A real JPEG with an HTML page and a ZIP archive appended: browsers, unzip and the JPEG
    # decoder each read their own part of the same file.
    payload = b"<html><script>alert(1)</script></html>PK\x03\x04hidden.txt"
    assert send(client, campaign, picture=photo() + payload).status_code == 303
    stored = list(uploads.iterdir())
    assert len(stored) == 3
    for path in stored:
        data = path.read_bytes()
        assert b"<script>" not in data and b"PK\x03\x04" not in data
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == {".jpg": "JPEG", ".webp": "WEBP"}[path.suffix]


def test_a_rejection_without_a_reason_gives_none(app, client, campaign, make_user, log_in):
    post_id = posted_and_confirmed(app, client, campaign, lang="fr", message="Non publié")
    log_in(client, make_user("admin"))
    assert client.post(f"/staff/wall/{post_id}/reject", data={"reason": "  "}).status_code == 303
    assert count(app, SupporterMessage) == 0
    [answer] = outbox(app, OutboxEmail.kind == "wall_post_rejected")
    assert "pas été publié" in answer.subject
    assert "Notre motif" not in answer.text_body and "Notre motif" not in answer.html_body


def test_the_wall_names_each_authors_country_in_the_readers_language(app, client, campaign):
    approve(app, posted_and_confirmed(app, client, campaign, country="LB"))
    approve(app, posted_and_confirmed(app, client, campaign, country="", email="b@example.org"))
    for lang, name in (("en", "Lebanon"), ("fr", "Liban"), ("ar", "لبنان")):
        wall = client.get(f"/{lang}/campaigns/{campaign.slug}/wall").get_data(as_text=True)
        assert wall.count(f"<bdi>Amal</bdi> · {name}</p>") == 1
        assert wall.count("<bdi>Amal</bdi></p>") == 1
    page = client.get(f"/fr/campaigns/{campaign.slug}").get_data(as_text=True)
    assert f'href="/fr/campaigns/{campaign.slug}/wall"' in page


def test_the_author_says_which_language_the_words_are_in(app, client, campaign):
    form = client.get(f"/fr/campaigns/{campaign.slug}/wall/new").get_data(as_text=True)
    assert '<option lang="fr" selected value="fr">Français</option>' in form
    assert 'value="other">Une autre langue</option>' in form
    _switch(app, campaign.id, wall_unmoderated=True)
    posted_and_confirmed(app, client, campaign, message="لا للتعذيب", message_language="ar")
    posted_and_confirmed(
        app, client, campaign, message="Işkenceye hayır", message_language="other", email="t@x.org"
    )
    wall = client.get(f"/en/campaigns/{campaign.slug}/wall").get_data(as_text=True)
    assert 'lang="ar" dir="rtl">لا للتعذيب</blockquote>' in wall
    assert 'lang="" dir="auto">Işkenceye hayır</blockquote>' in wall
    with app.app_context():
        posts = db.session.scalars(select(SupporterMessage).order_by(SupporterMessage.id)).all()
        # The emails about each post still speak the page's language.
        assert [(p.locale, p.message_language) for p in posts] == [("en", "ar"), ("en", None)]


def test_a_photo_far_over_the_limit_is_refused_unread_with_the_form_and_its_reason(
    app, client, campaign, uploads
):
    answer = send(client, campaign, lang="fr", picture=b"\xff\xd8\xff" + b"\x00" * (12 << 20))
    assert answer.status_code == 413
    page = answer.get_data(as_text=True)
    assert PHOTO_MESSAGES["too_large"] in page and 'enctype="multipart/form-data"' in page
    assert "no-store" in answer.headers["Cache-Control"]
    assert_nothing_stored(app, uploads)


@pytest.mark.parametrize(
    ("lang", "heading", "retention"),
    [
        ("en", "Messages on a wall of support", "deleted with its photo after 30 days"),
        ("fr", "Les messages sur un mur de soutien", "supprimé avec sa photo au bout de 30 jours"),
        ("es", "Los mensajes en un muro de apoyo", "con su foto al cabo de 30 días"),
        ("ar", "الرسائل على جدار التضامن", "مع صورتها بعد 30 يومًا"),
    ],
)
def test_the_privacy_page_the_form_links_to_speaks_of_wall_posts(
    client, campaign, lang, heading, retention
):
    form = client.get(f"/{lang}/campaigns/{campaign.slug}/wall/new").get_data(as_text=True)
    assert f'href="/{lang}/privacy"' in form
    page = client.get(f"/{lang}/privacy").get_data(as_text=True)
    assert heading in page and retention in page


def test_a_published_post_is_removed_not_rejected(app, client, campaign, make_user, log_in):
    post_id = posted_and_confirmed(app, client, campaign)
    approve(app, post_id)
    log_in(client, make_user("admin"))
    assert client.post(f"/staff/wall/{post_id}/reject").status_code == 409
    assert count(app, SupporterMessage) == 1
    assert outbox(app, OutboxEmail.kind == "wall_post_rejected") == []


def test_a_finished_campaigns_wall_keeps_its_published_posts_but_not_their_addresses(
    app, client, campaign, make_petition, uploads
):
    petition = make_petition(campaign=campaign)
    published = posted_and_confirmed(app, client, campaign, picture=photo())
    approve(app, published)
    waiting = posted_and_confirmed(
        app, client, campaign, email="late@example.org", picture=photo((900, 600))
    )
    files = len(list(uploads.iterdir()))

    def sweep():
        with app.app_context():
            result = purge(db.session, now=utcnow(), pending_days=30, closed_months=12)
            db.session.commit()
            return result

    # While a petition of the campaign is open, or closed for less than the retention time.
    assert (sweep().wall_deleted, sweep().wall_anonymised) == (0, 0)
    close_days_ago(app, petition.id, 300)
    assert (sweep().wall_deleted, sweep().wall_anonymised) == (0, 0)

    close_days_ago(app, petition.id, 400)
    swept = sweep()

    assert (swept.wall_deleted, swept.wall_anonymised) == (1, 1)
    discard_images(str(uploads), list(swept.files))
    with app.app_context():
        kept = db.session.get(SupporterMessage, published)
        assert db.session.get(SupporterMessage, waiting) is None
        assert kept.status == "approved" and kept.photo is not None
        assert kept.email == kept.email_normalized == ERASED_WALL_ADDRESS
        # An erasure request for the author's address finds nothing any more.
        assert (
            erase_mailbox(
                db.session, "amal@example.org", actor_id=None, origin=None, secret_key="k"
            ).wall_posts
            == 0
        )
        db.session.rollback()
    assert 0 < len(list(uploads.iterdir())) < files
    assert (sweep().wall_deleted, sweep().wall_anonymised) == (0, 0)
    page = client.get(f"/en/campaigns/{campaign.slug}/wall").get_data(as_text=True)
    assert page.count("data-wall-post=") == 1
