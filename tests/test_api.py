"""The library surface: ``wasmcall.call`` and ``wasmcall.inspect`` return frozen records, never print,
and fail with typed exceptions that carry the CLI's exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import msgspec.structs
import pytest

import wasmcall
from wasmcall.arguments import ArgKind, parse_argument
from wasmcall.engines.base import ExportInfo, Signature
from wasmcall.errors import (
    ArgumentValueError,
    ConventionError,
    EngineUnavailableError,
    ExitCode,
    LoadError,
    OutOfBoundsError,
    SignatureMismatchError,
    TrapError,
    UnknownExportError,
    UsageError,
    WasmcallError,
)

# The exports of guests/rust/memory.rs, with the wasm types of their Rust signatures
# (usize and pointers are i32 on wasm32; u8 widens to i32; the Pair struct is two i32s).
RUST_FUNCTIONS = {
    "alloc": Signature(("i32",), ("i32",)),
    "dealloc": Signature(("i32", "i32"), ()),
    "array_sum": Signature(("i32", "i32"), ("i32",)),
    "upper": Signature(("i32", "i32"), ("i32",)),
    "upper_pair": Signature(("i32", "i32"), ("i32", "i32")),
    "upper_packed": Signature(("i32", "i32"), ("i64",)),
    "upper_out": Signature(("i32", "i32", "i32"), ()),
    "hello_cstr": Signature(("i32", "i32"), ("i32",)),
    "add": Signature(("i32", "i32"), ("i32",)),
    "mul_i64": Signature(("i64", "i64"), ("i64",)),
    "scale": Signature(("f64", "f32"), ("f64",)),
    "negate_f32": Signature(("f32",), ("f32",)),
}


def args(*pairs: tuple[ArgKind, str]) -> list:
    return [parse_argument(kind, text) for kind, text in pairs]


def test_call_returns_a_frozen_record(rust_guest, engine, capfd):
    result = wasmcall.call(rust_guest, "upper_pair", args((ArgKind.STR, "abc")), engine=engine)
    ptr = result.values[0]
    assert result == wasmcall.CallResult(
        module=str(rust_guest), export="upper_pair", engine=engine, signature=RUST_FUNCTIONS["upper_pair"],
        convention="alloc", values=(ptr, 3), result=wasmcall.ResultBytes(ptr, b"ABC"),
        elapsed_ms=result.elapsed_ms,
    )
    assert result.result is not None and result.result.text == "ABC" and result.result.length == 3
    assert result.elapsed_ms >= 0
    with pytest.raises(AttributeError, match="immutable type: 'CallResult'"):
        result.values = ()  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable type: 'ResultBytes'"):
        result.result.data = b""  # type: ignore[misc]
    assert capfd.readouterr() == ("", "")  # the library never prints


@pytest.mark.parametrize(
    ("export", "arguments", "options", "values", "data"),
    [
        ("add", {"untyped": ["40", "2"]}, {}, (42,), None),
        ("mul_i64", {"untyped": ["-3", "3000000000"]}, {}, (-9000000000,), None),
        ("scale", {"arguments": args((ArgKind.F64, "1.5"), (ArgKind.F32, "-2"))}, {}, (-3.0,), None),
        ("array_sum", {"arguments": args((ArgKind.BYTES, "250,10"))}, {}, (4,), None),
        ("upper", {"arguments": args((ArgKind.STR, "abc"))},
         {"result": wasmcall.ResultSpec(wasmcall.ResultKind.PTR)}, None, b"ABC"),
        ("upper", {"arguments": args((ArgKind.STR, "abcdef"))},
         {"result": wasmcall.ResultSpec(wasmcall.ResultKind.PTR, 3)}, None, b"ABC"),
        ("upper", {"arguments": args((ArgKind.HEX, "6869"))},
         {"result": wasmcall.ResultSpec(wasmcall.ResultKind.PTR), "result_length_of": 0}, None, b"HI"),
        ("upper_packed", {"arguments": args((ArgKind.STR, "ab"))},
         {"result": wasmcall.ResultSpec(wasmcall.ResultKind.PACKED)}, None, b"AB"),
        ("upper_out", {"arguments": args((ArgKind.STR, "ab"))},
         {"result": wasmcall.ResultSpec(wasmcall.ResultKind.OUT)}, (), b"AB"),
        ("hello_cstr", {"arguments": args((ArgKind.B64, "Ym9i"))},
         {"result": wasmcall.ResultSpec(wasmcall.ResultKind.CSTR)}, None, b"Hello, bob!"),
        ("upper_pair", {"arguments": args((ArgKind.STR, "ab"))}, {"free_inputs": True}, None, b"AB"),
        ("upper_pair", {"arguments": args((ArgKind.STR, "ab"))}, {"keep_result": True}, None, b"AB"),
    ],
    ids=["untyped-i32", "untyped-i64", "floats", "bytes-wrap", "ptr-length-of-the-buffer", "ptr-length-n",
         "ptr-length-of-argument-0", "packed", "out", "cstr", "free-inputs", "keep-result"],
)
def test_call_table(rust_guest, engine, export, arguments, options, values, data):
    result = wasmcall.call(rust_guest, export, engine=engine, **arguments, **options)
    if values is not None:
        assert result.values == values
    if data is None:
        assert result.result is None
    else:
        assert result.result is not None and result.result.data == data


def test_calls_do_not_share_state(rust_guest, engine):
    """Each call gets a fresh instance: array_sum frees its input, and the allocator starts over."""
    first = wasmcall.call(rust_guest, "upper_pair", args((ArgKind.STR, "one")), engine=engine)
    second = wasmcall.call(rust_guest, "upper_pair", args((ArgKind.STR, "one")), engine=engine)
    assert first.result == second.result
    assert first.values == second.values


def test_inspect_returns_a_frozen_report(rust_guest, capfd):
    report = wasmcall.inspect(rust_guest)
    functions = {e.name: e.signature for e in report.exports if e.kind == "func"}
    assert functions == RUST_FUNCTIONS
    assert ExportInfo("memory", "memory", memory=report.memories[0]) in report.exports
    assert len(report.memories) == 1 and report.memories[0].maximum is None
    assert (report.module, report.engine, report.convention) == (str(rust_guest), "wasmtime", "alloc")
    assert report.evidence == ("alloc", "dealloc")
    assert (report.imports, report.wasi) == ((), False)
    with pytest.raises(AttributeError, match="immutable type: 'ModuleReport'"):
        report.convention = "none"  # type: ignore[misc]
    assert capfd.readouterr() == ("", "")


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a fresh interpreter, so that what it does to its process cannot leak into this one.

    It gets its own process group, so that on a hang the children it forked die with it.
    """
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"the program did not finish within {timeout} s (hung)")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_inspect_on_wasmer_matches_wasmtime(rust_guest, engine):
    """Run in a fresh process: inspecting on wasmer compiles in-process (see the next test)."""
    completed = run_python(f"""
        import wasmcall
        print(repr(wasmcall.inspect({str(rust_guest)!r}, engine={engine!r})))
    """)
    assert completed.returncode == 0, completed.stderr
    expected = msgspec.structs.replace(wasmcall.inspect(rust_guest), engine=engine)
    assert completed.stdout == repr(expected) + "\n"


