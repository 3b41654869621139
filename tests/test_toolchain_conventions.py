"""Issue 9: the conventions of real toolchains, beyond the conformance table's stdout-only rows.

Hints for plain numbers that look like text (item 2), AssemblyScript classes
(item 4), results the guest will not let go of (item 5), wasm-bindgen 0.2.100+
numbered allocators (item 6) and buffers packed into one i64 param (item 7).
Every test checks exact stdout, stderr and exit code on both engines.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wasmcall.binary import write_u32
from wasmcall.conventions.asbindings import parse_given_types, split_types
from wasmcall.conventions.asclasses import TYPED_ARRAYS, class_ref
from wasmcall.conventions.facts import read_producers

GUESTS = Path(__file__).resolve().parent.parent / "guests"
TINYGO = GUESTS / "wat/tinygo.wasm"
AS_ARRAYS = GUESTS / "assemblyscript/arrays.wasm"
AS_PLAIN = GUESTS / "assemblyscript/arrays_plain.wasm"
AS_014 = GUESTS / "assemblyscript-0.14/arrays.wasm"
ZIG = GUESTS / "zig/freestanding.wasm"

# Text at fixed addresses, so every expected number below is worked out by hand:
# 2048 << 32 | 5 = 8796093022213; 5 << 32 | 2048 = 21474838528; 4096 << 32 | 7 = 17592186044423.
HINTS = """(module
  (memory (export "memory") 1)
  (data (i32.const 2048) "Hello, hints!\\00")
  (data (i32.const 4096) "ab\\e2\\80\\aecd")
  (func (export "cstr") (result i32) (i32.const 2048))
  (func (export "packed_high") (result i64) (i64.const 8796093022213))
  (func (export "packed_low") (result i64) (i64.const 21474838528))
  (func (export "bidi") (result i64) (i64.const 17592186044423))
  (func (export "zeros") (result i64) (i64.const 34359738373))
  (func (export "small") (result i32) (i32.const 42))
  (func (export "pair") (result i32 i32) (i32.const 2048) (i32.const 5)))
