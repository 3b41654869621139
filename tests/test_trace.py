"""``--trace``: each step wasmcall takes on the guest's behalf, per convention, on both engines.

Pointers below are the bundled guests' own allocators' answers (the same on
both engines: the same wasm runs); what is checked is the order of steps and
that they fit together: the write lands where the allocator said, the call
gets that pointer, the read is where the result is, the free gets it back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT

GUESTS = ROOT / "guests"
TIME = re.compile(r"^\[trace +(\d+\.\d{3}) ms\] ")

CONVENTIONS = [
    (
        "rust/memory.wasm", ["upper", "--str", "hi", "--ret", "ptr"], "HI\n",
        [
            "alloc       alloc(2) -> 1114120 (0x110008)",
            "write       2 bytes at 0x110008 (argument): 68 69",
            "call        upper(1114120 (0x110008), 2) -> 1114152 (0x110028)",
            "read        2 bytes at 0x110028 (result): 48 49",
            "free        dealloc(1114152 (0x110028), 2)",
        ],
    ),
    (
        "rust/memory.wasm", ["upper_out", "--str", "hi", "--ret", "out"], "HI\n",
        [
            "alloc       alloc(8) -> 1114120 (0x110008)",
            "alloc       alloc(2) -> 1114136 (0x110018)",
            "write       2 bytes at 0x110018 (argument): 68 69",
            "call        upper_out(1114120 (0x110008), 1114136 (0x110018), 2)",
            "read        8 bytes at 0x110008 (result pair): 28 00 11 00 02 00 00 00",
            "read        2 bytes at 0x110028 (result): 48 49",
            "free        dealloc(1114152 (0x110028), 2)",
            "free        dealloc(1114120 (0x110008), 8)",
        ],
    ),
    (
        "c/wasi_guest.wasm", ["greet", "--str", "Wo", "--ret", "cstr", "--free-inputs"], "Hello, Wo!\n",
        [
            "alloc       malloc(3) -> 70880 (0x114e0)",
            "write       2 bytes at 0x114e0 (argument): 57 6f",
            "write       1 byte at 0x114e2 (argument): 00",
            # where greet's result lands depends on what the engine's WASI start-up allocated
            "call        greet(70880 (0x114e0)) -> {result} ({result:#x})",
            "read        10 bytes at {result:#x} (result): 48 65 6c 6c 6f 2c 20 57 6f 21",
            "free        free({result} ({result:#x}))",
            "free        free(70880 (0x114e0))",
        ],
    ),
    (
        "wat/bindgen.wasm", ["greet", "--str", "Wo"], "Hello, Wo!\n",
        [
            "stack       __wbindgen_add_to_stack_pointer(-16 (0xfffffff0)) -> 1048560 (0xffff0)",
            "alloc       __wbindgen_malloc(2, 1) -> 1048648 (0x100048)",
            "write       2 bytes at 0x100048 (argument): 57 6f",
            "call        greet(1048560 (0xffff0), 1048648 (0x100048), 2)",
            "read        8 bytes at 0xffff0 (result pair): 58 00 10 00 0a 00 00 00",
            "read        10 bytes at 0x100058 (result): 48 65 6c 6c 6f 2c 20 57 6f 21",
            "free        __wbindgen_free(1048664 (0x100058), 10, 1)",
            "stack       __wbindgen_add_to_stack_pointer(16) -> 1048576 (0x100000)",
        ],
    ),
    (
        "wat/canonical.wasm", ["upper", "--str", "abc"], "ABC\n",
        [
            "alloc       cabi_realloc(0, 0, 1, 3) -> 1048648 (0x100048)",
            "write       3 bytes at 0x100048 (argument): 61 62 63",
            "call        upper(1048648 (0x100048), 3) -> 1048576 (0x100000)",
            "read        8 bytes at 0x100000 (result pair): 58 00 10 00 03 00 00 00",
            "read        3 bytes at 0x100058 (result): 41 42 43",
            "post-return cabi_post_upper(1048576 (0x100000))",
        ],
    ),
    (
        "assemblyscript/strings.wasm", ["shout", "--str", "hé"], "HÉ!\n",
        [
            "alloc       __new(4, 2) -> 41856 (0xa380)",
            "pin         __pin(41856 (0xa380)) -> 41856 (0xa380)",
            "write       4 bytes at 0xa380 (argument): 68 00 e9 00",
            "call        shout(41856 (0xa380)) -> 41920 (0xa3c0)",
            "read        8 bytes at 0xa3b8 (object header): 02 00 00 00 06 00 00 00",
            "read        6 bytes at 0xa3c0 (result): 48 00 c9 00 21 00",
            "unpin       __unpin(41856 (0xa380))",
        ],
    ),
]


def steps_of(stderr: str) -> tuple[list[str], list[float]]:
    """The trace lines without their times, and the times."""
    lines, times = [], []
    for line in stderr.splitlines():
        match = TIME.match(line)
        if match:
            times.append(float(match.group(1)))
            lines.append(line[match.end():])
    return lines, times


@pytest.mark.parametrize(
    ("guest", "argv", "stdout", "steps"), CONVENTIONS,
    ids=["rust-ptr", "rust-out", "c-cstr-free-inputs", "wasm-bindgen", "canonical", "assemblyscript"],
)
def test_trace_lines_per_convention(cli, engine, guest, argv, stdout, steps):
    outcome = cli("call", GUESTS / guest, *argv, "--trace", "--engine", engine)
    assert (outcome.code, outcome.stdout) == (0, stdout), outcome.stderr
    lines, times = steps_of(outcome.stderr)
    call = next(line for line in lines if line.startswith("call "))
    returned = re.search(r"-> (\d+)", call)
    result = int(returned.group(1)) if returned else 0
    assert lines == [step.format(result=result) for step in steps]
    assert times == sorted(times) and times[0] >= 0


def test_no_trace_without_the_flag(cli, engine):
    outcome = cli("call", GUESTS / "rust/memory.wasm", "upper", "--str", "hi", "--ret", "ptr", "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "HI\n", "")


def test_json_trace_list(cli, engine):
    outcome = cli(
        "call", GUESTS / "rust/memory.wasm", "upper", "--str", "hi", "--ret", "ptr", "--trace", "--json",
        "--engine", engine,
    )
    assert (outcome.code, outcome.stderr) == (0, "")
    trace = json.loads(outcome.stdout)["trace"]
    for step in trace:
        assert step.pop("ms") >= 0
    assert trace == [
        {"step": "alloc", "name": "alloc", "params": [2], "results": [1114120]},
        {"step": "write", "ptr": 1114120, "len": 2, "hex": "6869", "what": "argument"},
        {"step": "call", "name": "upper", "params": [1114120, 2], "results": [1114152]},
        {"step": "read", "ptr": 1114152, "len": 2, "hex": "4849", "what": "result"},
        {"step": "free", "name": "dealloc", "params": [1114152, 2], "results": []},
    ]


def test_a_failing_call_shows_its_steps_then_the_error(cli, engine):
    outcome = cli("call", GUESTS / "wat/bindgen.wasm", "fail", "--str", "", "--trace", "--engine", engine)
    thrown = "guest threw: 'name must not be empty'"
    assert (outcome.code, outcome.stdout) == (3, "")
    lines, _ = steps_of(outcome.stderr)
    assert lines == [
        "alloc       __wbindgen_malloc(0, 1) -> 1",
        "write       0 bytes at 0x1 (argument)",
        f"host        wbg.__wbindgen_throw(1048592 (0x100010), 22) failed: {thrown}",
        f"call        fail(1, 0) failed: {thrown}",
    ]
    assert outcome.stderr.splitlines()[-1] == f"wasmcall: error: {thrown}"
    as_json = cli(
        "call", GUESTS / "wat/bindgen.wasm", "fail", "--str", "", "--trace", "--json", "--engine", engine
    )
    document = json.loads(as_json.stdout)
    assert document["error"]["kind"] == "abort"
    assert [step["step"] for step in document["trace"]] == ["alloc", "write", "host", "call"]
    assert document["trace"][-1]["error"] == thrown


AS_TRACE = r"""(module
  (import "env" "trace" (func $trace (param i32 i32 f64 f64 f64 f64 f64)))
  (memory (export "memory") 1)
  ;; an AssemblyScript string: its byte length at ptr - 4, then UTF-16LE
  (data (i32.const 12) "\0a\00\00\00s\00t\00e\00p\00!\00")
  (func (export "run") (result i32)
    (call $trace (i32.const 16) (i32.const 2) (f64.const 1.5) (f64.const -2) (f64.const 9)
                 (f64.const 0) (f64.const 0))
    (call $trace (i32.const 16) (i32.const 0) (f64.const 0) (f64.const 0) (f64.const 0)
                 (f64.const 0) (f64.const 0))
    (i32.const 7)))
