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

from wasmcall.engines.base import (
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
)
from wasmcall.engines.capture import OutputCapture
from wasmcall.engines.memory_cap import cap_memory
from wasmcall.engines.traps import describe_trap, first_line
from wasmcall.engines.wasmer_cache import compile_module
from wasmcall.errors import (
    EngineUnavailableError,
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

TYPE_NAMES = {1: "i32", 2: "i64", 3: "f32", 4: "f64", 5: "v128", 6: "externref", 7: "funcref"}
WASMER_TYPES = {
    "i32": wasmer.Type.I32,
    "i64": wasmer.Type.I64,
    "f32": wasmer.Type.F32,
    "f64": wasmer.Type.F64,
}
EXIT = re.compile(r"WASI exited with code: (\d+)")
FRAME = re.compile(r"^\s*at (\S+) \(<module>\[(\d+)\]", re.MULTILINE)


def signature_of(functype: Any) -> Signature:
    return Signature(
        tuple(TYPE_NAMES[int(param)] for param in functype.params),
        tuple(TYPE_NAMES[int(result)] for result in functype.results),
    )


def describe_type(name: str, kind: Any) -> tuple[str, Optional[Signature], Optional[MemoryLimits]]:
    if isinstance(kind, wasmer.FunctionType):
        return "func", signature_of(kind), None
    if isinstance(kind, wasmer.MemoryType):
        return "memory", None, MemoryLimits(kind.minimum, kind.maximum)
    if isinstance(kind, wasmer.GlobalType):
        return "global", None, None
    return "table", None, None


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
        except (RuntimeError, TypeError, ValueError, LoadError) as error:  # LoadError: from cap_memory
            raise LoadError(f"{label}: not a valid wasm module: {first_line(error)}") from None
        return WasmerModule(self, module)


class WasmerModule(CompiledModule):
    def __init__(self, engine: WasmerEngine, module: Any) -> None:
        self.engine = engine
        self.module = module
        self.exports = tuple(self.export_info(export) for export in module.exports)
        self.imports = tuple(self.import_info(item) for item in module.imports)

    @staticmethod
    def export_info(export: Any) -> ExportInfo:
        kind, signature, memory = describe_type(export.name, export.type)
        return ExportInfo(export.name, kind, signature=signature, memory=memory)

    @staticmethod
    def import_info(item: Any) -> ImportInfo:
        kind, signature, _ = describe_type(item.name, item.type)
        return ImportInfo(item.module, item.name, kind, signature)

    def instantiate(self, linking: Linking, limits: Limits) -> Instance:
        return WasmerInstance(self, linking, limits)


class WasmerInstance(Instance):
    def __init__(self, module: WasmerModule, linking: Linking, limits: Limits) -> None:
        self.limits = limits
        self.captured: Optional[OutputCapture] = None
        try:
            self.instance = self.link(module, linking)
        except BaseException:
            self.close()
            raise
        self.memory = next(
            (getattr(self.instance.exports, e.name) for e in module.exports if e.kind == "memory"),
            None,
        )

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
        for function in linking.functions:
            functype = wasmer.FunctionType(
                [WASMER_TYPES[p] for p in function.signature.params],
                [WASMER_TYPES[r] for r in function.signature.results],
            )
            namespaces.setdefault(function.module, {})[function.name] = wasmer.Function(
                module.engine.store, self.host_callback(function), functype
            )
        for namespace, functions in namespaces.items():
            imports.register(namespace, functions)
        return self.guarded(lambda: wasmer.Instance(module.module, imports), "start")

    def call(self, name: str, args: Sequence[Value]) -> tuple[Value, ...]:
        func = getattr(self.instance.exports, name)
        result = self.guarded(lambda: func(*args), name)
        if result is None:
            return ()
        return tuple(result) if isinstance(result, (tuple, list)) else (result,)

    @staticmethod
    def guarded(action, where: str):
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
                    return None
                raise GuestExitError(f"guest exited with code {code} during {where!r}", code) from None
            frame = FRAME.search(text)
            function = None
            if frame:
                function = frame.group(1) if frame.group(1) != "<unnamed>" else f"func[{frame.group(2)}]"
            message = first_line(error).removeprefix("RuntimeError: ")
            raise TrapError(describe_trap(message, function, where)) from None

    def memory_size(self) -> int:
        return 0 if self.memory is None else self.memory.data_size

    def _view(self, ptr: int, length: int) -> memoryview:
        assert self.memory is not None  # view() returned early for a memoryless module
        return memoryview(self.memory.buffer)[ptr:ptr + length]

    def output(self) -> Optional[GuestOutput]:
        return None if self.captured is None else self.captured.read()

    def close(self) -> None:
        if self.captured is not None:
            self.captured.restore_descriptors()
            self.captured.remove()


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
