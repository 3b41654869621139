"""What the library returns: frozen records that renderers and scripts read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from wasmcall.engines.base import ExportInfo, ImportInfo, MemoryLimits, Signature, Value

if TYPE_CHECKING:
    from wasmcall.trace import TraceStep


@dataclass(frozen=True)
class ResultBytes:
    """A result read out of guest memory; ``text`` is None unless it is valid UTF-8."""

    ptr: int
    data: bytes

    @property
    def length(self) -> int:
        return len(self.data)

    @property
    def text(self) -> Optional[str]:
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            return None


@dataclass(frozen=True)
class MemoryDump:
    """Guest memory copied right after a call (``--dump ADDR:LEN``); ``address`` is ADDR as given."""

    address: str
    ptr: int
    data: bytes


@dataclass(frozen=True)
class CallResult:
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
    trace: tuple[TraceStep, ...] = ()
    """Every step of the call when it was traced (``CallRequest.trace``), else empty."""
    dumps: tuple[MemoryDump, ...] = ()
    """The memory asked for with ``CallRequest.dumps``, in order."""


@dataclass(frozen=True)
class ModuleReport:
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
