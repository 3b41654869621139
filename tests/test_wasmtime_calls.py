"""FastCall (wasmcall/engines/wasmtime_calls.py) must behave exactly like wasmtime-py's ``Func.__call__``.

Each case calls the same export both ways on one real instance and compares
results, or the exception's type and message.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

wasmtime = pytest.importorskip("wasmtime")

from wasmcall.engines.wasmtime_calls import FastCall  # noqa: E402

GUEST = """(module
  (func (export "i32") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "i64") (param i64) (result i64) local.get 0 i64.const 1 i64.sub)
  (func (export "f32") (param f32) (result f32) local.get 0 f32.neg)
  (func (export "f64") (param f64 f64) (result f64) local.get 0 local.get 1 f64.div)
  (func (export "pair") (param i32) (result i32 i64) local.get 0 local.get 0 i64.extend_i32_s)
  (func (export "none"))
  (func (export "trap") (param i32) (result i32) unreachable)
  (func (export "ref") (param externref) (result externref) local.get 0))"""


@pytest.fixture(scope="module")
def instance() -> tuple[Any, Any]:
    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, GUEST)
    return store, wasmtime.Instance(store, module, []).exports(store)


def fast(instance: tuple[Any, Any], name: str) -> FastCall:
    """A FastCall given the export's type names, as wasmtime_engine gives them (from the compiled module)."""
    store, exports = instance
    signature = exports[name].type(store)
    names = ([str(t) for t in signature.params], [str(t) for t in signature.results])
    return FastCall(exports[name], store, names)


def both(instance: tuple[Any, Any], name: str, *args: Any) -> tuple[Any, Any]:
    """(public outcome, fast outcome): a value, or (exception type, message)."""
    store, exports = instance
    outcomes = []
    for call in (lambda: exports[name](store, *args), lambda: fast(instance, name)(*args)):
        try:
            outcomes.append(call())
        except Exception as error:  # compared below: same type, same message
            outcomes.append((type(error), str(error).splitlines()[0]))
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("i32", (2, 40)), ("i32", (2**31 - 1, 1)), ("i32", (-5, 3)), ("i64", (-(2**63),)), ("f32", (1.5,)),
        ("f64", (1.0, 0.0)), ("pair", (-7,)), ("none", ()), ("trap", (1,)),
        ("i32", (1,)), ("i32", (1, 2, 3)), ("i32", (1.0, 2)), ("f32", (1,)), ("ref", (None,)),
    ],
    ids=[
        "i32", "i32-wraps", "negative", "i64-min", "f32", "f64-inf", "two-results", "no-results", "trap",
        "too-few", "too-many", "float-for-i32", "int-for-f32", "externref",
    ],
)
def test_fast_call_matches_the_public_call(instance: tuple[Any, Any], name: str, args: tuple[Any, ...]) -> None:
    public, fast = both(instance, name, *args)
    assert fast == public


def test_only_numeric_signatures_take_the_fast_path(instance: tuple[Any, Any]) -> None:
    assert fast(instance, "pair").kinds == (0,)
    assert fast(instance, "ref").kinds is None


@given(st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False, width=32))
def test_fast_call_matches_on_any_value(instance: tuple[Any, Any], number: int, real: float) -> None:
    public, fast = both(instance, "i64", number)
    assert fast == public
    public, fast = both(instance, "f32", real)
    assert fast == public or (math.isnan(fast) and math.isnan(public))
