"""`campaign translations extract|update|compile`: the Babel catalogue workflow."""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface

from campaign.config import LOCALES, ROOT

POT = ROOT / "translations" / "messages.pot"
TRANSLATIONS = ROOT / "translations"


def missing_catalogues(translations: Path) -> list[str]:
    """The languages whose compiled catalogue is absent: their pages would be in English."""
    return [
        locale
        for locale in LOCALES[1:]
        if not (translations / locale / "LC_MESSAGES" / "messages.mo").is_file()
    ]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


@click.group("translations")
def translations_group() -> None:
    """Extract, update and compile the fr, es and ar catalogues."""


@translations_group.command("extract")
def extract() -> None:
    """Collect every translatable string into translations/messages.pot."""
    _pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        # The default also skips folders starting with "_", which would miss templates/_macros.
        "--ignore-dirs",
        ".*",
        "--project",
        "campaign",
        "-o",
        str(POT),
        str(ROOT),
    )


@translations_group.command("update")
def update() -> None:
    """Extract, then merge new strings into each language's catalogue (creating missing ones)."""
    extract.callback()
    for locale in LOCALES[1:]:
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        verb = "update" if po.exists() else "init"
        extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if verb == "update" else []
        _pybabel(verb, "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale, *extra)


@translations_group.command("compile")
def compile_catalogues() -> None:
    """Build the .mo files the running platform reads."""
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")
