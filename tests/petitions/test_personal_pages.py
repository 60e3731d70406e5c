"""Confirmation pages: rendered once per petition and language, filled in for each supporter."""

from __future__ import annotations

import re

from sqlalchemy import update

from campaign.extensions import db
from campaign.models import PetitionText, Signature
from campaign.petitions.attribution import referral_code
from campaign.petitions.signing import confirmation_token


def token_for(app, signature_id: int) -> str:
    with app.app_context():
        return confirmation_token(app.config["SECRET_KEY"], db.session.get(Signature, signature_id))


def code_for(app, signature_id: int) -> str:
    with app.app_context():
        public_id = db.session.get(Signature, signature_id).public_id
    return referral_code(app.config["SECRET_KEY"], public_id)


def tokens_in(html: str) -> set[str]:
    """Every confirmation address on the page: the form's action and the language links."""
    return set(re.findall(r"/confirm/([A-Za-z0-9_.-]+)", html))


def test_each_supporter_sees_only_their_own_link(app, client, make_petition, make_signature):
    petition = make_petition(locales=("en", "fr"))
    ann = token_for(app, make_signature(petition, confirmed=False))
    ben = token_for(app, make_signature(petition, confirmed=False))

    first = client.get(f"/en/confirm/{ann}").get_data(as_text=True)
    second = client.get(f"/en/confirm/{ben}").get_data(as_text=True)

    assert tokens_in(first) == {ann}
    assert tokens_in(second) == {ben}
    assert f'action="/en/confirm/{ben}"' in second
    assert f'href="/fr/confirm/{ben}"' in second
    # The second page came from the layout kept for the first: same page but for the token.
    assert second.replace(ben, ann) == first
    assert len(app.extensions["pagecache.countless"]) == 1


def test_the_confirmed_page_shows_the_count_this_signature_made_and_its_own_share_links(
    app, client, make_petition, make_signature
):
    petition = make_petition(signature_count=0, goal=10)
    ids = [make_signature(petition, confirmed=False) for _ in range(2)]

    pages = [client.post(f"/en/confirm/{token_for(app, i)}").get_data(as_text=True) for i in ids]

    assert "<strong>1</strong> signature<" in pages[0]
    assert "<strong>2</strong> signatures" in pages[1]
    assert 'value="2"' in pages[1]  # the progress bar towards the goal of 10
    for signature_id, page in zip(ids, pages, strict=True):
        own, other = (code_for(app, i) for i in (signature_id, *set(ids) - {signature_id}))
        assert f'name="ref" value="{own}"' in page
        assert other not in page
    # Kept once for both: the page's skeleton and the receipt email's.
    assert len(app.extensions["pagecache.countless"]) == 2


def test_the_count_is_in_the_language_of_the_page(app, client, make_petition, make_signature):
    petition = make_petition(locales=("en", "ar"), signature_count=10)
    signature_id = make_signature(petition, confirmed=False)

    page = client.post(f"/ar/confirm/{token_for(app, signature_id)}").get_data(as_text=True)

    # Eleven takes the Arabic plural form for 11 to 99.
    assert "<strong>11</strong> توقيعًا" in page
    assert 'dir="rtl"' in page


def test_a_visitor_with_a_cookie_gets_a_page_of_their_own(
    app, client, make_petition, make_signature
):
    petition = make_petition()
    token = token_for(app, make_signature(petition, confirmed=False))
    client.set_cookie("session", "anything")

    page = client.get(f"/en/confirm/{token}").get_data(as_text=True)

    assert tokens_in(page) == {token}
    assert len(app.extensions["pagecache.countless"]) == 0


def test_a_text_edited_by_staff_shows_at_once(app, client, make_petition, make_signature):
    petition = make_petition()
    first = token_for(app, make_signature(petition, confirmed=False))
    second = token_for(app, make_signature(petition, confirmed=False))
    assert "Petition" in client.get(f"/en/confirm/{first}").get_data(as_text=True)

    with app.app_context():
        db.session.execute(
            update(PetitionText)
            .where(PetitionText.petition_id == petition.id)
            .values(title="A new title")
        )
        db.session.commit()

    assert "“A new title”" in client.get(f"/en/confirm/{second}").get_data(as_text=True)


def test_an_already_confirmed_link_shows_the_share_panel_with_the_supporters_code(
    app, client, make_petition, make_signature
):
    petition = make_petition()
    signature_id = make_signature(petition, confirmed=True)
    token = token_for(app, signature_id)

    page = client.get(f"/en/confirm/{token}").get_data(as_text=True)
    again = client.post(f"/en/confirm/{token}").get_data(as_text=True)

    code = code_for(app, signature_id)
    assert f'name="ref" value="{code}"' in page
    assert f'name="ref" value="{code}"' in again
    assert "<strong>1</strong> signature<" in again
