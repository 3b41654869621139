"""The one seam between wasmcall and a WebAssembly runtime.

Everything above this module speaks in these types only, so both runtimes
behave alike: values are Python ints (signed) and floats, memory access is
bounds-checked here with Python ints before any engine sees an offset (the
engines' own ``read`` follows slice rules and silently truncates).
"""

from __future__ import annotations

import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Optional, Union

from msgspec import Struct, field

from wasmcall.errors import OutOfBoundsError, UsageError

if TYPE_CHECKING:
    from wasmcall.trace import Recorder

Value = Union[int, float]
WASM_PAGE = 65536


class Signature(Struct, frozen=True):
    """A function type, with value types spelled as in WAT (``i32``, ``f64``, ...)."""

    params: tuple[str, ...]
    results: tuple[str, ...]

    def __str__(self) -> str:
        results = ", ".join(self.results)
        if len(self.results) != 1:
            results = f"({results})"
        return f"({', '.join(self.params)}) -> {results}"


NUMERIC_TYPES = ("i32", "i64", "f32", "f64")
"""The value types wasmcall marshals; anything else (v128, references, future types) it only names."""


def unmarshallable(signature: Signature) -> list[str]:
    """The value types in ``signature`` that wasmcall cannot pass or read, in order, once each."""
    found = [t for t in (*signature.params, *signature.results) if t not in NUMERIC_TYPES]
    return list(dict.fromkeys(found))


class MemoryLimits(Struct, frozen=True):
    """A memory's size bounds in 64 KiB pages; ``maximum`` is None when unbounded.

    ``shared`` (threads) and ``index64`` (memory64) memories are loaded but
    never used for buffers: wasmcall's pointers are unsigned 32-bit offsets
    into one unshared memory.
    """

    minimum: int
    maximum: Optional[int]
    shared: bool = False
    index64: bool = False

    def unusable_for_buffers(self) -> Optional[str]:
        """Why buffers cannot go into this memory, or None when they can."""
        if self.shared:
            return "is a shared memory (threads)"
        if self.index64:
            return "is a 64-bit memory (memory64)"
        return None


class ExportInfo(Struct, frozen=True):
    """One export: functions carry a signature, memories their limits."""

    name: str
    kind: str
    signature: Optional[Signature] = None
    memory: Optional[MemoryLimits] = None


class ImportInfo(Struct, frozen=True):
    """One import the module needs the host to provide."""

    module: str
    name: str
    kind: str
    signature: Optional[Signature] = None
    memory: Optional[MemoryLimits] = None

    def describe(self) -> str:
        shape = f" {self.signature}" if self.signature else ""
        if self.memory is not None:
            maximum = self.memory.maximum if self.memory.maximum is not None else "unbounded"
            shape = f" {self.memory.minimum}..{maximum} pages"
        return f"{self.module}.{self.name} ({self.kind}{shape})"


class Limits(Struct, frozen=True):
    """Resource limits for a session; None means unlimited.

    ``max_memory`` caps the instance for its whole life; ``timeout`` and
    ``fuel`` are budgets that compiling, start-up and every call each get anew.
    """

    timeout: Optional[float] = None
    fuel: Optional[int] = None
    max_memory: Optional[int] = None

    @property
    def per_call(self) -> CallLimits:
        return CallLimits(self.timeout, self.fuel)


class CallLimits(Struct, frozen=True):
    """Limits for one call: wall-clock seconds and an instruction budget; None is unlimited.

    Each call gets its own budget: a slow first call does not eat the second's.
    """

    timeout: Optional[float] = None
    fuel: Optional[int] = None


HostCallback = Callable[..., Sequence[Value]]


class HostFunction(Struct, frozen=True):
    """A function the host links into an import slot.

    The callback receives the running instance first (so it can read guest
    memory, e.g. to decode an abort message) and then the wasm arguments.
    ``describe``, called the same way, says in words what a traced call did
    (the message of AssemblyScript's ``env.trace``).
    """

    module: str
    name: str
    signature: Signature
    callback: HostCallback
    describe: Optional[Callable[..., str]] = None


