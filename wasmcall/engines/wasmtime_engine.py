"""The wasmtime engine: the default, because it can meter fuel, stop a guest at a
deadline and cap its memory, and has wheels for every current Python."""

from __future__ import annotations

import ctypes
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional, Union

import wasmtime

from wasmcall.engines.base import (
    CallLimits,
    CompiledModule,
    Engine,
    ExportInfo,
    GuestOutput,
    ImportInfo,
    Instance,
    Limits,
    Linking,
    MemoryLimits,
    Signature,
    Value,
    WasiSettings,
    running_engines,
)
from wasmcall.engines.capture import OutputCapture
from wasmcall.engines.traps import describe_trap, first_line, host_call_reason, limit_message
from wasmcall.engines.wasmtime_calls import FastCall
from wasmcall.engines.wasmtime_exports import ExportsByName
from wasmcall.errors import (
    CallInterruptedError,
    GuestExitError,
    LimitExceededError,
    LoadError,
    TrapError,
    UsageError,
)

TRAP_REASON = re.compile(r"wasm trap: (.+)")
TRAP_FRAME = re.compile(r"^\s*0:\s+0x[0-9a-f]+ - (?:[^!\n]*!)?(.+)$", re.MULTILINE)
UNLIMITED_FUEL = 2**63 - 1
VALTYPES = {
    "i32": wasmtime.ValType.i32,
    "i64": wasmtime.ValType.i64,
    "f32": wasmtime.ValType.f32,
    "f64": wasmtime.ValType.f64,
}


def signature_of(functype: wasmtime.FuncType) -> Signature:
    return Signature(
        tuple(str(param) for param in functype.params),
        tuple(str(result) for result in functype.results),
    )


def functype_of(signature: Signature) -> wasmtime.FuncType:
    return wasmtime.FuncType(
        [VALTYPES[param]() for param in signature.params],
        [VALTYPES[result]() for result in signature.results],
    )


def export_info(export: wasmtime.ExportType) -> ExportInfo:
    kind = export.type
    if isinstance(kind, wasmtime.FuncType):
        return ExportInfo(export.name, "func", signature=signature_of(kind))
    if isinstance(kind, wasmtime.MemoryType):
        limits = MemoryLimits(kind.limits.min, kind.limits.max)
        return ExportInfo(export.name, "memory", memory=limits)
    if isinstance(kind, wasmtime.GlobalType):
        return ExportInfo(export.name, "global")
    return ExportInfo(export.name, "table")


def import_info(item: wasmtime.ImportType) -> ImportInfo:
    kind = item.type
    if isinstance(kind, wasmtime.FuncType):
        return ImportInfo(item.module, item.name or "", "func", signature_of(kind))
    names = {wasmtime.MemoryType: "memory", wasmtime.GlobalType: "global"}
    return ImportInfo(item.module, item.name or "", names.get(type(kind), "table"))


def cache_enabled() -> bool:
    """wasmtime's own compilation cache (in the user's cache directory) unless
    ``WASMCALL_NO_CACHE`` is set: it turns a ~30 ms compile of a small module
    into ~1 ms on every later call of the same module."""
    return os.environ.get("WASMCALL_NO_CACHE", "") in ("", "0")


class WasmtimeEngine(Engine):
    """One wasmtime Engine with epoch interruption always on (deadlines and Ctrl-C) and fuel if asked.

    Epoch checks cost a little on tight loops, but they are what lets any
    call be stopped; fuel is on only for engines made for fuel limits, since
    a store of a fuel engine needs fuel before it runs anything.
    """

    def __init__(self, fuel: bool = False) -> None:
        config = wasmtime.Config()
        if cache_enabled():
            config.cache = True
        config.consume_fuel = fuel
        config.epoch_interruption = True
        self.runtime = wasmtime.Engine(config)
        self.fuel = fuel
        self.lock = threading.Lock()
        self.interrupted = False
        running_engines.add(self)

    def compile(self, source: Union[bytes, str], label: str) -> CompiledModule:
        try:
            module = wasmtime.Module(self.runtime, source)
        except wasmtime.WasmtimeError as error:
            raise LoadError(f"{label}: not a valid wasm module: {first_line(error)}") from None
        return WasmtimeModule(self, module)

    def interrupt(self) -> None:
        with self.lock:
            self.interrupted = True
            self.runtime.increment_epoch()

    def expire(self, deadline: Deadline) -> None:
        """A deadline's timer fired: stop the guest unless its call already ended."""
        with self.lock:
            if deadline.armed:
                deadline.expired = True
                self.runtime.increment_epoch()


@dataclass
class Deadline:
    """One call's wall-clock budget; disarmed under the engine's lock when the call ends,
    so a timer firing late can never interrupt the next call."""

    armed: bool = True
    expired: bool = False


class WasmtimeModule(CompiledModule):
    def __init__(self, engine: WasmtimeEngine, module: wasmtime.Module) -> None:
        self.engine = engine
        self.module = module
        self.exports = tuple(export_info(export) for export in module.exports)
        self.imports = tuple(import_info(item) for item in module.imports)

    def instantiate(self, linking: Linking, limits: Limits) -> Instance:
        return WasmtimeInstance(self, linking, limits)


