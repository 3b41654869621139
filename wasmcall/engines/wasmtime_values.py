"""Call a wasmtime export with numbers that keep their exact bits.

wasmtime-py turns an f32 into a ctypes ``c_float`` from a Python float and back
(``Val.f32``, ``Val._from_raw``). Each of those is a C cast between double and
float, and on x86 and ARM that cast sets the quiet bit of a signalling NaN:
``--f32 nan:0x200000`` reached the guest as ``nan:0x600000`` and a guest's
signalling NaN came back quiet. Here the ``wasmtime_val_t`` array is built by
hand with an f32 written as its 32-bit pattern through the union's ``i32`` field,
and read back the same way, so no cast ever touches it (values.py says how an
f32 is held as a Python float). An f64 is copied as a double, which keeps its bits.

Signatures with anything but numbers (references) go through wasmtime-py's own
call. This reaches into wasmtime-py's private ``_ffi`` and ``_func``
modules; ``wasmtime_func_call`` and ``enter_wasm`` have kept their shape since
wasmtime-py 0.3x.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import Any, Optional

import wasmtime
from wasmtime import _ffi as ffi
from wasmtime._func import enter_wasm

from wasmcall.engines.base import Value
from wasmcall.values import f32_bits, f32_from_bits

NUMBER_KINDS = {
    "i32": ffi.WASMTIME_I32.value,
    "i64": ffi.WASMTIME_I64.value,
    "f32": ffi.WASMTIME_F32.value,
    "f64": ffi.WASMTIME_F64.value,
}


def call_exactly(
    store: wasmtime.Store, func: wasmtime.Func, args: Sequence[Value],
    known: Optional[tuple[Sequence[str], Sequence[str]]] = None,
) -> Any:
    """Call ``func`` like ``func(store, *args)`` does, but with bit-exact floats.

    ``known`` is the export's (params, results) when the caller already has them: reading the
    type from wasmtime on every call costs ~20 us.
    """
    if known is None:
        functype = func.type(store)
        known = [str(valtype) for valtype in functype.params], [str(valtype) for valtype in functype.results]
    params, results = list(known[0]), list(known[1])
    if not all(name in NUMBER_KINDS for name in params + results):
        return func(store, *args)
    if len(args) != len(params):
        raise wasmtime.WasmtimeError(f"wrong number of parameters: given {len(args)}, expected {len(params)}")
    raw_params = (ffi.wasmtime_val_t * max(len(params), 1))()
    for index, (name, value) in enumerate(zip(params, args, strict=True)):
        write_value(raw_params[index], name, value)
    raw_results = (ffi.wasmtime_val_t * max(len(results), 1))()
    with enter_wasm(store) as trap:
        error = ffi.wasmtime_func_call(
            store._context(), ctypes.byref(func._func), raw_params, len(params),
            raw_results, len(results), trap,
        )
        if error:
            raise wasmtime.WasmtimeError._from_ptr(error)
    values = [read_value(raw_results[index]) for index in range(len(results))]
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def write_value(slot: Any, name: str, value: Value) -> None:
    slot.kind = NUMBER_KINDS[name]
    if name == "f32":
        slot.of.i32 = ctypes.c_int32(f32_bits(value)).value
    elif name == "f64":
        slot.of.f64 = value
    elif name == "i32":
        slot.of.i32 = value
    else:
        slot.of.i64 = value


def read_value(slot: Any) -> Value:
    kind = slot.kind
    if kind == NUMBER_KINDS["f32"]:
        return f32_from_bits(slot.of.i32 & 0xFFFF_FFFF)
    if kind == NUMBER_KINDS["f64"]:
        return float(slot.of.f64)
    return int(slot.of.i32 if kind == NUMBER_KINDS["i32"] else slot.of.i64)
