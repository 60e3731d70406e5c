"""`campaign updates send`: the happy path, and every bad input refused (exit 2) with nothing
created."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import count, outbox

from campaign.models import AuditEvent, OutboxEmail, Update, utcnow


@pytest.fixture
def petition(make_petition, make_signature):
    petition = make_petition(locales=("en", "fr"))
    make_signature(petition, email="fr@example.org", locale="fr", newsletter=True)
    make_signature(petition, email="en@example.org", locale="en", newsletter=True)
    make_signature(petition, email="quiet@example.org", newsletter=False)
    return petition


def _file(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


def test_sends_now_and_prints_the_recipients_per_language(app, runner, tmp_path, petition):
    en = _file(tmp_path, "en.md", "Subject: We won\n\nThe law **passed**.\n")
    fr = _file(tmp_path, "fr.md", "Subject: Victoire\n\nLa loi est *votée*.\n")
    result = runner.invoke(
        args=[
            "updates", "send", "--petition", petition.slug, "--message-file", f"en={en}",
            "--message-file", f"fr={fr}", "--outcome", "victory", "--yes",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "en: 1 recipients" in result.output and "fr: 1 recipients" in result.output
    assert "2 emails queued" in result.output
    emails = {e.to_address: e for e in outbox(app)}
    assert emails["fr@example.org"].subject == "Victoire"
    assert emails["en@example.org"].subject == "We won"
    assert count(app, AuditEvent, AuditEvent.action == "update_sent") == 1


def test_a_scheduled_send_queues_nothing_yet(app, runner, tmp_path, petition):
    en = _file(tmp_path, "en.md", "Subject: Soon\n\nText.")
    at = (utcnow() + timedelta(hours=3)).replace(tzinfo=None).isoformat()
    result = runner.invoke(
        args=["updates", "send", "--petition", petition.slug, "--message-file", f"en={en}",
              "--at", at, "--yes"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "scheduled" in result.output
    assert count(app, OutboxEmail) == 0 and count(app, Update) == 1


@pytest.mark.parametrize(
    ("content", "args", "reason"),
    [
        ("Subject: Hi\n\nText", ["--petition", "no-such-petition"], "no petition"),
        (None, ["--message-file", "xx=PATH"], "LANG one of"),
        (b"Subject: Caf\xe9\n\nText", [], "not UTF-8"),
        ("Hello\n\nText", [], "Subject"),
        ("Subject: \n\nText", [], "empty Subject"),
        ("Subject: Hi\n\n   \n", [], "no text"),
        ("Subject: Hi\n\nText", ["--at", "2001-01-01T00:00"], "in the past"),
        ("Subject: Hi\n\nText", ["--at", "tomorrow"], "not an ISO 8601 time"),
        ("Subject: Hi\n\nText", ["--no-yes"], "--yes"),
    ],
)
def test_bad_input_exits_2_and_creates_nothing(
    app, runner, tmp_path, petition, content, args, reason
):
    path = _file(tmp_path, "en.md", content or "Subject: Hi\n\nText")
    command = ["updates", "send", "--petition", petition.slug, "--message-file", f"en={path}"]
    extra = [a.replace("PATH", path) for a in args if a != "--no-yes"]
    if "--message-file" in extra:
        command = command[:4]
    command += extra
    if "--no-yes" not in args:
        command.append("--yes")
    result = runner.invoke(args=command)
    assert result.exit_code == 2, result.output
    assert reason in result.output
    assert count(app, Update) == 0 and count(app, OutboxEmail) == 0
    assert count(app, AuditEvent) == 0
