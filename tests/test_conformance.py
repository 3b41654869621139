"""The conformance table: every bundled guest, called the way its users would,
through the CLI, on every installed engine.

Expected outputs follow from what each export is documented to do in its
source (guests/*/…): upper-casing, reversing, summing, greeting.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT

GUESTS = ROOT / "guests"
RUST = "rust/memory.wasm"
C = "c/wasi_guest.wasm"
AS = "assemblyscript/strings.wasm"
BINDGEN = "wat/bindgen.wasm"
CANONICAL = "wat/canonical.wasm"
# component-model guests run on wasmtime only; tests/test_components.py calls every one of them
COMPONENTS = {"components/types.wasm", "components/wasi.wasm", "components/imports.wasm"}
ZIG = "zig/freestanding.wasm"
ZIG_WASI = "zig/wasi.wasm"
GO = "go/strings.wasm"
EMCC_GLUE = "emscripten/glue.wasm"
EMCC_IMPORTED_MEMORY = "emscripten/imported_memory.wasm"
EMCC_STANDALONE = "emscripten/standalone.wasm"
RUST_WASI = "rust/wasi.wasm"
AS_ARRAYS = "assemblyscript/arrays.wasm"
AS_PLAIN = "assemblyscript/arrays_plain.wasm"
AS_014 = "assemblyscript-0.14/arrays.wasm"
TINYGO = "wat/tinygo.wasm"
BINDGEN_REF = "wat/bindgen_externref_bg.wasm"
PACKED_ARG = "wat/packed_arg.wasm"
TWO_MEMORIES = "wat/two_memories.wasm"


def hexdump_line(hex_bytes: str, text: str) -> str:
    """One line of the plain hexdump wasmcall prints for a result of at most 16 non-UTF-8 bytes."""
    return f"00000000  {hex_bytes:<47}  |{text}|\n"


# (guest, export and arguments, expected stdout, expected exit code)
TABLE = [
    (RUST, ("upper", "--str", "this should be uppercase", "--ret", "ptr"), "THIS SHOULD BE UPPERCASE\n", 0),
    (RUST, ("array_sum", "--bytes", "1,2,3,4,5"), "15\n", 0),
    (RUST, ("upper_pair", "--str", "multi value"), "MULTI VALUE\n", 0),
    (RUST, ("upper_packed", "--str", "packed", "--ret", "packed"), "PACKED\n", 0),
    (RUST, ("upper_out", "--str", "out pointer", "--ret", "out"), "OUT POINTER\n", 0),
    (RUST, ("hello_cstr", "--str", "wasm", "--ret", "cstr"), "Hello, wasm!\n", 0),
    (RUST, ("add", "2", "40"), "42\n", 0),
    (RUST, ("mul_i64", "--i64", "6", "--i64", "7"), "42\n", 0),
    (RUST, ("scale", "--f64", "1.5", "--f32", "2"), "3.0\n", 0),
    (RUST, ("negate_f32", "--f32", "1.5"), "-1.5\n", 0),
    (C, ("greet", "--str", "World", "--ret", "cstr"), "Hello, World!\n", 0),
    (C, ("reverse", "--str", "stressed", "--ret", "out"), "desserts\n", 0),
    (C, ("checksum", "--bytes", "1,2,3,4,5", "--free-inputs"), "15\n", 0),
    (C, ("shout", "--str", "hi"), "HI\n2\n", 0),  # the guest's stdout, then the result
    (C, ("env_len", "--str", "GREETING", "--env", "GREETING=hello"), "5\n", 0),
    (C, ("env_len", "--str", "HOME"), "-1\n", 0),
    (C, ("file_size", "--str", "/etc/hostname"), "-1\n", 0),
    (C, ("quit", "0"), "", 0),
    (C, ("quit", "3"), "", 3),
    (AS, ("shout", "--str", "héllo"), "HÉLLO!\n", 0),
    (AS, ("reverseBytes", "--hex", "00ff41"), "00000000  41 ff 00" + " " * 41 + "|A..|\n", 0),
    (AS, ("byteSum", "--bytes", "1,2,3,250"), "256\n", 0),
    (AS, ("greetLength", "--str", "héllo 🌍"), "8\n", 0),
    (AS, ("add", "2", "40"), "42\n", 0),
    (AS, ("positive", "5"), "5\n", 0),
    (AS, ("positive", "--i32", "-1"), "", 3),
    (BINDGEN, ("greet", "--str", "World"), "Hello, World!\n", 0),
    (BINDGEN, ("fail", "--str", "ok"), "", 0),
    (BINDGEN, ("fail", "--str", ""), "", 3),
    (BINDGEN, ("log_it", "--str", "x"), "", 3),
    (CANONICAL, ("upper", "--str", "canonical abi"), "CANONICAL ABI\n", 0),
    (ZIG, ("upper", "--str", "zig", "--ret", "packed"), "ZIG\n", 0),
    (ZIG, ("greet", "--str", "Zig", "--ret", "cstr"), "Hello, Zig!\n", 0),
    (ZIG, ("reverse", "--str", "stressed", "--ret", "packed"), "desserts\n", 0),
    (ZIG, ("add", "2", "40"), "42\n", 0),
    (ZIG, ("fib", "90"), "2880067194370816120\n", 0),
    (ZIG, ("hypot", "3", "4"), "5.0\n", 0),
    (ZIG_WASI, ("upper", "--str", "wasi", "--ret", "packed"), "WASI\n", 0),
    (ZIG_WASI, ("greet", "--str", "WASI", "--ret", "cstr"), "Hello, WASI!\n", 0),
    (ZIG_WASI, ("shout", "--str", "hi"), "2\n", 0),
    (GO, ("upper", "--str", "héllo", "--ret", "packed"), "HÉLLO\n", 0),
    (GO, ("greet", "--str", "Go", "--ret", "packed"), "Hello, Go!\n", 0),
    (GO, ("mul", "--i64", "6", "--i64", "7"), "42\n", 0),
    (EMCC_GLUE, ("upper", "--str", "stubbed", "--ret", "cstr", "--stub-imports"), "STUBBED\n", 0),
    (EMCC_STANDALONE, ("repeat", "--str", "ab", "--i32", "3", "--ret", "cstr", "--stub-imports"), "ababab\n", 0),
    (RUST_WASI, ("greet", "--str", "Rust", "--ret", "cstr"), "Hello, Rust!\n", 0),
    (RUST_WASI, ("upper_struct", "--str", "sret", "--ret", "out"), "SRET\n", 0),
    (RUST_WASI, ("upper_packed", "--str", "héllo", "--ret", "packed"), "HÉLLO\n", 0),
    (RUST_WASI, ("reverse_packed", "--str", "stressed", "--ret", "packed"), "desserts\n", 0),
    (RUST_WASI, ("c_strlen", "--str", "hello"), "5\n", 0),
    (RUST_WASI, ("shout", "--str", "hi"), "HI\n2\n", 0),
    (RUST_WASI, ("hypot", "3", "4"), "5.0\n", 0),
    (AS_ARRAYS, ("add", "2", "40"), "42\n", 0),
    (AS_PLAIN, ("add", "2", "40"), "42\n", 0),
    (AS_PLAIN, ("sumBytes", "--bytes", "1,2,3"), "", 2),
    (AS_014, ("add", "2", "40"), "42\n", 0),
    (TINYGO, ("greet", "--str", "Go", "--ret", "out", "--keep-result"), "Hello, Go!\n", 0),
    (TINYGO, ("add", "2", "40"), "42\n", 0),
    # Emscripten's env helpers, with their JS semantics (wasmcall/emscripten.py); no file system, so
    # access() fails (__syscall_faccessat returns -ENOSYS) and can_read answers 0
    (EMCC_GLUE, ("greet", "--str", "World", "--ret", "cstr"), "Hello, World!\n", 0),
    (EMCC_GLUE, ("repeat", "--str", "abcd", "--i32", "300", "--ret", "cstr"), "abcd" * 300 + "\n", 0),
    (EMCC_GLUE, ("fill_mib", "32"), f"{32 << 20}\n", 0),
    (EMCC_GLUE, ("can_read", "--str", "/etc/hostname"), "0\n", 0),
    (EMCC_GLUE, ("shout", "--str", "hi"), "hi!\n4\n", 0),  # the guest's stdout, then the result
    (EMCC_GLUE, ("average", "--f64", "1", "--f64", "2"), "1.5\n", 0),
    (EMCC_IMPORTED_MEMORY, ("greet", "--str", "World", "--ret", "cstr"), "Hello, World!\n", 0),
    (EMCC_IMPORTED_MEMORY, ("fill_mib", "32"), f"{32 << 20}\n", 0),
    (EMCC_IMPORTED_MEMORY, ("fill_mib", "32", "--max-memory", "20MiB"), "0\n", 0),
    (EMCC_IMPORTED_MEMORY, ("sum_bytes", "--bytes", "1,2,3,250"), "256\n", 0),
    (EMCC_STANDALONE, ("greet", "--str", "World", "--ret", "cstr"), "Hello, World!\n", 0),
    (EMCC_STANDALONE, ("fill_mib", "32"), f"{32 << 20}\n", 0),
    (BINDGEN_REF, ("add", "2", "40"), "42\n", 0),
    # issue 9: AssemblyScript arrays (types from arrays.js), the 0.14 runtime, GC-owned results
    # shown with a warning, buffers packed into one i64 param
    (AS_ARRAYS, ("sumBytes", "--bytes", "1,2,3,250"), "256\n", 0),
    (AS_ARRAYS, ("sumInt32", "--hex", "01000000feffffff"), "-1\n", 0),
    (AS_ARRAYS, ("mean", "--hex", "000000000000f03f0000000000000840"), "2.0\n", 0),
    (AS_ARRAYS, ("sumArray", "--bytes", "1,2,3,250"), "256\n", 0),
    (AS_ARRAYS, ("upperBytes", "--str", "hello"), "HELLO\n", 0),
    (AS_ARRAYS, ("reverseStatic", "--hex", "00ff41"), hexdump_line("41 ff 00", "A.."), 0),
    (AS_ARRAYS, ("doubled", "--hex", "01000000feffffff"), hexdump_line("02 00 00 00 fc ff ff ff", "........"), 0),
    (AS_ARRAYS, ("squares", "4", "--raw"), "\x00\x00\x00\x00\x01\x00\x00\x00\x04\x00\x00\x00\x09\x00\x00\x00", 0),
    (AS_ARRAYS, ("scaled", "--hex", "000000000000f03f", "--f64", "-2"),
     hexdump_line("00 00 00 00 00 00 00 c0", "........"), 0),
    (AS_014, ("shout", "--str", "héllo"), "HÉLLO!\n", 0),
    (AS_014, ("sumBytes", "--bytes", "1,2,3,250", "--as-types", "Uint8Array"), "256\n", 0),
    # the guest's free panics on a pointer it never handed out (its stdout comes first); the result stays
    (TINYGO, ("greet", "--str", "TinyGo", "--ret", "out"), "panic: free: invalid pointer\nHello, TinyGo!\n", 0),
    (TINYGO, ("upper", "--str", "tinygo", "--ret", "packed"), "panic: free: invalid pointer\nTINYGO\n", 0),
    (PACKED_ARG, ("upper", "--str", "hello", "--packed-order", "ptr-low", "--ret", "packed"), "HELLO\n", 0),
    (PACKED_ARG, ("length", "--str", "hello", "--packed-order", "ptr-low"), "5\n", 0),
    (PACKED_ARG, ("count_lines", "--hex", "6f6e650a74776f", "--packed-order", "ptr-low"), "2\n", 0),
    # wasm-bindgen 0.2.100+: numbered allocators, externref glue imports, multi-value and retptr results
    (BINDGEN_REF, ("greet", "--str", "World"), "Hello, World!\n", 0),
    (BINDGEN_REF, ("upper", "--str", "retptr"), "RETPTR\n", 0),
    (BINDGEN_REF, ("reverse", "--str", "stressed"), "desserts\n", 0),
]


def row_id(row: tuple) -> str:
    guest, argv = row[:2]
    name = Path(guest).stem if Path(guest).stem in UNIQUE_STEMS else guest.removesuffix(".wasm").replace("/", "-")
    return f"{name}-{argv[0]}-{'-'.join(a.strip('-') for a in argv[1:3])}"


STEMS = [Path(row[0]).stem for row in {row[0]: row for row in TABLE}.values()]
UNIQUE_STEMS = {stem for stem in STEMS if STEMS.count(stem) == 1}


ROWS = [pytest.param(row, id=row_id(row)) for row in TABLE]


@pytest.mark.parametrize("row", ROWS)
def test_conformance(row: tuple, engine: str, cli: Callable) -> None:
    guest, argv, stdout, code = row
    outcome = cli("call", GUESTS / guest, *argv, "--engine", engine)
    assert (outcome.code, outcome.stdout) == (code, stdout), outcome.stderr


def test_every_guest_is_in_the_table() -> None:
    bundled = {str(p.relative_to(GUESTS)) for p in GUESTS.rglob("*.wasm") if "node_modules" not in p.parts}
    assert bundled == {row[0] for row in TABLE} | {TWO_MEMORIES} | COMPONENTS


def test_row_ids_are_unique() -> None:
    ids = [param.id for param in ROWS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("argv", "stdout"),
    [(("upper", "--str", "hello"), "HELLO\n"), (("sum", "--bytes", "1,2,3"), "6\n"),
     (("hello",), "hello from memory 0\n")],
    ids=["upper", "sum", "hello"],
)
def test_two_memories_use_the_exported_memory(argv: tuple, stdout: str, engine: str, cli: Callable) -> None:
    """Memory 0 ("memory") holds the data; memory 1 ("scratch", exported first) holds decoys.
    wasmer 1.1 cannot load a module with two memories: a load error is the right answer there."""
    outcome = cli("call", GUESTS / TWO_MEMORIES, *argv, "--engine", engine)
    if engine == "wasmer":
        assert (outcome.code, outcome.stdout) == (4, "")
        assert "multiple memories" in outcome.stderr
        return
    assert (outcome.code, outcome.stdout) == (0, stdout), outcome.stderr


def test_assemblyscript_without_runtime_exports_says_how_to_rebuild(engine: str, cli: Callable) -> None:
    outcome = cli("call", GUESTS / AS_PLAIN, "sumBytes", "--bytes", "1,2,3", "--engine", engine)
    assert outcome.code == 2
    assert "--exportRuntime" in outcome.stderr


def test_wasi_output_is_kept_apart_from_the_result(engine: str, cli: Callable) -> None:
    outcome = cli("call", GUESTS / C, "shout", "--str", "hello wasm", "--engine", engine,
                  "--guest-stdout", "stderr")
    assert outcome.code == 0
    assert outcome.stdout == "10\n"
    assert outcome.stderr == "[guest stdout] HELLO WASM\n[guest stderr] shouted 10 bytes\n"


def test_granted_directory_is_readable(cli: Callable, tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(b"x" * 1234)
    outcome = cli("call", GUESTS / C, "file_size", "--str", "/data/data.bin", "--dir", f"{tmp_path}::/data")
    assert (outcome.code, outcome.stdout) == (0, "1234\n")


def test_directories_are_refused_on_wasmer(engine: str, cli: Callable, tmp_path: Path) -> None:
    outcome = cli(
        "call", GUESTS / C, "file_size", "--str", "/data/x", "--dir", f"{tmp_path}::/data", "--engine", engine
    )
    if engine == "wasmer":
        assert outcome.code == 2
        assert "cannot grant directories safely" in outcome.stderr
    else:
        assert (outcome.code, outcome.stdout) == (0, "-1\n")


@pytest.mark.parametrize(
    ("guest", "argv", "message"),
    [
        (C, ("quit", "3"), "wasmcall: error: guest exited with code 3 during 'quit'\n"),
        (
            AS, ("positive", "--i32", "-1"),
            "wasmcall: error: guest aborted: 'n must be positive' at strings.ts:39:3\n",
        ),
        (BINDGEN, ("fail", "--str", ""), "wasmcall: error: guest threw: 'name must not be empty'\n"),
        (
            BINDGEN, ("log_it", "--str", "x"),
            "wasmcall: error: guest called a wasm-bindgen glue import that wasmcall does not provide: "
            "wbg.__wbg_log_0123456789abcdef\n",
        ),
        pytest.param(
            BINDGEN_REF, ("log_it", "--str", "x"),
            "wasmcall: error: guest called a wasm-bindgen glue import that wasmcall does not provide: "
            "wbg.__wbindgen_string_new\n",
        ),
    ],
    ids=["proc-exit", "assemblyscript-abort", "bindgen-throw", "bindgen-glue-stub", "bindgen-externref-glue-stub"],
)
def test_guest_failures_name_their_cause(
    guest: str, argv: tuple, message: str, engine: str, cli: Callable
) -> None:
    outcome = cli("call", GUESTS / guest, *argv, "--engine", engine)
    assert (outcome.code, outcome.stderr) == (3, message)


def test_detected_conventions(engine: str, cli: Callable) -> None:
    conventions = {}
    for guest in (RUST, C, AS, BINDGEN, CANONICAL):
        outcome = cli("inspect", GUESTS / guest, "--engine", engine)
        assert outcome.code == 0, outcome.stderr
        line = next(x for x in outcome.stdout.splitlines() if x.startswith("convention:"))
        conventions[guest] = line.split()[1]
    assert conventions == {
        RUST: "alloc", C: "malloc", AS: "assemblyscript", BINDGEN: "wasm-bindgen", CANONICAL: "canonical"
    }


@pytest.mark.parametrize(
    ("guest", "line"),
    [
        (GO, "convention: malloc (malloc, free)"),
        (EMCC_STANDALONE, "convention: malloc (malloc, free)"),
        (RUST_WASI, "convention: alloc (alloc, dealloc)"),
        (TINYGO, "convention: malloc (malloc, free)"),
        (ZIG, "convention: alloc (alloc, free)"),
        (BINDGEN_REF, "convention: wasm-bindgen (__wbindgen_export_0, __wbindgen_export_3)"),
        (AS_014, "convention: assemblyscript (__alloc, __release)"),
    ],
    ids=["go", "emscripten", "rust-wasi", "tinygo", "zig", "bindgen-externref", "assemblyscript-0.14"],
)
def test_detected_conventions_of_toolchain_builds(guest: str, line: str, engine: str, cli: Callable) -> None:
    outcome = cli("inspect", GUESTS / guest, "--engine", engine)
    assert outcome.code == 0, outcome.stderr
    assert next(x for x in outcome.stdout.splitlines() if x.startswith("convention:")) == line


CREATE_FILE = """(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "new.txt")
  (func (export "create") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 7)
      (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 64))))
"""
WASI_ERRNO_BADF = 8
WASI_ERRNO_PERM = 63


@pytest.mark.parametrize(
    ("grant", "errno", "created"),
    [((), WASI_ERRNO_BADF, False), (("--dir",), WASI_ERRNO_PERM, False), (("--dir-rw",), 0, True)],
    ids=["nothing-granted", "read-only-by-default", "writable-when-asked"],
)
def test_directory_grants_are_read_only_unless_asked(
    cli: Callable, wat_file: Callable[[str, str], Path], tmp_path: Path, grant: tuple, errno: int, created: bool
) -> None:
    """The guest tries to create a file in its first preopened directory (fd 3)."""
    module = wat_file("create-file", CREATE_FILE)
    options = [*grant, f"{tmp_path}::/data"] if grant else []
    outcome = cli("call", module, "create", *options)
    assert (outcome.code, outcome.stdout) == (0, f"{errno}\n")
    assert (tmp_path / "new.txt").exists() is created
