"""A check's call line as the words ``wasmcall call`` would get, parsed by the CLI's own parser.

There is one grammar: the words are handed to the same click command as
``wasmcall call MODULE ...``. This module only prepares them (splitting the
line with shlex, spelling the settings keys as the options they stand for)
and refuses the few options that mean nothing inside a checks file. Paths in
a call line (``--file``, ``--dir``) are relative to the checks file, like
``module``: the words are parsed from that directory and the paths made
absolute, so the checks run the same from any working directory.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec.structs import replace

from wasmcall.arguments import FileArg
from wasmcall.engines.base import DirGrant

if TYPE_CHECKING:
    from wasmcall.checks.spec import CallParser, KeyedTable, ParsedCall

PATH_OPTIONS = ("--file", "--dir")  # --dir-rw too
REFUSED = {
    "--engine": "set the engine with the engine key (or 'wasmcall check --engine'), not in the call line",
}


def call_words(path: Path, table: KeyedTable, values: dict[str, Any]) -> tuple[list[str], str]:
    """The words of ``call`` (split as a shell would) or ``args``, and the line as people read it."""
    from wasmcall.checks.spec import ChecksFileError

    if "args" in values:
        words = list(values["args"])
        line = shlex.join(words)
        key = "args"
    else:
        line = values["call"].strip()
        key = "call"
        try:
            words = shlex.split(line)
        except ValueError as error:
            raise ChecksFileError(path, table.line_of(key), f"bad call line: {error} in {line!r}") from None
    refuse_options(path, table.line_of(key), words)
    return words, line


def refuse_options(path: Path, line: int, words: list[str]) -> None:
    """Options that would make a check depend on where it runs, or that belong elsewhere."""
    from wasmcall.checks.spec import ChecksFileError

    options = words[:words.index("--")] if "--" in words else words
    for position, word in enumerate(options):
        name = word.split("=", 1)[0]
        if name in REFUSED:
            raise ChecksFileError(path, line, f"bad call line: {name}: {REFUSED[name]}")
        value = word.split("=", 1)[1] if "=" in word else (options[position + 1:position + 2] or [""])[0]
        if name == "--file" and value == "-":
            raise ChecksFileError(path, line, "bad call line: --file -: a check cannot read standard input; "
                                  "name a file (relative to the checks file)")


def session_words(values: dict[str, Any]) -> list[str]:
    """The settings keys spelled as ``wasmcall call`` options, so the one parser checks them too."""
    words: list[str] = []
    if "timeout" in values:
        words += ["--timeout", repr(float(values["timeout"]))]
    if "fuel" in values:
        words += ["--fuel", str(values["fuel"])]
    if "max_memory" in values:
        words += ["--max-memory", str(values["max_memory"])]
    if values.get("stub_imports"):
        words.append("--stub-imports")
    for key, flag in (("dir", "--dir"), ("dir_rw", "--dir-rw")):
        for grant in values.get(key, []):
            words += [flag, grant]
    for name, value in values.get("env", {}).items():
        words += ["--env", f"{name}={value}"]
    return words


def parse_in_directory(base: Path, words: list[str], parse_call: CallParser) -> ParsedCall:
    """Parse ``words`` with relative paths taken from ``base``; the paths in the result are absolute.

    Most call lines name no path, and those parse where they are (a chdir and
    a path rebuilt for each of a thousand lines add up).
    """
    if not any(word.startswith(PATH_OPTIONS) for word in words):
        return parse_call(words)
    with working_directory(base):
        parsed = parse_call(words)
    return absolute_paths(base.resolve(), parsed)


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """chdir for the parse only (``contextlib.chdir`` is Python 3.11+)."""
    previous = os.getcwd()
    os.chdir(path or ".")
    try:
        yield
    finally:
        os.chdir(previous)


def absolute_paths(base: Path, parsed: ParsedCall) -> ParsedCall:
    """Make ``--file`` and ``--dir`` paths absolute, so running from elsewhere finds the same files."""
    arguments = tuple(
        replace(arg, path=base / arg.path) if isinstance(arg, FileArg) else arg
        for arg in parsed.request.arguments
    )
    wasi = parsed.options.wasi
    dirs = tuple(DirGrant(str(base / d.host), d.guest, d.writable) for d in wasi.dirs)
    return replace(  # type: ignore[type-var]
        parsed,
        request=replace(parsed.request, arguments=arguments),
        options=replace(parsed.options, wasi=replace(wasi, dirs=dirs)),
    )
