"""Suggest a ``wasmcall call`` line for an export, from its signature and the convention.

A guess, labelled as one: the signature says how many numbers an export
takes, not what they mean, so (i32, i32) is offered as a string when the
guest has an allocator and as two numbers when it has none.
"""

from __future__ import annotations

import shlex

from wasmcall.conventions.detect import Convention
from wasmcall.engines.base import Signature

SAMPLE = {"i32": "--i32 0", "i64": "--i64 0", "f32": "--f32 0.0", "f64": "--f64 0.0"}
RUNTIME_PREFIXES = ("__", "cabi_", "cm32p2_", "_initialize", "_start")
RUNTIME_NAMES = {"alloc", "dealloc", "allocate", "deallocate", "malloc", "free", "realloc", "calloc"}


def is_runtime_export(name: str) -> bool:
    """Allocators and runtime hooks, which people rarely call by hand."""
    return name in RUNTIME_NAMES or name.startswith(RUNTIME_PREFIXES)


def suggest_arguments(signature: Signature, convention: Convention) -> list[str]:
    params = list(signature.params)
    if convention is Convention.WASM_BINDGEN and not signature.results and len(params) % 2 == 1:
        params = params[1:]
    if convention is Convention.ASSEMBLYSCRIPT:
        return [SAMPLE.get(p, "--i32 0") for p in params]
    has_memory = convention is not Convention.NONE
    words: list[str] = []
    index = 0
    while index < len(params):
        if has_memory and params[index:index + 2] == ["i32", "i32"]:
            words.append("--str TEXT")
            index += 2
        else:
            words.append(SAMPLE.get(params[index], "--i32 0"))
            index += 1
    return words


def command_line(module: str, export: str, arguments: str) -> str:
    """The full suggested command, quoted for a POSIX shell."""
    return " ".join(["wasmcall", "call", shlex.quote(module), shlex.quote(export), arguments]).rstrip()
