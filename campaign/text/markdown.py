"""Markdown written by staff, rendered to HTML that can never carry a script.

Texts are rendered when they are saved (campaign.models.rendered), not on each page view. Each
stored rendering carries `RULES`, a fingerprint of everything that decides the HTML (the
parser's and the sanitiser's settings and versions): a rendering made under other rules is never
served as current, and `campaign markdown refresh` renders such texts again.
"""

from __future__ import annotations

import hashlib
from importlib import metadata

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the source is not passed through by the parser, and nh3 cleans what it produces,
# so neither a careless paste nor a compromised staff account can put a script on a page.
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p",
    "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


def render_markdown(source: str) -> Markup:
    html = _parser.render(source or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )
    return Markup(clean)  # noqa: S704 (sanitised by nh3 just above)


def _rules_fingerprint() -> str:
    rules = [
        sorted(ALLOWED_TAGS),
        sorted((tag, sorted(names)) for tag, names in ALLOWED_ATTRIBUTES.items()),
        sorted(URL_SCHEMES),
        LINK_REL,
        sorted(_parser.options.items()),
        sorted((chain, sorted(names)) for chain, names in _parser.get_active_rules().items()),
        metadata.version("nh3"),
        metadata.version("markdown-it-py"),
    ]
    return hashlib.sha256(repr(rules).encode()).hexdigest()[:16]


RULES = _rules_fingerprint()