"""


def test_assemblyscript_env_trace_output_is_shown(cli, engine, wat_file: Callable[[str, str], Path]):
    module = wat_file("as-env-trace", AS_TRACE)
    outcome = cli("call", module, "run", "--trace", "--engine", engine)
    assert (outcome.code, outcome.stdout) == (0, "7\n")
    lines, _ = steps_of(outcome.stderr)
    assert lines == [
        "host        env.trace(16, 2, 1.5, -2.0, 9.0, 0.0, 0.0): 'step! 1.5 -2.0'",
        "host        env.trace(16, 0, 0.0, 0.0, 0.0, 0.0, 0.0): 'step!'",
        "call        run() -> 7",
    ]


def test_repl_trace_on_and_off(cli, monkeypatch, engine):
    import io
    import sys

    script = ":trace on\nadd 2 40\n:trace off\nadd 1 1\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(script))
    outcome = cli("repl", GUESTS / "rust/memory.wasm", "--engine", engine)
    assert (outcome.code, outcome.stdout) == (0, "42\n2\n")
    assert steps_of(outcome.stderr)[0] == ["call        add(2, 40) -> 42"]


@pytest.mark.parametrize(
    ("guest", "argv", "last_step"),
    [
        ("wat/canonical.wasm", ["upper", "--str", ""], "post-return cabi_post_upper(1048576 (0x100000))"),
        ("rust/memory.wasm", ["upper_pair", "--str", ""], "free        dealloc(1, 0)"),
    ],
    ids=["canonical-post-return", "rust-dealloc"],
)
def test_an_empty_result_is_still_given_back(cli, engine, guest, argv, last_step):
    outcome = cli("call", GUESTS / guest, *argv, "--trace", "--engine", engine)
    assert (outcome.code, outcome.stdout) == (0, "\n")
    assert steps_of(outcome.stderr)[0][-1] == last_step
