"""``--trace``: every step wasmcall takes on the guest's behalf, with its time.

A traced call runs on a ``TracedInstance``, a thin wrapper over the live
instance that records each export it calls (the allocator, the export, the
free function, post-returns), each write and read of guest memory, and each
host import the guest calls. The conventions code does not know it is being
watched: what it does is what the trace shows. Steps are records, so the CLI
prints them as lines and ``--json`` as a list, and the checks runner can keep
them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Optional

from msgspec import Struct

from wasmcall.engines.base import CallLimits, GlobalValue, HostFunction, Instance, Value
from wasmcall.errors import WasmcallError
from wasmcall.values import json_value

PREVIEW_BYTES = 16


class TraceStep(Struct, frozen=True):
    """One step of a call; ``ms`` counts from the start of the call.

    ``step`` is one of: ``alloc``, ``write``, ``call``, ``read``, ``free``,
    ``post-return``, ``pin``, ``unpin``, ``stack`` (wasm-bindgen's shadow
    stack), ``export`` (any other export wasmcall called) and ``host`` (an
    import the guest called).
    """

    ms: float
    step: str
    name: str = ""
    params: tuple[Value, ...] = ()
    results: tuple[Value, ...] = ()
    ptr: Optional[int] = None
    length: Optional[int] = None
    preview: bytes = b""
    text: Optional[str] = None
    error: Optional[str] = None

    def describe(self) -> str:
        """The step as one human line, without its time."""
        if self.step in ("write", "read"):
            where = f"{self.length} byte{'' if self.length == 1 else 's'} at {self.ptr:#x}"
            more = " …" if self.length and self.length > len(self.preview) else ""
            shown = f": {self.preview.hex(' ')}{more}"
            what = f" ({self.text})" if self.text else ""
            return f"{where}{what}{shown if self.preview else ''}"
        arrow = f" -> {', '.join(map(format_raw, self.results))}" if self.results else ""
        line = f"{self.name}({', '.join(map(format_raw, self.params))}){arrow}"
        if self.text is not None:
            line = f"{line}: {self.text!r}"
        return f"{line} failed: {self.error}" if self.error is not None else line

    def as_json(self) -> dict[str, Any]:
        """The step in the ``"trace"`` list of the JSON envelope (docs/json-output.md)."""
        body: dict[str, Any] = {"ms": round(self.ms, 3), "step": self.step}
        if self.step in ("write", "read"):
            body.update(ptr=self.ptr, len=self.length, hex=self.preview.hex())
            if self.text:
                body["what"] = self.text
            return body
        body.update(
            name=self.name,
            params=[json_value(v, raw_type(v)) for v in self.params],
            results=[json_value(v, raw_type(v)) for v in self.results],
        )
        if self.text is not None:
            body["text"] = self.text
        if self.error is not None:
            body["error"] = self.error
        return body


def raw_type(value: Value) -> str:
    return "f64" if isinstance(value, float) else "i64"


def format_raw(value: Value) -> str:
    """Integers as the guest sees them, plus hex for those that look like pointers."""
    if isinstance(value, float):
        return repr(value)
    return f"{value} ({value & 0xFFFFFFFF:#x})" if value >= 4096 or value < 0 else str(value)


def trace_line(step: TraceStep) -> str:
    return f"[trace {step.ms:8.3f} ms] {step.step:<11} {step.describe()}"


class Recorder:
    """Collects the steps of one call, naming each export call by its role in the convention."""

    def __init__(self, roles: dict[str, str]) -> None:
        self.roles = roles
        self.started = time.perf_counter()
        self.steps: list[TraceStep] = []

    def add(self, step: str, **fields: Any) -> None:
        self.steps.append(TraceStep((time.perf_counter() - self.started) * 1000, step, **fields))

    def exported(
        self, name: str, params: Sequence[Value], results: Sequence[Value], error: Optional[str] = None
    ) -> None:
        step = self.roles.get(name, "export")
        self.add(step, name=name, params=tuple(params), results=tuple(results), error=error)

    def memory(self, step: str, ptr: int, data: bytes, what: str) -> None:
        self.add(step, ptr=ptr, length=len(data), preview=bytes(data[:PREVIEW_BYTES]), text=what)

    def host(
        self,
        function: HostFunction,
        params: Sequence[Value],
        results: Sequence[Value],
        text: Optional[str],
        error: Optional[BaseException] = None,
    ) -> None:
        name = f"{function.module}.{function.name}"
        failed = None if error is None else getattr(error, "message", str(error))
        self.add("host", name=name, params=tuple(params), results=tuple(results), text=text, error=failed)


class TracedInstance(Instance):
    """The live instance, recording what the conventions code does with it."""

    def __init__(self, inner: Instance, log: Recorder) -> None:
        self.inner = inner
        self.log = log

    def call(self, name: str, args: Sequence[Value]) -> tuple[Value, ...]:
        try:
            results = self.inner.call(name, args)
        except WasmcallError as error:
            self.log.exported(name, args, (), error.message)
            raise
        self.log.exported(name, args, results)
        return results

    def memory_size(self) -> int:
        return self.inner.memory_size()

    def _memory_size(self) -> int:
        return self.inner._memory_size()

    def _view(self, ptr: int, length: int) -> memoryview:
        return self.inner._view(ptr, length)

    def view(self, ptr: int, length: int, what: str = "buffer") -> memoryview:
        view = self.inner.view(ptr, length, what)
        if what == "file buffer":  # marshal fills a --file argument through a view, read straight into it
            self.log.add("write", ptr=ptr, length=length, text=what)
        return view

    def read(self, ptr: int, length: int, what: str = "result") -> bytes:
        data = self.inner.read(ptr, length, what)
        self.log.memory("read", ptr, data, what)
        return data

    def write(self, ptr: int, data: bytes, what: str = "argument") -> None:
        self.inner.write(ptr, data, what)
        self.log.memory("write", ptr, data, what)

    def budget(self, limits: CallLimits) -> Any:
        return self.inner.budget(limits)

    def globals(self) -> tuple[GlobalValue, ...]:
        return self.inner.globals()

    def has_function(self, name: str) -> bool:
        return self.inner.has_function(name)

    def grow_memory(self, pages: int) -> bool:
        return self.inner.grow_memory(pages)


@contextmanager
def tracing(instance: Instance, roles: dict[str, str]) -> Iterator[TracedInstance]:
    """Record a call's steps; host imports the guest calls are recorded through ``instance.recorder``.

    If the call fails, the steps so far travel on the error as ``error.trace``.
    """
    recorder = Recorder(roles)
    instance.recorder = recorder
    try:
        yield TracedInstance(instance, recorder)
    except Exception as error:
        error.trace = tuple(recorder.steps)  # type: ignore[attr-defined]
        raise
    finally:
        instance.recorder = None