"""
HINT_CSTR = 'hint: 2048 looks like a pointer to the NUL-terminated "Hello, hints!"; add --ret cstr\n'


@pytest.mark.parametrize(
    ("argv", "stdout", "stderr"),
    [
        (("cstr",), "2048\n", HINT_CSTR),
        (("packed_high",), "8796093022213\n",
         'hint: 8796093022213 looks like ptr=0x800 len=5 → "Hello"; add --ret packed\n'),
        (("packed_low",), "21474838528\n",
         'hint: 21474838528 looks like ptr=0x800 len=5 → "Hello"; add --ret packed --packed-order ptr-low\n'),
        (("bidi",), "17592186044423\n",
         'hint: 17592186044423 looks like ptr=0x1000 len=7 → "ab\\u202ecd"; add --ret packed\n'),
        (("zeros",), "34359738373\n", ""),
        (("small",), "42\n", ""),
        (("cstr", "--ret", "value"), "2048\n", ""),
        (("packed_high", "--ret", "packed"), "Hello\n", ""),
        (("pair",), "Hello\n", ""),
    ],
    ids=["cstr", "packed", "packed-ptr-low", "escaped-for-the-terminal", "zeros-are-not-text", "small-number",
         "ret-value-asks-for-no-hint", "flag-given", "signature-says-so"],
)
def test_hints_name_the_flag_and_change_nothing_else(
    argv: tuple, stdout: str, stderr: str, engine: str, cli: Callable, wasm_file: Callable
) -> None:
    outcome = cli("call", wasm_file("hints", HINTS), *argv, "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, stdout, stderr)


def test_hints_are_a_json_list(engine: str, cli: Callable, wasm_file: Callable) -> None:
    outcome = cli("call", wasm_file("hints", HINTS), "packed_low", "--json", "--engine", engine)
    document = json.loads(outcome.stdout)
    assert (outcome.code, outcome.stderr) == (0, "")
    assert (document["values"], document["result"]) == ([21474838528], None)
    assert document["hints"] == [
        '21474838528 looks like ptr=0x800 len=5 → "Hello"; add --ret packed --packed-order ptr-low'
    ]
    assert "warnings" not in document


def producers_section(language: str) -> bytes:
    """A ``producers`` custom section naming one language."""

    def name(text: str) -> bytes:
        return write_u32(len(text.encode())) + text.encode()

    body = name("producers") + write_u32(1) + name("language") + write_u32(1) + name(language) + name("1.0")
    return b"\0" + write_u32(len(body)) + body


@pytest.mark.parametrize(
    ("language", "stderr"), [("Go", ""), ("C99", HINT_CSTR)], ids=["go-never-returns-c-strings", "c"]
)
def test_producers_sharpen_the_guess(
    language: str, stderr: str, engine: str, cli: Callable, wasm_file: Callable, tmp_path: Path
) -> None:
    module = tmp_path / f"{language}.wasm"
    module.write_bytes(wasm_file("hints", HINTS).read_bytes() + producers_section(language))
    outcome = cli("call", module, "cstr", "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "2048\n", stderr)


def test_a_real_guest_hint(engine: str, cli: Callable) -> None:
    outcome = cli("call", ZIG, "greet", "--str", "Zig", "--engine", engine)
    assert (outcome.code, outcome.stdout) == (0, "1179648\n")
    assert outcome.stderr == (
        'hint: 1179648 looks like a pointer to the NUL-terminated "Hello, Zig!"; add --ret cstr\n'
    )


TINYGO_WARNING = (
    "the result was shown but could not be freed (guest trapped in wasm function 'func[6]' while running "
    "'free': unreachable instruction executed); the guest probably owns it (a garbage-collected heap, for "
    "instance): pass --keep-result to leave it alone"
)


@pytest.mark.parametrize(
    ("argv", "stdout"),
    [(("greet", "--str", "TinyGo", "--ret", "out"), "Hello, TinyGo!\n"),
     (("upper", "--str", "tinygo", "--ret", "packed"), "TINYGO\n")],
    ids=["out-pointer", "packed"],
)
def test_a_result_the_guest_will_not_free_is_shown_with_a_warning(
    argv: tuple, stdout: str, engine: str, cli: Callable
) -> None:
    outcome = cli("call", TINYGO, *argv, "--guest-stdout", "stderr", "--engine", engine)
    assert (outcome.code, outcome.stdout) == (0, stdout)
    assert outcome.stderr == (
        f"[guest stdout] panic: free: invalid pointer\nwasmcall: warning: {TINYGO_WARNING}\n"
    )
    kept = cli("call", TINYGO, *argv, "--keep-result", "--engine", engine)
    assert (kept.code, kept.stdout, kept.stderr) == (0, stdout, "")


def test_warnings_are_a_json_list(engine: str, cli: Callable) -> None:
    outcome = cli("call", TINYGO, "upper", "--str", "go", "--ret", "packed", "--json", "--engine", engine)
    document = json.loads(outcome.stdout)
    assert (outcome.code, outcome.stderr) == (0, "")
    assert document["result"]["text"] == "GO"
    assert document["warnings"] == [TINYGO_WARNING]
    assert document["stdout"] == "panic: free: invalid pointer\n"


# wasm-bindgen 0.2.100+: numbered allocators, found by shape. free traps on a 3-byte
# buffer, so a warning naming it proves the host freed the result with it.
BINDGEN_NUMBERED = """(module
  (memory (export "memory") 1)
  (global $sp (mut i32) (i32.const 1024))
  (global $top (mut i32) (i32.const 4096))
  (func (export "__wbindgen_export_0") (param $size i32) (param $align i32) (result i32)
    (global.get $top)
    (global.set $top (i32.add (global.get $top) (local.get $size))))
  (func (export "__wbindgen_export_1") (param i32 i32 i32 i32) (result i32) unreachable)
  (func (export "__wbindgen_export_3") (param $ptr i32) (param $len i32) (param $align i32)
    (if (i32.eq (local.get $len) (i32.const 3)) (then unreachable)))
  (func (export "__wbindgen_add_to_stack_pointer") (param $delta i32) (result i32)
    (global.set $sp (i32.add (global.get $sp) (local.get $delta)))
    (global.get $sp))
  (func (export "echo") (param $p i32) (param $n i32) (result i32 i32) (local.get $p) (local.get $n))
  (func (export "echo_retptr") (param $ret i32) (param $p i32) (param $n i32)
    (i32.store (local.get $ret) (local.get $p))
    (i32.store offset=4 (local.get $ret) (local.get $n))))
