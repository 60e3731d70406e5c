"""Arbitrary text and bytes at every public form and the API (hypothesis): never a 5xx, and
nothing stored unless the input was accepted."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from helpers import count
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from campaign.models import OutboxEmail, Signature, StatementEndorsement

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Any text, with the characters that break things over-represented.
nasty = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(
            ["\x00", "\r", "\n", "%", "&", "=", "+", "<", '"', "'", "\ufffd", "\u202e"]
        ),
    ),
    max_size=300,
)
maybe = st.one_of(st.none(), nasty)
SIGN_FIELDS = ("name", "email", "country", "consent", "newsletter", "src", "ref", "homepage")
ENDORSE_FIELDS = tuple(
    f"endorse-{f}" for f in ("organisation", "country", "website", "email", "consent", "homepage")
)


def form_of(fields: tuple[str, ...]):
    return st.fixed_dictionaries({}, optional={f: nasty for f in fields}).flatmap(
        lambda known: st.dictionaries(nasty, nasty, max_size=3).map(
            lambda extra: {**extra, **known}
        )
    )


def stored(app) -> tuple[int, int, int]:
    return count(app, Signature), count(app, StatementEndorsement), count(app, OutboxEmail)


def check(app, response, before) -> None:
    assert response.status_code < 500, response.status_code
    if response.status_code != 303:
        assert stored(app) == before, "a refused request stored something"


@pytest.fixture
def site(make_petition, make_statement):
    petition = make_petition()
    statement = make_statement(
        kind="joint_statement", open_for_endorsement=True, petitions=[petition]
    )
    return petition, statement


@FUZZ
@given(fields=form_of(SIGN_FIELDS), lang=st.sampled_from(["en", "ar"]))
def test_sign_form_with_any_text(app, client, site, fields, lang):
    before = stored(app)
    response = client.post(f"/{lang}/petitions/{site[0].slug}", data=fields)
    check(app, response, before)


@FUZZ
@given(
    body=st.binary(max_size=2000),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "text/plain",
            "application/json",
        ]
    ),
)
# A JSON body that is not an object reached the form library, which iterated over it: a 500.
@example(body=b"1", content_type="application/json")
def test_sign_form_with_any_bytes(app, client, site, body, content_type):
    before = stored(app)
    response = client.post(f"/en/petitions/{site[0].slug}", data=body, content_type=content_type)
    check(app, response, before)


@FUZZ
@given(fields=form_of(ENDORSE_FIELDS))
def test_endorsement_form_with_any_text(app, client, site, fields):
    before = stored(app)
    response = client.post(f"/en/statements/{site[1].slug}/endorse", data=fields)
    check(app, response, before)


@FUZZ
@given(body=st.binary(max_size=2000))
def test_endorsement_form_with_any_bytes(app, client, site, body):
    before = stored(app)
    response = client.post(
        f"/en/statements/{site[1].slug}/endorse",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    check(app, response, before)


@FUZZ
@given(instance=maybe, ref=maybe)
def test_mastodon_share_with_any_server(app, client, site, instance, ref):
    query = {k: v for k, v in {"instance": instance, "ref": ref}.items() if v is not None}
    before = stored(app)
    response = client.get(f"/en/petitions/{site[0].slug}/share/mastodon", query_string=query)
    check(app, response, before)
    if response.status_code == 303:
        assert response.headers["Location"].startswith("https://")


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["kind", "country", "topic", "year", "language", "q", "page", "x"]),
        nasty,
        max_size=5,
    ),
    feed=st.booleans(),
)
def test_statement_filters_with_any_text(app, client, site, query, feed):
    before = stored(app)
    path = "/en/statements/feed.atom" if feed else "/en/statements"
    response = client.get(path, query_string=query)
    check(app, response, before)


@FUZZ
@given(slug=nasty, lang=maybe, listing=st.booleans())
def test_api_with_any_slug_and_language(app, client, site, slug, lang, listing):
    query = {"lang": lang} if lang is not None else {}
    path = "/api/v1/petitions" if listing else f"/api/v1/petitions/{quote(slug, safe='')}"
    response = client.get(path, query_string=query)
    assert response.status_code < 500
    assert response.is_json or response.status_code == 308


@FUZZ
@given(token=nasty, method=st.sampled_from(["GET", "POST"]), endorsement=st.booleans())
def test_confirmation_links_with_any_token(app, client, site, token, method, endorsement):
    before = stored(app)
    prefix = "/en/endorsements/confirm/" if endorsement else "/en/confirm/"
    response = client.open(prefix + quote(token, safe=""), method=method)
    check(app, response, before)


@FUZZ
@given(lang=nasty, slug=nasty, tail=st.sampled_from(["", "/qr.svg", "/check-your-email"]))
def test_any_locale_and_slug_in_the_path(app, client, site, lang, slug, tail):
    before = stored(app)
    path = f"/{quote(lang, safe='')}/petitions/{quote(slug, safe='')}{tail}"
    for method in ("GET", "POST"):
        response = client.open(path, method=method, data={"name": "x"})
        check(app, response, before)
