"""Helpers for the sharing tests: tricky share texts, page parsing, the sign-and-confirm flow."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from campaign.extensions import db
from campaign.models import OutboxEmail, PetitionText
from campaign.petitions.sharing import NETWORKS, share_message

ALL = ("en", "fr", "es", "ar")
# Characters that break naive URL building: query syntax, a hash, quotes, an emoji, Arabic.
TRICKY = {
    "en": ("Stop torture & impunity?", 'Sign now: 100% #urgent & "fair" = justice? 🙏'),
    "fr": ("Arrêtons la torture", "Signez : l’impunité, ça suffit ! #urgence"),
    "es": ("Fin a la tortura", "¡Firma ya! 50 % + justicia = verdad"),
    "ar": ("أوقفوا التعذيب", "وقّعوا الآن: لا للإفلات من العقاب؟ #عدالة"),
}
EXPECTED_HOSTS = {
    "x": "x.com",
    "facebook": "www.facebook.com",
    "whatsapp": "wa.me",
    "telegram": "t.me",
    "linkedin": "www.linkedin.com",
    "bluesky": "bsky.app",
}


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def mailto_fields(url: str) -> dict[str, str]:
    assert url.startswith("mailto:?")
    return {k: v[0] for k, v in parse_qs(url.removeprefix("mailto:?")).items()}


class Links(HTMLParser):
    """Collects the share panel's links, forms and fields, and every external resource."""

    def __init__(self):
        super().__init__()
        self.anchors: list[dict] = []
        self.forms: list[dict] = []
        self.inputs: list[dict] = []
        self.resources: list[str] = []
        self._in_share = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "data-share" in attrs:
            self._in_share += 1
        if tag in {"script", "img", "iframe"} and attrs.get("src"):
            self.resources.append(attrs["src"])
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.resources.append(attrs["href"])
        if not self._in_share:
            return
        if tag == "a":
            self.anchors.append(attrs)
        elif tag == "form":
            self.forms.append(attrs)
        elif tag == "input":
            self.inputs.append(attrs)

    def handle_endtag(self, tag):
        if tag == "section" and self._in_share:
            self._in_share -= 1


def parse(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def make_shared_petition(app, make_campaign, make_petition):
    """A petition in four languages whose share texts are full of URL syntax."""
    petition = make_petition(campaign=make_campaign(locales=ALL), locales=ALL)
    with app.app_context():
        for text in db.session.scalars(
            db.select(PetitionText).where(PetitionText.petition_id == petition.id)
        ):
            text.title, text.share_text = TRICKY[text.locale]
        db.session.commit()
    return petition


def check_share_panel(
    html: str, lang: str, slug: str, ref: str | None = None, *, as_signer: bool = True
) -> None:
    """`as_signer` False: before confirmation the message is the title, not the share text."""
    page = parse(html)
    subject, text = TRICKY[lang]
    message = share_message(text if as_signer else subject, "HumansAgainstTorture")
    link = f"http://localhost/{lang}/petitions/{slug}"
    suffix = f"&ref={ref}" if ref else ""
    hrefs = {a["class"].split("--")[-1]: a["href"] for a in page.anchors if "class" in a}
    assert set(hrefs) == set(NETWORKS) - {"mastodon"}
    for network, href in hrefs.items():
        tagged = f"{link}?src={network}{suffix}"
        if network == "email":
            assert mailto_fields(href)["body"] == f"{message}\r\n\r\n{tagged}"
            assert mailto_fields(href)["subject"] == subject
            continue
        assert urlsplit(href).netloc == EXPECTED_HOSTS[network]
        values = query_of(href).values()
        assert any(tagged in v for v in values), (network, href)
        if network not in {"facebook", "linkedin"}:
            assert any(message in v for v in values), (network, href)
    for anchor in page.anchors:
        if anchor["href"].startswith("https://"):
            assert anchor["target"] == "_blank" and "noopener" in anchor["rel"]
    (form,) = page.forms
    assert form["method"] == "get"
    assert form["action"] == f"/{lang}/petitions/{slug}/share/mastodon"
    copy = next(i for i in page.inputs if "data-share-copy" in i)
    assert copy["value"] == f"{link}?src=copy{suffix}" and "readonly" in copy
    hidden_refs = [i["value"] for i in page.inputs if i.get("name") == "ref"]
    assert hidden_refs == ([ref] if ref else [])
    # Plain links only: every script, image, frame and stylesheet comes from our own site.
    for resource in page.resources:
        assert resource.startswith("/") and not resource.startswith("//"), resource


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input id="(src|ref)" name="\1" type="hidden" value="([^"]*)">', html))


def sign(client, petition, *, lang="en", email="ann@example.org", src=None, ref=None):
    """Follow a (shared) link to the petition, then send the form as the page rendered it."""
    query = {k: v for k, v in {"src": src, "ref": ref}.items() if v}
    page = client.get(f"/{lang}/petitions/{petition.slug}", query_string=query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = {"name": "Ann Example", "email": email, "country": "FR", "consent": "y"}
    response = client.post(
        f"/{lang}/petitions/{petition.slug}", data={**data, **hidden_fields(html)}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return page, response


def confirmation_path(app, email: str) -> str:
    with app.app_context():
        message = db.session.scalars(
            db.select(OutboxEmail)
            .where(OutboxEmail.to_address == email, OutboxEmail.kind == "confirm_signature")
            .order_by(OutboxEmail.id.desc())
        ).first()
        return re.search(r"http://localhost(/\w\w/confirm/\S+)", message.text_body).group(1)


def referral_code_in(html: str) -> str:
    value = re.search(r'id="share-copy" type="url" readonly value="([^"]+)"', html).group(1)
    return parse_qs(urlsplit(value.replace("&amp;", "&")).query)["ref"][0]


def sign_and_confirm(app, client, petition, *, lang="en", email="ann@example.org", **link):
    """Sign through the pages and confirm through the emailed link, as a supporter does.

    Returns the "your signature counts" page and the supporter's referral code on it."""
    sign(client, petition, lang=lang, email=email, **link)
    response = client.post(confirmation_path(app, email))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, referral_code_in(html)
