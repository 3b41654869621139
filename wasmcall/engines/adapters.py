"""Link host functions whose signatures hold types Python cannot carry.

wasmtime-py cannot even build a function type with a ``v128`` (it aborts the
process), and wasmer 1.1 panics converting a reference to Python. Yet
toolchains import such functions (wasm-bindgen's externref glue, SIMD
helpers), and the import must be filled for the module to load at all. So
such an import is filled by an export of a tiny adapter module with exactly
the import's type: it calls the host with only its own number (no value of
an awkward type ever crosses into Python), then returns zeros and nulls.
The host side (a glue stub that traps with an explanation, a no-op) never
needs the arguments.
"""

from __future__ import annotations

from collections.abc import Sequence

from wasmcall.engines.base import NUMERIC_TYPES, HostFunction, Signature

ADAPTER_MODULE = "wasmcall"
ADAPTER_HOST = "host"
DEFAULT_VALUES = {
    "i32": "(i32.const 0)", "i64": "(i64.const 0)", "f32": "(f32.const 0)", "f64": "(f64.const 0)",
    "v128": "(v128.const i64x2 0 0)",
    **{f"{heap}ref": f"(ref.null {heap})" for heap in ("func", "extern", "exn", "any", "eq", "i31", "struct")},
    "arrayref": "(ref.null array)",
}


def needs_adapter(signature: Signature) -> bool:
    """Whether ``signature`` has a type the engines' Python bindings cannot pass."""
    return any(t not in NUMERIC_TYPES for t in (*signature.params, *signature.results))


def adaptable(signature: Signature) -> bool:
    """Whether an adapter can be written for ``signature`` (a default value exists for every result)."""
    return all(t in DEFAULT_VALUES for t in (*signature.params, *signature.results))


def adapter_name(index: int) -> str:
    return f"adapter{index}"


def adapter_wat(functions: Sequence[HostFunction]) -> str:
    """A module exporting ``adapter<i>`` with function i's type; each calls ``wasmcall.host(i)``."""
    lines = [f'(module (import "{ADAPTER_MODULE}" "{ADAPTER_HOST}" (func $host (param i32)))']
    for index, function in enumerate(functions):
        params = " ".join(function.signature.params)
        results = " ".join(function.signature.results)
        defaults = " ".join(DEFAULT_VALUES[t] for t in function.signature.results)
        lines.append(
            f'  (func (export "{adapter_name(index)}") (param {params}) (result {results})'
            f" (call $host (i32.const {index})) {defaults})"
        )
    lines.append(")")
    return "\n".join(lines)


def split_functions(
    functions: Sequence[HostFunction],
) -> tuple[list[HostFunction], list[HostFunction], list[HostFunction]]:
    """(linked directly, linked through the adapter, left unlinked: no adapter can express them)."""
    direct, adapted, unlinked = [], [], []
    for function in functions:
        if not needs_adapter(function.signature):
            direct.append(function)
        elif adaptable(function.signature):
            adapted.append(function)
        else:
            unlinked.append(function)
    return direct, adapted, unlinked