"""


@pytest.mark.parametrize(
    ("argv", "stdout", "stderr"),
    [
        (("echo", "--str", "multi-value"), "multi-value\n", ""),
        (("echo_retptr", "--str", "retptr"), "retptr\n", ""),
        (("echo", "--str", "bad"), "bad\n",
         "wasmcall: warning: the result was shown but could not be freed (guest trapped in wasm function "
         "'func[2]' while running '__wbindgen_export_3': unreachable instruction executed); the guest probably "
         "owns it (a garbage-collected heap, for instance): pass --keep-result to leave it alone\n"),
    ],
    ids=["multi-value", "retptr", "freed-with-the-numbered-free"],
)
def test_numbered_wasm_bindgen_allocators(
    argv: tuple, stdout: str, stderr: str, engine: str, cli: Callable, wasm_file: Callable
) -> None:
    outcome = cli("call", wasm_file("bindgen-numbered", BINDGEN_NUMBERED), *argv, "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, stdout, stderr)


def test_numbered_wasm_bindgen_allocators_are_detected(engine: str, cli: Callable, wasm_file: Callable) -> None:
    outcome = cli("inspect", wasm_file("bindgen-numbered", BINDGEN_NUMBERED), "--engine", engine)
    assert outcome.code == 0
    assert "convention: wasm-bindgen (__wbindgen_export_0, __wbindgen_export_3)\n" in outcome.stdout


# A buffer facing one i64 param: alloc always returns 1024, echo returns its param.
# 1024 << 32 | 5 = 4398046511109; 5 << 32 | 1024 = 21474837504; 1024 << 32 | 2 = 4398046511106.
PACKED_ECHO = """(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "echo") (param i64) (result i64) (local.get 0))
  (func (export "second") (param i32 i64) (result i64) (local.get 1))
  (func (export "two") (param i64 i32) (result i64) (local.get 0)))
