"""Suggest a ``wasmcall call`` line for an export, from what ``inspect`` knows about the module.

A suggestion is only worth showing if it runs: every one offered for the
bundled guests is run by the tests on both engines. The signature says how
many numbers an export takes, not what they mean, so a pair of i32 params is
offered as a buffer (``--str TEXT``) only where the export's shape says it
handles buffers, and otherwise as numbers; where no line can be trusted to
work, none is offered:

- ``(i32, i32)`` is a buffer when the result is one too: two i32 results
  (``ptr-len``), one i64 (``packed``), a canonical return area (a
  ``cabi_post_<export>`` exists), or an out-pointer (wasm-bindgen's, or a C
  struct return: an extra first param and no results, ``--ret out``).
  ``add(i32, i32) -> i32`` is two numbers.
- AssemblyScript (detected, or importing its ``env.abort``) passes strings and
  arrays as one i32 pointer to a managed object, which a number would be read
  as: exports with i32 params get no line.
- TinyGo (``malloc``, ``free``, ``calloc`` and ``realloc`` exported together)
  returns strings from its garbage-collected heap, which its ``free`` refuses:
  a buffer result gets ``--keep-result``.
- A module whose imports wasmcall cannot link gets none; where imports are
  stubs that trap (wasm-bindgen glue), an export returning nothing is called
  for its effects, which go through those imports, so it gets none either.
"""

from __future__ import annotations

import shlex
from collections.abc import Container
from typing import Optional

from msgspec import Struct, field

from wasmcall.conventions.detect import Convention
from wasmcall.engines.base import ImportInfo, Signature
from wasmcall.linking import is_bindgen_glue

SAMPLE = {"i32": "--i32 0", "i64": "--i64 0", "f32": "--f32 0.0", "f64": "--f64 0.0"}
RUNTIME_PREFIXES = ("__", "cabi_", "cm32p2_", "_initialize", "_start", "dynCall_")
RUNTIME_NAMES = {"alloc", "dealloc", "allocate", "deallocate", "malloc", "free", "realloc", "calloc"}
BUFFER = "--str TEXT"
PAIR = ["i32", "i32"]
TINYGO_EXPORTS = {"malloc", "free", "calloc", "realloc"}


class ModuleFacts(Struct, frozen=True):
    """What inspect knows about the whole module that decides how its exports are called."""

    convention: Convention
    exports: Container[str] = field(default_factory=frozenset)
    stubbed_imports: bool = False
    garbage_collected: bool = False

    @classmethod
    def of(cls, convention: Convention, exports: set[str], imports: tuple[ImportInfo, ...]) -> ModuleFacts:
        if any((i.module, i.name) == ("env", "abort") for i in imports):
            convention = Convention.ASSEMBLYSCRIPT
        return cls(
            convention, frozenset(exports),
            stubbed_imports=any(is_bindgen_glue(i) for i in imports),
            garbage_collected=exports >= TINYGO_EXPORTS,
        )


def is_runtime_export(name: str) -> bool:
    """Allocators and runtime hooks, which people rarely call by hand."""
    return name in RUNTIME_NAMES or name.startswith(RUNTIME_PREFIXES)


def suggest_arguments(name: str, signature: Signature, facts: ModuleFacts) -> Optional[list[str]]:
    """The words after EXPORT, or None when no line can be trusted to run (see the module docstring)."""
    convention = facts.convention
    params, results = list(signature.params), list(signature.results)
    if any(p not in SAMPLE for p in params + results):
        return None
    if convention is Convention.ASSEMBLYSCRIPT:
        return None if "i32" in params else [SAMPLE[p] for p in params]
    if convention is Convention.NONE:
        return [SAMPLE[p] for p in params]
    out_pointer = not results and len(params) % 2 == 1 and len(params) >= 3 and params[0] == "i32"
    if facts.stubbed_imports and not results and not out_pointer:
        return None
    if out_pointer:
        params = params[1:]
    buffers = out_pointer or results == PAIR or results == ["i64"] or f"cabi_post_{name}" in facts.exports
    words = pairs_as_buffers(params) if buffers else [SAMPLE[p] for p in params]
    keep = ["--keep-result"] if buffers and facts.garbage_collected else []
    return words + result_option(results, out_pointer, convention) + keep


def pairs_as_buffers(params: list[str]) -> list[str]:
    """Each (i32, i32) as ``--str TEXT``, anything else as a number."""
    words: list[str] = []
    index = 0
    while index < len(params):
        if params[index:index + 2] == PAIR:
            words.append(BUFFER)
            index += 2
        else:
            words.append(SAMPLE[params[index]])
            index += 1
    return words


def result_option(results: list[str], out_pointer: bool, convention: Convention) -> list[str]:
    """The ``--ret`` that ``auto`` would not pick by itself."""
    if out_pointer and convention is not Convention.WASM_BINDGEN:
        return ["--ret out"]
    if results == ["i64"]:
        return ["--ret packed"]
    return []


def command_line(module: str, export: str, arguments: str) -> str:
    """The full suggested command, quoted for a POSIX shell."""
    return " ".join(["wasmcall", "call", shlex.quote(module), shlex.quote(export), arguments]).rstrip()
