"""Backups that restore: one archive holding the database, the uploads folder and a manifest
of row counts; restoring it into an empty database checks every count.

The archive (a gzipped tar, created readable by its owner only: it holds signers' names and
addresses) contains:

- `manifest.json`: format, when, the database kind, the migration revision, rows per table,
  the database file's SHA-256 and the uploads' names;
- `database.sqlite3` (SQLite's online backup API: a consistent copy while the site runs) or
  `database.pgdump` (`pg_dump --format=custom`, from the same snapshot the rows were counted
  in, so the counts describe exactly what was dumped);
- `uploads/...`: the files under UPLOAD_DIR.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
UPLOADS = "uploads"
# Where distributions put each major version's client programs, besides PATH.
PG_BIN_DIRS = ("/usr/lib/postgresql/{major}/bin", "/usr/pgsql-{major}/bin")


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class RestoreReport:
    counts: dict[str, int]
    uploads: int


def table_names(bind) -> list[str]:
    """The tables of an engine's database, or as a connection's transaction sees them."""
    return sorted(inspect(bind).get_table_names())


def row_counts(connection, tables: list[str]) -> dict[str, int]:
    quote = connection.dialect.identifier_preparer.quote
    return {
        table: connection.execute(text(f"SELECT count(*) FROM {quote(table)}")).scalar_one()  # noqa: S608
        for table in tables
    }


def backup(engine: Engine, upload_dir: Path, out: Path, *, now: datetime) -> dict:
    """Write the archive to `out` (atomically: a temporary file renamed); return its manifest."""
    out = out.resolve()
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent} is not a directory: create it first")
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as work:
        work_dir = Path(work)
        if engine.dialect.name == "sqlite":
            database_file = work_dir / SQLITE_FILE
            counts = _backup_sqlite(engine, database_file)
        elif engine.dialect.name == "postgresql":
            database_file = work_dir / POSTGRES_FILE
            counts = _backup_postgres(engine, database_file)
        else:
            raise BackupError(f"no backup for {engine.dialect.name} databases")
        uploads = sorted(_upload_files(upload_dir))
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": engine.dialect.name,
            "database_file": database_file.name,
            "database_sha256": _sha256(database_file),
            "revision": _revision(counts, engine, database_file),
            "counts": counts,
            "uploads": [str(path) for path in uploads],
        }
        partial = work_dir / "archive.tar.gz"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(database_file, arcname=database_file.name, recursive=False)
            for relative in uploads:
                tar.add(upload_dir / relative, arcname=f"{UPLOADS}/{relative}", recursive=False)
        os.replace(partial, out)
    return manifest


def _backup_sqlite(engine: Engine, destination: Path) -> dict[str, int]:
    source_path = engine.url.database
    if not source_path or source_path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
        # Counted in the copy: exactly what the archive holds.
        tables = [
            name
            for (name,) in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = {
            table: target.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in sorted(tables)
        }
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        target.close()
        source.close()
    return counts


def _backup_postgres(engine: Engine, destination: Path) -> dict[str, int]:
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            major = _server_major(connection)
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = row_counts(connection, table_names(connection))
            # pg_dump reads the snapshot this transaction exported, which lives while it is open.
            _run(
                [
                    pg_program("pg_dump", major),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={destination}",
                    f"--dbname={_libpq_url(engine.url)}",
                ],
                engine.url,
            )
    return counts


def _server_major(connection) -> int:
    return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def pg_program(name: str, server_major: int) -> str:
    """`pg_dump` or `pg_restore` able to talk to a server of this major version: the one on
    PATH when it is at least as new, else the distribution's build for that version."""
    candidates = [shutil.which(name)] + [
        str(Path(directory.format(major=server_major)) / name) for directory in PG_BIN_DIRS
    ]
    found = []
    for candidate in candidates:
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        version = _program_major(candidate)
        found.append(f"{candidate} ({version})")
        if version is not None and version >= server_major:
            return candidate
    raise BackupError(
        f"{name} for PostgreSQL {server_major} or newer is needed; found "
        f"{', '.join(found) or 'none on PATH'}: install postgresql-client-{server_major}"
    )


