"""Decide what the host links into each of a module's imports.

Toolchains expect a few imports from their host: WASI preview 1, the
AssemblyScript ``env`` trio, wasm-bindgen's JS glue, Emscripten's ``env``
helpers (emscripten.py) and an imported memory. wasmcall provides those (glue
as stubs that explain themselves when called); anything else is listed in one
LoadError, or linked to trapping stubs with ``--stub-imports``. Stubs whose
signature returns a reference or v128 are linked through an adapter that
returns null or zero (engines/adapters.py).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from typing import Optional

from msgspec import Struct, field

from wasmcall.engines.base import (
    CompiledModule,
    HostFunction,
    ImportInfo,
    Instance,
    Linking,
    Signature,
    Value,
    WasiSettings,
)
from wasmcall.engines.traps import count_list
from wasmcall.errors import GuestAbortError, LoadError, TrapError, WasmcallError

WASI_MODULES = ("wasi_snapshot_preview1", "wasi_unstable")
BINDGEN_MODULES = ("wbg", "__wbindgen_placeholder__")
AS_ABORT = Signature(("i32", "i32", "i32", "i32"), ())
AS_SEED = Signature((), ("f64",))
NO_VALUES = Signature((), ())


class ImportOptions(Struct, frozen=True):
    """The user's grants and choices for imports."""

    wasi: WasiSettings = field(default_factory=WasiSettings)
    stub_imports: bool = False


def is_wasi(item: ImportInfo) -> bool:
    return item.module in WASI_MODULES


def is_bindgen_glue(item: ImportInfo) -> bool:
    return item.module in BINDGEN_MODULES or (
        item.module.startswith("./") and item.module.endswith("_bg.js")
    )


def build_linking(compiled: CompiledModule, options: ImportOptions) -> Linking:
    """Provide every import, or raise LoadError listing all the ones nobody provides."""
    imports = [item for item in compiled.imports if not is_wasi(item)]
    memories = tuple(item for item in imports if is_creatable_memory(item))
    wanted = [item for item in imports if not is_creatable_memory(item)]
    functions, missing = provide_functions(wanted, options.stub_imports) if wanted else ((), [])
    if missing:
        listing = count_list([item.describe() for item in missing], "; ")
        raise LoadError(
            f"the module needs imports nobody provides: {listing} "
            "(--stub-imports links them to stubs that trap when called)"
        )
    wasi = options.wasi if any(is_wasi(item) for item in compiled.imports) else None
    return Linking(functions=functions, wasi=wasi, memories=memories)


def provide_functions(
    wanted: Sequence[ImportInfo], stub_imports: bool
) -> tuple[tuple[HostFunction, ...], list[ImportInfo]]:
    """A host function for each import that has one, and the imports that have none.

    Emscripten's helpers are loaded here, not with this module: most guests import nothing but WASI.
    """
    from wasmcall.emscripten import EmscriptenState, emscripten_helper

    emscripten = EmscriptenState()
    functions: list[HostFunction] = []
    missing: list[ImportInfo] = []
    for item in wanted:
        provided = emscripten_helper(item, emscripten) or provide(item, stub_imports)
        if provided is None:
            missing.append(item)
        else:
            functions.append(provided)
    return tuple(functions), missing


def is_creatable_memory(item: ImportInfo) -> bool:
    """An imported plain memory (Emscripten's ``env.memory``): the host creates it from the import's limits,
    as the JS glue does. Shared and 64-bit memory imports are left to the missing-import list."""
    return item.kind == "memory" and item.memory is not None and item.memory.unusable_for_buffers() is None


def provide(item: ImportInfo, stub_imports: bool) -> Optional[HostFunction]:
    signature = item.signature
    if item.kind != "func" or signature is None:
        return None
    if item.module == "env" and item.name == "abort" and signature == AS_ABORT:
        return HostFunction(item.module, item.name, signature, assemblyscript_abort)
    if item.module == "env" and item.name == "trace":
        return HostFunction(item.module, item.name, signature, ignore_call, describe=assemblyscript_trace)
    if item.module == "env" and item.name == "seed" and signature == AS_SEED:
        return HostFunction(item.module, item.name, signature, random_seed)
    if is_bindgen_glue(item) and item.name == "__wbindgen_throw":
        return HostFunction(item.module, item.name, signature, bindgen_throw)
    if is_bindgen_glue(item) and item.name == "__wbindgen_init_externref_table" and signature == NO_VALUES:
        return HostFunction(item.module, item.name, signature, ignore_call)
    if is_bindgen_glue(item):
        return HostFunction(item.module, item.name, signature, trap_stub(item, "a wasm-bindgen glue import"))
    if stub_imports:
        return HostFunction(item.module, item.name, signature, trap_stub(item, "a stubbed import"))
    return None


def read_as_string(instance: Instance, ptr: int) -> str:
    """Decode an AssemblyScript string (UTF-16LE, byte length at ptr - 4), if ptr is sane."""
    if ptr == 0:
        return ""
    (size,) = struct.unpack("<I", instance.read(ptr - 4, 4, "string header"))
    return instance.read(ptr, size, "string").decode("utf-16-le", errors="replace")


def assemblyscript_abort(
    instance: Instance, message: Value, file: Value, line: Value, column: Value
) -> Sequence[Value]:
    text = read_as_string(instance, int(message) & 0xFFFFFFFF)
    where = read_as_string(instance, int(file) & 0xFFFFFFFF)
    raise GuestAbortError(f"guest aborted: {text!r} at {where}:{line}:{column}")


def bindgen_throw(instance: Instance, ptr: Value, length: Value) -> Sequence[Value]:
    data = instance.read(int(ptr) & 0xFFFFFFFF, int(length) & 0xFFFFFFFF, "thrown message")
    raise GuestAbortError(f"guest threw: {data.decode('utf-8', errors='replace')!r}")


def ignore_call(instance: Instance, *args: Value) -> Sequence[Value]:
    """``env.trace`` is a debugging aid; its output is not part of any result (``--trace`` shows it)."""
    return ()


def assemblyscript_trace(instance: Instance, message: Value, count: Value = 0, *numbers: Value) -> str:
    """``trace(message, n, a0..a4)``: the message and its first ``n`` numbers, as AssemblyScript prints them."""
    try:
        text = read_as_string(instance, int(message) & 0xFFFFFFFF)
    except WasmcallError:
        text = f"<no readable string at {int(message) & 0xFFFFFFFF:#x}>"
    shown = [repr(number) for number in numbers[: max(0, int(count))]]
    return " ".join([text, *shown])


def random_seed(instance: Instance) -> Sequence[Value]:
    """AssemblyScript seeds ``Math.random`` from the host, as its JS loader does."""
    return (float(int.from_bytes(os.urandom(6), "little")),)


def trap_stub(item: ImportInfo, what: str):
    def stub(instance: Instance, *args: Value) -> Sequence[Value]:
        raise TrapError(
            f"guest called {what} that wasmcall does not provide: {item.module}.{item.name}"
        )

    return stub
