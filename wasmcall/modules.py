"""Read a module file as wasm bytes or WAT text, before any engine is involved."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Union

from wasmcall.errors import LoadError, UsageError

WASM_MAGIC = b"\0asm"
START_SECTION = 8


def read_module(path: Union[str, Path]) -> Union[bytes, str]:
    """Return wasm bytes, or WAT text (which both engines compile from a str).

    A missing file is a usage error (exit 2, like any bad path); a file that is
    neither wasm nor WAT is a load error (exit 4).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a module") from None
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror}") from None
    if data.startswith(WASM_MAGIC):
        return data
    if not data.strip():
        raise LoadError(f"{path}: empty file, not a wasm module")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LoadError(f"{path}: not a wasm module (no \\0asm header) and not WAT text") from None
    if path.suffix != ".wat" and not text.lstrip().startswith(("(", ";;")):
        raise LoadError(f"{path}: not a wasm module (no \\0asm header) and not WAT text")
    return text


def has_start_function(source: Union[bytes, str]) -> bool:
    """Whether the module declares a start function (section 8), which runs at instantiation."""
    if isinstance(source, str):
        return re.search(r"\(\s*start\b", source) is not None
    offset = 8
    while offset < len(source):
        section_id = source[offset]
        size, offset = read_leb128(source, offset + 1)
        if section_id == START_SECTION:
            return True
        offset += size
    return False


def read_leb128(data: bytes, offset: int) -> tuple[int, int]:
    """An unsigned LEB128 number and the offset after it."""
    value = shift = 0
    while offset < len(data):
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return value, offset
