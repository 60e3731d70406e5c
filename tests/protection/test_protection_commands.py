"""The protection commands refuse what they are wrongly given with a message and nothing
written or registered: a private key offered for registration, a public key offered to open
an export, files that hold no key, names taken, a key no petition can use, an output that
cannot be written."""

from __future__ import annotations

import base64

import pytest
from helpers import count
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import Petition, ProtectionKey
from campaign.protection.keys import PRIVATE_KEY_LABEL, PUBLIC_KEY_LABEL, write_key_pair
from campaign.protection.sealing import seal


@pytest.fixture
def keys(tmp_path):
    return write_key_pair(tmp_path / "keys")


def _refused(result, message: str) -> None:
    """Exit status 1 or 2 with `message`, and no traceback: a click error, not a crash."""
    assert result.exit_code in (1, 2), result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.output


def _public_key(keys) -> str:
    return keys.public.read_text().splitlines()[-1]


def test_key_files_say_which_half_they_hold(keys):
    private, public = keys.private.read_text(), keys.public.read_text()
    assert private.splitlines()[0] == PRIVATE_KEY_LABEL
    assert public.splitlines()[0] == PUBLIC_KEY_LABEL
    assert len(base64.b64decode(_public_key(keys))) == 32


def test_generating_into_a_folder_with_keys_overwrites_nothing(runner, keys):
    before = keys.private.read_text()
    result = runner.invoke(args=["keys", "generate-protection", "--out", str(keys.private.parent)])
    _refused(result, "exists already: nothing written")
    assert keys.private.read_text() == before


def test_a_private_key_is_never_registered(app, runner, keys):
    result = runner.invoke(
        args=["keys", "add-protection", "--public-key", str(keys.private), "--name", "Team"]
    )
    _refused(result, "is a private key: it must stay offline")
    assert count(app, ProtectionKey) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not a key at all\n", "does not hold a public key"),
        (base64.b64encode(b"short").decode() + "\n", "does not hold a public key"),
        (b"\xff\xfe binary", "cannot read"),
    ],
)
def test_a_file_without_a_public_key_is_refused(app, runner, tmp_path, content, message):
    path = tmp_path / "key.pub"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = runner.invoke(
        args=["keys", "add-protection", "--public-key", str(path), "--name", "Team"]
    )
    _refused(result, message)
    assert count(app, ProtectionKey) == 0


def test_names_and_keys_are_registered_once(app, runner, keys, tmp_path):
    def add(path, name):
        return runner.invoke(
            args=["keys", "add-protection", "--public-key", str(path), "--name", name]
        )

    assert add(keys.public, "Team").exit_code == 0
    _refused(add(keys.public, "Another"), "this public key is registered already")
    other = write_key_pair(tmp_path / "other")
    _refused(add(other.public, "Team"), "a key named 'Team' exists already")
    _refused(add(other.public, "x" * 81), "--name must be 1 to 80 characters")
    _refused(add(tmp_path / "missing.key", "Missing"), "cannot read")
    assert count(app, ProtectionKey) == 1


def test_a_petition_is_protected_only_by_a_registered_key(app, runner, make_campaign, tmp_path):
    campaign = make_campaign()
    text = tmp_path / "en.md"
    text.write_text("Title: At risk\n\nRelease them.\n")
    base = ["petitions", "create", "--campaign", campaign.slug, "--slug", "at-risk"]
    base += ["--message-file", f"en={text}", "--goal", "10"]
    _refused(
        runner.invoke(args=[*base, "--protected-by", "Nobody"]),
        "--protected-by 'Nobody': no protection key of that name",
    )
    _refused(
        runner.invoke(args=[*base, "--count-by-country"]),
        "--count-by-country applies to protected petitions only",
    )
    with app.app_context():
        assert db.session.scalar(select(Petition.id).where(Petition.slug == "at-risk")) is None


