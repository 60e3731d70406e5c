"""Posting on a campaign's wall: the form's rules, the confirmation by email, the author's
own link to delete the post or only its photo.

Like a signature, a post and its confirmation email are written in one transaction, and the
link's page only shows a button: the POST confirms, so mail scanners that follow links change
nothing. A supporter who has just confirmed a signature on one of the campaign's petitions
has proved their address already: their post skips the confirmation email.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from campaign.config import LOCALES
from campaign.integrations.events import wall_post_approved
from campaign.mail.addresses import DEFAULT_POLICY, AddressPolicy
from campaign.mail.emails import queue_email
from campaign.models import MESSAGE_MAX, Campaign, Signature, SupporterMessage, WallReport
from campaign.models.wall import DISPLAY_NAME_MAX
from campaign.petitions.signing import clean_name, email_problem, has_control_characters
from campaign.petitions.signing import text_problem as name_text_problem
from campaign.wall.photos import StoredPhoto, blurred
from campaign.web.i18n import country_codes
from campaign.web.images import store_image
from campaign.web.links import absolute_url
from campaign.web.refusals import InvalidFields
from campaign.web.tokens import (
    InvalidToken,
    Purpose,
    make_lasting_token,
    make_token,
    read_lasting_token,
    read_token,
)


class WallError(Exception):
    """Base of the refusals a supporter or a staff member can be shown."""


class WallClosed(WallError):
    """The campaign's wall takes no posts (switched off, or the campaign is not public)."""


class InvalidPost(WallError, InvalidFields):
    """Some fields of the posting form are wrong."""


class NoPhotoToBlur(WallError):
    """The post has no photo, or its photo is blurred already."""


class PostNotFound(WallError):
    """The link or the id names no post (deleted, erased, purged or never made)."""


# What the form sends for words in a language the site does not speak.
OTHER_LANGUAGE = "other"


@dataclass(frozen=True)
class PostData:
    display_name: str
    email: str
    country: str
    message: str
    consent_text: str
    # One of LOCALES, or OTHER_LANGUAGE.
    message_language: str


@dataclass(frozen=True)
class KnownAddress:
    """An address the supporter proved in this visit (a signature just confirmed)."""

    email: str
    email_normalized: str


def wall_open(campaign: Campaign) -> bool:
    return campaign.wall_enabled and campaign.status == "published"


def clean_message(raw: str) -> str:
    """The message as typed, with the browser's CRLF line ends made plain and the edges trimmed."""
    return raw.replace("\r\n", "\n").replace("\r", "\n").strip()


def message_problem(message: str) -> str | None:
    if not message:
        return "required"
    if len(message) > MESSAGE_MAX:
        return "too_long"
    # Line breaks are welcome; every other control or format character (bidirectional controls
    # among them, which would turn the wall around the message) and U+FFFD are not.
    if any((unicodedata.category(ch)[0] == "C" and ch != "\n") or ch == "\ufffd" for ch in message):
        return "invalid_characters"
    return None


def validate_post(
    data: PostData, policy: AddressPolicy = DEFAULT_POLICY, *, known: KnownAddress | None = None
) -> tuple[str, str, str, str]:
    """Check every field; return (display name, message, address, mailbox key) or raise."""
    errors: dict[str, str] = {}
    name = clean_name(data.display_name)
    if problem := name_text_problem(name, max_length=DISPLAY_NAME_MAX) or (
        "invalid_characters" if has_control_characters(data.display_name) else None
    ):
        errors["display_name"] = problem
    message = clean_message(data.message)
    if problem := message_problem(message):
        errors["message"] = problem
    if known is not None:
        typed, normalized = known.email, known.email_normalized
    else:
        problem, typed, normalized = email_problem(data.email, policy)
        if problem:
            errors["email"] = problem
    if data.country and data.country not in country_codes():
        errors["country"] = "invalid"
    if data.message_language not in (*LOCALES, OTHER_LANGUAGE):
        errors["message_language"] = "invalid"
    if not data.consent_text:
        errors["consent"] = "required"
    if errors:
        raise InvalidPost(errors)
    return name, message, typed, normalized


def post_message(
    session: Session,
    campaign: Campaign,
    data: PostData,
    *,
    photo: StoredPhoto | None,
    locale: str,
    now: datetime,
    secret_key: str,
    addresses: AddressPolicy = DEFAULT_POLICY,
    known: KnownAddress | None = None,
) -> SupporterMessage:
    """Record a post and the email to its author: a confirmation link, or (for an address
    proved in this visit) word that it waits for moderation. Both carry the author's link."""
    if not wall_open(campaign):
        raise WallClosed(campaign.slug)
    name, message, typed, normalized = validate_post(data, addresses, known=known)
    post = SupporterMessage(
        campaign_id=campaign.id,
        display_name=name,
        email=typed,
        email_normalized=normalized,
        country=data.country or None,
        message=message,
        locale=locale,
        message_language=(
            None if data.message_language == OTHER_LANGUAGE else data.message_language
        ),
        consent_text=data.consent_text,
        consented_at=now,
        created_at=now,
        status="unconfirmed",
        emails_sent=1,
    )
    if photo is not None:
        post.photo = photo.display
        post.photo_thumbnail = photo.thumbnail
        post.photo_thumbnail_webp = photo.thumbnail_webp
        post.thumbnail_width, post.thumbnail_height = photo.thumbnail_size
    session.add(post)
    session.flush()
    if known is not None:
        _mark_confirmed(session, post, now=now)
    text = campaign.text_for(locale)
    queue_email(
        session,
        kind="wall_post",
        to=post.email,
        locale=locale,
        display_name=post.display_name,
        campaign_title=text.title if text else campaign.slug,
        wall_url=absolute_url("public.wall", lang=locale, slug=campaign.slug),
        confirm_url=(
            None
            if known is not None
            else absolute_url(
                "public.confirm_wall_post",
                lang=locale,
                token=make_token(secret_key, Purpose.CONFIRM_WALL_POST, post.id),
            )
        ),
        author_url=author_url(secret_key, post),
    )
    return post


