"""/sitemap.xml: every public page in every language, with its hreflang alternates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app
from sqlalchemy import select

from campaign.campaigns.permissions import publicly_visible_campaigns, publicly_visible_petitions
from campaign.config import LOCALES
from campaign.extensions import db
from campaign.models import Campaign, Petition, Statement
from campaign.web.i18n import DEFAULT_LOCALE
from campaign.web.links import absolute_url
from campaign.web.pagecache import cached_page

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
ET.register_namespace("", SITEMAP)
ET.register_namespace("xhtml", XHTML)

bp = Blueprint("sitemap", __name__)

# (endpoint, URL values without lang, last modification or None)
PageRef = tuple[str, dict, date | datetime | None]


def public_pages(session) -> list[PageRef]:
    """Every page a search engine may index, once per page (the languages are added later)."""
    pages: list[PageRef] = [
        ("public.home", {}, None),
        ("statements.index", {}, None),
        ("public.privacy", {}, None),
    ]
    for campaign in session.scalars(
        select(Campaign).where(publicly_visible_campaigns()).order_by(Campaign.id)
    ):
        pages.append(("public.campaign", {"slug": campaign.slug}, campaign.published_at))
    for petition in session.scalars(
        select(Petition)
        .join(Petition.campaign)
        .where(publicly_visible_petitions())
        .order_by(Petition.id)
    ):
        pages.append(("public.petition", {"slug": petition.slug}, None))
    for statement in session.scalars(
        select(Statement).where(Statement.status == "published").order_by(Statement.id)
    ):
        pages.append(("statements.show", {"slug": statement.slug}, statement.updated_at))
    return pages


def sitemap_xml(pages: Iterable[tuple[dict[str, str], date | datetime | None]]) -> bytes:
    """A sitemap with one <url> per language of each page, each listing all its languages."""
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")
    for urls, lastmod in pages:
        for href in urls.values():
            url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
            ET.SubElement(url, f"{{{SITEMAP}}}loc").text = href
            if lastmod is not None:
                ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = lastmod.isoformat()
            # The same alternates as the pages' own <link> tags, x-default included.
            for code, alternate in (*urls.items(), ("x-default", urls[DEFAULT_LOCALE])):
                ET.SubElement(
                    url,
                    f"{{{XHTML}}}link",
                    {"rel": "alternate", "hreflang": code, "href": alternate},
                )
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True)


@bp.get("/sitemap.xml")
@cached_page()
def sitemap():
    pages = [
        ({lang: absolute_url(endpoint, lang=lang, **values) for lang in LOCALES}, lastmod)
        for endpoint, values, lastmod in public_pages(db.session)
    ]
    response = Response(sitemap_xml(pages), mimetype="application/xml")
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_CACHE_SECONDS"]
    return response
