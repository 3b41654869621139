"""What a checks file asks for, as records: one ``Check`` per ``[[check]]`` table.

Everything that can be wrong with a checks file is found here, before any
guest runs: bad TOML, unknown keys, values of the wrong type, a module that
does not exist, and call lines the command line's own parser refuses. Each
problem is a ``ChecksFileError`` that says ``file:line: what is wrong``.
The format is documented in docs/checks.md.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Optional, Protocol

from msgspec import Struct

from wasmcall.checks.locate import FileLines, TableLines, locate_tables
from wasmcall.checks.words import call_words, parse_in_directory, session_words
from wasmcall.errors import UsageError, WasmcallError
from wasmcall.request import CallRequest
from wasmcall.session import SessionOptions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 has no tomllib; tomli is the same parser
    import tomli as tomllib

ENGINE_CHOICES = ("wasmtime", "wasmer", "all")
FAILURE_EXITS = (2, 3, 4)
TOML_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)$")

# Keys that describe how to run (allowed in [defaults] and in a check) and what to check (a check only).
SESSION_KEYS = {"module", "engine", "timeout", "fuel", "max_memory", "stub_imports", "dir", "dir_rw", "env"}
CHECK_KEYS = {
    "name", "call", "args", "expect", "expect_hex", "expect_exit", "expect_error", "same_instance", "skip",
}


class ParsedCall(Protocol):
    """What ``wasmcall.cli.parse_call_words`` returns (its ``CallInvocation``), as far as checks need it."""

    @property
    def request(self) -> CallRequest: ...
    @property
    def options(self) -> SessionOptions: ...
    @property
    def mode(self) -> str: ...
    @property
    def expect(self) -> Optional[str]: ...
    @property
    def expect_hex(self) -> Optional[str]: ...


CallParser = Callable[[list[str]], ParsedCall]


class ChecksFileError(UsageError):
    """A checks file that cannot be run: bad TOML, an unknown key, a bad call line (``file:line: ...``)."""

    kind = "checks-file"

    def __init__(self, file: Path, line: int, problem: str) -> None:
        super().__init__(f"{file}:{line}: {problem}")
        self.file = file
        self.line = line


class Check(Struct, frozen=True):
    """One check, fully validated: where it is written, what to call, what must come back."""

    file: Path
    line: int
    name: str
    module: Path
    engine: str
    request: CallRequest
    options: SessionOptions
    expect: Optional[str] = None
    expect_hex: Optional[str] = None
    expect_exit: Optional[int] = None
    expect_error: Optional[str] = None
    same_instance: bool = False
    skip: Optional[str] = None

    @property
    def expects_failure(self) -> bool:
        return self.expect_exit is not None or self.expect_error is not None


class KeyedTable(Struct):
    """A table's values merged over [defaults], remembering the line each value came from."""

    values: dict[str, Any]
    lines: dict[str, int]
    line: int

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


def load_checks(paths: list[Path], parse_call: CallParser) -> list[Check]:
    """Every check of every file, in order; raises ChecksFileError at the first problem found."""
    cache: dict[tuple[Path, tuple[str, ...]], ParsedCall] = {}
    checks: list[Check] = []
    is_file.cache_clear()  # files may have come or gone since the last load
    for path in paths:
        checks.extend(load_file(path, parse_call, cache))
    return checks


