"""Shell completion's one wasmcall-specific answer: the EXPORT names of the MODULE already on the line.

Everything else comes from Typer's mechanism (``--install-completion``):
choices (``--engine``, ``--ret``, ``--convention``, ...) from the options'
enums, and file paths for MODULE and ``--file`` from the shell itself, which
Typer's scripts fall back to when wasmcall offers nothing.

Completing must be instant and must never run guest code: a module is an
untrusted program, and a start function runs at instantiation. So the names
are read from the binary's export section (wasmcall.binary) without
compiling anything, from at most the first ``READ_LIMIT`` bytes of a regular
file (a FIFO could block the shell forever); a WAT file is searched with a
regular expression, a cheap guess that is good enough for a hint.
"""

from __future__ import annotations

import os
import re
from typing import Any

from wasmcall.binary import WASM_MAGIC, export_names
from wasmcall.errors import LoadError

READ_LIMIT = 16 * 2**20
"""Enough for the sections before the code in any real module; the export section precedes the code."""
COMPONENT_LAYER = b"\x0d\x00\x01\x00"
WAT_EXPORT = re.compile(r'\(func\b[^()"]*\(export\s+"((?:[^"\\]|\\.)*)"|\(export\s+"((?:[^"\\]|\\.)*)"\s*\(func\b')


def function_exports(path: str) -> list[str]:
    """Names of the function exports of the module at ``path``; empty when it cannot tell cheaply."""
    try:
        if not os.path.isfile(path):
            return []
        with open(path, "rb") as module:
            head = module.read(READ_LIMIT)
    except OSError:
        return []
    if head.startswith(WASM_MAGIC):
        if head[4:8] == COMPONENT_LAYER:
            return []
        try:
            return [name for name, kind in export_names(head) if kind == "func"]
        except LoadError:
            return []
    text = head.decode("utf-8", errors="replace")
    return [first or second for first, second in WAT_EXPORT.findall(text)]


def complete_export(ctx: Any, incomplete: str) -> list[str]:
    """The function exports of the MODULE given earlier on the line that start with what is typed."""
    module = ctx.params.get("module")
    if not module:
        return []
    return [name for name in function_exports(os.path.expanduser(module)) if name.startswith(incomplete)]


def complete_result_kind(incomplete: str) -> list[str]:
    """``--ret`` takes a kind (``arg:K`` and ``from:NAME`` are typed out in full)."""
    from wasmcall.conventions.results import ResultKind

    spelled_out = (ResultKind.ARG, ResultKind.FROM)
    return [kind.value for kind in ResultKind if kind.value.startswith(incomplete) and kind not in spelled_out]
