"""Which AssemblyScript class each param and result is, from the bindings or from the user.

``asc --bindings`` writes ``NAME.js`` and ``NAME.d.ts`` beside ``NAME.wasm``.
The ``.js`` is the better source: each adapted export starts with a comment
naming its types (``// arrays/sumBytes(~lib/typedarray/Uint8Array) => u32``)
and lowers each argument with its class id
(``__lowerTypedArray(Uint8Array, 4, 0, data)``). The ``.d.ts`` names the
types only (``@param data `~lib/typedarray/Uint8Array```), so ids then come
from the module's run-time type table. Exports the ``.js`` does not adapt take
numbers only. Files larger than BINDINGS_LIMIT are not bindings and are ignored.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from msgspec import Struct

from wasmcall.conventions.asclasses import ClassRef, class_ref
from wasmcall.errors import ArgumentValueError

BINDINGS_LIMIT = 4 << 20
JS_EXPORT = re.compile(
    r"^ {4}(\w+)\(([^)]*)\) \{\n\s*// [^\n(]*\(([^\n]*)\) => ([^\n]*)\n(.*?)^ {4}\},?$", re.M | re.S
)
JS_LOWER = re.compile(r"__lower\w*\(\w+, (\d+), \d+, (\w+)")
DTS_EXPORT = re.compile(
    r"/\*\*\n \* [^\n]*\n((?: \* @param \w+ `[^`]*`\n)*) \* @returns `([^`]*)`\n \*/\n"
    r"export declare function (\w+)\("
)
DTS_PARAM = re.compile(r"@param \w+ `([^`]*)`")


class ExportTypes(Struct, frozen=True):
    """The classes of one export's params (None for a number) and of its result (None: a number)."""

    params: tuple[Optional[ClassRef], ...]
    result: Optional[ClassRef]
    source: str
    """Where the types came from, for messages: a file name, or "the given types"."""
    result_known: bool = True
    """False when only the params were given: the result's object header decides."""


class Bindings(Struct, frozen=True):
    """The types of every export the bindings describe; ``adapted_all`` when absent ones take numbers."""

    exports: dict[str, ExportTypes]
    adapted_all: bool
    source: str

    def types_of(self, export: str) -> Optional[ExportTypes]:
        found = self.exports.get(export)
        if found is None and self.adapted_all:
            return ExportTypes((), None, self.source)
        return found


def find_bindings(module: Path) -> Optional[Bindings]:
    """The bindings beside ``module`` (``.js`` first, then ``.d.ts``), or None."""
    for suffix, parse in ((".js", parse_js), (".d.ts", parse_dts)):
        path = module.with_suffix(suffix)
        try:
            if not path.is_file() or path.stat().st_size > BINDINGS_LIMIT:
                continue
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            found = parse(text, path.name)
        except ArgumentValueError:
            continue
        if found is not None:
            return found
    return None


def split_types(text: str) -> list[str]:
    """Split ``A, B<C, D>, E`` at top-level commas."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "<") - (char == ">")
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def parse_js(text: str, source: str) -> Optional[Bindings]:
    if "adaptedExports" not in text:
        return None
    exports = {}
    for match in JS_EXPORT.finditer(text):
        name, arg_names, types, result, body = match.groups()
        ids = {arg: int(class_id) for class_id, arg in JS_LOWER.findall(body)}
        names = [a.strip() for a in arg_names.split(",") if a.strip()]
        params = tuple(
            class_ref(type_name, ids.get(arg)) for arg, type_name in zip(names, split_types(types), strict=False)
        )
        exports[name] = ExportTypes(params, class_ref(result), source)
    return Bindings(exports, True, source)


def parse_dts(text: str, source: str) -> Optional[Bindings]:
    exports = {}
    for match in DTS_EXPORT.finditer(text):
        params_text, result, name = match.groups()
        params = tuple(class_ref(t) for t in DTS_PARAM.findall(params_text))
        exports[name] = ExportTypes(params, class_ref(result), source)
    return Bindings(exports, False, source) if exports else None


def parse_given_types(text: str) -> ExportTypes:
    """The user's ``PARAM, PARAM -> RESULT`` (result optional), e.g. ``Float64Array, f64 -> Float64Array``."""
    params_text, arrow, result_text = text.partition("->")
    params = tuple(class_ref(t) for t in split_types(params_text))
    result = class_ref(result_text.strip()) if arrow and result_text.strip() else None
    return ExportTypes(params, result, "the given types", result_known=bool(arrow))
