"""setuptools' build_py, extended: the wheel carries the templates, static files, migrations and
compiled catalogues inside the `campaign` package.

In the repository they live beside the package (DESIGN.md); campaign.config.ROOT finds them in
either place. An editable install keeps reading them from the checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py

PROJECT = Path(__file__).resolve().parent.parent
FOLDERS = ("templates", "static", "translations", "migrations")
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")


class BuildWithPackageData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        package = Path(self.build_lib) / "campaign"
        for name in FOLDERS:
            target = package / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(PROJECT / name, target, ignore=LEFT_OUT)
        compile_catalogues(package / "translations")


def compile_catalogues(translations: Path) -> None:
    """Each messages.po as the messages.mo Flask-Babel reads; a catalogue that cannot be read
    stops the build rather than ship a platform that falls back to English."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalogues = sorted(translations.glob("*/LC_MESSAGES/messages.po"))
    if not catalogues:
        raise RuntimeError(f"no catalogues under {translations}")
    for po_path in catalogues:
        with po_path.open("rb") as po:
            catalogue = read_po(po, locale=po_path.parent.parent.name, abort_invalid=True)
        with po_path.with_suffix(".mo").open("wb") as mo:
            write_mo(mo, catalogue)
