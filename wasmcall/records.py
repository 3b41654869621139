"""What the library returns: frozen records that renderers and scripts read."""

from __future__ import annotations

import codecs
import re
from functools import cached_property
from typing import TYPE_CHECKING, Optional

from msgspec import Struct

from wasmcall.engines.base import ExportInfo, ImportInfo, MemoryLimits, Signature, Value

if TYPE_CHECKING:
    from wasmcall.trace import TraceStep

TEXT_CHECK_CHUNK = 1 << 18
# C0 controls but tab, newline and carriage return, and DEL: one byte each in UTF-8.
CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\r") + b"\x7f"
# C1 controls (U+0080..U+009F) are two bytes in UTF-8, both starting with C2.
C1_CONTROLS = re.compile(b"\xc2[\x80-\x9f]")


def is_readable_text(data: bytes) -> bool:
    """Whether a person can read these bytes as text: valid UTF-8 without control characters
    other than tab, newline and carriage return.

    Bytes ``00 01 02 03`` are valid UTF-8 yet nobody reads them as text, so they
    count as binary (shown as a hexdump, compared as hex). Checked a megabyte at
    a time, so a huge result costs a megabyte more, not a decoded copy of itself.
    """
    view = memoryview(data)
    ascii_only = data.isascii()
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), TEXT_CHECK_CHUNK):
            chunk = view[start:start + TEXT_CHECK_CHUNK].tobytes()
            if len(chunk.translate(None, CONTROL_BYTES)) != len(chunk):
                return False
            if not ascii_only:
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return ascii_only or C1_CONTROLS.search(data) is None


class ResultBytes(Struct, frozen=True, dict=True):
    """A result read out of guest memory; ``text`` is None unless a person can read it as text."""

    ptr: int
    data: bytes

    @property
    def length(self) -> int:
        return len(self.data)

    @cached_property
    def is_text(self) -> bool:
        """The one text-or-binary rule (is_readable_text), for display, JSON and --expect alike."""
        return is_readable_text(self.data)

    @property
    def text(self) -> Optional[str]:
        """The bytes decoded, when they are text; None for binary (use ``data``)."""
        return self.data.decode("utf-8") if self.is_text else None


class MemoryDump(Struct, frozen=True):
    """Guest memory copied right after a call (``--dump ADDR:LEN``); ``address`` is ADDR as given."""

    address: str
    ptr: int
    data: bytes


class CallResult(Struct, frozen=True):
    """The outcome of one successful call."""

    module: str
    export: str
    engine: str
    signature: Signature
    convention: str
    values: tuple[Value, ...]
    result: Optional[ResultBytes]
    elapsed_ms: float
    stdout: Optional[bytes] = None
    stderr: Optional[bytes] = None
    warnings: tuple[str, ...] = ()
    """What could not be done as asked, though the call succeeded (a result the guest would not free)."""
    hints: tuple[str, ...] = ()
    """What plain-number results look like (text in memory), naming the flag that would show it."""
    trace: tuple[TraceStep, ...] = ()
    """Every step of the call when it was traced (``CallRequest.trace``), else empty."""
    dumps: tuple[MemoryDump, ...] = ()
    """The memory asked for with ``CallRequest.dumps``, in order."""
    guest_exit: Optional[int] = None
    """0 when a WASI guest ended the call with ``proc_exit(0)``; None when the export returned."""


class ModuleReport(Struct, frozen=True):
    """What ``inspect`` finds in a module."""

    module: str
    engine: str
    exports: tuple[ExportInfo, ...]
    imports: tuple[ImportInfo, ...]
    memories: tuple[MemoryLimits, ...]
    convention: str
    evidence: tuple[str, ...]
    wasi: bool
    start: bool
    initialize: bool
    suggestions: tuple[tuple[str, str], ...]
    """(export, suggested arguments) for the exports people call by hand."""
