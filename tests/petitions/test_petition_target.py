"""Whom a petition addresses, in the reader's language."""

from __future__ import annotations

from campaign.extensions import db
from campaign.models import Petition


def _set_targets(app, petition, **targets):
    with app.app_context():
        saved = db.session.get(Petition, petition.id)
        for text in saved.texts:
            text.target = targets.get(text.locale, "")
        db.session.commit()


def target_line(html: str) -> str:
    return html.split('class="target petition__target">', 1)[1].split("</p>", 1)[0]


def test_the_petition_page_names_the_target_in_the_page_language(app, client, make_petition):
    petition = make_petition(locales=("en", "fr", "ar"))
    _set_targets(app, petition, en="The Minister", fr="Le ministre", ar="الوزير")
    assert "Le ministre" in target_line(client.get(f"/fr/petitions/{petition.slug}").text)
    line = target_line(client.get(f"/ar/petitions/{petition.slug}").text)
    assert "الوزير" in line and 'lang="en"' not in line


def test_an_untranslated_target_falls_back_to_the_main_language_and_says_so(
    app, client, make_petition
):
    petition = make_petition(locales=("en", "ar"))
    _set_targets(app, petition, en="The Minister of Justice", ar="")
    line = target_line(client.get(f"/ar/petitions/{petition.slug}").text)
    assert '<span lang="en" dir="ltr">' in " ".join(line.split())
    assert "The Minister of Justice" in line


def test_no_target_no_line(app, client, make_petition):
    petition = make_petition(locales=("en",))
    _set_targets(app, petition)
    assert "petition__target" not in client.get(f"/en/petitions/{petition.slug}").text


def test_the_api_keeps_its_shape(client, make_petition):
    petition = make_petition(locales=("en", "fr"))
    body = client.get(f"/api/v1/petitions/{petition.slug}?lang=fr").get_json()
    assert {"slug", "title", "url", "signature_count", "goal", "status"} <= set(body)
    assert "target" not in body
