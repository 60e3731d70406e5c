"""What the public sees of a delivery: the receipt check, the key that signs packs, and the
delivered notice and signatures by country on the petition page."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app, g, render_template, request
from flask_babel import gettext as _

from campaign.delivery.countries import CountryCounts, country_counts
from campaign.delivery.keys import KeyProblem, keys_document, load_private_key
from campaign.delivery.receipts import latest_delivered_pack, normalised_code, receipt_in_pack
from campaign.delivery.worldmap import world_map_svg
from campaign.extensions import db
from campaign.models import DeliveryPack, Petition
from campaign.public.sitefiles import bp as sitefiles_bp
from campaign.public.views import _cacheable, _public_petition, bp
from campaign.web.forgery import require_same_origin
from campaign.web.i18n import country_name
from campaign.web.inputs import require_utf8_form
from campaign.web.pagecache import PageCache, cached_page
from campaign.web.ratelimits import receipt_limit

KEYS_CACHE_SECONDS = 3600
# The figures by country change with every signature, but no one needs them to the second.
COUNTRY_CACHE_SECONDS = 60
MAP_CACHE_SECONDS = 60


@bp.route("/petitions/<slug>/receipt", methods=["GET", "POST"])
@receipt_limit
def receipt(slug: str):
    found = _public_petition(slug)
    if request.method == "GET":
        return _cacheable(
            current_app.make_response(render_template("public/receipt.html", petition=found))
        )
    require_same_origin()
    require_utf8_form()
    code = normalised_code(request.form.get("code", ""))
    if code is None:
        page = render_template(
            "public/receipt.html",
            petition=found,
            error=_(
                "A receipt code has 32 letters and digits in groups of four, like the one "
                "shown when you confirmed your signature."
            ),
        )
        response = current_app.make_response((page, 422))
    else:
        pack = latest_delivered_pack(db.session, found.id)
        found_in = pack is not None and receipt_in_pack(db.session, pack, code)
        page = render_template(
            "public/receipt.html", petition=found, checked=True, pack=pack, found=found_in
        )
        response = current_app.make_response(page)
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


@sitefiles_bp.get("/.well-known/campaign-keys.json")
def campaign_keys():
    """The public key that signs delivery packs, for anyone checking one."""
    try:
        key = signing_public_key()
    except KeyProblem:
        key = None
    response = current_app.json.response(keys_document(key))
    response.cache_control.public = True
    response.cache_control.max_age = KEYS_CACHE_SECONDS if key else 60
    return response


def signing_public_key() -> Ed25519PublicKey:
    """The signing key's public half, read from its file once per process."""
    cached = current_app.extensions.get("delivery.public_key")
    if cached is None:
        path = Path(current_app.config["DELIVERY_KEY_FILE"])
        cached = current_app.extensions["delivery.public_key"] = load_private_key(path).public_key()
    return cached


def delivery_for_page(petition: Petition, outcome) -> DeliveryPack | None:
    """The delivered pack to announce on the petition's page, unless an update's outcome
    (a victory, a response) came after it."""
    pack = latest_delivered_pack(db.session, petition.id)
    if pack is None or (outcome is not None and outcome.send_at > pack.delivered_at):
        return None
    return pack


def petition_country_counts(petition_id: int) -> CountryCounts:
    """The petition's signatures by country, counted at most once a minute per process.

    Counting reads every confirmed signature of the petition, and the petition page that shows
    the table is rebuilt whenever a confirmation changes its count: the figures by country
    keep for `COUNTRY_CACHE_SECONDS` instead, in a cache new counts leave alone."""
    cache = current_app.extensions.get("delivery.countries")
    if cache is None:
        cache = current_app.extensions["delivery.countries"] = PageCache(
            COUNTRY_CACHE_SECONDS, shows_counts=False
        )
    return cache.value(
        petition_id,
        lambda: country_counts(
            db.session, petition_id, min_count=current_app.config["COUNTRY_MIN_COUNT"]
        ),
    )


def countries_for_page(petition: Petition, lang: str) -> tuple[CountryCounts, dict[str, str]]:
    counts = petition_country_counts(petition.id)
    return counts, {code: country_name(code, lang) for code, _n in counts.countries}


@bp.get("/petitions/<slug>/map.svg")
@cached_page()
def country_map(slug: str):
    """The petition's signatures on a world map, for the page's <img>; the table beside it
    says the same in words."""
    petition = _public_petition(slug, preview=False)
    counts, names = countries_for_page(petition, g.lang)
    body = world_map_svg(
        counts,
        names,
        title=_("Signatures by country"),
        description=_("Countries shaded by their number of confirmed signatures."),
    )
    response = current_app.response_class(body, mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = MAP_CACHE_SECONDS
    return response


@bp.app_template_global()
def petition_countries(petition: Petition, lang: str) -> tuple[CountryCounts, dict[str, str]]:
    """For the petition page's table beside the map."""
    return countries_for_page(petition, lang)


@bp.app_template_global()
def petition_delivery(petition: Petition, outcome) -> DeliveryPack | None:
    return delivery_for_page(petition, outcome)