def _export(tmp_path, keys) -> str:
    path = tmp_path / "export.csv"
    sealed = seal(_public_key(keys), "Amina Diallo")
    path.write_text(f"name,country\r\n{sealed},ZZ\r\n", encoding="utf-8")
    return str(path)


def test_the_public_key_opens_nothing(runner, keys, tmp_path):
    out = tmp_path / "opened.csv"
    result = runner.invoke(
        args=["decrypt-export", _export(tmp_path, keys), "--private-key", str(keys.public)]
        + ["--out", str(out)]
    )
    _refused(result, "is the public key")
    assert not out.exists()


def test_an_export_that_cannot_be_read_or_opened_writes_nothing(runner, keys, tmp_path):
    out = tmp_path / "opened.csv"
    damaged = tmp_path / "damaged.csv"
    damaged.write_text("name\r\nsealed:AAAAAAAA\r\n")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00name")
    for source, message in (
        (damaged, "this private key does not open the export: nothing written"),
        (binary, "is not a UTF-8 CSV file"),
    ):
        result = runner.invoke(
            args=["decrypt-export", str(source), "--private-key", str(keys.private)]
            + ["--out", str(out)]
        )
        _refused(result, message)
    assert not out.exists()
    missing_key = runner.invoke(
        args=["decrypt-export", str(damaged), "--private-key", str(tmp_path / "none.key")]
        + ["--out", str(out)]
    )
    _refused(missing_key, "does not hold a private key")


def test_the_opened_export_is_written_for_its_owner_only(runner, keys, tmp_path):
    source = _export(tmp_path, keys)
    nowhere = tmp_path / "missing-folder" / "opened.csv"
    result = runner.invoke(
        args=["decrypt-export", source, "--private-key", str(keys.private), "--out", str(nowhere)]
    )
    _refused(result, f"cannot write {nowhere}")
    out = tmp_path / "opened.csv"
    out.write_text("left from before")
    out.chmod(0o644)
    result = runner.invoke(
        args=["decrypt-export", source, "--private-key", str(keys.private), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == b"name,country\r\nAmina Diallo,ZZ\r\n"
    assert out.stat().st_mode & 0o777 == 0o600


def test_petitions_are_created_from_message_files_in_several_languages(
    app, runner, make_campaign, keys, tmp_path
):
    campaign = make_campaign()
    assert (
        runner.invoke(
            args=["keys", "add-protection", "--public-key", str(keys.public), "--name", "Team"]
        ).exit_code
        == 0
    )
    english, arabic, untitled = tmp_path / "en.md", tmp_path / "ar.md", tmp_path / "bad.md"
    english.write_text("Title: Free them\n\nRelease them **now**.\n")
    arabic.write_text("Title: أطلقوا سراحهم\n\nأطلقوا سراحهم الآن.\n", encoding="utf-8")
    untitled.write_text("Release them.\n")

    def create(slug, *files, goal="10"):
        options = [f"--message-file={file}" for file in files]
        return runner.invoke(
            args=["petitions", "create", "--campaign", campaign.slug, "--slug", slug]
            + options
            + ["--goal", goal, "--protected-by", "Team"]
        )

    created = create("free-them", f"en={english}", f"ar={arabic}")
    assert created.exit_code == 0, created.output
    assert "created (draft, protected by 'Team')" in created.output
    _refused(create("other", f"en={untitled}"), "must start with a 'Title: ...' line")
    _refused(create("other", f"xx={english}"), "LANG one of")
    _refused(create("other", f"en={tmp_path / 'none.md'}"), "cannot read")
    _refused(create("other", f"en={english}", goal="0"), "--goal")
    _refused(create("free-them", f"en={english}"), "--slug 'free-them' is taken")
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == "free-them"))
        assert (petition.status, petition.is_protected) == ("draft", True)
        assert petition.text_for("ar").title == "أطلقوا سراحهم"
        assert db.session.scalar(select(Petition.id).where(Petition.slug == "other")) is None
