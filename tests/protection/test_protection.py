"""Protected petitions through the domain: keys, sealing, signing, the figures left, the
switch fixed once the petition opens or anyone signs, and what a protected signer is never
sent or offered."""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from helpers import outbox, pdf_text, signature_data, signatures
from nacl.public import PrivateKey
from sqlalchemy import select

from campaign.campaigns.authoring import (
    PetitionData,
    ProtectionLocked,
    TextData,
    change_petition_status,
    save_petition,
)
from campaign.delivery.countries import country_counts
from campaign.delivery.keys import generate_key
from campaign.delivery.verification import verify_pack
from campaign.extensions import db
from campaign.integrations.resources import one_signature, signature_resource
from campaign.models import Petition, ProtectionKey, utcnow
from campaign.models.protection import SEALED_NAME, SEALED_PREFIX, UNKNOWN_COUNTRY
from campaign.petitions.opt_in import opt_in_to_updates
from campaign.petitions.reminders import queue_due_reminders
from campaign.petitions.signing import confirm_signature, sign_petition
from campaign.privacy.erasure import purge
from campaign.protection.decrypting import decrypt_csv
from campaign.protection.keys import (
    InvalidKey,
    KeyAlreadyRegistered,
    KeyNameTaken,
    read_private_key,
    register_key,
    write_key_pair,
)
from campaign.protection.sealing import CannotOpen, open_sealed, seal, sealing_for
from campaign.web.pseudonyms import mailbox_pseudonym


@pytest.fixture
def key_pair(tmp_path):
    files = write_key_pair(tmp_path / "keys")
    return read_private_key(files.private.read_text()), files.public.read_text()


@pytest.fixture
def protect(app, key_pair):
    """Make a petition protected by the key pair (registered once), as staff would at creation."""

    def run(petition: Petition, *, count_by_country: bool = False) -> Petition:
        with app.app_context():
            key_id = db.session.scalar(select(ProtectionKey.id)) or (
                register_key(db.session, "Trusted team", key_pair[1]).id
            )
            db.session.execute(
                db.update(Petition)
                .where(Petition.id == petition.id)
                .values(protection_key_id=key_id, count_by_country=count_by_country)
            )
            db.session.commit()
            db.session.remove()
            return db.session.get(Petition, petition.id)

    return run


@pytest.fixture
def sign(app, session):
    def run(petition: Petition, **overrides) -> None:
        petition = session.get(Petition, petition.id)
        sign_petition(
            session,
            petition,
            signature_data(**overrides),
            locale="en",
            now=utcnow(),
            secret_key=app.config["SECRET_KEY"],
            ip_hash="a" * 32,
            sealing=sealing_for(petition),
        )
        session.commit()

    return run


def test_a_key_pair_is_written_once_with_a_private_file_only_its_owner_reads(tmp_path):
    files = write_key_pair(tmp_path / "k")
    assert files.private.stat().st_mode & 0o777 == 0o600
    assert len(base64.b64decode(files.public.read_text().splitlines()[-1])) == 32
    with pytest.raises(FileExistsError):
        write_key_pair(tmp_path / "k")


def test_a_sealed_value_opens_with_its_private_key_only(key_pair):
    private, public = key_pair
    sealed = seal(public.splitlines()[-1], "Amina Diallo")
    assert sealed.startswith(SEALED_PREFIX) and "Amina" not in sealed
    assert sealed != seal(public.splitlines()[-1], "Amina Diallo"), "each seal is fresh"
    assert open_sealed(private, sealed) == "Amina Diallo"
    with pytest.raises(CannotOpen):
        open_sealed(PrivateKey.generate(), sealed)
    with pytest.raises(CannotOpen):
        open_sealed(private, sealed[:-8] + "AAAAAAA=")


