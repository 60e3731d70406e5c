"""A tiny per-process cache of finished public responses: public pages and the counter API.

On a viral day tens of thousands of people reload the same petition page and counter, and open
the campaign, its statements and the home page. Those
responses hold nothing personal and are the same for every anonymous visitor in a language, so
each worker process renders them once per few seconds (`PAGE_CACHE_SECONDS`) and answers the
rest from memory. A CDN in front may keep them as long again (`PUBLIC_CACHE_SECONDS`).

What is never cached: anything but a 200 answer to GET/HEAD that the view marks
`Cache-Control: public` (so no POST, 422, 404, error page or page made for one visitor's
link), requests that carry a cookie (a signed-in staff member may see a different page), and
responses that set a cookie or write to the session.

Each entry keeps the response's validators (its ETag, and as Last-Modified the time it was
made unless the view set one: a time that only moves forward, unlike the newest item shown,
which goes back when that item is withdrawn), so a client holding either is answered 304; and
the body gzipped once, so a hit costs no compression (campaign.web.compression).

Freshness within the process: when a transaction in this process commits a change to a table
the cached pages are built from (a confirmation increments `petitions.signature_count`, staff
edit a text), every cache in the process is emptied, so the next visitor sees the new figure.
Other processes catch up when their entries expire. Writes to tables known not to change any
cached page (new pending signatures, the outbox, the audit log) leave the cache alone, which is
what keeps it useful while people sign. A statement marked `COUNTS_ONLY` (a confirmation's
counter increment) empties only the caches of things that show counts, and those at most once
per `COUNT_REFRESH_SECONDS`: on a viral day confirmations arrive many times a second, and
emptying the cache for each would have every page rendered afresh for every visitor. A page is
then at most a second behind the count this process wrote (the supporter who confirmed sees the
count their signature made on the confirmed page itself), and what shows no count (the layout of
the confirmation pages, the petition a sign form posts to) is not rebuilt at all.

One render per expiry: when an entry runs out (its lifetime is over, or a new count made it
stale), the first request to find it so renders the page afresh, and the others that arrive
meanwhile are answered the entry they would have had a moment before. Without that, every busy
thread of the process found the same entry gone at the same moment and rendered the same page,
each slowed by the others. A change this process commits deletes the entries outright: nobody is
then answered the old page.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from flask import Flask, Response, current_app, g, request
from flask.globals import request_ctx
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction
from werkzeug.datastructures import MultiDict

from campaign.web import compression
from campaign.web.security_headers import (
    allow_external_form_targets,
    external_form_targets_allowed,
)

# Tables whose rows never appear on a cached page: writing them keeps the cache.
# (A wall's reports show nowhere; the post they hide changes, and that empties the caches.
# A confirmation told to a webhook queues a delivery: were that a change, each confirmation
# would empty every cache of its process, and pages be rendered for every visitor.)
UNCACHED_TABLES = frozenset(
    {
        "signatures",
        "outbox_emails",
        "outbox_bodies",
        "audit_events",
        "users",
        "wall_reports",
        "webhook_deliveries",
        "webhook_endpoints",
        "api_tokens",
        "suppressions",
    }
)
MAX_ENTRIES = 2048
COUNT_REFRESH_SECONDS = 1.0
_STALE = "pagecache.stale"
# Execution option of a write that changes nothing but counters (see the module's docstring).
COUNTS_ONLY = "pagecache_counts_only"
_TEXT_WRITE = re.compile(r"\s*(insert|update|delete|truncate|replace|alter|drop)\b", re.I)
_caches: weakref.WeakSet[PageCache] = weakref.WeakSet()
T = TypeVar("T")
# Recomputed for every response, or never to be replayed to another visitor.
_UNSTORED_HEADERS = frozenset({"Content-Length", "Set-Cookie"})


@dataclass(frozen=True)
class CachedResponse:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    # The body gzipped when the entry was made, if worth it (campaign.web.compression).
    gzipped: bytes | None = None
    # Whether the page's forms may post to other sites (campaign.web.security_headers): the
    # policy is set after the view, on every answer, so the entry must remember it.
    external_forms: bool = False


class PageCache:
    """Values (finished responses, mostly) by key, each kept for `seconds`; `seconds <= 0` turns
    caching off. `shows_counts` says whether a new count must make it stale.

    `get` answers None to the one caller that should make the value afresh (and `put` it, or
    `abandon` the attempt); see the module's docstring."""

    def __init__(
        self,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        shows_counts: bool = True,
    ):
        self.seconds = seconds
        self.clock = clock
        self.shows_counts = shows_counts
        self._count_refreshed_at = -math.inf
        # Entries made before the last new count are stale: (expiry, generation, value).
        self._generation = 0
        self._entries: dict[Hashable, tuple[float, int, object]] = {}
        # Keys being made afresh, with when that began.
        self._refreshing: dict[Hashable, float] = {}
        self._lock = threading.Lock()
        _caches.add(self)

    def __len__(self) -> int:
        """How many entries are fresh."""
        now = self.clock()
        return sum(1 for e in self._entries.values() if e[0] > now and e[1] == self._generation)

    def get(self, key: Hashable) -> object | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, generation, value = entry
        now = self.clock()
        if expires > now and generation == self._generation:
            return value
        with self._lock:
            began = self._refreshing.get(key)
            # A render stuck for longer than a lifetime is given up on: someone else tries.
            if began is not None and now - began < self.seconds:
                return value
            self._refreshing[key] = now
        return None

    def put(self, key: Hashable, value: object) -> None:
        self._refreshing.pop(key, None)
        if self.seconds <= 0:
            return
        self._entries.pop(key, None)
        if len(self._entries) >= MAX_ENTRIES:
            # Full (a crawler walking every filter of the statements listing, say): forget the
            # entry stored longest ago, so the pages everyone reads are soon kept again.
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (self.clock() + self.seconds, self._generation, value)

    def abandon(self, key: Hashable) -> None:
        """Making the value afresh failed or gave nothing to keep: forget the old one too, so
        the next request makes its own instead of being answered what is out of date."""
        self._refreshing.pop(key, None)
        self._entries.pop(key, None)

    def value(self, key: Hashable, load: Callable[[], T]) -> T:
        """The value kept under `key`, or `load()`'s, kept."""
        value = self.get(key)
        if value is not None:
            return value  # type: ignore[return-value]
        try:
            value = load()
        except BaseException:
            self.abandon(key)
            raise
        self.put(key, value)
        return value

    def clear(self) -> None:
        self._entries.clear()
        self._refreshing.clear()

    def count_changed(self) -> None:
        """A count changed: make what shows counts stale, at most once per
        `COUNT_REFRESH_SECONDS` (see the module's docstring)."""
        if not self.shows_counts:
            return
        now = self.clock()
        if now - self._count_refreshed_at >= COUNT_REFRESH_SECONDS:
            self._count_refreshed_at = now
            self._generation += 1


