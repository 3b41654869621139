"""One live component instance serving many calls, on wasmtime's component API.

Everything that can be checked runs before the guest does: the export is
found, its WIT types are checked for what wasmcall cannot pass yet
(resources, async types), the arguments are fitted and range-checked, and only
then are imports linked and the component instantiated (once, on the first
call). Limits are per call: the fuel budget and the timeout start afresh for
every call.
"""

from __future__ import annotations

import difflib
import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Optional, TypeVar, Union

from msgspec.structs import replace

from wasmcall.arguments import Argument, PlainValue, TypedArgument
from wasmcall.components.arguments import fit_arguments
from wasmcall.components.host import from_host, to_host
from wasmcall.components.records import ComponentCallResult, ComponentFunction, ComponentReport
from wasmcall.components.world import INTERFACE_SEPARATOR, exported_functions, read_world
from wasmcall.engines.base import ExportInfo, GlobalValue, Limits, WasiSettings
from wasmcall.engines.traps import describe_trap, first_line, limit_message
from wasmcall.errors import (
    CallInterruptedError,
    GuestExitError,
    LimitExceededError,
    LoadError,
    SessionClosedError,
    TrapError,
    UnknownExportError,
    UsageError,
)
from wasmcall.modules import display_path, read_module
from wasmcall.request import CallRequest
from wasmcall.session import Session, SessionOptions

T = TypeVar("T")
ENGINE = "wasmtime"
UNLIMITED_FUEL = 2**63 - 1
CAUSED_BY = re.compile(r"Caused by:\s*\n\s*(.+)")
TYPE_ITEMS = ("resource", "type")  # world-level uses of an interface's types, linked with it
LIMIT_TRAPS = {"all fuel consumed by WebAssembly": "fuel", "interrupt": "timeout"}


def refuse_engine(engine: str) -> None:
    """Only wasmtime has a component model API; say so in one line."""
    if engine != ENGINE:
        raise UsageError(f"engine {engine!r} cannot run components (no component model support); use wasmtime")


def refuse_marshalling(given: bool) -> None:
    """Result kinds, conventions and allocator choices are for core modules; WIT types say it all here."""
    if given:
        raise UsageError(
            "result, convention, allocator and freeing options do not apply to components "
            "(their WIT types say how values are passed)"
        )