class DirGrant(Struct, frozen=True):
    """A host directory made visible to a WASI guest, read-only unless ``writable``."""

    host: str
    guest: str
    writable: bool = False


class WasiSettings(Struct, frozen=True):
    """WASI capabilities: nothing unless granted (no dirs, no env, argv = the module name)."""

    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    dirs: tuple[DirGrant, ...] = ()


class Linking(Struct, frozen=True):
    """Everything the host provides to the module's imports; ``wasi`` None means no WASI."""

    functions: Sequence[HostFunction] = field(default_factory=tuple)
    wasi: Optional[WasiSettings] = None
    memories: Sequence[ImportInfo] = field(default_factory=tuple)
    """Memory imports the engine creates from their declared limits (capped by ``Limits.max_memory``)."""


class GuestOutput(Struct, frozen=True):
    """What a WASI guest wrote to its stdout and stderr."""

    stdout: bytes
    stderr: bytes


class GlobalValue(Struct, frozen=True):
    """An exported global's current value; ``valtype`` is spelled as in WAT (``i32``, ``f64``, ...)."""

    name: str
    valtype: str
    mutable: bool
    value: object


def check_range(ptr: int, length: int, memory_size: int, what: str) -> None:
    """Raise OutOfBoundsError unless ``[ptr, ptr + length)`` lies inside memory.

    Done with Python ints so that no overflow or negative index can slip
    through to an engine that would wrap or slice it.
    """
    if ptr < 0 or length < 0 or ptr + length > memory_size:
        raise OutOfBoundsError(
            f"{what} at {ptr:#x} with length {length} lies outside guest memory "
            f"({memory_size} bytes)"
        )


