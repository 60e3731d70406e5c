"""Share links: each network's URL, built by the pure campaign.petitions.sharing, and the share
panel on the three pages a supporter passes through."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from sharing_support import (
    ALL,
    EXPECTED_HOSTS,
    TRICKY,
    check_share_panel,
    mailto_fields,
    make_shared_petition,
    parse,
    query_of,
)

from campaign.extensions import db
from campaign.models import Petition
from campaign.petitions.sharing import (
    CHANNELS,
    NETWORKS,
    channel_from,
    mastodon_host,
    mastodon_share_url,
    network_url,
    share_links,
    share_message,
    tagged_link,
)

# --- the pure module ----------------------------------------------------------------------


def test_channels_are_validated_against_the_list():
    for channel in CHANNELS:
        assert channel_from(channel) == channel
    for bad in (None, "", "X", "twitter", "x ", "copy;drop", "embed\x00"):
        assert channel_from(bad) is None


def test_tagged_link_adds_the_channel_and_replaces_earlier_tags():
    link = "https://example.org/en/petitions/p?src=facebook&ref=old&utm=keep"
    tagged = tagged_link(link, "x", "CODE.sig")
    assert query_of(tagged) == {"utm": "keep", "src": "x", "ref": "CODE.sig"}
    assert query_of(tagged_link("https://example.org/p", "qr")) == {"src": "qr"}
    with pytest.raises(ValueError):
        tagged_link(link, "myspace")


def test_share_message_adds_the_hashtag_once():
    assert share_message("Sign  now\n", "HumansAgainstTorture") == "Sign now #HumansAgainstTorture"
    assert share_message("Join #humansagainsttorture today", "HumansAgainstTorture") == (
        "Join #humansagainsttorture today"
    )
    # A longer tag that starts with ours is another tag.
    assert share_message("#HumansAgainstTortureNow", "HumansAgainstTorture").endswith(
        " #HumansAgainstTorture"
    )
    assert share_message("Sign", None) == "Sign"
    assert share_message("", "Tag") == "#Tag"


@pytest.mark.parametrize("lang", ALL)
def test_every_network_url_encodes_link_and_text(lang):
    subject, text = TRICKY[lang]
    link = f"https://campaigns.example.org/{lang}/petitions/stop-torture"
    message = share_message(text, "HumansAgainstTorture")
    links = share_links(link=link, message=message, subject=subject, ref="NDI.abc-_")
    assert set(links) == (set(NETWORKS) - {"mastodon"}) | {"copy"}
    for network, url in links.items():
        expected_link = f"{link}?src={network}&ref=NDI.abc-_"
        assert " " not in url and "\n" not in url, network
        if network == "copy":
            assert url == expected_link
            continue
        if network == "email":
            fields = mailto_fields(url)
            assert fields == {"subject": subject, "body": f"{message}\r\n\r\n{expected_link}"}
            assert "+" not in url.split("?", 1)[1].replace("%2B", "")  # spaces are %20
            continue
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.netloc == EXPECTED_HOSTS[network]
        query = query_of(url)
        if network in {"facebook", "linkedin"}:
            assert list(query.values()) == [expected_link]
        elif network in {"x", "telegram"}:
            assert query == {"text": message, "url": expected_link}
        else:
            assert query == {"text": f"{message} {expected_link}"}
    # One percent-encoded query value per parameter: nothing from the text leaks into syntax.
    assert query_of(links["x"])["text"].count("#") == message.count("#")


def test_mastodon_url_goes_to_the_visitors_server():
    url = mastodon_share_url(
        "mastodon.social", link="https://e.org/en/petitions/p", message="Sign & share #Tag"
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "mastodon.social", "/share")
    assert query_of(url) == {"text": "Sign & share #Tag https://e.org/en/petitions/p?src=mastodon"}
    with pytest.raises(ValueError):
        network_url("mastodon", link="l", message="m", subject="s")
    with pytest.raises(ValueError):
        network_url("myspace", link="l", message="m", subject="s")


@pytest.mark.parametrize(
    ("typed", "host"),
    [
        ("mastodon.social", "mastodon.social"),
        ("  Mastodon.Social ", "mastodon.social"),
        ("my-server.example", "my-server.example"),
        ("social.example.co.uk.", "social.example.co.uk"),
        ("mäuse.example", "xn--muse-loa.example"),
    ],
)
def test_mastodon_host_accepts_a_host_name(typed, host):
    assert mastodon_host(typed) == host


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "localhost",
        "127.0.0.1",
        "10.0.0.1",
        "[::1]",
        "example.social:8443",
        "https://user:pw@example.social/",
        # Only the name: anything around it is refused, not picked apart.
        "https://fosstodon.org/",
        "http://fosstodon.org/@someone",
        "fosstodon.org/share",
        "@me@chaos.social",
        "me@chaos.social",
        "evil.example\\@good.social",
        "evil.example\\good.social",
        "under_score.example",
        "-bad.example",
        "bad-.example",
        "a..b",
        "exa mple.social",
        "javascript:alert(1)",
        "example.social\r\nX-Header: 1",
        "a" * 64 + ".example",
        ("a" * 60 + ".") * 5 + "com",
    ],
)
def test_mastodon_host_refuses_anything_but_a_public_host_name(typed):
    assert mastodon_host(typed) is None


# --- the share panel on pages -------------------------------------------------------------


@pytest.fixture
def shared_petition(app, make_campaign, make_petition):
    return make_shared_petition(app, make_campaign, make_petition)


@pytest.mark.parametrize("lang", ALL)
def test_share_panel_on_petition_page(client, shared_petition, lang):
    html = client.get(f"/{lang}/petitions/{shared_petition.slug}").get_data(as_text=True)
    check_share_panel(html, lang, shared_petition.slug)


@pytest.mark.parametrize("lang", ALL)
def test_share_panel_on_check_your_email_page(client, shared_petition, lang):
    response = client.get(f"/{lang}/petitions/{shared_petition.slug}/check-your-email")
    html = response.get_data(as_text=True)
    # Not confirmed yet: no "I signed..." words, the petition's title instead.
    check_share_panel(html, lang, shared_petition.slug, as_signer=False)
    assert TRICKY[lang][1] not in html


def test_mastodon_route_redirects_to_the_visitors_server(client, shared_petition):
    slug = shared_petition.slug
    response = client.get(
        f"/fr/petitions/{slug}/share/mastodon", query_string={"instance": " Piaille.fr "}
    )
    assert response.status_code == 303
    target = response.headers["Location"]
    assert target.startswith("https://piaille.fr/share?text=")
    expected = share_message(TRICKY["fr"][1], "HumansAgainstTorture")
    assert query_of(target)["text"] == (
        f"{expected} http://localhost/fr/petitions/{slug}?src=mastodon"
    )


@pytest.mark.parametrize(
    "instance",
    [
        "",
        "127.0.0.1",
        "evil.example:81",
        "localhost",
        "https://mastodon.social/",
        "@me@mastodon.social",
        "evil.example\\@mastodon.social",
    ],
)
def test_mastodon_route_refuses_a_bad_server_with_a_form(client, shared_petition, instance):
    response = client.get(
        f"/en/petitions/{shared_petition.slug}/share/mastodon", query_string={"instance": instance}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'aria-invalid="true"' in html
    assert f'value="{instance}"' in html or not instance  # the input is kept
    assert "Location" not in response.headers


def test_mastodon_route_says_what_to_type_in_the_visitors_language(app, client, shared_petition):
    response = client.get(
        f"/fr/petitions/{shared_petition.slug}/share/mastodon",
        query_string={"instance": "@moi@piaille.fr"},
    )
    assert response.status_code == 400
    with app.test_request_context(), force_locale("fr"):
        message = gettext(
            "Enter only your server’s name, such as mastodon.social, without https:// or @name"
        )
    assert message.startswith("Saisissez")
    html = response.get_data(as_text=True)
    assert str(escape(message)) in html
    assert 'value="@moi@piaille.fr"' in html


def test_share_text_falls_back_to_the_title(app, client, make_petition):
    petition = make_petition()
    with app.app_context():
        found = db.session.get(Petition, petition.id)
        found.texts[0].share_text = ""
        title = found.texts[0].title
        db.session.commit()
    html = client.get(f"/en/petitions/{petition.slug}").get_data(as_text=True)
    x = next(a["href"] for a in parse(html).anchors if "share__network--x" in a.get("class", ""))
    assert query_of(x)["text"] == f"{title} #HumansAgainstTorture"


def test_no_share_text_is_double_encoded(client, shared_petition):
    html = client.get(f"/en/petitions/{shared_petition.slug}").get_data(as_text=True)
    hrefs = re.findall(r'href="(https://[^"]+)"', html)
    assert any("100%25" in href for href in hrefs)  # "100%" in the text, encoded once
    for href in hrefs:
        assert "%2525" not in href and "%26amp%3B" not in href and "%26%2334%3B" not in href
