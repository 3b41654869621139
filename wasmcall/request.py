"""The records a caller fills in: one call (``CallRequest``) and how to open its session (``SessionOptions``).

One record for one call: what to call, with what, and how to read the result.

The CLI, the checks runner, the REPL and library users all build a
``CallRequest``; a session turns it into a ``CallResult``. Keeping every knob
in one frozen record means nothing is threaded through fifteen keywords, and
contradictory input (typed arguments and plain values together) is refused
where the record is made instead of one silently winning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from msgspec import Struct, field
from msgspec.structs import force_setattr

from wasmcall.arguments import Argument, PlainValue
from wasmcall.conventions.results import ResultSpec
from wasmcall.engines import DEFAULT_ENGINE
from wasmcall.engines.base import CallLimits, Limits, WasiSettings
from wasmcall.errors import UsageError


class CallRequest(Struct, frozen=True):
    """Call ``export`` with ``arguments``; every other field has the CLI's default.

    ``arguments`` are typed (``--str``, ``--i32`` ...) or all plain values
    typed later by the export's signature (the CLI's positional VALUES), never
    both. ``result_length_of`` is ``--ret-len @K``. ``limits`` None means the
    session's own timeout and fuel. ``trace`` records every step of the call
    (allocations, writes, the call, reads, frees, host imports) in the result.
    ``dumps`` are ``(ADDR, LEN)`` pairs of memory to copy right after the call
    (ADDR a number or an export's name, as ``--dump`` takes it).
    """

    export: str
    arguments: tuple[Argument, ...] = ()
    result: ResultSpec = field(default_factory=ResultSpec)
    result_length_of: Optional[int] = None
    convention: Optional[str] = None
    alloc: Optional[str] = None
    free: Optional[str] = None
    free_inputs: bool = False
    keep_result: bool = False
    limits: Optional[CallLimits] = None
    assemblyscript_types: Optional[str] = None
    """AssemblyScript param classes, ``Float64Array, f64 -> Float64Array``, when no bindings say."""
    trace: bool = False
    dumps: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        plain = sum(isinstance(a, PlainValue) for a in self.arguments)
        if plain and plain != len(self.arguments):
            raise UsageError("plain values cannot be mixed with typed arguments (--str, --i32, ...)")
        force_setattr(self, "arguments", tuple(self.arguments))

    @property
    def untyped(self) -> bool:
        """True when the arguments are plain values still waiting for the signature's types."""
        return bool(self.arguments) and isinstance(self.arguments[0], PlainValue)


def plain_values(texts: Sequence[str]) -> tuple[PlainValue, ...]:
    """Wrap positional VALUES so they travel in ``CallRequest.arguments``."""
    return tuple(PlainValue(text) for text in texts)


class SessionOptions(Struct, frozen=True):
    """How to open a session: the engine, limits, WASI grants and import stubs."""

    engine: str = DEFAULT_ENGINE
    limits: Limits = field(default_factory=Limits)
    wasi: WasiSettings = field(default_factory=WasiSettings)
    stub_imports: bool = False
