"""The type each checks-file key must have, checked with the line it was written on.

TOML already tells strings from numbers and booleans; this adds what TOML
cannot say (a timeout is positive, an engine is one of three names, exactly
one of ``call`` and ``args``) so the message can name the key and its line.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wasmcall.checks.spec import KeyedTable

Rule = Callable[[Any], bool]


def is_text(value: Any) -> bool:
    return isinstance(value, str)


def is_nonempty_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def is_flag(value: Any) -> bool:
    return isinstance(value, bool)


def is_positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def is_size(value: Any) -> bool:
    return is_positive_int(value) or is_nonempty_text(value)


def is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def is_text_table(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())


def is_engine(value: Any) -> bool:
    return value in ("wasmtime", "wasmer", "all")


def is_failure_exit(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in (2, 3, 4)


def is_skip(value: Any) -> bool:
    return isinstance(value, (bool, str))


RULES: dict[str, tuple[Rule, str]] = {
    "module": (is_nonempty_text, "a path (a string), relative to the checks file"),
    "engine": (is_engine, 'one of "wasmtime", "wasmer" or "all"'),
    "timeout": (is_positive_number, "a positive number of seconds"),
    "fuel": (is_positive_int, "a positive integer"),
    "max_memory": (is_size, 'a size in bytes, or a string like "64MiB"'),
    "stub_imports": (is_flag, "true or false"),
    "dir": (is_text_list, 'a list of strings, "HOST" or "HOST::GUEST"'),
    "dir_rw": (is_text_list, 'a list of strings, "HOST" or "HOST::GUEST"'),
    "env": (is_text_table, "a table of strings, e.g. env = { LANG = \"C\" }"),
    "name": (is_nonempty_text, "a non-empty string"),
    "call": (is_nonempty_text, "a string: the words that follow MODULE in 'wasmcall call'"),
    "args": (is_text_list, 'a list of strings, e.g. ["upper", "--str", "hi"]'),
    "expect": (is_text, "a string (write numbers as text: expect = \"42\")"),
    "expect_hex": (is_text, "a string of hex digits"),
    "expect_exit": (is_failure_exit, "2, 3 or 4 (the exit code of the failure that must happen)"),
    "expect_error": (is_nonempty_text, "a non-empty string (part of the error message)"),
    "same_instance": (is_flag, "true or false"),
    "skip": (is_skip, "true, or a string saying why"),
}


def validate_types(path: Path, table: KeyedTable) -> dict[str, Any]:
    """Return the table's values once every one has the right type; else a ChecksFileError at its line."""
    from wasmcall.checks.spec import ChecksFileError

    for key, value in table.values.items():
        rule, wanted = RULES[key]
        if not rule(value):
            raise ChecksFileError(path, table.line_of(key), f"{key} must be {wanted}, not {value!r}")
    has_call, has_args = "call" in table.values, "args" in table.values
    if has_call == has_args:
        problem = "both call and args: give one" if has_call else "no call: give call = \"EXPORT ...\" or args"
        raise ChecksFileError(path, table.line, problem)
    if has_args and not table.values["args"]:
        raise ChecksFileError(path, table.line_of("args"), "args is empty: it needs at least the export name")
    return table.values
