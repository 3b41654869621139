"""The wasmer engine (wasmer 1.1 with the cranelift compiler).

wasmer's Python API has real wheels only up to Python 3.10 and offers no fuel,
deadline or memory limit; its traps are plain RuntimeErrors whose text can run
to megabytes, and it silently ignores extra call arguments. This module hides
those differences so the layers above see the same behaviour as on wasmtime.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Optional, Union

from wasmcall.declarations import Declarations, buffer_memory_problem, declarations_of
from wasmcall.engines.adapters import ADAPTER_HOST, ADAPTER_MODULE, adapter_name, adapter_wat, split_functions
from wasmcall.engines.base import (
    CompiledModule,
    Engine,
    GuestOutput,
    HostFunction,
    Instance,
    Limits,
    Linking,
    Signature,
    Value,
    WasiSettings,
)
from wasmcall.engines.capture import OutputCapture
from wasmcall.engines.memory_cap import (
    WASI_MEMORY_EXPORT,
    cap_memory,
    capped_limits,
    export_memory_zero,
    memory_creation_error,
    needs_memory_export,
)
from wasmcall.engines.traps import describe_trap, first_line, wasmer_frames
from wasmcall.engines.wasmer_cache import compile_module
from wasmcall.engines.wasmer_values import adapt, adapted_args, adapted_results, needs_adapter
from wasmcall.errors import (
    EngineUnavailableError,
    GuestError,
    GuestExitError,
    LoadError,
    TrapError,
    UsageError,
)

try:
    import wasmer
    import wasmer_compiler_cranelift
except ImportError as error:
    raise EngineUnavailableError(
        f"engine 'wasmer' is not available on this Python ({error}); wasmer publishes "
        "working wheels only for Python 3.10 and older: run wasmcall with Python 3.10 "
        "and `pip install wasmer wasmer-compiler-cranelift`, or use --engine wasmtime"
    ) from None

WASMER_TYPES = {
    "i32": wasmer.Type.I32,
    "i64": wasmer.Type.I64,
    "f32": wasmer.Type.F32,
    "f64": wasmer.Type.F64,
}
EXIT = re.compile(r"WASI exited with code: (\d+)")
FRAME = re.compile(r"^\s*at (\S+) \(<module>\[(\d+)\]", re.MULTILINE)


def functype_of(signature: Signature) -> Any:
    """Only for numeric signatures: the others go through an adapter (engines/adapters.py)."""
    return wasmer.FunctionType(
        [WASMER_TYPES[p] for p in signature.params], [WASMER_TYPES[r] for r in signature.results]
    )


class WasmerEngine(Engine):
    """wasmer with cranelift. It meters nothing itself: deadlines are enforced around it, by
    running it in a child process (wasmcall.isolation), and the memory cap by lowering the
    module's declared maximum before compiling (``prepare``, memory_cap.py)."""

    def __init__(self) -> None:
        self.store = wasmer.Store(wasmer.engine.Universal(wasmer_compiler_cranelift.Compiler))

    def prepare(self, source: Union[bytes, str], limits: Limits, label: str) -> Union[bytes, str]:
        if limits.max_memory is None:
            return source
        try:
            binary = wasmer.wat2wasm(source) if isinstance(source, str) else source
            return cap_memory(bytes(binary), limits.max_memory)
        except LoadError as error:
            raise LoadError(f"{label}: not a valid wasm module: {error.message}") from None
        except (RuntimeError, TypeError, ValueError) as error:
            raise LoadError(f"{label}: not a valid wasm module: {first_line(error)}") from None

    def compile(self, source: Union[bytes, str], label: str) -> CompiledModule:
        try:
            module = compile_module(self.store, source)  # wasmer_cache: on disk, keyed by the bytes
            wasm = bytes(wasmer.wat2wasm(source)) if isinstance(source, str) else source
            declared = declarations_of(wasm, label)
            if needs_memory_export(declared):
                module = compile_module(self.store, export_memory_zero(wasm, WASI_MEMORY_EXPORT))
        except (RuntimeError, TypeError, ValueError, LoadError) as error:  # LoadError: from cap_memory
            raise LoadError(f"{label}: not a valid wasm module: {first_line(error)}") from None
        return WasmerModule(self, module, declared)


