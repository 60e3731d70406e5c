"""gzip for text responses, when the client accepts it.

A petition page is mostly markup that gzip shrinks to a fifth, which is what a supporter on a
slow phone connection waits for. Three kinds of response are compressed in three places, so
that no body is compressed more often than needed:

- pages from the page cache (campaign.web.pagecache) carry both bodies in their entry,
  compressed once when the entry is made;
- static files are compressed once per file version (their ETag) and kept;
- anything else text-like and large enough is compressed here, per response, except what
  may hold a secret (`Cache-Control: no-store`, see below).

A compressed body is a different representation: it gets its own ETag (`…-gzip`), and every
response that could be compressed says `Vary: Accept-Encoding`. Tiny bodies stay as they are:
below `MIN_SIZE` gzip's own framing costs about as much as it saves.
"""

from __future__ import annotations

import gzip

from flask import Flask, Request, Response, request

MIN_SIZE = 1024
LEVEL = 6
_COMPRESSIBLE = frozenset(
    {
        "application/atom+xml",
        "application/javascript",
        "application/json",
        "application/xml",
        "image/svg+xml",
        "text/javascript",
    }
)
_STATIC_ENTRIES = 256
_static: dict[str, bytes] = {}


def compressible(mimetype: str | None, size: int) -> bool:
    return size >= MIN_SIZE and is_text(mimetype)


def is_text(mimetype: str | None) -> bool:
    return bool(mimetype) and (mimetype.startswith("text/") or mimetype in _COMPRESSIBLE)


def gzipped(body: bytes) -> bytes:
    # mtime=0: the same body always gives the same bytes, so ETags stay stable.
    return gzip.compress(body, compresslevel=LEVEL, mtime=0)


def accepts_gzip(req: Request) -> bool:
    return req.accept_encodings.quality("gzip") > 0


def gzip_etag(etag: str) -> str:
    return f"{etag}-gzip"


def use_gzipped_body(response: Response, body: bytes) -> None:
    """Make `response` the compressed representation, with `body` its compressed bytes."""
    etag, weak = response.get_etag()
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    if etag is not None:
        response.set_etag(gzip_etag(etag), weak=weak)


def compress_response(response: Response) -> Response:
    """The app's after-request hook: compress what nobody compressed before (see above)."""
    if not is_text(response.mimetype):
        return response
    response.vary.add("Accept-Encoding")
    if "Content-Encoding" in response.headers:
        return response
    # `no-store` marks what holds a secret (staff pages and their CSRF tokens, pages reached by
    # a token link): compressing a secret beside text an attacker can put in the same response
    # lets them guess it from the size (BREACH), so these go uncompressed.
    if response.status_code != 200 or response.cache_control.no_store or not accepts_gzip(request):
        return response
    if response.direct_passthrough:
        body = _static_file_gzipped(response)
    elif response.is_streamed:
        return response
    else:
        plain = response.get_data()
        body = gzipped(plain) if compressible(response.mimetype, len(plain)) else None
    if body is None:
        return response
    use_gzipped_body(response, body)
    if "HTTP_IF_NONE_MATCH" in request.environ:
        # The view compared the client's ETag with the plain body's.
        response.make_conditional(request)
    return response


def _static_file_gzipped(response: Response) -> bytes | None:
    """A static file's compressed bytes: read from disk and compressed once per version."""
    etag = response.get_etag()[0]
    if etag is None:
        return None
    body = _static.get(etag)
    if body is not None:
        response.close()  # the open file, not read
        return body
    response.direct_passthrough = False
    plain = response.get_data()
    if not compressible(response.mimetype, len(plain)):
        return None
    if len(_static) >= _STATIC_ENTRIES:
        _static.clear()
    body = _static[etag] = gzipped(plain)
    return body


def init_compression(app: Flask) -> None:
    app.after_request(compress_response)
