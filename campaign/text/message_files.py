"""Files that scripts hand the command line: one header line (`Subject: ...`, `Title: ...`),
a blank line, then Markdown, in UTF-8."""

from __future__ import annotations


class BadMessageFile(ValueError):
    """A message file is not `<Header>: ...`, a blank line, then Markdown, in UTF-8."""


def parse_headed(data: bytes, header: str) -> tuple[str, str]:
    """(the header's value, Markdown body) of a message file whose first line is `header`."""
    try:
        content = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise BadMessageFile("is not UTF-8 text") from exc
    head, blank, body = content.replace("\r\n", "\n").partition("\n\n")
    if not head.startswith(f"{header}:") or "\n" in head:
        raise BadMessageFile(f"must start with a '{header}: ...' line, then a blank line")
    value = head.removeprefix(f"{header}:").strip()
    if not value:
        raise BadMessageFile(f"has an empty {header} line")
    if not blank or not body.strip():
        raise BadMessageFile(f"has no text after the {header} line and the blank line")
    return value, body.strip()


def read_message_files(
    items: tuple[str, ...], header: str, locales: tuple[str, ...]
) -> dict[str, tuple[str, str]]:
    """The `--message-file LANG=PATH` options: language -> (header value, body). Raises
    BadMessageFile with a message naming the option at fault."""
    texts = {}
    for item in items:
        lang, equals, path = item.partition("=")
        if not equals or lang not in locales:
            raise BadMessageFile(
                f"--message-file {item!r}: write LANG=PATH, LANG one of {', '.join(locales)}"
            )
        if lang in texts:
            raise BadMessageFile(f"--message-file: {lang} is given twice")
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError as exc:
            raise BadMessageFile(f"--message-file {lang}: cannot read {path}") from exc
        try:
            texts[lang] = parse_headed(data, header)
        except BadMessageFile as exc:
            raise BadMessageFile(f"--message-file {lang}: the file {exc}") from exc
    return texts
