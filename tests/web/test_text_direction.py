"""Text in another language than the page's, and Latin runs inside Arabic: marked so that
browsers lay them out in their own direction."""

from __future__ import annotations

import pytest

from campaign.text.bidi import isolate_runs


def test_english_fallback_inside_an_arabic_page_is_marked_left_to_right(client, make_petition):
    petition = make_petition(locales=("en",))
    html = client.get(f"/ar/petitions/{petition.slug}").get_data(as_text=True)
    assert '<h1 class="petition__ask" lang="en" dir="ltr">' in html
    assert '<div class="prose" lang="en" dir="ltr">' in html


def test_text_in_the_page_language_carries_no_direction_of_its_own(client, make_petition):
    petition = make_petition(locales=("en", "ar"))
    html = client.get(f"/ar/petitions/{petition.slug}").get_data(as_text=True)
    assert '<h1 class="petition__ask">' in html
    assert '<div class="prose">' in html


@pytest.mark.parametrize(
    ("lang", "name"), [("ar", "الإنجليزية"), ("fr", "anglais"), ("es", "inglés")]
)
def test_the_fallback_notice_names_the_language_in_the_page_language(
    client, make_petition, lang, name
):
    petition = make_petition(locales=("en",))
    html = client.get(f"/{lang}/petitions/{petition.slug}").get_data(as_text=True)
    notice = html.split('<p class="notice" role="note">', 1)[1].split("</p>", 1)[0]
    assert name in notice
    assert "English" not in notice


def test_a_hashtag_in_arabic_text_is_isolated():
    html = isolate_runs("انضموا إلى #HumansAgainstTorture.")
    assert html == "انضموا إلى <bdi>#HumansAgainstTorture</bdi>."


def test_latin_words_inside_arabic_text_are_isolated_but_not_inside_english():
    assert isolate_runs("تقرير Human Rights Watch (2018)") == (
        "تقرير <bdi>Human Rights Watch</bdi> (2018)"
    )
    assert isolate_runs("A report by Human Rights Watch") == "A report by Human Rights Watch"
    assert isolate_runs("write to a@example.org") == "write to a@example.org"


def test_isolating_escapes_the_text():
    assert isolate_runs("<b>#tag</b> & more") == "&lt;b&gt;<bdi>#tag</bdi>&lt;/b&gt; &amp; more"


def test_the_home_teaser_isolates_the_hashtag_in_an_arabic_summary(app, client, make_campaign):
    from campaign.extensions import db
    from campaign.models import CampaignText

    campaign = make_campaign(locales=("en",))
    with app.app_context():
        db.session.add(
            CampaignText(
                campaign_id=campaign.id,
                locale="ar",
                title="لنقف معًا",
                summary="انضموا إلى #HumansAgainstTorture.",
                body="نص",
            )
        )
        db.session.commit()
    html = client.get("/ar/").get_data(as_text=True)
    assert "انضموا إلى <bdi>#HumansAgainstTorture</bdi>." in html


def test_a_statement_take_action_list_isolates_the_campaign_hashtag(
    client, make_campaign, make_statement
):
    campaign = make_campaign(locales=("en",))
    statement = make_statement(locales=("ar",), campaigns=[campaign])
    html = client.get(f"/ar/statements/{statement.slug}").get_data(as_text=True)
    take_action = html.split('id="linked-heading"', 1)[1]
    assert '<bdi class="hashtag" lang="en" dir="ltr">#HumansAgainstTorture</bdi>' in take_action
