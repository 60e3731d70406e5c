"""The delivery page: a .zip pack for staff of the petition's team, recorded and listed; the
petition marked delivered, which its public page then says."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from campaign.delivery.keys import generate_key
from campaign.delivery.verification import verify_pack
from campaign.extensions import db
from campaign.models import AuditEvent, Campaign, DeliveryPack, User, utcnow


@pytest.fixture
def app(make_app, tmp_path):
    key = tmp_path / "delivery.pem"
    generate_key(key)
    return make_app(DELIVERY_KEY_FILE=str(key))


def test_a_campaigner_downloads_a_pack_and_marks_it_delivered(
    app, client, make_petition, make_signature, make_user, log_in, tmp_path
):
    petition = make_petition()
    for country in ("FR", "FR", "MA"):
        make_signature(petition, country=country)
    campaigner = make_user("campaigner")
    with app.app_context():
        campaign = db.session.get(Campaign, petition.campaign_id)
        campaign.members.append(db.session.get(User, campaigner.id))
        db.session.commit()
    log_in(client, campaigner)

    page = client.get(f"/staff/petitions/{petition.slug}/delivery")
    assert page.status_code == 200 and "data-delivery-form" in page.text
    response = client.post(f"/staff/petitions/{petition.slug}/delivery", data={"language": "fr"})

    assert response.status_code == 200, response.text
    assert response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    data = response.data
    response.close()
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        zipped.extractall(tmp_path / "pack")
    assert verify_pack(tmp_path / "pack").count == 3
    with app.app_context():
        pack = db.session.scalars(select(DeliveryPack)).one()
        assert pack.created_by_id == campaigner.id and pack.language == "fr"
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "delivery_pack")
        ).one()
        assert event.actor_id == campaigner.id and event.details["via"] == "web"
        pack_id = pack.id
    listed = client.get(f"/staff/petitions/{petition.slug}/delivery").text
    assert f'data-pack="{pack_id}"' in listed
    petition_page = client.get(f"/staff/petitions/{petition.slug}").text
    assert "data-petition-packs" in petition_page and f'data-pack="{pack_id}"' in petition_page
    assert "data-delivered-form" not in petition_page

    assert 'data-outcome="delivered"' not in client.get(f"/en/petitions/{petition.slug}").text
    future = (utcnow() + timedelta(days=3)).date().isoformat()
    refused = client.post(
        f"/staff/petitions/{petition.slug}/delivery/{pack_id}/delivered",
        data={"delivered_on": future},
    )
    assert refused.status_code == 422
    marked = client.post(
        f"/staff/petitions/{petition.slug}/delivery/{pack_id}/delivered",
        data={"delivered_on": utcnow().date().isoformat(), "note": "Handed to the minister."},
    )
    assert marked.status_code == 303
    delivered_row = client.get(f"/staff/petitions/{petition.slug}").text.split(
        f'data-pack="{pack_id}"', 1
    )[1]
    assert format_date(utcnow().date(), "long", locale="en") in delivered_row.split("</tr>")[0]
    public = app.test_client().get(f"/en/petitions/{petition.slug}").text
    assert 'data-outcome="delivered"' in public
    assert "Handed to the minister." in public


def test_a_future_cut_off_or_a_missing_key_is_explained(
    app, client, make_petition, make_user, log_in
):
    petition = make_petition()
    log_in(client, make_user("admin"))
    future = (utcnow() + timedelta(days=2)).date().isoformat()

    response = client.post(
        f"/staff/petitions/{petition.slug}/delivery", data={"language": "en", "cut_off": future}
    )
    assert response.status_code == 422 and "data-delivery-problem" in response.text
    app.config["DELIVERY_KEY_FILE"] += ".missing"
    response = client.post(f"/staff/petitions/{petition.slug}/delivery", data={"language": "en"})
    assert response.status_code == 422 and "campaign keys generate" in response.text
    with app.app_context():
        assert db.session.scalars(select(DeliveryPack)).all() == []
