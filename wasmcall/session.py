"""A session: one module compiled, linked and instantiated once, serving many calls.

Guest state persists between calls (a counter counts, a constructor's object
is there for the next method). ``wasmcall.call`` is a one-call session; the
checks runner and the REPL are loops over sessions.

wasmtime sessions run in this process. wasmer sessions run in one child
process kept alive across calls (``wasmcall.isolation``), because wasmer
cannot be stopped from inside the process that runs it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Optional, Union

from wasmcall.arguments import Argument
from wasmcall.conventions.calling import execute, plan_call
from wasmcall.conventions.facts import ModuleFacts, module_facts
from wasmcall.engines import DEFAULT_ENGINE, compile_cached, load_engine
from wasmcall.engines.base import CompiledModule, ExportInfo, GlobalValue, Instance, Limits, WasiSettings
from wasmcall.errors import GuestError, SessionClosedError
from wasmcall.linking import ImportOptions, build_linking
from wasmcall.modules import display_path, read_module
from wasmcall.records import CallResult
from wasmcall.request import CallRequest, SessionOptions

if TYPE_CHECKING:
    from wasmcall.components.records import ComponentCallResult

AnyResult = Union[CallResult, "ComponentCallResult"]
"""What a session's call returns: a core module's CallResult, or a component's WIT-typed result."""
GUEST_STDERR_LINES = 5


class Session(ABC):
    """One live instance of one module; a context manager that closes it."""

    label: str
    options: SessionOptions
    exports: tuple[ExportInfo, ...]

    def call(self, export: str, arguments: Sequence[Argument] = (), **options: Any) -> AnyResult:
        """Call ``export``; ``options`` are CallRequest's fields (``result=``, ``free_inputs=`` ...)."""
        return self.run(CallRequest(export, tuple(arguments), **options))

    @abstractmethod
    def run(self, request: CallRequest) -> AnyResult:
        """Run one call on the live instance."""

    @abstractmethod
    def memory_size(self) -> int:
        """The guest memory's current size in bytes."""

    @abstractmethod
    def read(self, ptr: int, length: int) -> bytes:
        """Bytes of guest memory, bounds-checked (OutOfBoundsError outside it)."""

    @abstractmethod
    def globals(self) -> tuple[GlobalValue, ...]:
        """The exported globals' current values."""

    @abstractmethod
    def reset(self) -> None:
        """Throw the instance away and start a fresh one of the same compiled module."""

    @abstractmethod
    def close(self) -> None:
        """Release the instance (and its child process, for wasmer); calling again does nothing."""

    @property
    @abstractmethod
    def closed(self) -> bool:
        """True once closed, or once the instance was lost (a killed wasmer child)."""

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self, kind: Optional[type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        self.close()


class LocalSession(Session):
    """A session whose instance lives in this process."""

    def __init__(self, label: str, source: Union[bytes, str], options: SessionOptions) -> None:
        self.label = label
        self.options = options
        engine = load_engine(options.engine, fuel=options.limits.fuel is not None)
        self.compiled: CompiledModule = compile_cached(
            engine, engine.prepare(source, options.limits, label), label
        )
        self.exports = self.compiled.exports
        wasi = guest_wasi(options.wasi, label)
        self.linking = build_linking(self.compiled, ImportOptions(wasi, options.stub_imports))
        self.instance: Optional[Instance] = None
        self.facts: ModuleFacts = module_facts(label, source)
        self.start()

    def start(self) -> None:
        """Instantiate (running the start function) and run a reactor's ``_initialize``, each under the limits."""
        self.instance = self.compiled.instantiate(self.linking, self.options.limits)
        if self.compiled.function("_initialize") is not None:
            try:
                with self.instance.budget(self.options.limits.per_call):
                    self.instance.call("_initialize", [])
            except BaseException:
                self.close()
                raise

    def live(self) -> Instance:
        if self.instance is None:
            raise SessionClosedError(f"the session on {self.label} is closed")
        return self.instance

    def run(self, request: CallRequest) -> CallResult:
        instance = self.live()
        plan = plan_call(self.compiled, request, self.facts)
        limits = request.limits or self.options.limits.per_call
        instance.exit_status = None
        try:
            with instance.budget(limits):
                execution = execute(instance, plan)
        except GuestError as error:
            error.guest_stdout, error.guest_stderr = self.output_before_failure()
            raise
        stdout, stderr = self.new_output()
        return CallResult(
            module=self.label,
            export=request.export,
            engine=self.options.engine,
            signature=plan.signature,
            convention=plan.detection.convention.value,
            values=execution.values,
            result=execution.result,
            elapsed_ms=execution.elapsed_ms,
            stdout=stdout,
            stderr=stderr,
            warnings=execution.warnings,
            hints=execution.hints,
            trace=execution.trace,
            dumps=execution.dumps,
            guest_exit=instance.exit_status,
        )

    def new_output(self) -> tuple[Optional[bytes], Optional[bytes]]:
        """What the guest wrote since the last call (start-up output goes with the first call)."""
        output = self.live().output()
        if output is None:
            return None, None
        return output.stdout, output.stderr

    def output_before_failure(self) -> tuple[bytes, tuple[str, ...]]:
        """What the guest printed before failing (a guest that prints, then exits non-zero, still
        showed something), and the last few lines of its stderr: usually the reason."""
        if self.instance is None:
            return b"", ()
        stdout, stderr = self.new_output()
        lines = (stderr or b"").decode("utf-8", errors="replace").splitlines()
        return stdout or b"", tuple(lines[-GUEST_STDERR_LINES:])

    def memory_size(self) -> int:
        return self.live().memory_size()

    def read(self, ptr: int, length: int) -> bytes:
        return self.live().read(ptr, length, "read")

    def globals(self) -> tuple[GlobalValue, ...]:
        return self.live().globals()

    def reset(self) -> None:
        self.live().close()
        self.instance = None
        self.start()

    def close(self) -> None:
        if self.instance is not None:
            self.instance.close()
            self.instance = None

    @property
    def closed(self) -> bool:
        return self.instance is None


def open_session(
    module: Union[str, Path],
    *,
    engine: str = DEFAULT_ENGINE,
    limits: Limits = Limits(),
    wasi: WasiSettings = WasiSettings(),
    stub_imports: bool = False,
) -> Session:
    """Compile, link and instantiate ``module`` once (running ``_initialize``), ready for many calls.

    ``limits.max_memory`` caps the instance for its life; ``limits.timeout``
    and ``limits.fuel`` are each call's default budget (and start-up's).
    """
    options = SessionOptions(engine, limits, wasi, stub_imports)
    return open_source(display_path(module), read_module(module, limits.timeout), options)


def open_source(label: str, source: Union[bytes, str], options: SessionOptions) -> Session:
    """A session on module bytes (or WAT text) already read; ``label`` names it in messages.

    A component gets a component session (wasmtime only): same calls, values typed by WIT.
    """
    from wasmcall.components.detect import is_component

    if is_component(source):
        from wasmcall.components.session import ComponentSession, refuse_engine

        refuse_engine(options.engine)
        return ComponentSession(label, source, options.limits, options.wasi, options.stub_imports)
    if options.engine == "wasmer":
        from wasmcall.isolation import ChildSession

        return ChildSession(label, source, options)
    return LocalSession(label, source, options)


def guest_wasi(granted: WasiSettings, label: str) -> WasiSettings:
    """The guest's argv is just the module's name unless the caller set it."""
    if granted.args:
        return granted
    return replace(granted, args=(Path(label).name,))