def init_app(app: Flask) -> None:
    app.extensions["pagecache"] = PageCache(app.config["PAGE_CACHE_SECONDS"])
    app.extensions["pagecache.countless"] = PageCache(
        app.config["PAGE_CACHE_SECONDS"], shows_counts=False
    )
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_commit", _after_commit)


def countless_cache() -> PageCache:
    """The cache of what shows no count: a new count leaves it alone."""
    return current_app.extensions["pagecache.countless"]


def remembered(key: Hashable, load: Callable[[], T], *, shows_counts: bool = True) -> T:
    """`load()`'s value, kept in this process's cache under the same rules as the pages: for
    `PAGE_CACHE_SECONDS`, and forgotten when this process commits a change to what it shows."""
    cache: PageCache = current_app.extensions["pagecache"] if shows_counts else countless_cache()
    return cache.value(key, load)


def clear_all() -> None:
    """Empty every cache in this process (for writers that bypass the ORM session)."""
    for cache in list(_caches):
        cache.clear()


def cached_page(
    *,
    query_args: tuple[str, ...] = (),
    bypass_args: tuple[str, ...] = (),
    query_key: Callable[[MultiDict[str, str]], Hashable | None] | None = None,
) -> Callable:
    """Serve a public GET view from the process cache, keyed by its URL values and language.

    `query_args` names the query parameters the view's answer depends on (each value its own
    entry; the view must refuse values it does not know); others are ignored, so random query
    strings cannot fill the cache. `query_key`, instead, turns the query into the view's own
    normalised reading of it (so `?country=mx` and `?country=MX` share an entry), or None for a
    query not worth keeping (unknown values, free text): that request goes to the view. A
    request carrying any of `bypass_args` (a referral code, say) always goes to the view. Only
    answers the view marks `Cache-Control: public` are kept.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**kwargs):
            if (
                request.method not in ("GET", "HEAD")
                or "HTTP_COOKIE" in request.environ
                or (
                    bypass_args
                    and request.environ.get("QUERY_STRING")
                    and any(name in request.args for name in bypass_args)
                )
            ):
                return view(**kwargs)
            cache: PageCache = current_app.extensions["pagecache"]
            query: Hashable = ()
            if query_key is not None:
                query = query_key(request.args)
                if query is None:
                    return view(**kwargs)
            elif query_args and request.environ.get("QUERY_STRING"):
                query = tuple(request.args.get(name) for name in query_args)
            key = (request.endpoint, g.get("lang"), tuple(kwargs.items()), query)
            entry = cache.get(key)
            if entry is None:
                try:
                    response = current_app.make_response(view(**kwargs))
                except BaseException:
                    cache.abandon(key)
                    raise
                if not _storable(response):
                    cache.abandon(key)
                    return response
                entry = _entry(response)
                cache.put(key, entry)
            return _serve(entry)  # type: ignore[arg-type]

        return wrapper

    return decorate


def _storable(response: Response) -> bool:
    return (
        response.status_code == 200
        and response.cache_control.public
        and not response.cache_control.private
        and not response.cache_control.no_store
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
        and not _session_written()
    )


def _session_written() -> bool:
    """Whether the view put something in the session (a flash message, say) for this visitor.

    Reads the request context's own slot: the `session` proxy would mark the session accessed.
    """
    opened = getattr(request_ctx, "_session", None)
    return bool(opened is not None and opened.modified)


def _entry(response: Response) -> CachedResponse:
    """What the cache keeps of a response: its validators, and its body compressed once."""
    body = response.get_data()
    if response.get_etag()[0] is None:
        response.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    if response.last_modified is None:
        response.last_modified = datetime.now(UTC)
    gzipped = (
        compression.gzipped(body)
        if compression.compressible(response.mimetype, len(body))
        else None
    )
    return CachedResponse(
        body, _headers_to_keep(response), gzipped, external_form_targets_allowed()
    )


def _serve(entry: CachedResponse) -> Response:
    if entry.external_forms:
        allow_external_form_targets()
    response = Response(entry.body, headers=list(entry.headers))
    if entry.gzipped is not None and compression.accepts_gzip(request):
        compression.use_gzipped_body(response, entry.gzipped)
    if "HTTP_IF_NONE_MATCH" in request.environ or "HTTP_IF_MODIFIED_SINCE" in request.environ:
        response.make_conditional(request)
    return response


def _headers_to_keep(response: Response) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in response.headers.items() if k not in _UNSTORED_HEADERS)


# --- freshness: a committed write to a table behind the cached pages empties the caches --------


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table not in UNCACHED_TABLES:
            session.info[_STALE] = True
            return


def _on_execute(state) -> None:
    if state.is_select:
        return
    statement = state.statement
    table = getattr(statement, "table", None)
    if table is not None:
        if getattr(table, "name", None) not in UNCACHED_TABLES:
            if state.execution_options.get(COUNTS_ONLY):
                # Never downgrade a transaction that also changed something else.
                state.session.info.setdefault(_STALE, COUNTS_ONLY)
            else:
                state.session.info[_STALE] = True
    elif _TEXT_WRITE.match(str(statement)):
        state.session.info[_STALE] = True


def _after_commit(session: Session) -> None:
    stale = session.info.pop(_STALE, False)
    if stale == COUNTS_ONLY:
        for cache in list(_caches):
            cache.count_changed()
    elif stale:
        clear_all()
