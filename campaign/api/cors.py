"""Cross-origin reads of the public API: partners' pages `fetch()` it from their own sites.

Anyone may read it (`Access-Control-Allow-Origin: *`), never with credentials: the API answers
everyone alike and reads no cookie, so a browser sends none and no answer made for one person
can be read by another site.
"""

from __future__ import annotations

from flask import Response, request

PREFLIGHT_MAX_AGE = 24 * 3600


def allow_cross_origin_reads(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    # Readable by the calling page, so that it can send If-None-Match and be answered 304.
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response
