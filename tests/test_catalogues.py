"""Every string the code and templates use is translated in every catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from campaign.config import LOCALES, ROOT

TRANSLATED = LOCALES[1:]


def used_messages() -> set[str | tuple[str, str]]:
    """The msgids the code uses, extracted now, so a string added without translation fails."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        directory_filter=lambda path: not Path(path).name.startswith("."),
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None},
    ):
        found.add(message if isinstance(message, str) else tuple(message[:2]))
    return found


def catalogue(locale: str):
    path = Path(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po")
    with open(path, "rb") as po:
        return read_po(po, locale=locale)


def test_extraction_finds_the_interface_strings():
    messages = used_messages()
    assert "Confirm my signature" in messages
    assert "There is a problem" in messages  # from templates/_macros/
    assert any(isinstance(m, tuple) and "signature" in m[0] for m in messages)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue_translates_every_string_the_code_uses(locale):
    cat = catalogue(locale)
    missing, empty, fuzzy = [], [], []
    for message_id in used_messages():
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        entry = cat.get(key)
        if entry is None:
            missing.append(key)
            continue
        strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        if not all(strings):
            empty.append(key)
        if entry.fuzzy:
            fuzzy.append(key)
    assert not missing, (
        f"{locale}: not in the catalogue (run campaign translations update): {missing}"
    )
    assert not empty, f"{locale}: untranslated: {empty}"
    assert not fuzzy, f"{locale}: fuzzy: {fuzzy}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_plural_entries_have_every_form_of_the_language(locale):
    cat = catalogue(locale)
    for entry in cat:
        if entry.id and isinstance(entry.id, tuple):
            assert len(entry.string) == cat.num_plurals, entry.id