def test_inspect_then_call_in_one_process(rust_guest, engine):
    """A program may inspect a module and then call it, on either engine."""
    completed = run_python(f"""
        import wasmcall
        report = wasmcall.inspect({str(rust_guest)!r}, engine={engine!r})
        result = wasmcall.call({str(rust_guest)!r}, "add", untyped=["2", "3"], engine={engine!r})
        print(report.convention, result.values)
    """, timeout=20)
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "alloc (5,)\n", "")


# ---------------------------------------------------------------- typed errors with exit codes

@pytest.mark.parametrize(
    ("name", "value"),
    [("OK", 0), ("EXPECTATION_FAILED", 1), ("USAGE", 2), ("GUEST_FAILED", 3), ("LOAD_FAILED", 4),
     ("INTERRUPTED", 130)],
    ids=["ok", "expect", "usage", "guest", "load", "interrupted"],
)
def test_exit_codes_are_the_documented_ones(name, value):
    assert int(ExitCode[name]) == value


TRAPS = '(module (memory (export "memory") 1) (func (export "boom") unreachable)' \
        ' (func (export "pair") (param i32 i32) (result i32 i32) local.get 0 local.get 1))'


@pytest.mark.parametrize(
    ("call", "error", "code", "kind", "message"),
    [
        (lambda g, t, e: wasmcall.call(g, "nope", engine=e), UnknownExportError, 2, "unknown-export", None),
        (lambda g, t, e: wasmcall.call(g, "add", untyped=["1"], engine=e), SignatureMismatchError, 2, "signature",
         "wrong number of values: export 'add' is (i32, i32) -> i32; given 1"),
        (lambda g, t, e: wasmcall.call(g, "add", untyped=["1", "x"], engine=e), ArgumentValueError, 2, "argument",
         "--i32 'x': not an integer"),
        (lambda g, t, e: wasmcall.call(g, "add", untyped=["1", "2"], engine=e, convention="malloc"),
         ConventionError, 2, "convention", "--convention malloc: the module does not export malloc"),
        (lambda g, t, e: wasmcall.call(g.parent / "missing.wasm", "add", engine=e), UsageError, 2, "usage",
         None),
        (lambda g, t, e: wasmcall.call(g, "add", untyped=["1", "2"], engine="bogus"), EngineUnavailableError,
         2, "engine-unavailable", "unknown engine 'bogus'; choose one of: wasmtime, wasmer"),
        (lambda g, t, e: wasmcall.call(t / "empty.wasm", "f", engine=e), LoadError, 4, "load", None),
        (lambda g, t, e: wasmcall.call(t / "traps.wat", "boom", engine=e), TrapError, 3, "trap",
         "guest trapped in wasm function 'func[0]' while running 'boom': unreachable instruction executed"),
        (lambda g, t, e: wasmcall.call(t / "traps.wat", "pair", untyped=["65536", "1"], engine=e),
         OutOfBoundsError, 3, "bounds", "result at 0x10000 with length 1 lies outside guest memory (65536 bytes)"),
        (lambda g, t, e: wasmcall.inspect(t / "empty.wasm"), LoadError, 4, "load", None),
    ],
    ids=["unknown-export", "signature", "argument", "convention", "missing-module", "unknown-engine", "load",
         "trap", "bounds", "inspect-load"],
)
def test_errors_are_typed_and_carry_exit_codes(
    rust_guest, tmp_path: Path, engine, capfd, call, error, code, kind, message
):
    (tmp_path / "empty.wasm").write_bytes(b"")
    (tmp_path / "traps.wat").write_text(TRAPS)
    with pytest.raises(WasmcallError) as caught:
        call(rust_guest, tmp_path, engine)
    assert type(caught.value) is error
    assert (int(caught.value.exit_code), caught.value.kind) == (code, kind)
    assert str(caught.value) == caught.value.message
    if message is not None:
        assert caught.value.message == message
    assert capfd.readouterr() == ("", "")
