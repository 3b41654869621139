"""The engine seam with every value type: signatures read from the binary, host functions of any
type linked through adapters, memory 0 chosen by index, Emscripten's env helpers.

Everything runs real modules on real engines; the declarations reader is checked against
what the engines themselves report, and against random corruption of the bundled guests.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from wasmcall.declarations import read_declarations
from wasmcall.engines import load_engine
from wasmcall.engines.base import HostFunction, Limits, Linking, Signature
from wasmcall.errors import LoadError

GUESTS = ROOT / "guests"
BUNDLED = sorted(p for p in GUESTS.rglob("*.wasm") if not {"node_modules", "components"} & set(p.parts))
FUZZ = settings(max_examples=int(os.environ.get("WASMCALL_FUZZ_EXAMPLES", "100")), derandomize=True, deadline=None)

NULL_RETURNING_IMPORTS = """(module
  (import "host" "make_ref" (func $make_ref (param i32) (result externref)))
  (import "host" "make_func" (func $make_func (result funcref)))
  (import "host" "make_vector" (func $make_vector (param v128) (result v128 i32)))
  (func (export "ref_is_null") (result i32) (call $make_ref (i32.const 7)) ref.is_null)
  (func (export "func_is_null") (result i32) call $make_func ref.is_null)
  (func (export "vector_lane") (result i32)
    (call $make_vector (v128.const i32x4 5 6 7 8)) drop i32x4.extract_lane 0))
"""


def engine_signatures(path: Path) -> dict[str, Signature]:
    """Function export signatures as wasmtime-py itself reports them (safe for numeric-only modules)."""
    import wasmtime

    module = wasmtime.Module.from_file(wasmtime.Engine(), str(path))
    return {
        e.name: Signature(tuple(str(p) for p in e.type.params), tuple(str(r) for r in e.type.results))
        for e in module.exports
        if isinstance(e.type, wasmtime.FuncType)
    }


@pytest.mark.parametrize("path", BUNDLED, ids=[str(p.relative_to(GUESTS)) for p in BUNDLED])
def test_declarations_agree_with_the_engine(path: Path) -> None:
    """For modules wasmtime-py can describe (no v128, externref spelled "anyref"), the binary says the same."""
    declared = read_declarations(path.read_bytes())
    ours = {e.name: e.signature for e in declared.exports if e.kind == "func"}
    theirs = engine_signatures(path)
    spelled = {name: Signature(*(tuple(t.replace("anyref", "externref") for t in side)
                                 for side in (s.params, s.results))) for name, s in theirs.items()}
    assert ours == spelled


@FUZZ
@given(st.sampled_from(BUNDLED), st.data())
def test_declarations_of_corrupted_modules_fail_cleanly(path: Path, data: st.DataObject) -> None:
    """Byte flips and truncations: either a reading or a LoadError, never IndexError or a hang."""
    wasm = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        wasm[data.draw(st.integers(0, len(wasm) - 1))] = data.draw(st.integers(0, 255))
    wasm = wasm[: data.draw(st.integers(8, len(wasm)))]
    with contextlib.suppress(LoadError):
        read_declarations(bytes(wasm))


def test_memory_zero_is_found_by_index_not_by_order() -> None:
    declared = read_declarations((GUESTS / "wat" / "two_memories.wasm").read_bytes())
    assert [e.name for e in declared.exports if e.kind == "memory"] == ["scratch", "memory"]
    assert declared.memory_zero_export == "memory"


def test_imported_memory_is_memory_zero() -> None:
    declared = read_declarations((GUESTS / "emscripten" / "imported_memory.wasm").read_bytes())
    memory_import = declared.memory_zero_import
    assert memory_import is not None
    assert (memory_import.module, memory_import.name) == ("env", "memory")
    assert declared.memory_zero_export is None


def test_stubs_returning_references_and_vectors_give_null_and_zero(engine: str) -> None:
    """Host functions of any type link on both engines; what they return is null (references) or zero."""
    from wasmcall.engines import compile_cached

    compiled = compile_cached(load_engine(engine), NULL_RETURNING_IMPORTS, "null-returning")
    calls: list[str] = []

    def recorder(name: str) -> Callable[..., tuple[()]]:
        def record(instance: object, *args: object) -> tuple[()]:
            calls.append(name)
            return ()

        return record

    functions = [
        HostFunction(item.module, item.name, item.signature, recorder(item.name))
        for item in compiled.imports if item.signature is not None
    ]
    instance = compiled.instantiate(Linking(functions=functions), Limits())
    try:
        assert instance.call("ref_is_null", []) == (1,)
        assert instance.call("func_is_null", []) == (1,)
        assert instance.call("vector_lane", []) == (0,)
    finally:
        instance.close()
    assert calls == ["make_ref", "make_func", "make_vector"]