class WasmtimeInstance(Instance):
    """One store and instance; each call (and start-up) runs under its own budget."""

    def __init__(self, module: WasmtimeModule, linking: Linking, limits: Limits) -> None:
        self.engine = module.engine
        self.limits = limits
        self.store = wasmtime.Store(module.engine.runtime)
        if limits.max_memory is not None:
            self.store.set_limits(memory_size=limits.max_memory)
        linker = wasmtime.Linker(module.engine.runtime)
        self.captured: Optional[OutputCapture] = None
        try:
            if linking.wasi is not None:
                self.captured = OutputCapture()
                linker.define_wasi()
                self.store.set_wasi(wasi_config(linking.wasi, self.captured))
                self.captured.start()
            for function in linking.functions:
                linker.define_func(
                    function.module, function.name, functype_of(function.signature),
                    self.host_callback(function),
                )
            with self.budget(limits.per_call):
                self.instance = self.guarded(lambda: linker.instantiate(self.store, module.module), "start")
        except BaseException:
            self.close()
            raise
        exports = ExportsByName(self.instance, self.store)  # not .exports(): quadratic in wasmtime-py
        self.exports = exports
        self.functions = module.functions
        self.callers: dict[str, FastCall] = {}
        self.memory = next(
            (exports[e.name] for e in module.exports if e.kind == "memory"), None
        )

    @contextmanager
    def budget(self, limits: CallLimits) -> Iterator[None]:
        """Fuel and an epoch deadline for one call; the timer is disarmed before the block ends."""
        if limits.fuel is not None and not self.engine.fuel:
            raise UsageError("a fuel limit needs a session opened with a fuel limit (fuel metering is off)")
        if self.engine.fuel:
            self.store.set_fuel(limits.fuel if limits.fuel is not None else UNLIMITED_FUEL)
        self.limits = Limits(limits.timeout, limits.fuel, self.limits.max_memory)
        with self.engine.lock:
            self.engine.interrupted = False
        self.store.set_epoch_deadline(1)
        deadline = Deadline()
        timer = None
        if limits.timeout is not None:
            timer = threading.Timer(limits.timeout, self.engine.expire, (deadline,))
            timer.daemon = True
            timer.start()
        try:
            yield
        finally:
            with self.engine.lock:
                deadline.armed = False
            if timer is not None:
                timer.cancel()

    def call(self, name: str, args: Sequence[Value]) -> tuple[Value, ...]:
        func = self.callers.get(name)
        if func is None:  # wasmtime_calls: the function's type known, not re-read on every call
            info = self.functions.get(name)
            types = (info.signature.params, info.signature.results) if info and info.signature else None
            func = self.callers[name] = FastCall(self.exports[name], self.store, types)
        result = self.guarded(lambda: func(*args), name)
        if result is None:
            return ()
        return tuple(result) if isinstance(result, list) else (result,)

    def guarded(self, action, where: str):
        """Run a guest action, turning wasmtime's exceptions into wasmcall's."""
        try:
            return action()
        except wasmtime.ExitTrap as exit_trap:
            if exit_trap.code == 0 and where != "start":
                return None
            raise GuestExitError(
                f"guest exited with code {exit_trap.code} during {where!r}", exit_trap.code
            ) from None
        except wasmtime.Trap as trap:
            raise self.translate_trap(trap, where) from None
        except wasmtime.WasmtimeError as error:
            if where == "start" and self.limits.max_memory is not None and "exceeds memory limits" in str(error):
                raise LimitExceededError(
                    f"{limit_message('memory', self.limits)}: {first_line(error)}"
                ) from None
            if where == "start":
                raise LoadError(f"could not instantiate the module: {first_line(error)}") from None
            raise TrapError(f"{where}: {host_call_reason(error)}") from None

    def translate_trap(self, trap: wasmtime.Trap, where: str) -> Exception:
        code = trap.trap_code
        if code == wasmtime.TrapCode.OUT_OF_FUEL:
            return LimitExceededError(limit_message("fuel", self.limits))
        if code == wasmtime.TrapCode.INTERRUPT:
            if self.engine.interrupted:
                return CallInterruptedError("interrupted: the guest was stopped")
            return LimitExceededError(limit_message("timeout", self.limits))
        message = trap.message
        reason = TRAP_REASON.search(message)
        frame = TRAP_FRAME.search(message)
        function = re.sub(r"<wasm function (\d+)>", r"func[\1]", frame.group(1)) if frame else None
        return TrapError(describe_trap(reason.group(1) if reason else first_line(trap), function, where))

    def memory_size(self) -> int:
        return 0 if self.memory is None else self.memory.data_len(self.store)

    def _view(self, ptr: int, length: int) -> memoryview:
        assert self.memory is not None  # view() returned early for a memoryless module
        base = ctypes.addressof(self.memory.data_ptr(self.store).contents)
        return memoryview((ctypes.c_ubyte * length).from_address(base + ptr)).cast("B")

    def output(self) -> Optional[GuestOutput]:
        return None if self.captured is None else self.captured.read()

    def close(self) -> None:
        if self.captured is not None:
            self.captured.remove()


def wasi_config(settings: WasiSettings, captured: OutputCapture) -> wasmtime.WasiConfig:
    """Grant exactly what the user asked for; WasiConfig starts with nothing."""
    config = wasmtime.WasiConfig()
    config.argv = list(settings.args)
    config.env = [list(pair) for pair in settings.env]
    for grant in settings.dirs:
        config.preopen_dir(grant.host, grant.guest, fs_mutable=grant.writable)
    config.stdout_file = captured.stdout
    config.stderr_file = captured.stderr
    return config
