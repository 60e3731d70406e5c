"""Atom documents (RFC 4287), built with ElementTree so every text is escaped for us."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ET.register_namespace("", ATOM)


@dataclass(frozen=True)
class FeedEntry:
    id: str
    url: str
    title: str
    lang: str
    published: datetime
    updated: datetime
    summary: str
    content_html: str
    categories: tuple[str, ...] = ()


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(
    *,
    feed_id: str,
    title: str,
    lang: str,
    self_url: str,
    html_url: str,
    author: str,
    updated: datetime,
    entries: list[FeedEntry],
) -> bytes:
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: lang})
    _add(feed, "id", feed_id)
    _add(feed, "title", title)
    _add(feed, "updated", updated.isoformat())
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=html_url)
    _add(_add(feed, "author"), "name", author)
    for item in entries:
        entry = _add(feed, "entry", **{XML_LANG: item.lang})
        _add(entry, "id", item.id)
        _add(entry, "title", item.title)
        _add(entry, "link", rel="alternate", type="text/html", href=item.url)
        _add(entry, "published", item.published.isoformat())
        _add(entry, "updated", item.updated.isoformat())
        for term in item.categories:
            _add(entry, "category", term=term)
        if item.summary:
            _add(entry, "summary", item.summary)
        _add(entry, "content", item.content_html, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
