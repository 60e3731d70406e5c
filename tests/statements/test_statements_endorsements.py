"""Organisations endorsing a joint statement: the domain rules, then the whole path over a real
SMTP server: form, email, link, confirmation, staff approval on the command line."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from campaign.extensions import db
from campaign.models import OutboxEmail, StatementEndorsement, StatementSignatory, utcnow
from campaign.statements.endorsing import (
    EndorsementClosed,
    EndorsementData,
    EndorsementNotConfirmed,
    InvalidEndorsement,
    approve_endorsement,
    confirm_endorsement,
    endorse_statement,
    endorsement_from_token,
)
from campaign.web.tokens import ExpiredToken, InvalidToken, Purpose, make_token

GOOD = EndorsementData(
    organisation="  Red   de Defensoras  ",
    country="MX",
    website="https://red.example.org/",
    email="Contacto@Red.Example.org",
    consent_text="I agree.",
)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def joint(make_statement):
    return make_statement(
        kind="joint_statement",
        open_for_endorsement=True,
        signatories=[("First Signatory", "BE", None)],
        texts={"en": ("No trade deal without assessment", "Excerpt", "Body")},
    )


def endorse(session, app, statement, data=GOOD, **kwargs):
    stored = session.get(type(statement), statement.id)
    endorse_statement(
        session,
        stored,
        data,
        locale=kwargs.pop("locale", "en"),
        now=utcnow(),
        secret_key=app.config["SECRET_KEY"],
        **kwargs,
    )


# --- the domain ----------------------------------------------------------------------------


def test_endorsing_writes_a_pending_endorsement_and_its_email_together(app, session, joint):
    endorse(session, app, joint)
    endorsement = session.scalars(select(StatementEndorsement)).one()
    assert endorsement.organisation == "Red de Defensoras"
    assert endorsement.email_normalized == "contacto@red.example.org"
    assert endorsement.state == "pending"
    email = session.scalars(select(OutboxEmail)).one()
    assert (email.kind, email.to_address) == ("confirm_endorsement", "Contacto@red.example.org")
    assert "/en/endorsements/confirm/" in email.text_body
    session.rollback()  # the caller's transaction decides: both go, or neither
    assert count(session, StatementEndorsement) == count(session, OutboxEmail) == 0


def test_endorsing_twice_keeps_one_row_and_writes_again(app, session, joint):
    endorse(session, app, joint)
    endorse(session, app, joint, EndorsementData(**{**GOOD.__dict__, "organisation": "Other"}))
    assert count(session, StatementEndorsement) == 1
    assert count(session, OutboxEmail) == 2
    endorsement = session.scalars(select(StatementEndorsement)).one()
    assert endorsement.organisation == "Red de Defensoras"


def test_emails_per_endorsement_are_capped(app, session, joint):
    for _ in range(4):
        endorse(session, app, joint, max_emails=2)
    assert count(session, OutboxEmail) == 2


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"organisation": ""}, "organisation", "required"),
        ({"organisation": "x" * 201}, "organisation", "too_long"),
        ({"organisation": "=HYPERLINK(1)"}, "organisation", "bad_start"),
        ({"organisation": "Org\x00"}, "organisation", "invalid_characters"),
        ({"country": ""}, "country", "required"),
        ({"country": "EU"}, "country", "invalid"),  # a region, not where an organisation is
        ({"website": "javascript:alert(1)"}, "website", "invalid"),
        ({"website": "ftp://files.example.org"}, "website", "invalid"),
        ({"website": "https://"}, "website", "invalid"),
        ({"website": "https://exa mple.org"}, "website", "invalid"),
        ({"website": "https://" + "a" * 300 + ".org"}, "website", "invalid"),
        ({"email": ""}, "email", "required"),
        ({"email": "not-an-address"}, "email", "invalid"),
        ({"consent_text": ""}, "consent", "required"),
    ],
)
def test_invalid_fields_are_refused(app, session, joint, changes, field, key):
    with pytest.raises(InvalidEndorsement) as refused:
        endorse(session, app, joint, EndorsementData(**{**GOOD.__dict__, **changes}))
    assert refused.value.errors[field] == key
    assert count(session, StatementEndorsement) == 0


def test_website_is_optional(app, session, joint):
    endorse(session, app, joint, EndorsementData(**{**GOOD.__dict__, "website": "  "}))
    assert session.scalars(select(StatementEndorsement)).one().website is None


def test_only_statements_open_for_endorsement_take_them(app, session, make_statement):
    for statement in (
        make_statement(kind="joint_statement", open_for_endorsement=False),
        make_statement(kind="joint_statement", open_for_endorsement=True, status="draft"),
    ):
        with pytest.raises(EndorsementClosed):
            endorse(session, app, statement)


def test_the_database_refuses_endorsements_on_other_kinds(make_statement):
    with pytest.raises(IntegrityError):
        make_statement(kind="urgent_intervention", open_for_endorsement=True)


def test_confirming_is_idempotent_and_approval_lists_the_organisation_once(app, session, joint):
    endorse(session, app, joint)
    endorsement = session.scalars(select(StatementEndorsement)).one()
    with pytest.raises(EndorsementNotConfirmed):
        approve_endorsement(session, endorsement, now=utcnow())
    assert confirm_endorsement(session, endorsement, now=utcnow()) is True
    assert confirm_endorsement(session, endorsement, now=utcnow()) is False
    assert endorsement.state == "confirmed"
    approved_at = utcnow()
    signatory = approve_endorsement(session, endorsement, now=approved_at)
    again = approve_endorsement(session, endorsement, now=utcnow())
    assert signatory.id == again.id
    assert endorsement.statement.updated_at == approved_at  # feeds see the new signatory
    assert endorsement.state == "approved"
    names = session.scalars(
        select(StatementSignatory.name)
        .where(StatementSignatory.statement_id == joint.id)
        .order_by(StatementSignatory.position)
    ).all()
    assert names == ["First Signatory", "Red de Defensoras"]
    assert (signatory.country, signatory.website) == ("MX", "https://red.example.org/")


def test_an_endorsement_of_a_statement_closed_since_cannot_be_confirmed(app, session, joint):
    endorse(session, app, joint)
    endorsement = session.scalars(select(StatementEndorsement)).one()
    endorsement.statement.open_for_endorsement = False
    session.flush()
    with pytest.raises(EndorsementClosed):
        confirm_endorsement(session, endorsement, now=utcnow())


def test_tokens_are_purpose_bound_and_expire(app, session, joint):
    endorse(session, app, joint)
    endorsement = session.scalars(select(StatementEndorsement)).one()
    key = app.config["SECRET_KEY"]
    good = make_token(key, Purpose.CONFIRM_ENDORSEMENT, endorsement.id)
    assert endorsement_from_token(session, key, good, max_age=60).id == endorsement.id
    signature_token = make_token(key, Purpose.CONFIRM_SIGNATURE, endorsement.id)
    with pytest.raises(InvalidToken):
        endorsement_from_token(session, key, signature_token, max_age=60)
    with pytest.raises(ExpiredToken):
        endorsement_from_token(session, key, good, max_age=-1)


# --- the web and the command line, end to end ----------------------------------------------


def form(**changes) -> dict:
    data = {
        "endorse-organisation": "Colectivo Contra la Tortura",
        "endorse-country": "MX",
        "endorse-website": "https://colectivo.example.org",
        "endorse-email": "enlace@colectivo.example.org",
        "endorse-consent": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_endorsement_end_to_end_over_smtp(make_app, make_statement, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url)
    client, runner = app.test_client(), app.test_cli_runner()
    statement = make_statement(
        kind="joint_statement",
        open_for_endorsement=True,
        texts={"es": ("Declaración conjunta", "Resumen", "Cuerpo")},
    )
    page = client.get(f"/es/statements/{statement.slug}").get_data(as_text=True)
    assert f'action="/es/statements/{statement.slug}/endorse"' in page
    for name in ("organisation", "country", "website", "email", "consent"):
        assert f'for="endorse-{name}"' in page

    response = client.post(f"/es/statements/{statement.slug}/endorse", data=form())
    assert response.status_code == 303
    check = response.headers["Location"]
    assert check == f"/es/statements/{statement.slug}/endorse/check-your-email"
    assert client.get(check).status_code == 200

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    [message] = smtp_server.inbox.to("enlace@colectivo.example.org")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Colectivo Contra la Tortura" in text and "Declaración conjunta" in text
    link = re.search(r"http://localhost(/es/endorsements/confirm/\S+)", text).group(1)

    # Opening the link changes nothing: mail scanners follow links.
    opened = client.get(link)
    assert opened.status_code == 200
    assert "no-store" in opened.headers["Cache-Control"]
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    assert f'<form method="post" action="{link}">' in opened.get_data(as_text=True)
    listed = runner.invoke(args=["endorsements", "list", "--state", "pending"])
    assert "Colectivo Contra la Tortura" in listed.output

    assert client.post(link).status_code == 200
    assert client.post(link).status_code == 200  # a second click changes nothing more
    with app.app_context():
        endorsement = db.session.scalars(select(StatementEndorsement)).one()
        assert endorsement.state == "confirmed"
        endorsement_id = endorsement.id
    # Confirmed is not yet published: staff approve first.
    assert "Colectivo Contra la Tortura" not in client.get(
        f"/es/statements/{statement.slug}"
    ).get_data(as_text=True)

    listed = runner.invoke(args=["endorsements", "list", "--state", "confirmed"])
    assert listed.exit_code == 0
    assert listed.output.startswith(f"{endorsement_id}\tconfirmed\t{statement.slug}\t")
    assert "enlace@" not in listed.output  # contact addresses are never printed

    approved = runner.invoke(args=["endorsements", "approve", str(endorsement_id)])
    assert approved.exit_code == 0, approved.output
    page = client.get(f"/es/statements/{statement.slug}").get_data(as_text=True)
    assert (
        '<a href="https://colectivo.example.org" rel="nofollow noopener">'
        "Colectivo Contra la Tortura</a>"
    ) in page
    assert "(México)" in page
    again = runner.invoke(args=["endorsements", "approve", str(endorsement_id)])
    assert again.exit_code == 0
    assert page.count("Colectivo Contra la Tortura") == 1
    assert (
        client.get(f"/es/statements/{statement.slug}")
        .get_data(as_text=True)
        .count("Colectivo Contra la Tortura")
        == 1
    )


def test_the_page_is_the_same_whether_or_not_the_address_endorsed_before(app, client, joint):
    first = client.post(f"/en/statements/{joint.slug}/endorse", data=form())
    repeat = client.post(
        f"/en/statements/{joint.slug}/endorse",
        data=form(**{"endorse-organisation": "Someone Else"}),
    )
    stranger = client.post(
        f"/en/statements/{joint.slug}/endorse",
        data=form(**{"endorse-email": "new@elsewhere.example.org"}),
    )
    assert first.status_code == repeat.status_code == stranger.status_code == 303
    assert first.headers["Location"] == repeat.headers["Location"] == stranger.headers["Location"]
    assert first.get_data() == repeat.get_data() == stranger.get_data()
    with app.app_context():
        assert count(db.session, StatementEndorsement) == 2


def test_a_confirmed_endorser_asking_again_is_told_by_email_only(app, client, joint):
    client.post(f"/en/statements/{joint.slug}/endorse", data=form())
    with app.app_context():
        db.session.execute(StatementEndorsement.__table__.update().values(confirmed_at=utcnow()))
        db.session.commit()
    response = client.post(f"/en/statements/{joint.slug}/endorse", data=form())
    assert response.status_code == 303
    with app.app_context():
        kinds = db.session.scalars(select(OutboxEmail.kind).order_by(OutboxEmail.id)).all()
    assert kinds == ["confirm_endorsement", "already_endorsed"]


def test_invalid_form_is_422_with_an_error_summary_and_keeps_the_input(client, joint):
    response = client.post(
        f"/en/statements/{joint.slug}/endorse",
        data=form(**{"endorse-website": "javascript:alert(1)", "endorse-consent": None}),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in html
    assert 'href="#endorse-website"' in html and 'href="#endorse-consent"' in html
    assert 'value="Colectivo Contra la Tortura"' in html
    assert 'value="enlace@colectivo.example.org"' in html
    assert "<title>Error:" in html
    assert 'href="javascript:' not in html


def test_endorse_form_only_on_statements_open_for_endorsement(client, make_statement):
    closed = make_statement(kind="joint_statement", open_for_endorsement=False)
    html = client.get(f"/en/statements/{closed.slug}").get_data(as_text=True)
    assert "endorse-form" not in html
    response = client.post(f"/en/statements/{closed.slug}/endorse", data=form())
    assert response.status_code == 409
    draft = make_statement(kind="joint_statement", open_for_endorsement=True, status="draft")
    assert client.post(f"/en/statements/{draft.slug}/endorse", data=form()).status_code == 404


def test_cross_site_endorsements_are_refused(app, client, joint):
    response = client.post(
        f"/en/statements/{joint.slug}/endorse",
        data=form(),
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    with app.app_context():
        assert count(db.session, StatementEndorsement) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
def test_a_cross_site_endorsement_confirmation_is_403_and_confirms_nothing(
    app, client, joint, headers
):
    client.post(f"/en/statements/{joint.slug}/endorse", data=form())
    with app.app_context():
        email = db.session.scalars(select(OutboxEmail)).one()
    link = re.search(r"http://localhost(/en/endorsements/confirm/\S+)", email.text_body).group(1)

    response = client.post(link, headers=headers)

    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(StatementEndorsement)).one().confirmed_at is None
    # The same link posted from the platform's own page confirms.
    assert client.post(link, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(StatementEndorsement)).one().state == "confirmed"


@pytest.mark.parametrize(
    ("token", "status"), [("not-a-token", 400), ("eyJhbGciOiJIUzI1NiJ9.x.y", 400)]
)
def test_broken_confirmation_links(client, token, status):
    response = client.get(f"/en/endorsements/confirm/{token}")
    assert response.status_code == status
    assert "no-store" in response.headers["Cache-Control"]


def test_expired_confirmation_link_is_410(make_app, make_statement):
    app = make_app(ENDORSEMENT_TOKEN_MAX_AGE=-1)
    client = app.test_client()
    statement = make_statement(kind="joint_statement", open_for_endorsement=True)
    client.post(f"/en/statements/{statement.slug}/endorse", data=form())
    with app.app_context():
        email = db.session.scalars(select(OutboxEmail)).one()
    link = re.search(r"http://localhost(/en/endorsements/confirm/\S+)", email.text_body).group(1)
    assert client.get(link).status_code == 410
    assert client.post(link).status_code == 410


def test_command_line_refuses_what_cannot_be_approved(app, runner, session, joint):
    missing = runner.invoke(args=["endorsements", "approve", "999"])
    assert missing.exit_code != 0 and "no endorsement 999" in missing.output
    endorse(session, app, joint)
    session.commit()
    endorsement_id = session.scalars(select(StatementEndorsement.id)).one()
    pending = runner.invoke(args=["endorsements", "approve", str(endorsement_id)])
    assert pending.exit_code != 0 and "not confirmed" in pending.output
    assert runner.invoke(args=["endorsements", "list", "--state", "approved"]).output == (
        "no endorsements\n"
    )
    assert count(session, StatementSignatory) == 1  # only the original signatory
