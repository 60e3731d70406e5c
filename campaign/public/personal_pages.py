"""Pages made for one supporter's link, rendered once per petition and language, then filled in.

The confirmation pages carry the visitor's own token or referral code, and the confirmed page
the count their signature made, so they cannot be cached whole; everything else on them is the
same for every signer of a petition in a language, and rendering it is most of what confirming
costs. On a viral day thousands confirm each minute, so each process renders such a page once
with markers where the personal values go, keeps that skeleton for `PAGE_CACHE_SECONDS` in the
cache that new counts leave alone (campaign.web.pagecache), and only fills in the markers per
request.

Markers are random per process, so no petition's text can hold one. The token also appears in
links the layout builds from the address (the language switcher): every copy is replaced by its
marker before the skeleton is kept, so no one's page ever shows another visitor's token.
Requests that carry a cookie (staff, perhaps with a message waiting) get a page of their own.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import g, get_template_attribute, render_template, request
from sqlalchemy.orm import selectinload

from campaign.extensions import db
from campaign.models import Petition
from campaign.web.pagecache import countless_cache
from campaign.web.security_headers import (
    allow_external_form_targets,
    external_form_targets_allowed,
)

_MARKERS = {
    name: f"personal{secrets.token_hex(16)}" for name in ("token", "ref", "counter", "receipt")
}


@dataclass(frozen=True)
class CounterFacts:
    """What the counter shows besides the count, read once with the skeleton."""

    slug: str
    goal: int | None
    signature_count: int = 0


@dataclass(frozen=True)
class _Skeleton:
    html: str
    counter: CounterFacts
    # Whether rendering it let forms post to other sites (the share panel's Mastodon form):
    # the page's policy must say so on every copy, rendered or not.
    external_forms: bool


def personal_page(
    template: str,
    petition_id: int,
    *,
    token: str,
    ref: str | None = None,
    count: int | None = None,
    receipt: str | None = None,
    **context: object,
) -> str:
    """`template` rendered for the petition, with the visitor's token, referral code (if any),
    the petition's counter at `count` (if given, as the template's `counter`) and the signer's
    receipt code (if given: only the page that first confirms a signature has one)."""
    key = ("personal-page", template, petition_id, g.lang, ref is not None, count is not None)
    key += (receipt is not None,)
    key += tuple(sorted(context.items()))

    def render() -> _Skeleton:
        return _render_skeleton(
            template, petition_id, token, ref, count, receipt is not None, context
        )

    shared = "HTTP_COOKIE" not in request.environ
    skeleton = countless_cache().value(key, render) if shared else render()
    if skeleton.external_forms:
        allow_external_form_targets()
    html = skeleton.html.replace(_MARKERS["token"], token)
    if ref is not None:
        html = html.replace(_MARKERS["ref"], ref)
    if receipt is not None:
        html = html.replace(_MARKERS["receipt"], receipt)
    if count is not None:
        counter = get_template_attribute("_macros/petition.html", "counter")
        facts = CounterFacts(skeleton.counter.slug, skeleton.counter.goal, count)
        html = html.replace(_MARKERS["counter"], str(counter(facts, g.lang)))
    return html


def _render_skeleton(
    template: str,
    petition_id: int,
    token: str,
    ref: str | None,
    count: int | None,
    has_receipt: bool,
    context: dict[str, object],
) -> _Skeleton:
    petition = db.session.get(Petition, petition_id, options=[selectinload(Petition.texts)])
    html = render_template(
        template,
        petition=petition,
        token=_MARKERS["token"],
        ref=_MARKERS["ref"] if ref is not None else None,
        counter=_MARKERS["counter"] if count is not None else None,
        receipt=_MARKERS["receipt"] if has_receipt else None,
        **context,
    )
    return _Skeleton(
        html.replace(token, _MARKERS["token"]),
        CounterFacts(petition.slug, petition.goal),
        external_form_targets_allowed(),
    )
