"""Backtraces: a trap shows every wasm frame (demangled, with module offsets), on both engines.

The one-line summary stays first; frames follow, innermost first; identical
frames of a recursion are one line and a deep stack says how many frames
were left out. ``--json`` has them as ``error.frames``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

ERROR = "wasmcall: error: "
NESTED = """(module
  (func $boom unreachable)
  (func $middle call $boom)
  (func (export "outer") call $middle))
"""
# The `unreachable` in $boom sits at module offset 0x24 (see boom_offset); wasmtime with epoch interruption
# on (as wasmcall runs it) reports the innermost frame at the function's entry check, one byte before.
BOOM_OFFSET = {"wasmtime": 0x23, "wasmer": 0x24}
RECURSE = '(module (func $r (export "recurse") (param i32) (result i32) (call $r (local.get 0))))'
# upper() unwraps String::from_utf8, so invalid UTF-8 panics: eight frames, from rust_panic out to upper.
RUST_PANIC = [
    ("rust_panic", 73),
    ("std::panicking::rust_panic_with_hook", 72),
    ("std::panicking::begin_panic_handler::{{closure}}", 74),
    ("std::sys_common::backtrace::__rust_end_short_backtrace", 71),
    ("rust_begin_unwind", 42),
    ("core::panicking::panic_fmt", 22),
    ("core::result::unwrap_failed", 11),
    ("upper", 10),
]
RUST_OFFSETS = [0x610A, 0x60FD, 0x6143, 0x6099, 0x4C87, 0x2B7C, 0x21A4, 0x2103]
PANIC_LINE = (
    f"{ERROR}guest trapped in wasm function 'rust_panic' while running 'upper': unreachable instruction executed"
)


def boom_offset() -> int:
    """Where $boom's `unreachable` is in the assembled module: the code section's first body, after its
    size and local-count bytes (every count and size here fits one LEB128 byte)."""
    import wasmtime

    binary = wasmtime.wat2wasm(NESTED)
    at = 8  # magic and version
    while binary[at] != 10:  # walk the sections up to the code section
        at += 2 + binary[at + 1]
    return at + 2 + 3  # section id and size; body count, body size, local count: then the opcode


def test_boom_offset_is_what_the_engines_report() -> None:
    assert boom_offset() == BOOM_OFFSET["wasmer"]


def test_nested_trap_shows_every_frame(cli, engine, wat_file: Callable[[str, str], Path]):
    outcome = cli("call", wat_file("backtrace-nested", NESTED), "outer", "--engine", engine)
    assert (outcome.code, outcome.stdout) == (3, "")
    assert outcome.stderr.splitlines() == [
        f"{ERROR}guest trapped in wasm function 'boom' while running 'outer': unreachable instruction executed",
        "  wasm backtrace, innermost first:",
        f"     0: boom func[0] @ {BOOM_OFFSET[engine]:#x}",
        "     1: middle func[1] @ 0x28",
        "     2: func[2] @ 0x2d",  # the export has no name of its own in the name section
    ]


def test_rust_panic_shows_demangled_frames_without_hashes(cli, rust_guest, engine):
    outcome = cli("call", rust_guest, "upper", "--hex", "ff", "--ret", "ptr", "--engine", engine)
    assert (outcome.code, outcome.stdout) == (3, "")
    offsets = list(RUST_OFFSETS)
    if engine == "wasmtime":
        offsets[0] -= 1  # the innermost frame at rust_panic's entry check, as above
    assert outcome.stderr.splitlines() == [
        PANIC_LINE,
        "  wasm backtrace, innermost first:",
        *(
            f"    {i:>2}: {name} func[{index}] @ {offset:#x}"
            for i, ((name, index), offset) in enumerate(zip(RUST_PANIC, offsets, strict=True))
        ),
    ]


def test_json_error_has_frames(cli, rust_guest, engine):
    outcome = cli("call", rust_guest, "upper", "--hex", "ff", "--ret", "ptr", "--json", "--engine", engine)
    assert (outcome.code, outcome.stderr) == (3, "")
    error = json.loads(outcome.stdout)["error"]
    assert error["kind"] == "trap" and error["frame_count"] == 8
    assert [(f["function"], f["func_index"]) for f in error["frames"]] == RUST_PANIC
    assert [f["offset"] for f in error["frames"]][1:] == RUST_OFFSETS[1:]


def test_a_deep_recursion_is_folded_and_capped(cli, engine, wat_file: Callable[[str, str], Path]):
    outcome = cli("call", wat_file("backtrace-recurse", RECURSE), "recurse", "1", "--engine", engine)
    assert (outcome.code, outcome.stdout) == (3, "")
    lines = outcome.stderr.splitlines()
    assert lines[0].endswith("while running 'recurse': call stack exhausted")
    assert lines[1] == "  wasm backtrace, innermost first:"
    if engine == "wasmtime":  # wasmtime itself keeps only 20 frames of an overflow, the first without offset
        assert lines[2:] == ["     0: r func[0]", "     1-19: r func[0] @ 0x28 (19 frames)"]
    else:  # wasmer gives them all: the first 20 are shown, the rest counted
        assert lines[2] == "     0-19: r func[0] @ 0x28 (20 frames)"
        assert lines[3].startswith("    … and ") and lines[3].endswith(" more frames")
        assert int(lines[3].split()[2].replace(",", "")) > 1000


def test_a_one_frame_trap_is_one_line_but_json_has_the_frame(cli, engine, wat_file):
    module = wat_file("backtrace-one", '(module (func $boom (export "boom") unreachable))')
    outcome = cli("call", module, "boom", "--engine", engine)
    assert outcome.stderr.count("\n") == 1
    as_json = json.loads(cli("call", module, "boom", "--json", "--engine", engine).stdout)
    assert [frame["function"] for frame in as_json["error"]["frames"]] == ["boom"]


def test_a_timeout_on_wasmtime_says_where_the_guest_was(cli, wat_file):
    """wasmer's timeout kills its child process, which leaves no backtrace to show."""
    spin = '(module (func $inner (loop br 0)) (func (export "spin") call $inner))'
    outcome = cli("call", wat_file("backtrace-spin", spin), "spin", "--timeout", "0.3", "--json")
    error = json.loads(outcome.stdout)["error"]
    assert (error["kind"], [f["function"] for f in error["frames"]]) == ("limit", ["inner", "func[1]"])


def test_a_memory_fault_names_its_frames_not_its_causes(cli, rust_guest, engine):
    """array_sum frees its input, so --free-inputs frees it twice: dlmalloc faults inside dealloc.
    wasmtime numbers its 'Caused by' lines too; they are not frames."""
    outcome = cli(
        "call", rust_guest, "array_sum", "--bytes", "1,2,3,4,5", "--free-inputs", "--json", "--engine", engine
    )
    error = json.loads(outcome.stdout)["error"]
    assert (error["kind"], error["frame_count"]) == ("trap", 2)
    assert [(f["function"], f["func_index"], f["offset"]) for f in error["frames"]] == [
        ("dlmalloc::dlmalloc::Dlmalloc<A>::free", 1, 0x407),
        ("dealloc", 8, 0x1BE1),
    ]
