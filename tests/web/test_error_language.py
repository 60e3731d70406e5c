"""Error pages speak the language of the path they answer."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

ARABIC_404 = "تعذّر العثور على هذه الصفحة"


def _lang_of(page: str) -> str:
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def test_an_unknown_page_under_ar_is_an_arabic_404(client):
    response = client.get("/ar/no-such-page", headers={"Accept-Language": "en"})

    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert _lang_of(page) == "ar"
    assert 'dir="rtl"' in page
    assert ARABIC_404 in page


def test_an_unknown_petition_under_fr_is_a_french_404(client):
    response = client.get("/fr/petitions/nothing-here", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    assert _lang_of(response.get_data(as_text=True)) == "fr"


def test_without_a_language_in_the_path_the_browser_decides(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "es"})

    assert response.status_code == 404
    assert _lang_of(response.get_data(as_text=True)) == "es"


def test_a_bad_request_under_ar_is_in_arabic(client):
    response = client.get(
        "/ar/statements/feed.atom?kind=no-such-kind", headers={"Accept-Language": "en"}
    )

    assert response.status_code == 400
    assert _lang_of(response.get_data(as_text=True)) == "ar"


def test_a_wrong_method_under_ar_is_in_arabic(client):
    response = client.delete("/ar/statements", headers={"Accept-Language": "en"})

    assert response.status_code == 405
    assert _lang_of(response.get_data(as_text=True)) == "ar"


def test_an_unavailable_database_under_ar_is_in_arabic(make_app):
    app = make_app()

    @app.get("/ar/probe-unavailable")
    def unavailable():
        raise OperationalError("SELECT 1", {}, Exception("down"))

    response = app.test_client().get("/ar/probe-unavailable", headers={"Accept-Language": "en"})

    assert response.status_code == 503
    assert _lang_of(response.get_data(as_text=True)) == "ar"
