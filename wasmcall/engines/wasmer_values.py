"""Call a wasmer export with f32 values that keep their exact bits.

wasmer 1.1's Python binding (PyO3) takes an f32 argument as a Python float and
narrows it with a Rust ``as f32`` cast, and widens an f32 result with ``as f64``;
on x86 and ARM both casts set the quiet bit of a signalling NaN, and the binding
offers no way to pass raw bits. So an export whose signature has an f32 is called
through a tiny adapter module: it imports the export and re-exports it with each
f32 turned into an i32 by ``f32.reinterpret_i32`` / ``i32.reinterpret_f32``,
which move bits without a cast. Integers and f64s cross PyO3 unchanged, so other
signatures are called directly. values.py says how wasmcall holds an f32.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wasmcall.engines.base import Signature, Value
from wasmcall.values import f32_bits, f32_from_bits


def needs_adapter(signature: Signature) -> bool:
    return "f32" in signature.params or "f32" in signature.results


def adapter_text(signature: Signature) -> str:
    """WAT for a module importing ``target.f`` and exporting it as ``f`` with f32s as i32 bits."""
    outer = {"f32": "i32"}
    params = " ".join(signature.params)
    results = " ".join(signature.results)
    body = [f"local.get {index}" + (" f32.reinterpret_i32" if kind == "f32" else "")
            for index, kind in enumerate(signature.params)]
    body.append("call $f")
    first_local = len(signature.params)
    body += [f"local.set {first_local + index}" for index in reversed(range(len(signature.results)))]
    body += [f"local.get {first_local + index}" + (" i32.reinterpret_f32" if kind == "f32" else "")
             for index, kind in enumerate(signature.results)]
    return (
        f'(module (import "target" "f" (func $f (param {params}) (result {results})))\n'
        f'  (func (export "f") (param {" ".join(outer.get(p, p) for p in signature.params)})'
        f' (result {" ".join(outer.get(r, r) for r in signature.results)})'
        f' (local {results})\n    {" ".join(body)}))'
    )


def adapt(wasmer: Any, store: Any, func: Any, signature: Signature) -> Any:
    """The adapter's export for ``func`` (compiled here: a few milliseconds, once per export)."""
    module = wasmer.Module(store, adapter_text(signature))
    imports = wasmer.ImportObject()
    imports.register("target", {"f": func})
    return wasmer.Instance(module, imports).exports.f


def adapted_args(signature: Signature, args: Sequence[Value]) -> list[Value]:
    return [
        to_signed32(f32_bits(value)) if kind == "f32" else value
        for kind, value in zip(signature.params, args, strict=False)  # extra args: wasmer's own message
    ] + list(args[len(signature.params):])


def adapted_results(signature: Signature, result: Any) -> Any:
    if result is None:
        return None
    values = list(result) if isinstance(result, (tuple, list)) else [result]
    converted = [
        f32_from_bits(value & 0xFFFF_FFFF) if kind == "f32" else value
        for kind, value in zip(signature.results, values, strict=True)
    ]
    return converted[0] if len(converted) == 1 else converted


def to_signed32(bits: int) -> int:
    return bits - (1 << 32) if bits >= 1 << 31 else bits