class Instance(ABC):
    """A live module instance: call exports and reach its memory 0.

    ``recorder`` is set while a traced call runs, so host imports the guest
    calls are recorded too (wasmcall.trace).
    """

    recorder: Optional[Recorder] = None
    memory_problem: Optional[str] = None
    """Why buffers cannot use this instance's memory 0 (not exported, shared, 64-bit), if so."""

    @abstractmethod
    def call(self, name: str, args: Sequence[Value]) -> tuple[Value, ...]:
        """Call a function export with values already checked against its signature."""

    def memory_size(self) -> int:
        """Current byte length of memory 0 (0 when there is none); a UsageError when buffers cannot use it."""
        if self.memory_problem is not None:
            raise UsageError(f"cannot pass or read buffers: {self.memory_problem}")
        return self._memory_size()

    @abstractmethod
    def _memory_size(self) -> int:
        """Current byte length of memory 0 (0 when it has none)."""

    @abstractmethod
    def _view(self, ptr: int, length: int) -> memoryview:
        """A writable view of guest memory; only valid until the next guest call."""

    def view(self, ptr: int, length: int, what: str = "buffer") -> memoryview:
        """A bounds-checked writable view; re-derive it after any guest call (memory may move)."""
        check_range(ptr, length, self.memory_size(), what)
        if length == 0:
            return memoryview(bytearray())  # also right for a module with no memory at all
        return self._view(ptr, length)

    def read(self, ptr: int, length: int, what: str = "result") -> bytes:
        """Copy ``length`` bytes out of guest memory, bounds-checked."""
        return bytes(self.view(ptr, length, what))

    def write(self, ptr: int, data: bytes, what: str = "argument") -> None:
        """Copy bytes into guest memory in one bulk operation, bounds-checked."""
        self.view(ptr, len(data), what)[:] = data

    def has_function(self, name: str) -> bool:
        """Whether the instance exports a function ``name`` (optional runtime helpers, e.g. a stack pointer)."""
        return False

    def grow_memory(self, pages: int) -> bool:
        """Grow memory 0 by ``pages`` 64 KiB pages; False when it cannot (its maximum, the memory limit)."""
        return False

    def host_callback(self, function: HostFunction) -> Callable[..., object]:
        """Adapt a HostFunction to the engines' calling convention: None, one value, or a tuple."""

        def callback(*args: Value) -> object:
            try:
                results = function.callback(self, *args)
            except BaseException as error:
                if self.recorder is not None:
                    self.recorder.host(function, args, (), None, error)
                raise
            if self.recorder is not None:
                text = function.describe(self, *args) if function.describe else None
                self.recorder.host(function, args, results, text)
            if not results:
                return None
            return results[0] if len(results) == 1 else tuple(results)

        return callback

    @contextmanager
    def budget(self, limits: CallLimits) -> Iterator[None]:
        """Run the block under ``limits``.

        This default meters nothing: it serves engines whose deadlines are
        enforced from outside (wasmer's child process) and refuses fuel,
        which nothing outside an engine can count.
        """
        if limits.fuel is not None:
            raise UsageError(
                "this engine cannot meter fuel (it counts no instructions); use the wasmtime engine, "
                "or a timeout to bound the run by time"
            )
        yield

    exit_status: Optional[int] = None
    """0 once the guest called WASI ``proc_exit(0)``, which ends a call normally (other codes raise)."""

    def output(self) -> Optional[GuestOutput]:
        """What a WASI guest wrote since the last time this was asked; None when the guest has no WASI."""
        return None

    global_types: Mapping[str, str] = MappingProxyType({})
    """Exported globals by name, with their value types as the binary declares them (engines set it)."""

    def globals(self) -> tuple[GlobalValue, ...]:
        """The exported globals and their values now (for debugging: the REPL, ``--at GLOBAL``).

        Only numeric globals are read: touching a v128 one can abort wasmtime, and a
        reference one makes wasmer panic. Others are listed with no value.
        """
        found = []
        for name, valtype in self.global_types.items():
            if valtype in NUMERIC_TYPES:
                found.append(GlobalValue(name, valtype, *self.read_global(name)))
            else:
                found.append(GlobalValue(name, valtype, False, None))
        return tuple(found)

    def read_global(self, name: str) -> tuple[bool, object]:
        """A numeric exported global's mutability and current value."""
        raise NotImplementedError(f"this engine cannot read global {name!r}")

    def close(self) -> None:  # noqa: B027 - an optional hook, not an abstract method
        """Release what the run holds beyond the instance itself (timers, files)."""


class CompiledModule(ABC):
    """A validated, compiled module, ready to be instantiated."""

    exports: tuple[ExportInfo, ...]
    imports: tuple[ImportInfo, ...]

    @abstractmethod
    def instantiate(self, linking: Linking, limits: Limits) -> Instance:
        """Link imports, cap memory and run the start function within the limits' budget."""

    @cached_property
    def functions(self) -> dict[str, ExportInfo]:
        """Function exports by name, built once: lookups stay O(1) however many exports there are."""
        return {export.name: export for export in self.exports if export.kind == "func"}

    def function(self, name: str) -> Optional[ExportInfo]:
        """The function export named ``name``, if there is one."""
        return self.functions.get(name)


class Engine(ABC):
    """A WebAssembly runtime behind wasmcall's seam."""

    @abstractmethod
    def compile(self, source: Union[bytes, str], label: str) -> CompiledModule:
        """Compile wasm bytes or WAT text; raise LoadError on anything invalid."""

    def prepare(self, source: Union[bytes, str], limits: Limits, label: str) -> Union[bytes, str]:
        """The source to compile under ``limits``; engines that cap memory by rewriting override this."""
        return source

    def interrupt(self) -> None:  # noqa: B027 - engines that cannot interrupt do nothing
        """Stop the guests running on this engine now, from any thread."""


running_engines: weakref.WeakSet[Engine] = weakref.WeakSet()
"""Engines that can interrupt a running guest; Ctrl-C interrupts them all."""
