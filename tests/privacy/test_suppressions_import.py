"""`campaign suppressions import FILE`: a provider's bounce or complaint export suppresses its
addresses from everything, keyed on the normalised address; bad lines are reported by number,
a file that is not UTF-8 is refused, and the audit log keeps counts, never addresses."""

from __future__ import annotations

from sqlalchemy import select

from campaign.extensions import db
from campaign.models import AuditEvent, Suppression


def run_import(app, path, *args: str):
    return app.test_cli_runner().invoke(args=["suppressions", "import", str(path), *args])


def rows(app) -> list[tuple[str, str, int, str]]:
    with app.app_context():
        found = db.session.scalars(select(Suppression).order_by(Suppression.email_key)).all()
        return [(r.email_key, r.scope, r.scope_id, r.reason) for r in found]


def test_an_export_is_imported_with_bad_lines_reported_by_number(app, tmp_path):
    export = tmp_path / "complaints.txt"
    export.write_text(
        "# complaints, March\n"
        "Ann.Example+news@gmail.com\n"
        "not an address\n"
        "\n"
        "ben@example.org\n"
        "annexample@googlemail.com\n"
        "carl@@example.org\n",
        encoding="utf-8",
    )
    result = run_import(app, export)
    assert result.exit_code == 0, result.output
    assert "2 added, 1 already suppressed" in result.output
    assert "2 lines hold no valid address: 3, 7" in result.output
    assert "not an address" not in result.output
    assert rows(app) == [
        ("annexample@gmail.com", "all", 0, "complaint"),
        ("ben@example.org", "all", 0, "complaint"),
    ]
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent)).all()
        assert event.action == "suppressions_added"
        assert event.details == {
            "source": "import",
            "reason": "complaint",
            "added": 2,
            "already": 1,
            "invalid": 2,
        }
        assert "example" not in str(event.details)


def test_bounces_are_imported_as_bounces_and_a_second_run_adds_nothing(app, tmp_path):
    export = tmp_path / "bounces.txt"
    export.write_text("ann@example.org\r\n", encoding="utf-8")
    assert run_import(app, export, "--reason", "bounced").exit_code == 0
    again = run_import(app, export, "--reason", "bounced")
    assert "0 added, 1 already suppressed" in again.output
    assert rows(app) == [("ann@example.org", "all", 0, "bounced")]


def test_a_file_that_is_not_utf8_is_refused(app, tmp_path):
    export = tmp_path / "latin1.txt"
    export.write_bytes("zoë@example.org\n".encode("latin-1"))
    result = run_import(app, export)
    assert result.exit_code == 2
    assert "not UTF-8" in result.output
    assert rows(app) == []


def test_an_unknown_reason_is_refused(app, tmp_path):
    export = tmp_path / "list.txt"
    export.write_text("ann@example.org\n", encoding="utf-8")
    result = run_import(app, export, "--reason", "dislike")
    assert result.exit_code == 2
    assert rows(app) == []
