"""`campaign backup` and `campaign restore`: a populated database and its uploads restored into
a fresh database (the suite's kind: SQLite, or PostgreSQL with TEST_DATABASE_URL) with the same
rows and a confirmation link that still works."""

from __future__ import annotations

import json
import os
import stat
import tarfile
from collections.abc import Iterator

import pytest
from conftest import _fresh_postgres_database, base_config
from helpers import confirm_link, outbox, sign_fields

from campaign import create_app
from campaign.extensions import db
from campaign.models import Petition
from campaign.operations.backups import BackupError, pg_program, row_counts, table_names


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[str]:
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if admin_url:
        url, drop = _fresh_postgres_database(admin_url)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"


def counts_of(app) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as connection:
        return row_counts(connection, table_names(db.engine))


def test_a_backup_restores_into_a_fresh_database_with_the_same_rows(
    make_app, make_petition, make_signature, fresh_database, tmp_path
):
    uploads = tmp_path / "uploads"
    (uploads / "hero").mkdir(parents=True)
    (uploads / "hero" / "picture.webp").write_bytes(b"RIFF\x00picture")
    app = make_app(UPLOAD_DIR=str(uploads))
    petition = make_petition()
    for _ in range(3):
        make_signature(petition)
    client = app.test_client()
    response = client.post(f"/en/petitions/{petition.slug}", data=sign_fields())
    assert response.status_code == 200
    [email] = outbox(app)
    link = confirm_link(email.text_body).removeprefix("http://localhost")
    archive = tmp_path / "backups" / "campaign.tar.gz"
    archive.parent.mkdir()

    result = app.test_cli_runner().invoke(args=["backup", "--out", str(archive)])

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600, "it holds signers' addresses"
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames())
    original = counts_of(app)
    assert manifest["counts"] == original
    assert manifest["counts"]["signatures"] == 4 and manifest["counts"]["outbox_emails"] == 1
    assert manifest["uploads"] == ["hero/picture.webp"]
    assert "uploads/hero/picture.webp" in names
    assert manifest["revision"]

    restored_uploads = tmp_path / "restored-uploads"
    restored = create_app(base_config(fresh_database, UPLOAD_DIR=str(restored_uploads)))
    try:
        result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "every count matches" in result.output
        assert counts_of(restored) == original
        assert (restored_uploads / "hero" / "picture.webp").read_bytes() == b"RIFF\x00picture"

        # The supporter's link, sent before the disaster, confirms on the restored platform.
        answer = restored.test_client().post(link)
        assert answer.status_code == 200
        with restored.app_context():
            assert db.session.get(Petition, petition.id).signature_count == 4

        again = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert again.exit_code == 1
        assert "the database is not empty" in again.output
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()


def test_restore_refuses_what_is_not_a_backup(app, tmp_path):
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_bytes(b"not an archive")
    result = app.test_cli_runner().invoke(args=["restore", str(bogus)])
    assert result.exit_code == 1
    assert "is not a backup made by `campaign backup`" in result.output


def test_the_pg_tools_must_be_as_new_as_the_server():
    assert pg_program("pg_dump", 15).endswith("pg_dump")
    with pytest.raises(BackupError, match="PostgreSQL 99 or newer"):
        pg_program("pg_dump", 99)
