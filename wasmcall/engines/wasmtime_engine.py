"""The wasmtime engine: the default, because it can meter fuel, stop a guest at a
deadline and cap its memory, and has wheels for every current Python."""

from __future__ import annotations

import ctypes
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Optional, Union

import wasmtime
from msgspec import Struct

from wasmcall.declarations import Declarations, buffer_memory_problem, declarations_of
from wasmcall.engines import warn
from wasmcall.engines.adapters import ADAPTER_HOST, ADAPTER_MODULE, adapter_name, adapter_wat, split_functions
from wasmcall.engines.base import (
    CallLimits,
    CompiledModule,
    Engine,
    GuestOutput,
    Instance,
    Limits,
    Linking,
    Signature,
    Value,
    WasiSettings,
    running_engines,
)
from wasmcall.engines.capture import OutputCapture
from wasmcall.engines.memory_cap import (
    WASI_MEMORY_EXPORT,
    export_memory_zero,
    memory_creation_error,
    needs_memory_export,
)
from wasmcall.engines.traps import describe_trap, first_line, host_call_reason, limit_message, wasmtime_frames
from wasmcall.engines.wasmtime_exports import ExportsByName
from wasmcall.engines.wasmtime_values import call_exactly
from wasmcall.errors import (
    CallInterruptedError,
    GuestError,
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


def functype_of(signature: Signature) -> wasmtime.FuncType:
    """Only for numeric signatures: the others go through an adapter (engines/adapters.py)."""
    return wasmtime.FuncType(
        [VALTYPES[param]() for param in signature.params],
        [VALTYPES[result]() for result in signature.results],
    )


def cache_enabled() -> bool:
    """wasmtime's own compilation cache (in the user's cache directory) unless
    ``WASMCALL_NO_CACHE`` is set: it turns a ~30 ms compile of a small module
    into ~1 ms on every later call of the same module."""
    return os.environ.get("WASMCALL_NO_CACHE", "") in ("", "0")


def use_cache(config: wasmtime.Config) -> None:
    """Turn on wasmtime's cache; if its directory cannot be created or its config file is broken,
    compile without it (slower, never wrong) and say so once, through engines.warn."""
    try:
        config.cache = True
    except wasmtime.WasmtimeError as error:
        warn(f"compiling without wasmtime's cache: {first_line(error)}")


class WasmtimeEngine(Engine):
    """One wasmtime Engine with epoch interruption always on (deadlines and Ctrl-C) and fuel if asked.

    Epoch checks cost a little on tight loops, but they are what lets any
    call be stopped; fuel is on only for engines made for fuel limits, since
    a store of a fuel engine needs fuel before it runs anything.
    """

    def __init__(self, fuel: bool = False) -> None:
        config = wasmtime.Config()
        if cache_enabled():
            use_cache(config)
        config.consume_fuel = fuel
        config.epoch_interruption = True
        self.runtime = wasmtime.Engine(config)
        self.fuel = fuel
        self.lock = threading.Lock()
        self.interrupted = False
        running_engines.add(self)

    def compile(self, source: Union[bytes, str], label: str) -> CompiledModule:
        try:
            wasm = bytes(wasmtime.wat2wasm(source)) if isinstance(source, str) else source
            module = wasmtime.Module(self.runtime, wasm)  # invalid modules fail here, worded by wasmtime
        except wasmtime.WasmtimeError as error:
            raise LoadError(f"{label}: not a valid wasm module: {first_line(error)}") from None
        declared = declarations_of(wasm, label)
        if needs_memory_export(declared):  # WASI finds memory through an export named "memory"
            module = wasmtime.Module(self.runtime, export_memory_zero(wasm, WASI_MEMORY_EXPORT))
        return WasmtimeModule(self, module, declared)

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


class Deadline(Struct):
    """One call's wall-clock budget; disarmed under the engine's lock when the call ends,
    so a timer firing late can never interrupt the next call."""

    armed: bool = True
    expired: bool = False


class WasmtimeModule(CompiledModule):
    """Imports and exports come from the binary (declarations.py): wasmtime-py aborts on a v128 type."""

    def __init__(self, engine: WasmtimeEngine, module: wasmtime.Module, declared: Declarations) -> None:
        self.engine = engine
        self.module = module
        self.declared = declared
        self.exports = tuple(declared.exports)
        self.imports = tuple(declared.imports)

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
            imported_memory = self.define_memories(linker, linking, limits)
            self.define_functions(linker, module, linking)
            with self.budget(limits.per_call):
                self.instance = self.guarded(lambda: linker.instantiate(self.store, module.module), "start")
        except BaseException:
            self.close()
            raise
        exports = ExportsByName(self.instance, self.store)  # not .exports(): quadratic in wasmtime-py
        self.exports = exports
        self.memory_problem = buffer_memory_problem(module.declared)
        zero = module.declared.memory_zero_export
        self.memory = imported_memory
        if self.memory is None and zero is not None and self.memory_problem is None:
            self.memory = exports[zero]
        self.global_types = dict(module.declared.globals)
        self.functions = module.functions

    def define_memories(
        self, linker: wasmtime.Linker, linking: Linking, limits: Limits
    ) -> Optional[wasmtime.Memory]:
        """Create the imported memories from their declared limits (the store limit caps them); memory 0 first."""
        created = []
        for item in linking.memories:
            assert item.memory is not None
            memory_type = wasmtime.MemoryType(wasmtime.Limits(item.memory.minimum, item.memory.maximum))
            try:
                memory = wasmtime.Memory(self.store, memory_type)
            except wasmtime.WasmtimeError as error:
                raise memory_creation_error(item, limits, first_line(error)) from None
            linker.define(self.store, item.module, item.name, memory)
            created.append(memory)
        return created[0] if created else None

    def define_functions(self, linker: wasmtime.Linker, module: WasmtimeModule, linking: Linking) -> None:
        """Numeric host functions directly, the others through an adapter module; any left trap when called."""
        direct, adapted, unlinked = split_functions(linking.functions)
        for function in direct:
            linker.define_func(
                function.module, function.name, functype_of(function.signature), self.host_callback(function)
            )
        if adapted:
            callbacks = [self.host_callback(function) for function in adapted]
            adapter_linker = wasmtime.Linker(self.engine.runtime)
            adapter_linker.define_func(
                ADAPTER_MODULE, ADAPTER_HOST, functype_of(Signature(("i32",), ())),
                lambda index: callbacks[index](),
            )
            adapter_module = wasmtime.Module(self.engine.runtime, adapter_wat(adapted))
            adapter = ExportsByName(adapter_linker.instantiate(self.store, adapter_module), self.store)
            for index, function in enumerate(adapted):
                linker.define(self.store, function.module, function.name, adapter[adapter_name(index)])
        if unlinked:
            linker.define_unknown_imports_as_traps(module.module)

    def has_function(self, name: str) -> bool:
        try:
            return isinstance(self.exports[name], wasmtime.Func)
        except KeyError:
            return False

    def grow_memory(self, pages: int) -> bool:
        if self.memory is None:
            return False
        try:
            self.memory.grow(self.store, pages)
        except wasmtime.WasmtimeError:
            return False
        return True

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
        func = self.exports[name]
        info = self.functions.get(name)
        known = (info.signature.params, info.signature.results) if info and info.signature else None
        result = self.guarded(lambda: call_exactly(self.store, func, args, known), name)
        if result is None:
            return ()
        return tuple(result) if isinstance(result, list) else (result,)

    def guarded(self, action, where: str):
        """Run a guest action, turning wasmtime's exceptions into wasmcall's."""
        try:
            return action()
        except wasmtime.ExitTrap as exit_trap:
            if exit_trap.code == 0 and where != "start":
                self.exit_status = 0
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
            return with_frames(LimitExceededError(limit_message("fuel", self.limits)), trap)
        if code == wasmtime.TrapCode.INTERRUPT:
            if self.engine.interrupted:
                return CallInterruptedError("interrupted: the guest was stopped")
            return with_frames(LimitExceededError(limit_message("timeout", self.limits)), trap)
        message = trap.message
        reason = TRAP_REASON.search(message)
        frame = TRAP_FRAME.search(message)
        function = re.sub(r"<wasm function (\d+)>", r"func[\1]", frame.group(1)) if frame else None
        error = TrapError(describe_trap(reason.group(1) if reason else first_line(trap), function, where))
        return with_frames(error, trap)

    def _memory_size(self) -> int:
        return 0 if self.memory is None else self.memory.data_len(self.store)

    def _view(self, ptr: int, length: int) -> memoryview:
        assert self.memory is not None  # view() returned early for a memoryless module
        base = ctypes.addressof(self.memory.data_ptr(self.store).contents)
        return memoryview((ctypes.c_ubyte * length).from_address(base + ptr)).cast("B")

    def output(self) -> Optional[GuestOutput]:
        return None if self.captured is None else self.captured.read()

    def read_global(self, name: str) -> tuple[bool, object]:
        item = self.exports[name]
        return item.type(self.store).mutable, item.value(self.store)

    def close(self) -> None:
        if self.captured is not None:
            self.captured.remove()


def with_frames(error: GuestError, trap: wasmtime.Trap) -> GuestError:
    """Attach the trap's wasm backtrace (where a trap, a deadline or fuel stopped the guest)."""
    raw = [(frame.func_index, frame.module_offset) for frame in trap.frames]
    error.frames, error.frame_count = wasmtime_frames(trap.message, raw)
    return error


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