class ComponentSession(Session):
    """A component compiled once; instantiated on the first call and reused after it.

    It is a Session like a core module's, so ``open_session``, the checks
    runner and the REPL drive it the same way; its results are
    ComponentCallResult, typed by WIT.
    """

    def __init__(
        self,
        label: str,
        source: Union[bytes, str],
        limits: Limits = Limits(),
        wasi: WasiSettings = WasiSettings(),
        stub_imports: bool = False,
    ) -> None:
        import wasmtime
        from wasmtime import component as c

        from wasmcall.engines.wasmtime_engine import WasmtimeEngine

        self.label = label
        self.options = SessionOptions(ENGINE, limits, wasi, stub_imports)
        self.limits = limits
        self.call_limits = limits.per_call
        self.wasi = wasi
        self.stub_imports = stub_imports
        self.wasmtime_engine = WasmtimeEngine(fuel=limits.fuel is not None)  # its own: epochs stop only it
        self.engine = self.wasmtime_engine.runtime
        try:
            self.component = c.Component(self.engine, source)
        except wasmtime.WasmtimeError as error:
            raise LoadError(f"{label}: not a valid component: {first_line(error)}") from None
        self.world_imports, self.world_exports = read_world(self.component, self.engine)
        self.functions = exported_functions(self.world_exports)
        self.exports = tuple(ExportInfo(name, "func") for name in self.functions)
        self.store: Any = None
        self.instance: Any = None
        self.captured: Any = None
        self.is_closed = False

    def report(self) -> ComponentReport:
        return ComponentReport(self.label, ENGINE, self.world_imports, self.world_exports)

    def function(self, export: str) -> ComponentFunction:
        """The exported function ``export``, or an error listing them and the closest match."""
        function = self.functions.get(export)
        if function is not None:
            return function
        names = list(self.functions)
        close = difflib.get_close_matches(export, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UnknownExportError(
            f"no function export {export!r}{hint} (exports: {', '.join(names) or 'none'})"
        )

    def run(self, request: CallRequest) -> ComponentCallResult:
        """A CallRequest, as for a core module; conventions and result kinds do not apply."""
        refuse_marshalling(replace(request, arguments=(), limits=None) != CallRequest(request.export))
        values = [a.text for a in request.arguments if isinstance(a, PlainValue)]
        typed = [a for a in request.arguments if not isinstance(a, PlainValue)]
        self.call_limits = request.limits or self.limits.per_call
        try:
            return self.call(request.export, typed, values)
        finally:
            self.call_limits = self.limits.per_call

    def call(  # type: ignore[override]
        self, export: str, arguments: Sequence[Argument] = (), values: Sequence[str] = ()
    ) -> ComponentCallResult:
        """Call ``export`` with typed ``arguments`` or WAVE ``values``; lift its result.

        Plain values among ``arguments`` (``PlainValue``, as every session takes them) are WAVE too.
        """
        values = (*values, *(a.text for a in arguments if isinstance(a, PlainValue)))
        typed: list[TypedArgument] = [a for a in arguments if not isinstance(a, PlainValue)]
        if self.is_closed:
            raise SessionClosedError(f"the session on {self.label} is closed")
        function = self.function(export)
        unsupported = function.signature.unsupported()
        if unsupported:
            raise UsageError(
                f"{export}: {', '.join(unsupported)} types are not supported yet ({function.signature})"
            )
        fitted = fit_arguments(export, function.signature, typed, values)
        types = [param.type for param in function.signature.params]
        params = [to_host(value, valtype) for value, valtype in zip(fitted, types, strict=True)]
        func = self.export_func(export)
        started = time.perf_counter()
        lifted = self.guarded(lambda: func(self.store, *params), export)
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.guarded(lambda: func.post_return(self.store), export)
        result_type = function.signature.result
        output = self.captured.read() if self.captured is not None else None
        return ComponentCallResult(
            module=self.label,
            export=export,
            engine=ENGINE,
            signature=function.signature,
            value=None if result_type is None else from_host(lifted, result_type),
            elapsed_ms=elapsed_ms,
            stdout=output.stdout if output else None,
            stderr=output.stderr if output else None,
        )

    def export_func(self, export: str) -> Any:
        self.instantiate()
        interface, _, member = export.rpartition(INTERFACE_SEPARATOR)
        index = None
        if interface:
            index = self.instance.get_export_index(self.store, interface)
        found = self.instance.get_export_index(self.store, member, index)
        return self.instance.get_func(self.store, found)

    def instantiate(self) -> None:
        """Link the imports and instantiate, once; later calls reuse the instance."""
        if self.instance is not None:
            return
        import wasmtime
        from wasmtime import component as c

        from wasmcall.engines.capture import OutputCapture
        from wasmcall.engines.wasmtime_engine import wasi_config

        missing = [item for item in self.world_imports if not item.is_wasi and item.kind not in TYPE_ITEMS]
        if missing and not self.stub_imports:
            listing = ", ".join(item.name for item in missing)
            raise LoadError(f"{self.label}: imports nobody provides: {listing} (only WASI preview 2 is linked)")
        self.store = wasmtime.Store(self.engine)
        if self.limits.max_memory is not None:
            self.store.set_limits(memory_size=self.limits.max_memory)
        linker = c.Linker(self.engine)
        if any(item.is_wasi for item in self.world_imports):
            self.captured = OutputCapture()
            linker.add_wasip2()
            self.store.set_wasi(wasi_config(self.wasi_settings(), self.captured))
            self.captured.start()
        if self.stub_imports:
            self.guarded(lambda: linker.define_unknown_imports_as_traps(self.component), "start")
        self.instance = self.guarded(lambda: linker.instantiate(self.store, self.component), "start")

    def wasi_settings(self) -> WasiSettings:
        """The guest's argv is just the component's file name unless the caller set it."""
        if self.wasi.args:
            return self.wasi
        return WasiSettings((Path(self.label).name,), self.wasi.env, self.wasi.dirs)

    def guarded(self, action: Callable[[], T], where: str) -> T:
        """Run guest code under this call's fuel and deadline, turning wasmtime's errors into wasmcall's.

        A component instance that trapped cannot be entered again, so after a
        guest failure the next call starts from a fresh instance.
        """
        import wasmtime

        timer = self.arm_limits()
        try:
            return action()
        except wasmtime.ExitTrap as exit_trap:
            self.drop_instance()
            raise GuestExitError(
                f"guest exited with code {exit_trap.code} during {where!r}", exit_trap.code
            ) from None
        except (wasmtime.Trap, wasmtime.WasmtimeError) as error:
            self.drop_instance()
            raise self.translate_error(error, where) from None
        finally:
            if timer is not None:
                timer.cancel()

    def arm_limits(self) -> Optional[threading.Timer]:
        """This call's fuel and deadline; epochs are always on, so the deadline is always set."""
        if self.store is None:
            return None
        limits = self.call_limits
        if limits.fuel is not None and not self.wasmtime_engine.fuel:
            raise UsageError("a fuel limit needs a session opened with a fuel limit (fuel metering is off)")
        if self.wasmtime_engine.fuel:
            self.store.set_fuel(limits.fuel if limits.fuel is not None else UNLIMITED_FUEL)
        self.wasmtime_engine.interrupted = False
        self.store.set_epoch_deadline(1)
        if limits.timeout is None:
            return None
        timer = threading.Timer(limits.timeout, self.engine.increment_epoch)
        timer.daemon = True
        timer.start()
        return timer

    def translate_error(self, error: Exception, where: str) -> Exception:
        """Component traps arrive as WasmtimeError with the trap on a 'wasm trap:' line."""
        from wasmcall.engines.wasmtime_engine import TRAP_FRAME, TRAP_REASON

        text = str(error)
        reason = TRAP_REASON.search(text) or CAUSED_BY.search(text)
        if reason is not None and where != "start":
            return self.translate_trap(reason.group(1).strip(), TRAP_FRAME.search(text), where)
        message = reason.group(1).strip() if reason is not None else first_line(error)
        if where == "start" and self.limits.max_memory is not None and "memory" in message:
            return LimitExceededError(f"{limit_message('memory', self.limits)}: {message}")
        if where == "start":
            return LoadError(f"{self.label}: could not instantiate the component: {message}")
        return TrapError(f"guest failed while running {where!r}: {message}")

    def translate_trap(self, reason: str, frame: Optional[re.Match[str]], where: str) -> Exception:
        limit = LIMIT_TRAPS.get(reason)
        if limit == "timeout" and self.wasmtime_engine.interrupted:
            return CallInterruptedError("interrupted: the guest was stopped")
        if limit is not None:
            limits = Limits(self.call_limits.timeout, self.call_limits.fuel, self.limits.max_memory)
            return LimitExceededError(limit_message(limit, limits))
        function = re.sub(r"<wasm function (\d+)>", r"func[\1]", frame.group(1)) if frame else None
        return TrapError(describe_trap(reason, function, where))

    def memory_size(self) -> int:
        raise UsageError("a component has no single linear memory to look at; its values are typed by WIT")

    def read(self, ptr: int, length: int) -> bytes:
        raise UsageError("a component has no single linear memory to look at; its values are typed by WIT")

    def globals(self) -> tuple[GlobalValue, ...]:
        """A component exports no core globals."""
        return ()

    def reset(self) -> None:
        """Drop the instance; the next call instantiates the component afresh."""
        self.drop_instance()

    def drop_instance(self) -> None:
        if self.captured is not None:
            self.captured.remove()
            self.captured = None
        self.instance = None
        self.store = None

    def close(self) -> None:
        """Drop the instance and its output capture; the session cannot be used after this."""
        self.drop_instance()
        self.is_closed = True

    @property
    def closed(self) -> bool:
        return self.is_closed

    def __enter__(self) -> ComponentSession:
        return self

    def __exit__(
        self, kind: Optional[type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        self.close()


def open_component(
    module: Union[str, Path],
    limits: Limits = Limits(),
    wasi: WasiSettings = WasiSettings(),
    stub_imports: bool = False,
    engine: str = ENGINE,
) -> ComponentSession:
    """A session on the component file ``module`` (read and compiled, not yet instantiated)."""
    refuse_engine(engine)
    return ComponentSession(display_path(module), read_module(module, limits.timeout), limits, wasi, stub_imports)


def call_component(
    module: Union[str, Path],
    export: str,
    arguments: Sequence[TypedArgument] = (),
    values: Sequence[str] = (),
    *,
    engine: str = ENGINE,
    limits: Limits = Limits(),
    wasi: WasiSettings = WasiSettings(),
    stub_imports: bool = False,
) -> ComponentCallResult:
    """One call on a fresh session: ``wasmcall.call`` for a component."""
    with open_component(module, limits, wasi, stub_imports, engine) as session:
        return session.call(export, arguments, values)


def inspect_component(module: Union[str, Path], engine: str = ENGINE) -> ComponentReport:
    """The component's world: what it imports and exports, with WIT types."""
    with open_component(module, engine=engine) as session:
        return session.report()
