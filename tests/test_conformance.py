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
    (C, ("shout", "--str", "hi"), "2\n", 0),
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
]


def row_id(row: tuple) -> str:
    guest, argv, _, _ = row
    return f"{Path(guest).stem}-{argv[0]}-{'-'.join(a.strip('-') for a in argv[1:3])}"


@pytest.mark.parametrize("row", TABLE, ids=[row_id(r) for r in TABLE])
def test_conformance(row: tuple, engine: str, cli: Callable) -> None:
    guest, argv, stdout, code = row
    outcome = cli("call", GUESTS / guest, *argv, "--engine", engine)
    assert (outcome.code, outcome.stdout) == (code, stdout), outcome.stderr


def test_every_guest_is_in_the_table() -> None:
    bundled = {str(p.relative_to(GUESTS)) for p in GUESTS.rglob("*.wasm") if "node_modules" not in p.parts}
    assert bundled == {row[0] for row in TABLE} | COMPONENTS


def test_wasi_output_is_kept_apart_from_the_result(engine: str, cli: Callable) -> None:
    outcome = cli("call", GUESTS / C, "shout", "--str", "hello wasm", "--engine", engine)
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
    ],
    ids=["proc-exit", "assemblyscript-abort", "bindgen-throw", "bindgen-glue-stub"],
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
