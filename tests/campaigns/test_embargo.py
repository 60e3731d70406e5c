"""Embargoed items: a campaign or petition in preview (and a draft statement) is shown at its
public address only to the staff who may edit it; to anyone else, other staff included, it does
not exist. The API, sitemap, widget, QR codes and preview image follow the public rule for
everyone: what they answer is kept by caches and other sites."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.campaigns.permissions import (
    can_view_campaign,
    can_view_petition,
    publicly_visible_petitions,
)
from campaign.campaigns.permissions import publicly_visible_campaigns as visible_campaigns
from campaign.extensions import db
from campaign.models import Campaign, Petition, User

VIEWERS = ("anonymous", "exporter", "other_campaigner", "team_campaigner", "admin")
EDITORS = ("team_campaigner", "admin")


@pytest.fixture
def embargoed(app, make_campaign, make_petition, make_statement):
    """A published campaign with a petition in preview, a campaign in preview with an open
    petition, and statements linking them; the team campaigner is in both campaigns' team."""
    published = make_campaign()
    previewed = make_campaign(status="preview")
    items = {
        "published_campaign": published,
        "preview_campaign": previewed,
        "preview_petition": make_petition(campaign=published, status="preview"),
        "petition_in_preview_campaign": make_petition(campaign=previewed),
        "public_petition": make_petition(campaign=published),
    }
    items["statement"] = make_statement(
        campaigns=[previewed, published],
        petitions=[items["preview_petition"], items["petition_in_preview_campaign"]],
    )
    items["draft_statement"] = make_statement(status="draft", campaigns=[previewed])
    return items


@pytest.fixture
def as_viewer(app, make_user, log_in):
    """A test client for each kind of viewer."""
    clients = {}

    def client_for(viewer: str):
        if viewer not in clients:
            client = app.test_client()
            if viewer != "anonymous":
                role = viewer.removeprefix("team_").removeprefix("other_")
                user = make_user(role)
                if viewer == "team_campaigner":
                    with app.app_context():
                        member = db.session.get(User, user.id)
                        for campaign in db.session.scalars(select(Campaign)):
                            campaign.members.append(member)
                        db.session.commit()
                log_in(client, user)
            clients[viewer] = client
        return clients[viewer]

    return client_for


# --- the rule itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("campaign_status", ["draft", "preview", "published", "archived"])
@pytest.mark.parametrize("petition_status", ["draft", "preview", "open", "closed"])
def test_the_public_rule_is_the_same_in_python_and_sql(
    session, make_campaign, make_petition, campaign_status, petition_status
):
    petition = make_petition(campaign=make_campaign(status=campaign_status), status=petition_status)
    listed = session.scalars(
        select(Petition.id).join(Petition.campaign).where(publicly_visible_petitions())
    ).all()
    petition = session.get(Petition, petition.id)
    assert can_view_petition(None, petition) == (petition.id in listed)
    assert can_view_petition(None, petition) == (
        petition_status in ("open", "closed") and campaign_status in ("published", "archived")
    )
    campaigns = session.scalars(select(Campaign.id).where(visible_campaigns())).all()
    assert can_view_campaign(None, petition.campaign) == (petition.campaign_id in campaigns)


# --- pages: the editors only -------------------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
def test_pages_in_preview_are_shown_to_their_editors_only(embargoed, as_viewer, viewer):
    client = as_viewer(viewer)
    expected = 200 if viewer in EDITORS else 404
    for path in (
        f"/en/petitions/{embargoed['preview_petition'].slug}",
        f"/fr/petitions/{embargoed['petition_in_preview_campaign'].slug}",
        f"/en/campaigns/{embargoed['preview_campaign'].slug}",
        f"/en/petitions/{embargoed['preview_petition'].slug}/check-your-email",
        f"/en/petitions/{embargoed['preview_petition'].slug}/embed-code",
        f"/en/statements/{embargoed['draft_statement'].slug}",
    ):
        response = client.get(path)
        assert response.status_code == expected, (path, response.status_code)
        if expected == 200:
            assert "no-store" in response.headers["Cache-Control"]
            assert 'class="preview-banner"' in response.get_data(as_text=True)
    campaign_page = client.get(f"/en/campaigns/{embargoed['published_campaign'].slug}")
    assert campaign_page.status_code == 200
    html = campaign_page.get_data(as_text=True)
    assert f"/petitions/{embargoed['public_petition'].slug}" in html
    assert (f"/petitions/{embargoed['preview_petition'].slug}" in html) == (viewer in EDITORS)


@pytest.mark.parametrize("viewer", ["anonymous", "exporter", "other_campaigner"])
def test_signing_a_petition_in_preview_is_refused_to_others(embargoed, as_viewer, viewer):
    response = as_viewer(viewer).post(
        f"/en/petitions/{embargoed['preview_petition'].slug}",
        data={"name": "Ana", "email": "ana@example.org", "country": "ES", "consent": "y"},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_published_statement_links_only_to_what_the_public_may_see(embargoed, as_viewer, viewer):
    html = as_viewer(viewer).get(f"/en/statements/{embargoed['statement'].slug}")
    html = html.get_data(as_text=True)
    assert f"/campaigns/{embargoed['published_campaign'].slug}" in html
    assert f"/campaigns/{embargoed['preview_campaign'].slug}" not in html
    assert f"/petitions/{embargoed['preview_petition'].slug}" not in html
    assert f"/petitions/{embargoed['petition_in_preview_campaign'].slug}" not in html


# --- what caches and other sites keep: the public rule for everyone ----------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("item", ["preview_petition", "petition_in_preview_campaign"])
def test_files_widgets_and_the_api_never_show_a_petition_in_preview(
    embargoed, as_viewer, viewer, item
):
    client = as_viewer(viewer)
    slug = embargoed[item].slug
    for path in (
        f"/api/v1/petitions/{slug}",
        f"/api/v1/petitions/{slug}?lang=fr",
        f"/embed/petitions/{slug}",
        f"/embed/petitions/{slug}/check-your-email",
        f"/en/petitions/{slug}/qr.svg",
        f"/ar/petitions/{slug}/qr.png",
        f"/en/petitions/{slug}/preview.png",
    ):
        assert client.get(path).status_code == 404, path
    listed = client.get("/api/v1/petitions").get_json()["petitions"]
    assert [p["slug"] for p in listed] == [embargoed["public_petition"].slug]
    assert all(p["status"] == "open" for p in listed)
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"/petitions/{embargoed['public_petition'].slug}<" in sitemap
    assert f"/campaigns/{embargoed['published_campaign'].slug}<" in sitemap
    assert f"/petitions/{slug}<" not in sitemap
    assert f"/campaigns/{embargoed['preview_campaign'].slug}<" not in sitemap
    assert f"/statements/{embargoed['draft_statement'].slug}<" not in sitemap


def test_the_public_petition_is_served_everywhere(embargoed, client):
    slug = embargoed["public_petition"].slug
    for path in (
        f"/api/v1/petitions/{slug}",
        f"/embed/petitions/{slug}",
        f"/en/petitions/{slug}/qr.svg",
        f"/en/petitions/{slug}/qr.png",
        f"/en/petitions/{slug}/preview.png",
        f"/en/petitions/{slug}",
    ):
        assert client.get(path).status_code == 200, path
