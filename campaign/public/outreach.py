"""Taking a petition beyond our pages: share links, preview images, QR codes, embed code,
and the page for developers who show counts on their own sites."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
)
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import select

from campaign.campaigns.permissions import publicly_visible_petitions
from campaign.extensions import db
from campaign.models import Petition
from campaign.petitions.attribution import genuine_referral_code
from campaign.petitions.previews import PreviewCard, cached_preview, rounded_count
from campaign.petitions.qrcodes import qr_png, qr_svg
from campaign.petitions.sharing import (
    mastodon_host,
    mastodon_share_url,
    share_links,
    share_message,
    tagged_link,
)
from campaign.public.forms import MastodonForm
from campaign.public.views import _add_lang, _cacheable, _public_petition, _pull_lang
from campaign.web.i18n import LANG_PREFIX, organisation_name, signature_count_text, text_direction
from campaign.web.links import absolute_url
from campaign.web.pagecache import cached_page
from campaign.web.security_headers import allow_external_form_targets

bp = Blueprint("outreach", __name__, url_prefix=LANG_PREFIX)
bp.url_value_preprocessor(_pull_lang)
bp.url_defaults(_add_lang)

PREVIEW_CACHE_SECONDS = 300
QR_CACHE_SECONDS = 24 * 3600
EMBED_HEIGHT = 640  # the widget's height where the host page runs no script


@dataclass(frozen=True)
class ShareOptions:
    """What the share panel offers for one petition in one language."""

    link: str  # the petition's own address, untagged
    message: str
    links: dict[str, str]  # network -> its share URL, and "copy" -> the link to copy
    ref: str | None  # the supporter's referral code on their personal links


@bp.app_template_global()
def share_options(
    petition: Petition, lang: str, ref: str | None = None, *, as_signer: bool = True
) -> ShareOptions:
    """`as_signer`: the share text may speak as one who signed; before a signature is
    confirmed the title is the message."""
    # The share panel's Mastodon form ends in a redirect to the visitor's server.
    allow_external_form_targets()
    text = petition.text_for(lang)
    link = absolute_url("public.petition", lang=lang, slug=petition.slug)
    said = text.share_text if as_signer else ""
    message = share_message(said or text.title, petition.campaign.hashtag)
    return ShareOptions(
        link=link,
        message=message,
        links=share_links(link=link, message=message, subject=text.title, ref=ref),
        ref=ref,
    )


@bp.get("/petitions/<slug>/share/mastodon")
def mastodon(slug: str):
    """Send the visitor to their own Mastodon server's share dialog (a form, so no script)."""
    petition = _public_petition(slug)
    allow_external_form_targets()
    form = MastodonForm(formdata=request.args)
    ref = genuine_referral_code(current_app.config["SECRET_KEY"], request.args.get("ref"))
    host = mastodon_host(form.instance.data or "")
    if host is None:
        form.instance.errors = [
            _mastodon_error(blank=not (form.instance.data or "").strip()),
        ]
        page = render_template("public/mastodon.html", petition=petition, form=form, ref=ref)
        return current_app.make_response((page, 400))
    options = share_options(petition, g.lang, ref)
    return redirect(
        mastodon_share_url(host, link=options.link, message=options.message, ref=ref), code=303
    )


def _mastodon_error(*, blank: bool) -> str:
    if blank:
        return _("Enter the address of your Mastodon server")
    return _("Enter only your server’s name, such as mastodon.social, without https:// or @name")


def preview_card(petition: Petition, lang: str) -> PreviewCard:
    text = petition.text_for(lang)
    shown = rounded_count(petition.signature_count)
    if shown == petition.signature_count:
        count_line = signature_count_text(shown)
    else:
        count_line = ngettext(
            "More than %(formatted)s signature",
            "More than %(formatted)s signatures",
            shown,
            formatted=format_decimal(shown),
        )
    hashtag = petition.campaign.hashtag
    return PreviewCard(
        slug=petition.slug,
        title=text.title,
        count_line=count_line,
        hashtag=f"#{hashtag}" if hashtag else "",
        footer=organisation_name(lang),
        progress=round(min(shown / petition.goal, 1.0), 2) if petition.goal else None,
        rtl=text_direction(lang) == "rtl",
    )