def author_url(secret_key: str, post: SupporterMessage) -> str:
    token = make_lasting_token(secret_key, Purpose.WALL_POST_AUTHOR, post.id)
    return absolute_url("public.my_wall_post", lang=post.locale, token=token)


def _post_by_id(session: Session, post_id: object) -> SupporterMessage:
    post = session.get(SupporterMessage, post_id) if type(post_id) is int else None
    if post is None:
        raise PostNotFound("no such post")
    return post


def post_from_confirm_token(
    session: Session, secret_key: str, token: str, *, max_age: int
) -> SupporterMessage:
    """Raises InvalidToken, ExpiredToken or PostNotFound."""
    return _post_by_id(
        session, read_token(secret_key, Purpose.CONFIRM_WALL_POST, token, max_age=max_age)
    )


def post_from_author_token(session: Session, secret_key: str, token: str) -> SupporterMessage:
    """Raises InvalidToken or PostNotFound."""
    return _post_by_id(session, read_lasting_token(secret_key, Purpose.WALL_POST_AUTHOR, token))


def _mark_confirmed(session: Session, post: SupporterMessage, *, now: datetime) -> bool:
    publish = post.campaign.wall_unmoderated
    result = session.execute(
        update(SupporterMessage)
        .where(SupporterMessage.id == post.id, SupporterMessage.status == "unconfirmed")
        .values(
            status="approved" if publish else "pending",
            confirmed_at=now,
            approved_at=now if publish else None,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(post)
    if publish and result.rowcount == 1:
        announce_published(session, post, now=now)
    return result.rowcount == 1


def announce_published(session: Session, post: SupporterMessage, *, now: datetime) -> None:
    """Tell the organisation's webhooks, in the transaction that publishes the post, what the
    wall now shows of it (never the author's address)."""
    wall_post_approved(
        session,
        post.campaign_id,
        post.id,
        {
            "display_name": post.display_name,
            "country": post.country,
            "message": post.message,
            # None: a language the site does not speak.
            "language": post.message_language,
            "has_photo": post.photo is not None,
        },
        now=now,
    )


def confirm_post(session: Session, post: SupporterMessage, *, now: datetime) -> bool:
    """Confirm once, however often the link is used; True if this did. The post then waits for
    moderation, or is published at once where the campaign says so."""
    if post.status != "unconfirmed":
        return False
    return _mark_confirmed(session, post, now=now)


def known_address_from_signature(
    session: Session, campaign: Campaign, public_id: str
) -> KnownAddress:
    """The address of a confirmed signature on one of `campaign`'s petitions; InvalidToken
    for anything else (the token that named it was genuine, but it proves nothing here)."""
    signature = session.scalar(select(Signature).where(Signature.public_id == public_id))
    if (
        signature is None
        or signature.confirmed_at is None
        or signature.petition.campaign_id != campaign.id
    ):
        raise InvalidToken("not a confirmed signature on this campaign")
    return KnownAddress(signature.email, signature.email_normalized)


def unused_files(session: Session, names: list[str]) -> list[str]:
    """Those of `names` that no post and no campaign uses any more: content names are shared
    by identical uploads, so a file goes only with its last user."""
    names = [n for n in dict.fromkeys(names) if n]
    if not names:
        return []
    columns = (
        SupporterMessage.photo,
        SupporterMessage.photo_thumbnail,
        SupporterMessage.photo_thumbnail_webp,
    )
    used: set[str | None] = set()
    for row in session.execute(select(*columns).where(or_(*(c.in_(names) for c in columns)))):
        used |= set(row)
    used |= set(session.scalars(select(Campaign.hero_image).where(Campaign.hero_image.in_(names))))
    return [n for n in names if n not in used]


def delete_post(session: Session, post: SupporterMessage) -> list[str]:
    """Delete the post with its reports; return the files to discard once this commits."""
    files = post.photo_files
    # Said here, not left to ON DELETE CASCADE, which SQLite applies only when told to.
    session.execute(
        delete(WallReport).where(WallReport.message_id == post.id),
        execution_options={"synchronize_session": False},
    )
    session.delete(post)
    session.flush()
    return unused_files(session, files)


def drop_photo(session: Session, post: SupporterMessage) -> list[str]:
    """Keep the words, drop the photo; return the files to discard once this commits."""
    files = post.photo_files
    post.photo = post.photo_thumbnail = post.photo_thumbnail_webp = None
    post.thumbnail_width = post.thumbnail_height = None
    post.photo_blurred = False
    session.flush()
    return unused_files(session, files)


def blur_photo(session: Session, post: SupporterMessage, directory: str | os.PathLike) -> list[str]:
    """Replace the photo and its thumbnails with blurred copies stored in `directory`; return
    the old files to discard once this commits (the flush empties the page caches)."""
    if not post.photo or not post.photo_thumbnail or post.photo_blurred:
        raise NoPhotoToBlur(str(post.id))
    files = post.photo_files
    folder = Path(directory)

    def blur(name: str, extension: str) -> str:
        return store_image(folder, blurred((folder / name).read_bytes()), extension)

    post.photo = blur(post.photo, "jpg")
    post.photo_thumbnail = blur(post.photo_thumbnail, "jpg")
    if post.photo_thumbnail_webp:
        post.photo_thumbnail_webp = blur(post.photo_thumbnail_webp, "webp")
    post.photo_blurred = True
    session.flush()
    return unused_files(session, files)
