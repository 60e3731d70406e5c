"""`campaign backup` and `campaign restore`: a populated database and its uploads restored into
a fresh database (the suite's kind: SQLite, or PostgreSQL with TEST_DATABASE_URL) with the same
rows and a confirmation link that still works."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

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
        # New rows take new ids: the sequences came back with the rows.
        signing = restored.test_client().post(
            f"/en/petitions/{petition.slug}", data=sign_fields(email="new@example.org")
        )
        assert signing.status_code == 200
        assert counts_of(restored)["signatures"] == 5

        again = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert again.exit_code == 1
        assert "the database is not empty" in again.output
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def app_on(database_url: str, upload_dir) -> Iterator:
    restored = create_app(base_config(database_url, UPLOAD_DIR=str(upload_dir)))
    try:
        yield restored
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def archive(app, make_petition, tmp_path) -> Path:
    make_petition()
    out = tmp_path / "campaign.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def rewritten(archive: Path, change: Callable[[dict], object]) -> Path:
    """A copy of `archive` whose manifest is what `change` makes of it."""
    copy = archive.with_name("changed.tar.gz")
    with tarfile.open(archive) as source, tarfile.open(copy, "w:gz") as target:
        for member in source.getmembers():
            body = source.extractfile(member).read()
            if member.name == "manifest.json":
                body = json.dumps(change(json.loads(body))).encode()
                member.size = len(body)
            target.addfile(member, io.BytesIO(body))
    return copy


def _other_kind(manifest: dict) -> dict:
    other = {
        "sqlite": ("postgresql", "database.pgdump"),
        "postgresql": ("sqlite", "database.sqlite3"),
    }
    manifest["database"], manifest["database_file"] = other[manifest["database"]]
    return manifest


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (lambda m: [m], "is not a backup made by `campaign backup`"),
        (lambda m: {**m, "format": 2}, "a backup in format 2, not 1"),
        (_other_kind, "database and cannot be restored into"),
        (lambda m: {**m, "uploads": ["../../outside.txt"]}, "manifest of .* is damaged"),
        (lambda m: {**m, "uploads": ["/etc/cron.d/job"]}, "manifest of .* is damaged"),
        (lambda m: {**m, "counts": {"petitions": "many"}}, "manifest of .* is damaged"),
        (lambda m: {k: v for k, v in m.items() if k != "counts"}, "manifest of .* is damaged"),
        (lambda m: {**m, "database_sha256": "0" * 64}, "does not match its manifest"),
    ],
    ids=[
        "not-an-object",
        "format",
        "other-kind",
        "escaping",
        "absolute",
        "counts",
        "no-counts",
        "tampered",
    ],
)
def test_restore_refuses_a_damaged_or_foreign_archive(
    archive, fresh_database, tmp_path, change, refusal
):
    with app_on(fresh_database, tmp_path / "restored-uploads") as restored:
        result = restored.test_cli_runner().invoke(
            args=["restore", str(rewritten(archive, change))]
        )
        assert result.exit_code == 1, result.output
        assert re.search(refusal, result.output), result.output
        assert "Traceback" not in result.output
        with restored.app_context():
            assert table_names(db.engine) == [], "nothing was written"
    assert not (tmp_path / "outside.txt").exists()


def test_restore_names_the_tables_whose_rows_differ(archive, fresh_database, tmp_path):
    def one_petition_more(manifest: dict) -> dict:
        manifest["counts"]["petitions"] += 1
        return manifest

    with app_on(fresh_database, tmp_path / "restored-uploads") as restored:
        changed = rewritten(archive, one_petition_more)
        result = restored.test_cli_runner().invoke(args=["restore", str(changed)])
    assert result.exit_code == 1
    assert "the restored rows differ from the backup: petitions: 2 in the backup, 1 restored" in (
        result.output
    )


def test_a_backup_needs_an_existing_folder(app, tmp_path):
    out = tmp_path / "no-such-folder" / "campaign.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 1
    assert "is not a directory: create it first" in result.output
    assert not out.parent.exists()


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
