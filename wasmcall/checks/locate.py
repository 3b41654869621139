"""Line numbers for a checks file: where each ``[[check]]`` table and each key starts.

``tomllib`` parses TOML but keeps no positions, and every message about a
checks file must point at a line (``checks.toml:12: ...``), as must the
GitHub annotations. tomllib stays the parser (it decides what the file
means); this module only finds lines, from the same text, after tomllib has
accepted it. It skips the insides of multi-line strings (where a line
reading ``[[check]]`` is text, not a table) and comments, so the i-th
``[[check]]`` header found here is the i-th table tomllib returned.
"""

from __future__ import annotations

import re

from msgspec import Struct, field

HEADER = re.compile(r"""^\s*(\[\[?)\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.\- "']+?)\s*\]\]?\s*(#.*)?$""")
KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*[=.]""")
MULTILINE_QUOTES = ('"""', "'''")


class TableLines(Struct):
    """Where one table starts, and the first line of each of its top-level keys."""

    line: int
    keys: dict[str, int] = field(default_factory=dict)


class FileLines(Struct):
    """The top level's key lines, the ``[defaults]`` table's (if any) and each ``[[check]]`` table's."""

    root: TableLines = field(default_factory=lambda: TableLines(1))
    defaults: TableLines | None = None
    checks: list[TableLines] = field(default_factory=list)


def locate_tables(text: str) -> FileLines:
    """Scan ``text`` (already accepted by tomllib) for table headers and key lines."""
    found = FileLines()
    current: TableLines | None = found.root
    for number, line in code_lines(text):
        header = HEADER.match(line)
        if header and not KEY.match(line):
            current = open_table(found, header.group(1), unquote(header.group(2)), number)
            continue
        key = KEY.match(line)
        if key and current is not None:
            current.keys.setdefault(unquote(key.group(1)), number)
    return found


def open_table(found: FileLines, brackets: str, name: str, number: int) -> TableLines | None:
    """Start recording a ``[defaults]`` or ``[[check]]`` table; other tables are not ours to record."""
    found.root.keys.setdefault(name.split(".")[0].strip().strip("\"'"), number)
    table = TableLines(number)
    if brackets == "[[" and name == "check":
        found.checks.append(table)
        return table
    if brackets == "[" and name == "defaults":
        found.defaults = table
        return table
    return None


def code_lines(text: str) -> list[tuple[int, str]]:
    """(1-based number, text) of each line that starts outside a multi-line string."""
    lines = []
    inside: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if inside is None:
            lines.append((number, line))
        inside = string_state_after(line, inside)
    return lines


def string_state_after(line: str, inside: str | None) -> str | None:
    """Which multi-line string (its quote) is still open at the end of ``line``, if any.

    Single-line strings and comments are stepped over so that a ``#`` or a
    quote inside them does not confuse the count.
    """
    position = 0
    while position < len(line):
        if inside is not None:
            end = find_closing(line, position, inside)
            if end < 0:
                return inside
            position, inside = end + 3, None
            continue
        char = line[position]
        if char == "#":
            return None
        if line.startswith(MULTILINE_QUOTES, position):
            inside = line[position:position + 3]
            position += 3
        elif char in "\"'":
            position = skip_string(line, position)
        else:
            position += 1
    return inside


def find_closing(line: str, start: int, quote: str) -> int:
    """Index of the closing ``quote`` at or after ``start``; -1 if the string goes on."""
    position = start
    while True:
        end = line.find(quote, position)
        if end < 0:
            return end
        backslashes = len(line[:end]) - len(line[:end].rstrip("\\"))
        if quote == "'''" or backslashes % 2 == 0:
            return closing_run(line, end, quote[0])
        position = end + 1


def closing_run(line: str, end: int, mark: str) -> int:
    """TOML lets one or two quotes sit just before the closing three (``'''''``): the last three close."""
    extra = 0
    while extra < 2 and line[end + 3 + extra:end + 4 + extra] == mark:
        extra += 1
    return end + extra


def skip_string(line: str, start: int) -> int:
    """The index just past a one-line string starting at ``start``."""
    quote = line[start]
    position = start + 1
    while position < len(line):
        if quote == '"' and line[position] == "\\":
            position += 2
            continue
        if line[position] == quote:
            return position + 1
        position += 1
    return position


def unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        return name[1:-1]
    return name