def test_registering_refuses_bad_keys_taken_names_and_a_key_twice(session, key_pair):
    register_key(session, "  Trusted   team ", key_pair[1])
    assert session.scalar(select(ProtectionKey.name)) == "Trusted team"
    with pytest.raises(KeyNameTaken):
        register_key(session, "Trusted team", base64.b64encode(b"x" * 32).decode())
    with pytest.raises(KeyAlreadyRegistered):
        register_key(session, "Another", key_pair[1])
    for bad in ("not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(InvalidKey):
            register_key(session, "Bad", bad)


def test_a_protected_signature_keeps_only_sealed_values_and_a_keyed_hash(
    app, session, sign, make_petition, protect, key_pair
):
    petition = protect(make_petition())
    sign(petition, name="Amina Diallo", email="Amina@Example.org", country="SY", newsletter=True)
    [signature] = signatures(app)
    assert (signature.name, signature.email, signature.country) == (SEALED_NAME, "", "ZZ")
    assert signature.email_normalized == mailbox_pseudonym(
        app.config["SECRET_KEY"], "amina@example.org"
    )
    assert (signature.ip_hash, signature.referrer_id, signature.newsletter) == (None, None, False)
    private = key_pair[0]
    assert open_sealed(private, signature.sealed_name) == "Amina Diallo"
    assert open_sealed(private, signature.sealed_email) == "Amina@example.org"
    assert open_sealed(private, signature.sealed_country) == "SY"
    [email] = outbox(app)
    assert (email.to_address, email.erase_when_done) == ("Amina@example.org", True)


def test_signing_twice_is_one_row_whatever_the_spelling(app, sign, make_petition, protect):
    petition = protect(make_petition())
    sign(petition, email="amina@example.org")
    sign(petition, email="AMINA@example.org", name="Someone Else")
    assert len(signatures(app)) == 1
    assert [e.to_address for e in outbox(app)] == ["amina@example.org", "AMINA@example.org"]


def test_counting_by_country_keeps_the_country_in_clear_for_the_figures(
    app, session, sign, make_petition, protect
):
    petition = protect(make_petition(), count_by_country=True)
    for n, country in enumerate(("SY", "SY", "EG")):
        sign(petition, email=f"s{n}@example.org", country=country)
    for signature in signatures(app)[:2]:
        confirm_signature(session, signature.public_id, now=utcnow())
    session.commit()
    figures = country_counts(session, petition.id, min_count=1)
    assert (figures.countries, figures.other) == ([("SY", 2)], 0)


def test_without_counting_by_country_only_the_count_is_given(
    app, session, sign, make_petition, protect
):
    petition = protect(make_petition())
    sign(petition, country="SY")
    confirm_signature(session, signatures(app)[0].public_id, now=utcnow())
    session.commit()
    figures = country_counts(session, petition.id, min_count=1)
    assert (figures.countries, figures.other) == ([], 1)
    assert signatures(app)[0].country == UNKNOWN_COUNTRY


def test_a_protected_signer_gets_no_reminder_and_cannot_opt_in_to_updates(
    app, session, sign, make_petition, protect
):
    petition = protect(make_petition())
    sign(petition)
    queued = queue_due_reminders(
        session,
        now=utcnow() + timedelta(days=2),
        older_than=timedelta(hours=24),
        limit=10,
        secret_key=app.config["SECRET_KEY"],
        max_emails=5,
    )
    assert queued == 0
    [signature] = signatures(app)
    confirm_signature(session, signature.public_id, now=utcnow())
    assert opt_in_to_updates(session, signature.public_id) is False


def test_protection_is_chosen_at_creation_and_fixed_once_anyone_signed(
    app, session, sign, make_campaign, key_pair
):
    campaign = make_campaign()
    key = register_key(session, "Trusted team", key_pair[1])
    data = PetitionData(
        slug="at-risk",
        default_locale="en",
        texts={"en": TextData(title="At risk")},
        protection_key_id=key.id,
        count_by_country=True,
    )
    petition = save_petition(session, session.merge(campaign), None, data, now=utcnow())
    session.commit()
    assert (petition.is_protected, petition.count_by_country) == (True, True)
    petition.status = "open"
    session.commit()
    sign(petition)
    unprotected = PetitionData(slug="at-risk", default_locale="en", texts=data.texts)
    with pytest.raises(ProtectionLocked):
        save_petition(session, petition.campaign, petition, unprotected, now=utcnow())
    session.rollback()
    # Everything else can still change.
    petition = session.get(Petition, petition.id)
    save_petition(session, petition.campaign, petition, replace(data, goal=500), now=utcnow())
    assert petition.goal == 500


def test_protection_is_fixed_once_the_petition_has_opened_even_unsigned(
    session, make_campaign, key_pair
):
    campaign = session.merge(make_campaign())
    key = register_key(session, "Trusted team", key_pair[1])
    texts = {"en": TextData(title="At risk")}
    protected = PetitionData(
        slug="at-risk", default_locale="en", texts=texts, protection_key_id=key.id
    )
    unprotected = PetitionData(slug="at-risk", default_locale="en", texts=texts)
    petition = save_petition(session, campaign, None, unprotected, now=utcnow())
    change_petition_status(petition, "preview", now=utcnow())
    # Until it opens, staff may still change their mind.
    save_petition(session, campaign, petition, protected, now=utcnow())
    assert petition.is_protected
    change_petition_status(petition, "open", now=utcnow())
    session.commit()
    with pytest.raises(ProtectionLocked):
        save_petition(session, campaign, petition, unprotected, now=utcnow())


def test_an_export_opens_cell_by_cell_and_refuses_another_key(key_pair):
    private, public = key_pair
    sealed = seal(public.splitlines()[-1], "=HYPERLINK()")
    text = f"name,email,country\r\n{sealed},{seal(public.splitlines()[-1], 'a@b.org')},FR\r\n"
    opened, count = decrypt_csv(text, private)
    assert count == 2
    assert opened == "name,email,country\r\n'=HYPERLINK(),a@b.org,FR\r\n"
    with pytest.raises(CannotOpen):
        decrypt_csv(text, PrivateKey.generate())


def _signed_protected_petition(
    make_app, tmp_path, key_pair, make_petition, countries, *, min_count, count_by_country=False
):
    """An app with a delivery key, and the slug of a protected petition confirmed signatures
    from `countries` have signed."""
    delivery_key = tmp_path / "delivery.pem"
    generate_key(delivery_key)
    app = make_app(DELIVERY_KEY_FILE=str(delivery_key), COUNTRY_MIN_COUNT=min_count)
    with app.app_context():
        key_id = register_key(db.session, "Trusted team", key_pair[1]).id
        db.session.commit()
        petition = db.session.get(Petition, make_petition().id)
        petition.protection_key_id = key_id
        petition.count_by_country = count_by_country
        db.session.commit()
        for n, country in enumerate(countries):
            sign_petition(
                db.session,
                petition,
                signature_data(
                    name=f"Hidden Person {n}", email=f"h{n}@example.org", country=country
                ),
                locale="en",
                now=utcnow(),
                secret_key=app.config["SECRET_KEY"],
                sealing=sealing_for(petition),
            )
        db.session.commit()
        for signature in signatures(app):
            confirm_signature(db.session, signature.public_id, now=utcnow())
        db.session.commit()
        return app, petition.slug


def _pack(app, slug: str, folder) -> tuple[list[list[str]], str]:
    """Build the petition's delivery pack in `folder`, check it, and return the rows of its
    signatures.csv (header first) and the text of its manifest."""
    result = app.test_cli_runner().invoke(args=["delivery-pack", slug, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    verify_pack(folder)
    rows = list(csv.reader(io.StringIO((folder / "signatures.csv").read_text())))
    return rows, (folder / "manifest.json").read_text()


def test_the_public_figures_and_the_delivery_pack_never_name_a_protected_signer(
    make_app, tmp_path, key_pair, make_petition
):
    app, slug = _signed_protected_petition(
        make_app, tmp_path, key_pair, make_petition, ["SY"] * 3, min_count=1
    )

    figures = app.test_client().get(f"/api/v1/petitions/{slug}/countries").get_json()
    assert (figures["countries"], figures["other"]) == ([], 3)

    rows, manifest = _pack(app, slug, tmp_path / "pack")
    assert len(rows) == 4 and {row[0] for row in rows[1:]} == {""}
    assert {row[1] for row in rows[1:]} == {UNKNOWN_COUNTRY}
    assert "Hidden" not in manifest and '"SY"' not in manifest


def test_a_protected_pack_folds_countries_as_the_public_figures_do(
    make_app, tmp_path, key_pair, make_petition
):
    app, slug = _signed_protected_petition(
        make_app,
        tmp_path,
        key_pair,
        make_petition,
        ["SY", "SY", "BH"],
        min_count=2,
        count_by_country=True,
    )

    figures = app.test_client().get(f"/api/v1/petitions/{slug}/countries").get_json()
    assert figures["other"] == 1
    assert [(c["code"], c["count"]) for c in figures["countries"]] == [("SY", 2)]

    rows, manifest = _pack(app, slug, tmp_path / "pack")
    summary = pdf_text(tmp_path / "pack" / "summary.pdf")
    assert "Other countries" in summary and "Bahrain" not in summary
    assert sorted(row[1] for row in rows[1:]) == ["SY", "SY", UNKNOWN_COUNTRY]
    stated = json.loads(manifest)
    assert stated["countries"] == {"SY": 2, UNKNOWN_COUNTRY: 1}
    # The key, the signature and the receipts are base64 or hex, where "BH" can occur by chance.
    words = json.dumps(
        {k: v for k, v in stated.items() if k not in ("key", "signature", "receipts")}
    )
    assert "BH" not in words and "Bahrain" not in (tmp_path / "pack" / "signatures.csv").read_text()


def test_the_signatures_api_and_webhooks_give_sealed_values_only(
    app, session, sign, make_petition, protect, key_pair
):
    petition = protect(make_petition())
    sign(petition, name="Amina Diallo", email="Amina@Example.org", country="SY")
    [signature] = signatures(app)
    confirm_signature(session, signature.public_id, now=utcnow() - timedelta(minutes=1))
    session.commit()
    created = app.test_cli_runner().invoke(
        args=["tokens", "create", "--name", "crm", "--role", "exporter"]
    )
    token = created.output.strip().splitlines()[-1]

    listed = app.test_client().get(
        f"/api/v1/staff/petitions/{petition.slug}/signatures",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert listed.status_code == 200
    [from_api] = listed.get_json()["signatures"]
    webhook = signature_resource(
        session.execute(one_signature(), {"signature_public_id": signature.public_id}).one()
    )
    private = key_pair[0]
    for resource in (from_api, webhook):
        person, fields = resource["person"], resource["custom_fields"]
        assert "Amina" not in str(resource) and '"SY"' not in json.dumps(resource)
        opened = [
            open_sealed(private, person["email_addresses"][0]["address"]),
            open_sealed(private, person["postal_addresses"][0]["country"]),
            open_sealed(private, fields["full_name"]),
        ]
        assert opened == ["Amina@example.org", "SY", "Amina Diallo"]
        assert (fields["opt_in"], fields["referrer"]) == (False, None)


def test_the_retention_purge_drops_the_sealed_values_and_keeps_the_count(
    app, session, sign, make_petition, protect
):
    petition = protect(make_petition())
    sign(petition, name="Amina Diallo", email="amina@example.org")
    confirm_signature(session, signatures(app)[0].public_id, now=utcnow())
    session.execute(
        db.update(Petition)
        .where(Petition.id == petition.id)
        .values(status="closed", closed_at=utcnow() - timedelta(days=800))
    )
    session.commit()
    result = purge(session, now=utcnow(), pending_days=30, closed_months=12)
    session.commit()
    assert result.anonymised == 1
    [signature] = signatures(app)
    assert (signature.sealed_name, signature.sealed_email, signature.sealed_country) == (
        None,
        None,
        None,
    )
    assert signature.confirmed_at is not None
    assert session.get(Petition, petition.id).signature_count == 1