def load_file(
    path: Path, parse_call: CallParser, cache: dict[tuple[Path, tuple[str, ...]], ParsedCall]
) -> list[Check]:
    text = read_text(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, problem = toml_problem(error, text)
        raise ChecksFileError(path, line, f"not valid TOML: {problem}") from None
    lines = locate_tables(text)
    check_top_level(path, document, lines)
    defaults = table_of(document.get("defaults", {}), lines.defaults)
    refuse_keys(path, defaults, SESSION_KEYS, "in [defaults] (only keys that say how to run: "
                f"{', '.join(sorted(SESSION_KEYS))})")
    tables = document.get("check", [])
    if not isinstance(tables, list) or not tables:
        raise ChecksFileError(path, 1, "no [[check]] tables: nothing to run")
    checks: list[Check] = []
    for index, raw in enumerate(tables):
        located = lines.checks[index] if len(lines.checks) == len(tables) else None
        own = table_of(raw, located)
        merged = KeyedTable({**defaults.values, **own.values}, {**defaults.lines, **own.lines}, own.line)
        refuse_keys(path, own, SESSION_KEYS | CHECK_KEYS, "")
        check = build_check(path, merged, parse_call, cache)
        if check.same_instance:
            continue_previous(path, merged, check, checks[-1] if checks else None)
        checks.append(check)
    return checks


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"checks file {str(path)!r}: no such file") from None
    except UnicodeDecodeError:
        raise UsageError(f"checks file {str(path)!r}: not UTF-8 text") from None
    except OSError as error:
        raise UsageError(f"checks file {str(path)!r}: {error.strerror}") from None


def toml_problem(error: Exception, text: str) -> tuple[int, str]:
    """The line tomllib complains about (it says so only in its message) and the complaint itself."""
    message = str(error)
    match = TOML_POSITION.search(message)
    if match:
        return int(match.group(1)), message[:match.start()]
    line = getattr(error, "lineno", None) or max(1, len(text.splitlines()))
    return line, message.replace(" (at end of document)", " at the end of the file")


def check_top_level(path: Path, document: dict[str, Any], lines: FileLines) -> None:
    for key, value in document.items():
        line = lines.root.keys.get(key, 1)
        if key not in ("defaults", "check"):
            raise ChecksFileError(path, line, f"unknown key {key!r} (a checks file has [defaults] and [[check]])")
        if key == "defaults" and not isinstance(value, dict):
            raise ChecksFileError(path, line, "'defaults' must be a table: [defaults]")
        if key == "check" and not (isinstance(value, list) and all(isinstance(t, dict) for t in value)):
            raise ChecksFileError(path, line, "'check' must be an array of tables: [[check]]")


def table_of(raw: dict[str, Any], located: Optional[TableLines]) -> KeyedTable:
    """The table's values with the line of each key (the table's own line when it cannot be found)."""
    line = located.line if located else 1
    keys = located.keys if located else {}
    return KeyedTable(dict(raw), {key: keys.get(key, line) for key in raw}, line)


def refuse_keys(path: Path, table: KeyedTable, allowed: set[str], where: str) -> None:
    for key in table.values:
        if key not in allowed:
            known = difflib_hint(key, allowed)
            raise ChecksFileError(path, table.line_of(key), f"unknown key {key!r}{known} {where}".rstrip())