class WasmerModule(CompiledModule):
    """Imports and exports come from the binary (declarations.py), as on wasmtime, so both engines agree."""

    def __init__(self, engine: WasmerEngine, module: Any, declared: Declarations) -> None:
        self.engine = engine
        self.module = module
        self.declared = declared
        self.exports = tuple(declared.exports)
        self.imports = tuple(declared.imports)

    def instantiate(self, linking: Linking, limits: Limits) -> Instance:
        return WasmerInstance(self, linking, limits)


class WasmerInstance(Instance):
    def __init__(self, module: WasmerModule, linking: Linking, limits: Limits) -> None:
        self.limits = limits
        self.captured: Optional[OutputCapture] = None
        self.store = module.engine.store
        try:
            imported_memory = self.create_memories(linking, limits)
            self.instance = self.link(module, linking)
        except BaseException:
            self.close()
            raise
        self.memory_problem = buffer_memory_problem(module.declared)
        zero = module.declared.memory_zero_export
        self.memory = imported_memory
        if self.memory is None and zero is not None and self.memory_problem is None:
            self.memory = getattr(self.instance.exports, zero)
        self.global_types = dict(module.declared.globals)
        self.signatures = {e.name: e.signature for e in module.exports if e.signature is not None}
        self.adapters: dict[str, Any] = {}  # export name -> its f32-as-bits adapter (wasmer_values.py)

    def create_memories(self, linking: Linking, limits: Limits) -> Any:
        """Create the imported memories, their maximum lowered to the memory limit (wasmer has no store
        limit); return memory 0."""
        self.memories: dict[tuple[str, str], Any] = {}
        for item in linking.memories:
            assert item.memory is not None
            capped = capped_limits(item, limits.max_memory)
            try:
                memory_type = wasmer.MemoryType(minimum=capped.minimum, maximum=capped.maximum, shared=False)
                self.memories[(item.module, item.name)] = wasmer.Memory(self.store, memory_type)
            except (RuntimeError, ValueError, OverflowError) as error:
                raise memory_creation_error(item, limits, first_line(error)) from None
        return next(iter(self.memories.values()), None)

    def link(self, module: WasmerModule, linking: Linking) -> Any:
        imports = wasmer.ImportObject()
        if linking.wasi is not None:
            if linking.wasi.dirs:
                raise UsageError(
                    "engine 'wasmer' cannot grant directories safely (its WASI lets a guest open "
                    "host paths outside the granted directory); use --engine wasmtime for --dir"
                )
            self.captured = OutputCapture()
            self.captured.redirect_descriptors()
            imports = wasi_imports(module, linking.wasi)
        namespaces: dict[str, dict[str, Any]] = {}
        for (namespace, name), memory in self.memories.items():
            namespaces.setdefault(namespace, {})[name] = memory
        direct, adapted, _ = split_functions(linking.functions)  # the rest stay unlinked: a link error
        for function in direct:
            namespaces.setdefault(function.module, {})[function.name] = wasmer.Function(
                self.store, self.host_callback(function), functype_of(function.signature)
            )
        self.adapter_instance = self.adapter(adapted)  # kept: wasmer crashes calling into a freed instance
        for index, function in enumerate(adapted):
            adapted_export = getattr(self.adapter_instance.exports, adapter_name(index))
            namespaces.setdefault(function.module, {})[function.name] = adapted_export
        for namespace, functions in namespaces.items():
            imports.register(namespace, functions)
        return self.guarded(lambda: wasmer.Instance(module.module, imports), "start")

    def adapter(self, adapted: Sequence[HostFunction]) -> Any:
        """The adapter instance for host functions with v128 or reference types (wasmer panics converting them)."""
        if not adapted:
            return None
        callbacks = [self.host_callback(function) for function in adapted]
        imports = wasmer.ImportObject()
        host = wasmer.Function(self.store, lambda index: callbacks[index](), functype_of(Signature(("i32",), ())))
        imports.register(ADAPTER_MODULE, {ADAPTER_HOST: host})
        return wasmer.Instance(wasmer.Module(self.store, adapter_wat(adapted)), imports)

    def has_function(self, name: str) -> bool:
        try:
            return isinstance(getattr(self.instance.exports, name), wasmer.Function)
        except LookupError:  # wasmer's exports raise this, not AttributeError
            return False

    def grow_memory(self, pages: int) -> bool:
        if self.memory is None:
            return False
        try:
            self.memory.grow(pages)
        except RuntimeError:
            return False
        return True

    def call(self, name: str, args: Sequence[Value]) -> tuple[Value, ...]:
        func = getattr(self.instance.exports, name)
        signature = self.signatures.get(name)
        if signature is not None and needs_adapter(signature):
            try:
                result = self.guarded(lambda: self.call_adapted(name, func, signature, args), name)
            except GuestError as error:
                drop_adapter_frame(error)
                raise
        else:
            result = self.guarded(lambda: func(*args), name)
        if result is None:
            return ()
        return tuple(result) if isinstance(result, (tuple, list)) else (result,)

    def call_adapted(self, name: str, func: Any, signature: Signature, args: Sequence[Value]) -> Any:
        """Call through an adapter so f32 values keep their bits (PyO3 casts would quieten sNaNs)."""
        if name not in self.adapters:
            self.adapters[name] = adapt(wasmer, self.store, func, signature)
        return adapted_results(signature, self.adapters[name](*adapted_args(signature, args)))

    def guarded(self, action, where: str):
        """Run a guest action, turning wasmer's RuntimeErrors into wasmcall's errors."""
        try:
            return action()
        except RuntimeError as error:
            text = str(error)
            if where == "start" and "Error while importing" in text:
                raise LoadError(f"could not link the module: {first_line(error)}") from None
            exit_code = EXIT.search(text)
            if exit_code:
                code = int(exit_code.group(1))
                if code == 0 and where != "start":
                    self.exit_status = 0
                    return None
                raise GuestExitError(f"guest exited with code {code} during {where!r}", code) from None
            frame = FRAME.search(text)
            function = None
            if frame:
                function = frame.group(1) if frame.group(1) != "<unnamed>" else f"func[{frame.group(2)}]"
            message = first_line(error).removeprefix("RuntimeError: ")
            trap = TrapError(describe_trap(message, function, where))
            trap.frames, trap.frame_count = wasmer_frames(text)
            raise trap from None

    def _memory_size(self) -> int:
        return 0 if self.memory is None else self.memory.data_size

    def _view(self, ptr: int, length: int) -> memoryview:
        assert self.memory is not None  # view() returned early for a memoryless module
        return memoryview(self.memory.buffer)[ptr:ptr + length]

    def output(self) -> Optional[GuestOutput]:
        return None if self.captured is None else self.captured.read()

    def read_global(self, name: str) -> tuple[bool, object]:
        item = getattr(self.instance.exports, name)
        return item.mutable, item.value

    def close(self) -> None:
        if self.captured is not None:
            self.captured.restore_descriptors()
            self.captured.remove()


def drop_adapter_frame(error: GuestError) -> None:
    """The adapter that carries f32 bits is the outermost frame of a trap's backtrace: not the guest's."""
    if error.frames and error.frame_count == len(error.frames):
        error.frames = error.frames[:-1]
        error.frame_count -= 1


def wasi_imports(module: WasmerModule, settings: WasiSettings) -> Any:
    """WASI imports granting only arguments and environment variables.

    Directory grants are refused before this (see ``link``): wasmer's WASI
    was seen letting a guest open absolute host paths outside a granted directory.
    """
    builder = wasmer.wasi.StateBuilder(settings.args[0] if settings.args else "guest")
    if len(settings.args) > 1:
        builder.arguments(list(settings.args[1:]))
    if settings.env:
        builder.environments(dict(settings.env))
    version = wasmer.wasi.get_version(module.module, strict=False)
    return builder.finalize().generate_import_object(module.engine.store, version)
