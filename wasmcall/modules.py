"""Read a module file as wasm bytes or WAT text, before any engine is involved."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional, Union

from wasmcall.binary import WASM_MAGIC, has_start_section
from wasmcall.errors import LoadError, UsageError
from wasmcall.inputs import InputError, read_stream

# The largest module any mainstream engine accepts (V8's limit); a bigger
# regular file is refused before it is read into memory.
MODULE_SIZE_LIMIT = 2**30


def display_path(path: Union[str, Path]) -> str:
    """The path as text that can always be printed: undecodable bytes become ``\\xff``.

    Python keeps a non-UTF-8 file name as lone surrogates, which no terminal,
    pipe or JSON writer in UTF-8 can encode.
    """
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def read_module(path: Union[str, Path], wait: Optional[float] = None) -> Union[bytes, str]:
    """Return wasm bytes, or WAT text (which both engines compile from a str).

    A missing file is a usage error (exit 2, like any bad path); a file that is
    neither wasm nor WAT is a load error (exit 4). A FIFO or device is read
    within ``wait`` seconds and ``STREAM_LIMIT`` bytes (see inputs.py).
    """
    label = display_path(path)
    data = read_module_bytes(Path(path), label, wait)
    if data.startswith(WASM_MAGIC):
        return data
    if not data.strip():
        raise LoadError(f"{label}: empty file, not a wasm module")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LoadError(f"{label}: not a wasm module (no \\0asm header) and not WAT text") from None
    if Path(path).suffix != ".wat" and not text.lstrip().startswith(("(", ";;")):
        raise LoadError(f"{label}: not a wasm module (no \\0asm header) and not WAT text")
    return text


def read_module_bytes(path: Path, label: str, wait: Optional[float]) -> bytes:
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(f"{label}: is a directory, not a module")
        if not stat.S_ISREG(info.st_mode):
            return read_stream(str(path), wait)
        if info.st_size > MODULE_SIZE_LIMIT:
            raise LoadError(
                f"{label}: {info.st_size} bytes is larger than any engine accepts "
                f"(modules are limited to {MODULE_SIZE_LIMIT // 2**20} MiB)"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{label}: is a directory, not a module") from None
    except InputError as error:
        raise UsageError(f"{label}: {error}") from None
    except OSError as error:
        raise UsageError(f"{label}: {error.strerror}") from None


def has_start_function(source: Union[bytes, str]) -> bool:
    """Whether the module declares a start function, read from the binary.

    WAT is assembled first (``wasmtime.wat2wasm``, imported lazily): a regex
    over the text is fooled by ``(start`` in a comment or a string.
    """
    if isinstance(source, str):
        import wasmtime

        try:
            source = bytes(wasmtime.wat2wasm(source))
        except wasmtime.WasmtimeError:
            return False  # the engine has already accepted it, or will report the error itself
    return has_start_section(source)