def difflib_hint(key: str, allowed: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def build_check(
    path: Path, table: KeyedTable, parse_call: CallParser, cache: dict[tuple[Path, tuple[str, ...]], ParsedCall]
) -> Check:
    """Validate one merged table's types, then parse its call line with the command line's parser."""
    from wasmcall.checks.keys import validate_types

    values = validate_types(path, table)
    base = path.parent
    module = (base / values["module"]) if "module" in values else None
    if module is None:
        raise ChecksFileError(path, table.line, "no module: set module = \"...\" here or in [defaults]")
    if not is_file(module):
        raise ChecksFileError(path, table.line_of("module"), f"module {values['module']!r}: no such file "
                              f"(looked for {module}; paths are relative to the checks file)")
    words, call_line = call_words(path, table, values)
    settings = session_words(values)
    check_settings(path, table, settings, parse_call, cache)
    parsed = parse_cached(path, table.line_of("call" if "call" in values else "args"), words, settings,
                          parse_call, cache)
    expect, expect_hex = merge_expectations(path, table, values, parsed)
    return Check(
        file=path,
        line=table.line,
        name=values.get("name", call_line),
        module=module,
        engine=values.get("engine", "wasmtime"),
        request=parsed.request,
        options=parsed.options,
        expect=expect,
        expect_hex=expect_hex,
        expect_exit=values.get("expect_exit"),
        expect_error=values.get("expect_error"),
        same_instance=values.get("same_instance", False),
        skip=skip_reason(values.get("skip")),
    )


@functools.lru_cache(maxsize=256)
def is_file(path: Path) -> bool:
    """Cached: a thousand checks usually name one module."""
    return path.is_file()


def parse_cached(
    path: Path, line: int, words: list[str], settings: list[str], parse_call: CallParser,
    cache: dict[tuple[Path, tuple[str, ...]], ParsedCall],
) -> ParsedCall:
    """Parse ``settings + words`` once per distinct line (1,000 identical checks parse once)."""
    key = (path.parent, (*settings, *words))
    if key not in cache:
        try:
            cache[key] = parse_in_directory(path.parent, [*settings, *words], parse_call)
        except WasmcallError as error:
            raise ChecksFileError(path, line, f"bad call line: {error.message}") from None
    parsed = cache[key]
    if parsed.mode in ("json", "raw"):
        raise ChecksFileError(path, line, f"--{parsed.mode} has no meaning in a check "
                              f"(give it to 'wasmcall check' instead)")
    return parsed


def check_settings(
    path: Path, table: KeyedTable, settings: list[str], parse_call: CallParser,
    cache: dict[tuple[Path, tuple[str, ...]], ParsedCall],
) -> None:
    """Blame a bad timeout, max_memory, dir or env value on its own key's line, not the call line."""
    if not settings:
        return
    try:
        parse_cached(path, 0, [*settings, "export"], [], parse_call, cache)
    except ChecksFileError as error:
        keys = [k for k in ("timeout", "fuel", "max_memory", "dir", "dir_rw", "env") if k in table.values]
        line = min(table.line_of(k) for k in keys) if keys else table.line
        problem = error.message.split(": bad call line: ", 1)[-1]
        raise ChecksFileError(path, line, problem) from None


def merge_expectations(
    path: Path, table: KeyedTable, values: Mapping[str, Any], parsed: ParsedCall
) -> tuple[Optional[str], Optional[str]]:
    """``expect`` may be a key or ``--expect`` in the call line, but not both."""
    merged = []
    for key, from_line in (("expect", parsed.expect), ("expect_hex", parsed.expect_hex)):
        if key in values and from_line is not None:
            raise ChecksFileError(path, table.line_of(key), f"{key} is given twice: as a key and as "
                                  f"--{key.replace('_', '-')} in the call line")
        merged.append(values.get(key, from_line))
    if "expect_hex" in values:
        from wasmcall.arguments import parse_hex

        try:
            parse_hex(values["expect_hex"], "expect_hex")
        except WasmcallError as error:
            raise ChecksFileError(path, table.line_of("expect_hex"), error.message) from None
    if any(m is not None for m in merged) and ("expect_exit" in values or "expect_error" in values):
        raise ChecksFileError(path, table.line, "expect/expect_hex (a result) and expect_exit/expect_error "
                              "(a failure) cannot both hold; keep one kind")
    return merged[0], merged[1]


def continue_previous(path: Path, table: KeyedTable, check: Check, previous: Optional[Check]) -> None:
    """``same_instance`` continues the previous check's instance, so it needs the same module and settings."""
    line = table.line_of("same_instance")
    if previous is None:
        raise ChecksFileError(path, line, "same_instance = true on the first check: there is no instance "
                              "to continue")
    if (previous.module, previous.options, previous.engine) != (check.module, check.options, check.engine):
        raise ChecksFileError(path, line, "same_instance = true needs the previous check's module, engine "
                              "and settings (timeout, fuel, max_memory, stub_imports, dir, env)")


def skip_reason(value: Any) -> Optional[str]:
    if value is None or value is False:
        return None
    return value if isinstance(value, str) and value else "skipped in the checks file"
