"""Share links: each network's URL for a petition, built from its link and message.

Pure functions, no Flask: the link a supporter passes on carries the channel it went through
(`?src=`) and, for a confirmed signer's personal link, their referral code (`?ref=`). Nothing
here loads anything from the networks: the visitor's browser just follows a plain link.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Every value `?src=` may take; anything else is ignored, never stored.
CHANNELS = (
    "x",
    "facebook",
    "whatsapp",
    "telegram",
    "linkedin",
    "bluesky",
    "mastodon",
    "email",
    "copy",
    "embed",
    "qr",
)
# The networks of the share panel, in the order it shows them; Mastodon needs the visitor's server.
NETWORKS = ("x", "facebook", "whatsapp", "telegram", "linkedin", "bluesky", "mastodon", "email")
HOST_MAX = 253
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def channel_from(value: str | None) -> str | None:
    """The channel a `src` value names, or None when it names none we know."""
    return value if value in CHANNELS else None


def _query(**params: str) -> str:
    # quote, not quote_plus: a "+" stays a plus sign in mailto: bodies and in some apps.
    return urlencode(params, quote_via=quote)


def tagged_link(link: str, channel: str, ref: str | None = None) -> str:
    """`link` with its channel (and the referral code, when there is one) in the query."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    parts = urlsplit(link)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in {"src", "ref"}]
    query.append(("src", channel))
    if ref:
        query.append(("ref", ref))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def share_message(text: str, hashtag: str | None) -> str:
    """The text to post: the petition's share text with the campaign hashtag, once."""
    message = " ".join(text.split())
    if hashtag:
        tag = "#" + hashtag.lstrip("#")
        if not re.search(re.escape(tag) + r"(?!\w)", message, re.IGNORECASE):
            message = f"{message} {tag}" if message else tag
    return message


def network_url(network: str, *, link: str, message: str, subject: str, host: str = "") -> str:
    """The URL that opens `network`'s own share dialog for `link` (already tagged)."""
    with_link = f"{message} {link}"
    if network == "x":
        return "https://x.com/intent/post?" + _query(text=message, url=link)
    if network == "facebook":
        return "https://www.facebook.com/sharer/sharer.php?" + _query(u=link)
    if network == "whatsapp":
        return "https://wa.me/?" + _query(text=with_link)
    if network == "telegram":
        return "https://t.me/share/url?" + _query(url=link, text=message)
    if network == "linkedin":
        return "https://www.linkedin.com/sharing/share-offsite/?" + _query(url=link)
    if network == "bluesky":
        return "https://bsky.app/intent/compose?" + _query(text=with_link)
    if network == "mastodon":
        if not host:
            raise ValueError("Mastodon needs the visitor's server")
        return f"https://{host}/share?" + _query(text=with_link)
    if network == "email":
        # RFC 6068: line breaks in a mailto: body are CRLF.
        return "mailto:?" + _query(subject=subject, body=f"{message}\r\n\r\n{link}")
    raise ValueError(f"unknown network {network!r}")


def share_links(*, link: str, message: str, subject: str, ref: str | None = None) -> dict[str, str]:
    """Every network's share URL but Mastodon's (it needs a server), and the link to copy."""
    links = {
        network: network_url(
            network, link=tagged_link(link, network, ref), message=message, subject=subject
        )
        for network in NETWORKS
        if network != "mastodon"
    }
    links["copy"] = tagged_link(link, "copy", ref)
    return links


def mastodon_share_url(host: str, *, link: str, message: str, ref: str | None = None) -> str:
    return network_url(
        "mastodon",
        link=tagged_link(link, "mastodon", ref),
        message=message,
        subject="",
        host=host,
    )


def mastodon_host(raw: str) -> str | None:
    """The host name of the Mastodon server a visitor typed, or None when it is not one.

    Only a host name is accepted: letters, digits, dots and hyphens, as in `mastodon.social`.
    A scheme, an account (`@me@...`), credentials, a port, a path or a backslash is refused
    rather than picked apart, since browsers and parsers disagree on where such a string's host
    is. IP addresses and names without a dot are refused too, so the redirect can only go to
    `https://<public host name>/share`.
    """
    value = raw.strip().lower().removesuffix(".")
    if not value or len(value) > HOST_MAX or not all(c.isalnum() or c in ".-" for c in value):
        return None
    try:
        host = value.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = host.split(".")
    if len(host) > HOST_MAX or len(labels) < 2:
        return None
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return None
    return host
