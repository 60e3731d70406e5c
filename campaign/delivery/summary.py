"""summary.pdf: the pack's human-readable face, in the pack's language.

Drawn with fpdf2, whose text shaping (HarfBuzz, through uharfbuzz) joins and orders Arabic
correctly with no system service, using the Noto fonts Debian ships (fonts-noto-core, which
`make` installs). ReportLab does not shape Arabic; WeasyPrint needs Pango and its system
libraries."""

from __future__ import annotations

import logging
from datetime import UTC
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from campaign.delivery.countries import CountryCounts
from campaign.delivery.worldmap import map_aspect, world_map_svg
from campaign.models.protection import UNKNOWN_COUNTRY
from campaign.web.i18n import RTL_LOCALES

if TYPE_CHECKING:
    from campaign.delivery.packs import PackFacts

# fontTools reports each step of subsetting the fonts at INFO: noise in the platform's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)
# fpdf2 names each SVG element it does not draw (the map's <title> tooltips): noise as well.
logging.getLogger("fpdf.svg").setLevel(logging.ERROR)
FONTS = {
    ("latin", ""): "NotoSans-Regular.ttf",
    ("latin", "B"): "NotoSans-Bold.ttf",
    ("arabic", ""): "NotoSansArabic-Regular.ttf",
    ("arabic", "B"): "NotoSansArabic-Bold.ttf",
}


class MissingFonts(Exception):
    """A font the summary is drawn with is not installed."""


def write_summary(path: Path, facts: PackFacts, *, public_key: str, font_dir: Path) -> None:
    with force_locale(facts.language):
        pdf = _document(facts, public_key, font_dir)
    pdf.output(str(path))


def _document(facts: PackFacts, public_key: str, font_dir: Path) -> FPDF:
    lang = facts.language
    rtl = lang in RTL_LOCALES
    text = facts.petition.text_for(lang)
    pdf = FPDF()
    for (family, style), name in FONTS.items():
        font = font_dir / name
        if not font.is_file():
            raise MissingFonts(f"font {font} is missing (Debian package fonts-noto-core)")
        pdf.add_font(family, style, str(font))
    main, fallback = ("arabic", "latin") if rtl else ("latin", "arabic")
    pdf.set_fallback_fonts([fallback])
    pdf.set_text_shaping(True)
    # The PDF's own metadata, for readers that list documents by title.
    pdf.set_title(text.title)
    pdf.set_author(facts.organisation)
    pdf.set_lang(lang)
    pdf.add_page()
    align = "R" if rtl else "L"

    def paragraph(value: str, *, size: float = 11, bold: bool = False, gap: float = 2) -> None:
        pdf.set_font(main, "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.55, value, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def number(value: int) -> str:
        return format_decimal(value, locale=lang)

    def day(value) -> str:
        return format_date(value, "long", locale=lang) if value else "–"

    paragraph(facts.organisation, size=10)
    paragraph(text.title, size=18, bold=True, gap=4)
    if text.target:
        paragraph(_("Addressed to: %(target)s", target=text.target), bold=True)
    paragraph(text.body, size=10, gap=4)
    paragraph(_("Confirmed signatures: %(count)s", count=number(facts.count)), size=14, bold=True)
    paragraph(_("First signature: %(date)s", date=day(facts.first_on)))
    paragraph(_("Last signature: %(date)s", date=day(facts.last_on)))
    paragraph(
        _(
            "Signatures confirmed before %(cut_off)s (UTC).",
            cut_off=format_datetime(facts.cut_off, "medium", tzinfo=UTC, locale=lang),
        ),
        gap=4,
    )
    paragraph(_("Signatures by country"), size=13, bold=True)
    names = facts.country_names()
    if UNKNOWN_COUNTRY in names:
        # Only a protected petition's pack has it: its sealed and folded countries.
        names[UNKNOWN_COUNTRY] = _("Other countries")
    pdf.set_font(main, "", 10)
    header = [_("Country"), _("Signatures")]
    with pdf.table(
        col_widths=(3, 1),
        text_align=("RIGHT", "RIGHT") if rtl else ("LEFT", "RIGHT"),
        first_row_as_headings=True,
    ) as table:
        # Most signatures first, the other countries last, as on the petition's page.
        by_count = sorted(facts.countries.most_common(), key=lambda c: c[0] == UNKNOWN_COUNTRY)
        rows = [header] + [[names[code], number(count)] for code, count in by_count]
        for cells in rows:
            row = table.row()
            for value in reversed(cells) if rtl else cells:
                row.cell(value)
    pdf.ln(4)
    _draw_map(pdf, facts, names)
    paragraph(_("How to check this pack"), size=13, bold=True)
    paragraph(
        _(
            "This pack holds signatures.csv (one row per confirmed signature: name, country "
            "and date; never an email address), this summary, and manifest.json. The manifest "
            "lists the SHA-256 of every other file, the count by country and the hashes of "
            "the signers' receipt codes, and is signed by %(organisation)s with the Ed25519 "
            "key below, which is also published at %(url)s. Run `campaign delivery-pack verify "
            "FOLDER`, or the verify_pack function of campaign/delivery/verification.py, to "
            "check that no byte has changed. A signer can check that their signature is in "
            "the pack with the receipt code they were given: its SHA-256 is in the manifest.",
            organisation=facts.organisation,
            url=_keys_url(facts.public_url),
        ),
        size=10,
    )
    paragraph(_("Public key (Ed25519, base64):"), size=10, bold=True, gap=0)
    pdf.set_font("latin", "", 10)
    pdf.multi_cell(0, 6, public_key, align="L", new_x="LMARGIN", new_y="NEXT")
    return pdf


def _draw_map(pdf: FPDF, facts: PackFacts, names: dict[str, str]) -> None:
    """The public map's shapes and shades, drawn as vectors from the per-country counts alone
    (so a million signatures draw no more than ten), folding small countries as it does."""
    shown = sorted(
        (
            (code, count)
            for code, count in facts.countries.items()
            if count >= facts.min_country_count and code != UNKNOWN_COUNTRY
        ),
        key=lambda item: (-item[1], item[0]),
    )
    folded = facts.count - sum(count for _code, count in shown)
    svg = world_map_svg(CountryCounts(shown, folded, None), names, title="", description="")
    width = pdf.epw
    height = width * map_aspect()
    if pdf.will_page_break(height):
        pdf.add_page()
    pdf.image(BytesIO(svg), x=pdf.l_margin, w=width, h=height)
    pdf.ln(4)


def _keys_url(public_url: str) -> str:
    """The key document's address on the site the petition's address is on."""
    scheme, _sep, rest = public_url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/.well-known/campaign-keys.json"
