"""Who is asking: the client's address, as far as the trusted proxies vouch for it."""

from flask import request


def client_address() -> str:
    """The peer address after ProxyFix has applied the configured number of trusted proxies."""
    return request.remote_addr or "unknown"
