"""Who is asking: the client's address, as far as the trusted proxies vouch for it."""

from flask import current_app, request

from campaign.web.pseudonyms import address_hash


def client_address() -> str:
    """The peer address after ProxyFix has applied the configured number of trusted proxies."""
    return request.remote_addr or "unknown"


def client_key() -> str:
    """The client address as anything we keep sees it: a keyed hash (campaign.web.pseudonyms)."""
    return address_hash(current_app.config["SECRET_KEY"], client_address())
