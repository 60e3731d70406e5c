"""The privacy page says which emails signers get (reminders, updates) and how to stop them."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("lang", "reminder", "updates"),
    [
        ("en", "one reminder, and never another", "unsubscribe link"),
        ("fr", "Ce n’était pas moi", "lien de désabonnement"),
        ("es", "No fui yo", "darse de baja"),
        ("ar", "لم أكن أنا", "إلغاء الاشتراك"),
    ],
)
def test_the_privacy_page_explains_reminders_and_updates(client, lang, reminder, updates):
    page = client.get(f"/{lang}/privacy").get_data(as_text=True)
    assert reminder in page
    assert updates in page


def test_no_word_of_reminders_when_they_are_off(make_app):
    page = make_app(REMINDER_AFTER=0).test_client().get("/en/privacy").get_data(as_text=True)
    assert "one reminder" not in page
    assert "unsubscribe link" in page