def _program_major(program: str) -> int | None:
    try:
        output = subprocess.run(  # noqa: S603  (a program found above, no shell)
            [program, "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(found.group(1)) if found else None


def _libpq_url(url: URL) -> str:
    """The URL libpq understands, without the password (passed in PGPASSWORD, so that it is
    not in the process list)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: URL) -> None:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # pg_dump or pg_restore chosen by pg_program, with arguments built here; no shell.
    result = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()}"
        )


def _revision(counts: dict[str, int], engine: Engine, database_file: Path) -> str | None:
    if not counts.get("alembic_version"):
        return None
    if engine.dialect.name == "sqlite":
        with _sqlite(database_file) as copy:
            return copy.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path)
    try:
        yield connection
    finally:
        connection.close()


def _upload_files(upload_dir: Path) -> Iterator[PurePosixPath]:
    if not upload_dir.is_dir():
        return
    for path in upload_dir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            yield PurePosixPath(path.relative_to(upload_dir).as_posix())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- restoring ---------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.load(member)
        if not isinstance(manifest, dict):
            raise ValueError(MANIFEST)
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} is not a backup made by `campaign backup`") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive} is a backup in format {manifest.get('format')!r}, not {FORMAT}"
        )
    if not _well_formed(manifest):
        raise BackupError(f"the manifest of {archive} is damaged: restore from another backup")
    return manifest


def _well_formed(manifest: dict) -> bool:
    """The fields a restore relies on, with uploads that stay inside UPLOAD_DIR."""
    counts, uploads = manifest.get("counts"), manifest.get("uploads")
    return (
        (manifest.get("database"), manifest.get("database_file"))
        in (("sqlite", SQLITE_FILE), ("postgresql", POSTGRES_FILE))
        and isinstance(manifest.get("database_sha256"), str)
        and isinstance(counts, dict)
        and all(isinstance(n, int) and not isinstance(n, bool) for n in counts.values())
        and isinstance(uploads, list)
        and all(isinstance(name, str) and _inside(name) for name in uploads)
    )


def _inside(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts


def restore(engine: Engine, upload_dir: Path, archive: Path) -> RestoreReport:
    """Restore `archive` into the empty database behind `engine` and into `upload_dir`, then
    compare every table's rows with the manifest. Raises BackupError before writing anything
    when the database is not empty or of another kind, or an upload would replace a different
    file; and after, when the restored rows differ from the manifest's."""
    manifest = read_manifest(archive)
    if manifest["database"] != engine.dialect.name:
        raise BackupError(
            f"this backup is of a {manifest['database']} database and cannot be restored into "
            f"{engine.dialect.name}"
        )
    existing = table_names(engine)
    if existing:
        shown = ", ".join(existing[:5]) + (", ..." if len(existing) > 5 else "")
        raise BackupError(
            f"the database is not empty (it has tables: {shown}); restore into a new, empty "
            "database, then point DATABASE_URL at it"
        )
    with tempfile.TemporaryDirectory(prefix="campaign-restore-") as work:
        work_dir = Path(work)
        uploads = _extract(archive, manifest, work_dir)
        _check_uploads(work_dir / UPLOADS, upload_dir, uploads)
        database_file = work_dir / manifest["database_file"]
        if _sha256(database_file) != manifest["database_sha256"]:
            raise BackupError("the database file in the archive does not match its manifest")
        if engine.dialect.name == "sqlite":
            _restore_sqlite(engine, database_file)
        else:
            _restore_postgres(engine, database_file)
        counts = _check_counts(engine, manifest["counts"])
        for relative in uploads:
            target = upload_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                shutil.copyfile(work_dir / UPLOADS / relative, target)
    return RestoreReport(counts=counts, uploads=len(uploads))


def _extract(archive: Path, manifest: dict, work_dir: Path) -> list[PurePosixPath]:
    uploads = [PurePosixPath(name) for name in manifest["uploads"]]
    wanted = {manifest["database_file"]} | {f"{UPLOADS}/{name}" for name in uploads}
    with tarfile.open(archive, mode="r:gz") as tar:
        members = [member for member in tar.getmembers() if member.name in wanted]
        if len(members) != len(wanted):
            raise BackupError("the archive lacks files its manifest lists")
        # The data filter refuses absolute paths, links out of the folder and special files.
        tar.extractall(work_dir, members=members, filter="data")
    return uploads


def _check_uploads(source: Path, upload_dir: Path, uploads: list[PurePosixPath]) -> None:
    clashes = [
        str(relative)
        for relative in uploads
        if (upload_dir / relative).exists()
        and _sha256(upload_dir / relative) != _sha256(source / relative)
    ]
    if clashes:
        raise BackupError(
            f"UPLOAD_DIR ({upload_dir}) already holds different files of the same names: "
            f"{', '.join(clashes[:5])}; restore into an empty folder"
        )


def _restore_sqlite(engine: Engine, database_file: Path) -> None:
    engine.dispose()
    target_path = engine.url.database
    if not target_path or target_path == ":memory:":
        raise BackupError("restore into a SQLite file, not an in-memory database")
    with _sqlite(database_file) as source, _sqlite(Path(target_path)) as target:
        source.backup(target)
    engine.dispose()


def _restore_postgres(engine: Engine, database_file: Path) -> None:
    with engine.connect() as connection:
        major = _server_major(connection)
    _run(
        [
            pg_program("pg_restore", major),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_libpq_url(engine.url)}",
            str(database_file),
        ],
        engine.url,
    )
    engine.dispose()


def _check_counts(engine: Engine, expected: dict[str, int]) -> dict[str, int]:
    with engine.connect() as connection:
        found = row_counts(connection, table_names(connection))
    if found != expected:
        differences = sorted(
            f"{table}: {expected.get(table)} in the backup, {found.get(table)} restored"
            for table in set(found) | set(expected)
            if found.get(table) != expected.get(table)
        )
        raise BackupError("the restored rows differ from the backup: " + "; ".join(differences))
    return found
