"""Files browsers and crawlers ask for at the site's root: /robots.txt, /favicon.ico and
/apple-touch-icon.png (the last two are also named by every page's <link rel=icon>)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory

from campaign.config import ROOT

bp = Blueprint("sitefiles", __name__)
ICONS = ROOT / "static" / "icons"
CACHE_SECONDS = 24 * 3600


def robots_txt(sitemap_url: str) -> str:
    return f"User-agent: *\nDisallow: /staff/\n\nSitemap: {sitemap_url}\n"


@bp.get("/robots.txt")
def robots():
    sitemap_url = current_app.config["BASE_URL"] + "/sitemap.xml"
    response = Response(robots_txt(sitemap_url), mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(ICONS, "favicon.ico", max_age=CACHE_SECONDS)


@bp.get("/apple-touch-icon.png")
def apple_touch_icon():
    return send_from_directory(ICONS, "apple-touch-icon.png", max_age=CACHE_SECONDS)
