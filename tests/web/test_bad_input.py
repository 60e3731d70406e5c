"""What the HTTP surface does with wrong, hostile or malformed input: a clear 4xx, never a 500,
and nothing stored."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from flask_babel import force_locale, gettext
from helpers import count, sign_fields, signature_count, signatures
from itsdangerous import TimestampSigner
from sqlalchemy import update

from campaign.extensions import db
from campaign.models import OutboxEmail, Petition, Signature, StatementEndorsement
from campaign.petitions.signing import confirmation_token


def _nothing_stored(app) -> bool:
    return count(app, Signature) == 0 and count(app, OutboxEmail) == 0


def _input_value(page: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert match, f"no {name} input"
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter your name"),
        ({"name": "x" * 101}, "Your name must be 100 characters or fewer"),
        ({"name": '=HYPERLINK("http://evil")'}, "Your name cannot start with =, +, - or @"),
        ({"name": "@Ann"}, "Your name cannot start with =, +, - or @"),
        ({"name": "Visit www.spam.example"}, "Your name cannot contain a web address"),
        ({"name": "Ann\x00Example"}, "Your name contains characters we cannot accept"),
        ({"name": "Ann\u200bExample"}, "Your name contains characters we cannot accept"),
        ({"email": ""}, "Enter your email address"),
        ({"email": "ann.example.org"}, "Enter an email address like name@example.org"),
        ({"email": "ann@example.org\r\nBcc: x@example.org"}, "Enter an email address like"),
        ({"country": None}, "Choose your country"),
        ({"country": "XX"}, "Choose a country from the list"),
        ({"consent": None}, "Tick the box to agree, or we cannot count your signature"),
    ],
)
def test_each_invalid_field_is_explained_and_the_input_kept(
    app, client, make_petition, fields, message
):
    petition = make_petition()
    posted = sign_fields(**fields)

    response = client.post(f"/en/petitions/{petition.slug}", data=posted)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in html.unescape(page)
    assert 'class="error-summary"' in page
    assert 'aria-invalid="true"' in page
    assert "<title>Error:" in page
    for name in ("name", "email"):
        typed = posted.get(name, "")
        if name in fields and "\x00" in typed:
            continue  # the null byte itself is not echoed back
        assert _input_value(page, name) == typed
    if posted.get("country") == "FR":
        assert '<option selected value="FR">' in page
    if "consent" in posted:
        assert re.search(r'<input[^>]*checked[^>]*name="consent"', page)
    assert "public" not in response.headers.get("Cache-Control", "")  # typed data inside
    assert _nothing_stored(app)


def test_markup_typed_into_the_form_is_escaped_when_shown_back(app, client, make_petition):
    petition = make_petition()

    response = client.post(
        f"/en/petitions/{petition.slug}",
        data=sign_fields(name='"><script>alert(1)</script>', email="<b>x</b>"),
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "<b>x</b>" not in page
    assert _input_value(page, "email") == "<b>x</b>"
    assert _nothing_stored(app)


def test_an_overlong_form_is_refused_with_413(app, client, make_petition):
    petition = make_petition()
    assert app.config["MAX_SIGN_FORM_BYTES"] == 16 * 1024

    response = client.post(
        f"/en/petitions/{petition.slug}", data=sign_fields(name="a" * (17 * 1024))
    )

    assert response.status_code == 413
    assert b"What you sent is too large" in response.get_data()
    assert _nothing_stored(app)


def test_a_form_just_under_the_limit_is_read(app, client, make_petition):
    petition = make_petition()
    padding = "p" * (app.config["MAX_SIGN_FORM_BYTES"] - 200)

    response = client.post(
        f"/en/petitions/{petition.slug}", data=sign_fields(newsletter_padding=padding)
    )

    assert response.status_code == 200
    assert count(app, Signature) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"name=%FF%FE&email=ann%40example.org&country=FR&consent=y",
        b"name=Ann&email=%FF%FE%40example.org&country=FR&consent=y",
        b"name=Ann&email=ann%40example.org&country=%FF%FE&consent=y",
        b"name=Ann\xff\xfe&email=ann%40example.org&country=FR&consent=y",
        b"\xff",
        b"\xff\xfe\x00\x01=\x80",
        b"%",
        b"name=%E2%28%A1&email=ann%40example.org&country=FR&consent=y",
    ],
)
def test_bytes_that_are_not_utf8_are_refused_not_crashed_on(app, client, make_petition, body):
    petition = make_petition()

    response = client.post(
        f"/en/petitions/{petition.slug}",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )

    assert 400 <= response.status_code < 500
    assert _nothing_stored(app)


@pytest.mark.parametrize(("name", "status"), [(b"Ann", 200), (b"\xff\xfeAnn", 422)])
def test_a_multipart_form_with_non_utf8_bytes_is_refused(app, client, make_petition, name, status):
    petition = make_petition()
    boundary = "xyz"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n'.encode()
        + name
        + b"\r\n"
        + b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
            for name, value in sign_fields(name=None).items()
        )
        + f"--{boundary}--\r\n".encode()
    )

    response = client.post(
        f"/en/petitions/{petition.slug}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )

    assert response.status_code == status
    assert count(app, Signature) == (1 if status == 200 else 0)


def test_an_unknown_locale_prefix_is_404(client, make_petition):
    petition = make_petition()
    assert client.get(f"/xx/petitions/{petition.slug}").status_code == 404
    assert client.post(f"/xx/petitions/{petition.slug}", data=sign_fields()).status_code == 404
    assert client.get("/EN/").status_code == 404


def test_an_unknown_petition_is_404(app, client):
    response = client.get("/en/petitions/no-such-petition")
    assert response.status_code == 404
    assert b"We cannot find that page" in response.get_data()
    assert client.post("/en/petitions/no-such-petition", data=sign_fields()).status_code == 404
    assert _nothing_stored(app)


def test_a_draft_petition_is_404(app, client, make_petition, make_campaign):
    draft = make_petition(status="draft")
    in_draft_campaign = make_petition(campaign=make_campaign(status="draft"))

    for petition in (draft, in_draft_campaign):
        url = f"/en/petitions/{petition.slug}"
        assert client.get(url).status_code == 404
        assert client.post(url, data=sign_fields()).status_code == 404
        assert client.get(f"{url}/check-your-email").status_code == 404
    assert _nothing_stored(app)


@pytest.mark.parametrize(
    "petition_kwargs",
    [{"status": "closed"}, {"status": "open", "closes_in": -timedelta(hours=1)}],
    ids=["closed", "past-closing-date"],
)
def test_signing_a_closed_petition_is_409_with_the_closed_message(
    app, client, make_petition, petition_kwargs
):
    petition = make_petition(signature_count=3, **petition_kwargs)

    page = client.get(f"/en/petitions/{petition.slug}")
    response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields())

    assert page.status_code == 200
    assert b"This petition is closed" in page.get_data()
    assert b'class="sign-form"' not in page.get_data()
    assert response.status_code == 409
    assert b"This petition is closed" in response.get_data()
    assert b"It closed with 3 signatures." in response.get_data()
    assert _nothing_stored(app)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "http://localhost.evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"},
    ],
)
def test_a_cross_site_post_is_403_and_stores_nothing(app, client, make_petition, headers):
    petition = make_petition()

    response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(), headers=headers)

    assert response.status_code == 403
    assert b"You cannot do that here" in response.get_data()
    assert _nothing_stored(app)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "http://localhost"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
        # What Chromium sends from a page with `Referrer-Policy: no-referrer`.
        {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
    ],
)
def test_a_same_site_post_is_accepted(app, client, make_petition, headers):
    petition = make_petition()
    response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields(), headers=headers)
    assert response.status_code == 200
    assert count(app, Signature) == 1


def test_a_cross_site_confirmation_is_403_and_counts_nothing(app, client, make_petition):
    petition = make_petition()
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    [signature] = signatures(app)
    token = confirmation_token(app.config["SECRET_KEY"], signature)

    response = client.post(f"/en/confirm/{token}", headers={"Sec-Fetch-Site": "cross-site"})

    assert response.status_code == 403
    assert signatures(app)[0].confirmed_at is None
    assert signature_count(app, petition.id) == 0


def test_a_damaged_confirmation_link_is_400(app, client, make_petition):
    petition = make_petition()
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    token = confirmation_token(app.config["SECRET_KEY"], signatures(app)[0])

    for bad in (token[:-3], token + "x", "garbage", "a.b.c"):
        for method in (client.get, client.post):
            response = method(f"/en/confirm/{bad}")
            assert response.status_code == 400
            assert b"This link does not work" in response.get_data()
            assert response.headers["Referrer-Policy"] == "no-referrer"
    assert signature_count(app, petition.id) == 0


def test_an_expired_confirmation_link_is_410(app, client, make_petition, monkeypatch):
    petition = make_petition()
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    signature = signatures(app)[0]
    real = TimestampSigner.get_timestamp
    age = app.config["SIGNATURE_TOKEN_MAX_AGE"] + 3600
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - age)
        token = confirmation_token(app.config["SECRET_KEY"], signature)

    for method in (client.get, client.post):
        response = method(f"/en/confirm/{token}")
        assert response.status_code == 410
        assert b"This link has expired" in response.get_data()
    assert signature_count(app, petition.id) == 0


def test_confirming_on_a_petition_closed_since_signing_is_409(app, client, make_petition):
    petition = make_petition()
    client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    token = confirmation_token(app.config["SECRET_KEY"], signatures(app)[0])
    with app.app_context():
        db.session.execute(update(Petition).values(status="closed"))
        db.session.commit()

    response = client.post(f"/en/confirm/{token}")

    assert response.status_code == 409
    assert b"The petition closed before your signature was confirmed" in response.get_data()
    assert signatures(app)[0].confirmed_at is None


def test_api_unknown_petition_is_a_json_404(client):
    response = client.get("/api/v1/petitions/no-such-petition")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json() == {"error": {"code": 404, "message": "No such petition"}}


@pytest.mark.parametrize("query", ["lang=zz", "lang=", "lang=EN", "lang=en-GB"])
def test_api_unknown_language_is_a_json_400(client, make_petition, query):
    petition = make_petition()
    for path in ("/api/v1/petitions", f"/api/v1/petitions/{petition.slug}"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert response.is_json
        body = response.get_json()
        assert body["error"]["code"] == 400
        assert "lang must be one of: en, fr, es, ar" in body["error"]["message"]


def test_api_unknown_route_is_json_and_pages_are_html(client):
    api = client.get("/api/v1/nothing-here")
    page = client.get("/en/nothing-here")
    assert (api.status_code, api.is_json) == (404, True)
    assert api.get_json()["error"]["code"] == 404
    assert page.status_code == 404
    assert page.mimetype == "text/html"


def test_fields_in_the_query_string_are_not_read_as_the_form(client, make_petition):
    petition = make_petition()
    query = urlencode(sign_fields())
    response = client.post(f"/en/petitions/{petition.slug}?{query}", data={})
    assert response.status_code == 422


def test_method_not_allowed_keeps_its_allow_header(client):
    response = client.delete("/api/v1/petitions")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


# --- every other public form, and the API --------------------------------------------------

ENDORSER = {
    "endorse-organisation": "Red de Defensoras",
    "endorse-country": "MX",
    "endorse-email": "red@example.org",
    "endorse-consent": "y",
}


@pytest.fixture
def joint(make_statement):
    return make_statement(kind="joint_statement", open_for_endorsement=True)


def _nothing_endorsed(app) -> bool:
    return count(app, StatementEndorsement) == 0 and count(app, OutboxEmail) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("endorse-organisation", "Red\x00Defensoras"),
        ("endorse-organisation", "Red\r\nBcc: victim@example.org"),
        ("endorse-organisation", "x" * 201),
        ("endorse-website", "https://red.example.org/\r\nX: y"),
        ("endorse-website", "https://" + "x" * 300 + ".org"),
        ("endorse-website", "javascript:alert(1)"),
        ("endorse-email", "red@example.org\r\nBcc: victim@example.org"),
        ("endorse-email", "red@example.org\nBcc: victim@example.org"),
        ("endorse-email", "red\x00@example.org"),
        ("endorse-email", "x" * 250 + "@example.org"),
        ("endorse-country", "XX"),
    ],
)
def test_endorsement_form_refuses_bad_fields_and_stores_nothing(app, client, joint, field, value):
    response = client.post(f"/en/statements/{joint.slug}/endorse", data={**ENDORSER, field: value})
    assert response.status_code == 422
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert _nothing_endorsed(app)


@pytest.mark.parametrize(
    "body",
    [
        b"endorse-organisation=%FF%FE&endorse-country=MX&endorse-email=r%40x.org&endorse-consent=y",
        b"endorse-organisation=Red&endorse-country=MX&endorse-email=r%40x.org"
        b"&endorse-website=https%3A%2F%2F%FF.org&endorse-consent=y",
        b"endorse-organisation=Red\xff&endorse-country=MX&endorse-email=r%40x.org",
        b"\xff\xfe\x00",
    ],
)
def test_endorsement_form_refuses_bytes_that_are_not_utf8(app, client, joint, body):
    response = client.post(
        f"/en/statements/{joint.slug}/endorse",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert _nothing_endorsed(app)


@pytest.mark.parametrize(
    "body",
    [
        # Header injection, percent-encoded the way a script would post it.
        b"name=Ann&email=ann%40example.org%0d%0aBcc%3a%20victim%40example.org&country=FR&consent=y",
        b"name=Ann%0d%0aBcc%3a%20victim%40example.org&email=ann%40example.org&country=FR&consent=y",
        b"name=Ann&email=ann%40example.org%0aBcc%3a%20victim%40example.org&country=FR&consent=y",
    ],
)
def test_encoded_newlines_are_refused_in_names_and_emails(app, client, make_petition, body):
    petition = make_petition()
    response = client.post(
        f"/en/petitions/{petition.slug}",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 422
    assert _nothing_stored(app)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_oversized_endorsement_is_a_translated_413(app, client, joint, lang):
    response = client.post(
        f"/{lang}/statements/{joint.slug}/endorse",
        data={**ENDORSER, "endorse-organisation": "x" * (20 * 1024)},
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in page
    with app.test_request_context(), force_locale(lang):
        assert gettext("What you sent is too large") in page
    assert _nothing_endorsed(app)


def test_an_oversized_sign_form_is_a_translated_413(app, client, make_petition):
    petition = make_petition()
    response = client.post(f"/fr/petitions/{petition.slug}", data={"name": "a" * (20 * 1024)})
    assert response.status_code == 413
    with app.test_request_context(), force_locale("fr"):
        translated = gettext("What you sent is too large")
    assert translated != "What you sent is too large"
    assert translated in response.get_data(as_text=True)


def test_a_body_over_the_site_wide_ceiling_is_413_everywhere(app, client):
    response = client.post("/api/v1/petitions", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert response.status_code in (405, 413)
    assert response.status_code < 500


@pytest.mark.parametrize(
    "query",
    [
        "instance=mastodon.social%00.evil.example",
        "instance=%00",
        "instance=mastodon.social%0d%0aX-Injected%3a%201",
        "instance=" + "a" * 5000,
        "instance=%FF%FE",
        "instance=https%3A%2F%2Fevil.example%40mastodon.social",
        "instance=127.0.0.1",
        "instance=mastodon.social:8443",
    ],
)
def test_mastodon_share_refuses_bad_servers(client, make_petition, query):
    petition = make_petition()
    response = client.get(f"/en/petitions/{petition.slug}/share/mastodon?{query}")
    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    "query",
    ["q=%00", "q=a%00b", "q=%FF%FE", "country=%00", "kind=%0d%0a", "year=%00", "page=%00"]
    + ["q=" + "x" * 1000, "language=xx", "topic=../../etc"],
)
def test_statement_filters_with_bad_values_are_a_clear_4xx_or_ignored(client, query):
    for path in ("/en/statements", "/en/statements/feed.atom"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 400), (path, query, response.status_code)


@pytest.mark.parametrize("path", ["%00", "a%00b", "%FF", "..%2F..%2Fetc", "x" * 500])
def test_api_with_bad_slugs_is_a_json_404(client, path):
    response = client.get(f"/api/v1/petitions/{path}")
    assert response.status_code == 404
    assert response.is_json


@pytest.mark.parametrize("query", ["lang=%00", "lang=%FF", "lang=en%0d%0a"])
def test_api_with_bad_languages_is_a_json_400(client, make_petition, query):
    petition = make_petition()
    response = client.get(f"/api/v1/petitions/{petition.slug}?{query}")
    assert response.status_code == 400
    assert response.is_json


@pytest.mark.parametrize(
    "path",
    [
        "/xx/statements",
        "/zz/privacy",
        "/%00/petitions/x",
        "/en%0d%0a/petitions/x",
        "/en/statements/no-such-statement",
        "/en/petitions/no-such/qr.svg",
        "/en/petitions/no-such/share/mastodon?instance=mastodon.social",
        "/embed/petitions/no-such",
    ],
)
def test_unknown_locales_and_slugs_everywhere_are_404(client, path):
    assert client.get(path).status_code == 404


def test_an_unknown_language_in_the_widget_falls_back_to_the_browser(client, make_petition):
    petition = make_petition()
    response = client.get(
        f"/embed/petitions/{petition.slug}?lang=%00xx", headers={"Accept-Language": "es"}
    )
    assert response.status_code == 200
    assert '<html lang="es"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/en/petitions/a%00b", "/en/campaigns/%00", "/en/statements/x%00", "/en/confirm/%00"],
)
def test_a_nul_byte_in_an_address_is_a_404_on_every_database(client, path):
    assert client.get(path).status_code == 404
