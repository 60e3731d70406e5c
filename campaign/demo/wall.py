"""The demo campaign's wall of support: a dozen approved posts in the four languages, two
waiting for moderation. Every photo is a hat drawn here (no face, no real person), and goes
through the same cleaning and storing as an upload (campaign.wall.photos)."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.models import Campaign, SupporterMessage, utcnow
from campaign.wall.photos import process_photo, store_photo

DEMO_CONSENT = "Demo content: no real person posted this."
# (display name, country, language, message, approved)
POSTS = [
    ("Amal", "LB", "ar", "لا أحد يستحق التعذيب. أرتدي قبعتي من أجل كل من صمدوا.", True),
    ("Youssef", "MA", "ar", "العدالة للناجين، والمحاسبة للجلادين.", True),
    ("Nour", "TN", "ar", "قبعتي الحمراء لكل مدافعة عن حقوق الإنسان خلف القضبان.", True),
    ("Claire", "FR", "fr", "Parce que la torture n’est jamais justifiée. Jamais.", True),
    ("Moussa", "SN", "fr", "Chapeau bas à celles et ceux qui documentent la torture.", True),
    ("Élise", "BE", "fr", "Je porte ce chapeau pour que les victimes soient entendues.", True),
    ("Lucía", "MX", "es", "Ni una persona más torturada. Mi sombrero va por ellas.", True),
    ("Mateo", "AR", "es", "Memoria, verdad y justicia. Nunca más.", True),
    ("Camila", "CO", "es", "Con mi sombrero, por los defensores que resisten.", True),
    ("Sam", "GB", "en", "Torture is never acceptable. Hats on for every survivor.", True),
    ("Priya", "IN", "en", "I stand with everyone who speaks up against torture.", True),
    ("Jonas", None, "en", "Wearing my hat today so no one is forgotten.", True),
    ("Inès", "CH", "fr", "Un chapeau de plus sur le mur : la torture doit cesser.", False),
    ("Omar", "JO", "ar", "معًا ضد التعذيب، اليوم وكل يوم.", False),
]
HAT_COLOURS = ["#b3261e", "#1c1b19", "#1e6b3a", "#2d4f8f", "#8c5a1d", "#6b2d8f", "#d98e04"]
BACKGROUNDS = ["#f5f1ea", "#e7f3eb", "#e8eef8", "#fbe9e7", "#f3eefa", "#fff4de"]


def hat_picture(rng: random.Random) -> bytes:
    """A hat on a plain background, drawn with a few shapes, as a PNG."""
    size = 900
    image = Image.new("RGB", (size, size), rng.choice(BACKGROUNDS))
    draw = ImageDraw.Draw(image)
    colour = rng.choice(HAT_COLOURS)
    band = rng.choice([c for c in HAT_COLOURS if c != colour])
    brim_top = rng.randint(520, 600)
    crown_width = rng.randint(300, 420)
    crown_height = rng.randint(240, 330)
    left = (size - crown_width) // 2
    draw.ellipse((110, brim_top - 40, size - 110, brim_top + 60), fill=colour)
    draw.rounded_rectangle(
        (left, brim_top - crown_height, left + crown_width, brim_top + 10), radius=60, fill=colour
    )
    draw.rectangle((left, brim_top - 70, left + crown_width, brim_top - 20), fill=band)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def load_demo_wall(session: Session, campaign: Campaign, *, upload_dir: str) -> str:
    """Open the campaign's wall and fill it, once; a one-line summary."""
    campaign.wall_enabled = True
    if session.scalar(
        select(func.count())
        .select_from(SupporterMessage)
        .where(SupporterMessage.campaign_id == campaign.id)
    ):
        return "wall of support already present"
    rng = random.Random(2018)  # the same hats every time
    now = utcnow()
    for n, (name, country, locale, message, approved) in enumerate(POSTS):
        written = now - timedelta(days=len(POSTS) - n, hours=rng.uniform(0, 12))
        stored = store_photo(upload_dir, process_photo(hat_picture(rng), max_bytes=10_000_000))
        email = f"wall{n}@example.org"
        session.add(
            SupporterMessage(
                campaign_id=campaign.id,
                display_name=name,
                email=email,
                email_normalized=email,
                country=country,
                message=message,
                locale=locale,
                message_language=locale,
                consent_text=DEMO_CONSENT,
                consented_at=written,
                created_at=written,
                confirmed_at=written + timedelta(minutes=5),
                status="approved" if approved else "pending",
                approved_at=written + timedelta(hours=2) if approved else None,
                photo=stored.display,
                photo_thumbnail=stored.thumbnail,
                photo_thumbnail_webp=stored.thumbnail_webp,
                thumbnail_width=stored.thumbnail_size[0],
                thumbnail_height=stored.thumbnail_size[1],
                emails_sent=1,
            )
        )
    session.flush()
    waiting = sum(1 for post in POSTS if not post[4])
    return f"wall of support: {len(POSTS) - waiting} posts, {waiting} waiting for moderation"