@bp.get("/petitions/<slug>/preview.png")
def preview_image(slug: str):
    petition = _public_petition(slug, preview=False)
    return _card_response(preview_card(petition, g.lang))


def _card_response(card: PreviewCard) -> Response:
    response = Response(mimetype="image/png")
    response.set_etag(card.etag)
    response.cache_control.public = True
    response.cache_control.max_age = PREVIEW_CACHE_SECONDS
    # The ETag is known before drawing, so a revalidation costs no rendering at all.
    if request.if_none_match.contains_weak(card.etag):
        response.status_code = 304
        return response
    response.set_data(cached_preview(card))
    return response


def site_card(lang: str) -> PreviewCard:
    """The link-preview card of pages that show no petition: the site's promise."""
    return PreviewCard(
        slug="",
        title=site_description(),
        count_line="",
        hashtag="",
        footer=organisation_name(lang),
        progress=None,
        rtl=text_direction(lang) == "rtl",
    )


@bp.app_template_global()
def site_description() -> str:
    return _(
        "Sign petitions, follow campaigns and read the statements of %(organisation)s.",
        organisation=organisation_name(str(get_locale())),
    )


@bp.get("/card.png")
def site_card_image():
    return _card_response(site_card(g.lang))


def _file_response(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = QR_CACHE_SECONDS
    response.headers.set("Content-Disposition", "inline", filename=filename)
    return response.make_conditional(request)


def qr_link(petition: Petition, lang: str) -> str:
    return tagged_link(absolute_url("public.petition", lang=lang, slug=petition.slug), "qr")


@bp.get("/petitions/<slug>/qr.svg")
def qr_code_svg(slug: str):
    petition = _public_petition(slug, preview=False)
    body = qr_svg(qr_link(petition, g.lang), petition.text_for(g.lang).title)
    return _file_response(body, "image/svg+xml", f"{petition.slug}-{g.lang}-qr.svg")


@bp.get("/petitions/<slug>/qr.png")
def qr_code_png(slug: str):
    petition = _public_petition(slug, preview=False)
    body = qr_png(qr_link(petition, g.lang))
    return _file_response(body, "image/png", f"{petition.slug}-{g.lang}-qr.png")


def embed_snippet(widget_url: str, title: str) -> str:
    """The HTML another site pastes: the widget (fixed height without script) and its sizer."""
    script = absolute_url("static", filename="js/embed-host.js")
    return (
        f'<iframe src="{escape(widget_url)}" title="{escape(title)}" width="100%" '
        f'height="{EMBED_HEIGHT}" loading="lazy" style="border:0;max-width:36rem"></iframe>\n'
        f'<script src="{escape(script)}" async></script>'
    )


@bp.get("/petitions/<slug>/embed-code")
def embed_code(slug: str):
    # For staff, until staff pages exist: unlisted, never cached, never indexed.
    petition = _public_petition(slug)
    widget_url = absolute_url("embed.petition", slug=petition.slug, lang=g.lang)
    response = current_app.make_response(
        render_template(
            "public/embed_code.html",
            petition=petition,
            widget_url=widget_url,
            snippet=embed_snippet(widget_url, petition.text_for(g.lang).title),
        )
    )
    response.cache_control.no_store = True
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/developers")
@cached_page()
def developers():
    example = db.session.scalar(
        select(Petition)
        .join(Petition.campaign)
        .where(Petition.status == "open", publicly_visible_petitions())
        .order_by(Petition.id)
        .limit(1)
    )
    slug = example.slug if example is not None else "your-petition"
    title = example.text_for(g.lang).title if example is not None else slug
    widget_url = absolute_url("embed.petition", slug=slug, lang=g.lang)
    page = render_template(
        "public/developers.html",
        slug=slug,
        api_url=absolute_url("api.get_petition", slug=slug, lang=g.lang),
        list_url=absolute_url("api.list_petitions", lang=g.lang),
        openapi_url=absolute_url("api.openapi"),
        snippet=embed_snippet(widget_url, title),
    )
    return _cacheable(current_app.make_response(page))
