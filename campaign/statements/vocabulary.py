"""The fixed words statements are classified by: kinds, topics and countries, with labels.

Topics are a fixed set of slugs rather than a table: they change as rarely as the kinds do, and a
label in code is translated like every other interface string.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.web.i18n import _collation_key, country_codes, country_name

KIND_LABELS = {
    "statement": _l("Statement"),
    "joint_statement": _l("Joint statement"),
    "urgent_intervention": _l("Urgent intervention"),
    "open_letter": _l("Open letter"),
    "report": _l("Report"),
    "news": _l("News"),
}

TOPIC_LABELS = {
    "human-rights-defenders": _l("Human rights defenders"),
    "monitoring-protection-mechanisms": _l("Monitoring protection mechanisms"),
    "childrens-rights": _l("Children’s rights"),
    "womens-rights": _l("Women’s rights"),
    "economic-social-cultural-rights": _l("Economic, social and cultural rights"),
    "urgent-campaigns": _l("Urgent campaigns"),
    "torture-prevention": _l("Prevention of torture"),
}

# Statements may concern the European Union as a whole. It is no ISO 3166-1 country, so the sign
# form never offers it, but Babel names it in every language under its reserved code EU.
REGIONS = frozenset({"EU"})


def statement_country_codes() -> frozenset[str]:
    """Every code a statement may name: the ISO countries plus REGIONS."""
    return country_codes() | REGIONS


def sorted_countries(codes, locale: str) -> list[tuple[str, str]]:
    """(code, localised name) sorted by name, as a reader of `locale` expects."""
    named = [(code, country_name(code, locale)) for code in codes]
    return sorted(named, key=lambda item: _collation_key(item[1]))


def topic_order(slug: str) -> int:
    return list(TOPIC_LABELS).index(slug) if slug in TOPIC_LABELS else len(TOPIC_LABELS)
