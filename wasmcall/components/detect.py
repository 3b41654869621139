"""Tell a component from a core module by its header, before any engine is involved.

Both start with ``\\0asm``; the next four bytes are a version and a layer
field: ``01 00 00 00`` for a core module, ``0d 00 01 00`` (layer 1) for a
component. WAT text is a component when its first form is ``(component``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Union

WASM_MAGIC = b"\0asm"
COMPONENT_LAYER = 1
HEADER_SIZE = 8
WAT_COMPONENT = re.compile(r"^(?:\s|;;[^\n]*\n|\(;.*?;\))*\(\s*component\b", re.DOTALL)


def layer(header: bytes) -> int:
    """The layer field of a wasm header: 0 for a core module, 1 for a component."""
    return int.from_bytes(header[6:8], "little") if len(header) >= HEADER_SIZE else 0


def is_component(source: Union[bytes, str]) -> bool:
    """True for a component binary (layer 1) or component WAT text."""
    if isinstance(source, str):
        return WAT_COMPONENT.match(source) is not None
    return source.startswith(WASM_MAGIC) and layer(source[:HEADER_SIZE]) == COMPONENT_LAYER


def is_component_file(path: Union[str, Path]) -> bool:
    """Peek at a file's header (or the start of its text); False when it cannot be read.

    Errors are left to the normal module reader, which reports them properly.
    """
    try:
        with open(path, "rb") as stream:
            head = stream.read(4096)
    except OSError:
        return False
    if head.startswith(WASM_MAGIC):
        return is_component(head)
    try:
        return is_component(head.decode("utf-8", errors="ignore"))
    except UnicodeDecodeError:  # pragma: no cover - errors="ignore" never raises
        return False