"""


@pytest.mark.parametrize(
    ("argv", "code", "stdout", "stderr"),
    [
        (("echo", "--str", "hello"), 0, "4398046511109\n", ""),
        (("echo", "--str", "hello", "--packed-order", "ptr-low"), 0, "21474837504\n", ""),
        (("second", "--i32", "7", "--hex", "abcd"), 0, "4398046511106\n", ""),
        (("two", "--str", "a", "--str", "b"), 2, "",
         "wasmcall: error: param 0 is i64, but --str gives i32: export 'two' is (i64, i32) -> i64; "
         "given --str 'a' --str 'b'\n"),
    ],
    ids=["ptr-high", "ptr-low", "after-a-number", "mixed-params-refused"],
)
def test_a_buffer_facing_an_i64_is_packed(
    argv: tuple, code: int, stdout: str, stderr: str, engine: str, cli: Callable, wasm_file: Callable
) -> None:
    module = wasm_file("packed-echo", PACKED_ECHO)
    outcome = cli("call", module, *argv, "--ret", "value", "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (code, stdout, stderr)


AS_014_WARNING = (
    "wasmcall: warning: param 0 was passed as an ArrayBuffer, but the module also has typed-array or array "
    "classes and no bindings say which one it takes; name it with --as-types (e.g. --as-types Uint8Array, "
    "or --as-types ArrayBuffer to confirm)\n"
)


@pytest.mark.parametrize(
    ("guest", "argv", "code", "stdout", "stderr"),
    [
        (AS_014, ("sumBytes", "--bytes", "1,2,3,250"), 0, "0\n", AS_014_WARNING),
        (AS_014, ("sumBytes", "--bytes", "1,2,3,250", "--as-types", "ArrayBuffer"), 0, "0\n", ""),
        (AS_014, ("sumInt32", "--hex", "01000000feffffff", "--as-types", "Int32Array -> i32"), 0, "-1\n", ""),
        (AS_014, ("scaled", "--hex", "000000000000f03f", "--f64", "3", "--as-types", "Float64Array, f64"), 0,
         "00000000  00 00 00 00 00 00 08 40                          |.......@|\n", ""),
        (AS_014, ("sumArray", "--bytes", "1,2,3,250", "--as-types", "Array<u8>"), 0, "256\n", ""),
        (AS_014, ("reverseStatic", "--hex", "0102", "--as-types", "StaticArray<u8>"), 0,
         "00000000  02 01                                            |..|\n", ""),
        (AS_ARRAYS, ("sumInt32", "--hex", "010203"), 2, "",
         "wasmcall: error: 3 bytes are not a whole number of Int32Array elements (4 bytes each)\n"),
        (AS_ARRAYS, ("add", "--str", "x", "--i32", "1"), 2, "",
         "wasmcall: error: param 0 of 'add' is a number according to arrays.js, but --str gives a buffer\n"),
        (AS_ARRAYS, ("sumBytes", "--bytes", "1", "--as-types", "Uint8Array, i32"), 2, "",
         "wasmcall: error: 2 param types for 'sumBytes' (from the given types), but it is (i32) -> i32\n"),
        (AS_ARRAYS, ("sumBytes", "--bytes", "1", "--as-types", "Uint9Array"), 2, "",
         "wasmcall: error: unknown AssemblyScript type 'Uint9Array': expected string, ArrayBuffer, a typed "
         "array (Uint8Array, Float64Array, ...), Array<T> or StaticArray<T> of a number type, or a number type\n"),
        (AS_PLAIN, ("sumBytes", "--bytes", "1,2,3"), 2, "",
         "wasmcall: error: the module looks like AssemblyScript built without its runtime exports (it imports "
         "env.abort but exports no __new/__pin/__unpin), so strings and buffers cannot be passed to it; rebuild "
         "it with asc --exportRuntime (or --bindings esm, which also writes the types beside it)\n"),
    ],
    ids=["no-types-said-aloud", "arraybuffer-confirmed", "given-int32array", "given-with-a-number",
         "given-array", "given-static-array", "ragged-elements", "number-param", "wrong-count", "unknown-type",
         "no-runtime-exports"],
)
def test_assemblyscript_classes(
    guest: Path, argv: tuple, code: int, stdout: str, stderr: str, engine: str, cli: Callable
) -> None:
    outcome = cli("call", guest, *argv, "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (code, stdout, stderr)


@pytest.mark.parametrize(
    ("argv", "stdout"),
    [(("sumInt32", "--hex", "01000000feffffff"), "-1\n"),
     (("doubled", "--hex", "0300000004000000"),
      "00000000  06 00 00 00 08 00 00 00                          |........|\n"),
     (("upperBytes", "--str", "dts"), "DTS\n")],
    ids=["typed-array", "array", "typed-array-result"],
)
def test_assemblyscript_types_from_the_dts_alone(
    argv: tuple, stdout: str, engine: str, cli: Callable, tmp_path: Path
) -> None:
    """Without the .js there are no class ids: they come from the module's run-time type table."""
    shutil.copy(AS_ARRAYS, tmp_path / "arrays.wasm")
    shutil.copy(AS_ARRAYS.with_suffix(".d.ts"), tmp_path / "arrays.d.ts")
    outcome = cli("call", tmp_path / "arrays.wasm", *argv, "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, stdout, "")


TYPE_NAMES = st.sampled_from(
    [*TYPED_ARRAYS, "string", "ArrayBuffer", "i32", "f64", "u8", "Array<i32>", "StaticArray<u8>", "Array<f64>"]
)


@given(st.lists(TYPE_NAMES, min_size=1, max_size=6), st.one_of(st.none(), TYPE_NAMES))
def test_given_types_parse_back(params: list[str], result: str | None) -> None:
    text = ", ".join(params) + (f" -> {result}" if result else "")
    parsed = parse_given_types(text)
    assert split_types(", ".join(params)) == params
    assert parsed.params == tuple(class_ref(name) for name in params)
    assert parsed.result == (class_ref(result) if result else None)


@given(st.binary(max_size=200))
def test_producers_of_any_bytes_never_raise(tail: bytes) -> None:
    assert read_producers(b"\0asm\1\0\0\0" + tail) is not None
