"""Calling a wasmtime function without wasmtime-py re-reading its type on every call.

``Func.__call__`` asks the C API for the function's type on each call, builds
a Python ValType for every parameter and result, and converts each argument
by comparing its type against freshly made ValTypes: about three quarters of
a short call's host-side time (issue 8 measured ~20 us per call of it). A
session calls the same few exports (alloc, the export, free) over and over,
so ``FastCall`` reads the type once and fills the raw value array itself.

Only numeric signatures (i32, i64, f32, f64: everything wasmcall passes) take
the fast path; any other signature, a wrong argument count or a Python value
of the wrong kind goes through ``Func.__call__``, which raises exactly what it
always raised. The call itself is wasmtime-py's own sequence: its
``enter_wasm`` context turns a trap into ``Trap`` (or re-raises a host
function's exception) and an error pointer into ``WasmtimeError``. Numeric
values hold no GC roots, so there is nothing to unroot afterwards.

This reaches into wasmtime-py's private ``_bindings`` and ``_func`` modules,
as ``wasmtime_exports`` does; if they ever change shape, ``FastCall`` falls
back to ``Func.__call__`` rather than break.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import Any, Optional

FIELDS = {0: "i32", 1: "i64", 2: "f32", 3: "f64"}  # wasmtime_valkind_t of each numeric type
KINDS = {name: kind for kind, name in FIELDS.items()}
PYTHON_TYPES = {0: int, 1: int, 2: float, 3: float}


class FastCall:
    """One exported function of one store, callable like ``func(store, *args)`` with fewer steps.

    ``signature`` is the export's (params, results) type names, known from the
    compiled module, so a fresh instance costs no C calls here (None: unknown,
    so the public path).
    """

    def __init__(self, func: Any, store: Any, signature: Optional[tuple[Sequence[str], Sequence[str]]]) -> None:
        self.func = func
        self.store = store
        self.kinds: Optional[tuple[int, ...]] = None
        self.result_kinds: tuple[int, ...] = ()
        params, results = signature or ((), ("unknown",))
        if all(name in KINDS for name in (*params, *results)):
            try:
                self.prepare(tuple(KINDS[name] for name in params), tuple(KINDS[name] for name in results))
            except (ImportError, AttributeError, TypeError):
                self.kinds = None  # an unfamiliar wasmtime-py: always the public path

    def prepare(self, params: tuple[int, ...], results: tuple[int, ...]) -> None:
        import wasmtime
        from wasmtime import _bindings, _func

        self.ffi = _bindings
        self.enter_wasm = _func.enter_wasm
        self.error_type = wasmtime.WasmtimeError
        self.params_type = _bindings.wasmtime_val_t * len(params)
        self.results_type = _bindings.wasmtime_val_t * len(results)
        self.result_kinds = results
        self.kinds = params

    def __call__(self, *args: Any) -> Any:
        kinds = self.kinds
        if kinds is None or not self.fits(args):
            return self.func(self.store, *args)
        params = self.params_type()
        for slot, kind, value in zip(params, kinds, args, strict=False):
            slot.kind = kind
            setattr(slot.of, FIELDS[kind], value)
        results = self.results_type()
        store = self.store
        with self.enter_wasm(store) as trap:
            error = self.ffi.wasmtime_func_call(
                store._context(), ctypes.byref(self.func._func), params, len(kinds),
                results, len(self.result_kinds), trap,
            )
            if error:
                raise self.error_type._from_ptr(error)
        values = [getattr(slot.of, FIELDS[kind]) for slot, kind in zip(results, self.result_kinds, strict=True)]
        if not values:
            return None
        return values[0] if len(values) == 1 else values

    def fits(self, args: Sequence[Any]) -> bool:
        """The arguments are as many as the params and of their Python kind (bool is not an int here)."""
        kinds = self.kinds or ()
        return len(args) == len(kinds) and all(
            type(value) is PYTHON_TYPES[kind] for value, kind in zip(args, kinds, strict=False)
        )
