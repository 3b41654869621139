"""The hostile corpus: guests that loop, trap, lie about pointers or run out of
memory, and users who mistype. Every case must end in one clear line and the
documented exit code, on every engine — never a traceback, never a hang.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from wasmcall.render import escape_controls

MEMORY = '(memory (export "memory") 1)'
BUMP = """(global $next (mut i32) (i32.const 1024))
  (func (export "alloc") (param $n i32) (result i32)
    (local $p i32) global.get $next local.set $p
    global.get $next local.get $n i32.add global.set $next local.get $p)"""

GUESTS = {
    "spin": f'(module {MEMORY} (func (export "spin") (loop br 0)))',
    "start_loop": '(module (func $s (loop br 0)) (start $s) (func (export "f")))',
    "start_trap": '(module (func $s unreachable) (start $s) (func (export "f")))',
    "init_loop": '(module (func (export "_initialize") (loop br 0)) (func (export "f")))',
    "grow": f'(module {MEMORY} (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))',
    "big_memory": '(module (memory (export "memory") 2000) (func (export "f")))',
    "recurse": '(module (func $r (export "recurse") (param i32) (result i32) local.get 0 call $r))',
    "unreachable": '(module (func (export "boom") unreachable))',
    "divide": '(module (func (export "div") (param i32) (result i32) i32.const 1 local.get 0 i32.div_u))',
    "load_oob": f'(module {MEMORY} (func (export "peek") (result i32) i32.const 70000 i32.load))',
    "null_alloc": f"""(module {MEMORY}
      (func (export "alloc") (param i32) (result i32) i32.const 0)
      (func (export "take") (param i32 i32)))""",
    "wild_alloc": f"""(module {MEMORY}
      (func (export "alloc") (param i32) (result i32) i32.const 65530)
      (func (export "take") (param i32 i32)))""",
    "trapping_alloc": f"""(module {MEMORY}
      (func (export "alloc") (param i32) (result i32) unreachable)
      (func (export "take") (param i32 i32)))""",
    "lying_results": f"""(module {MEMORY} {BUMP}
      (data (i32.const 0) "wasm\\00\\ff\\fe")
      (data (i32.const 100) "\\1b[2J\\1b]0;owned\\07text")
      (data (i32.const 65530) "no-nul")
      (func (export "past_end") (result i32 i32) i32.const 65530 i32.const 100)
      (func (export "past_4gib") (result i32 i32) i32.const -16 i32.const 256)
      (func (export "packed_far") (result i64) i64.const 0x0001000000000010)
      (func (export "no_nul") (result i32) i32.const 65530)
      (func (export "bad_out") (param i32) local.get 0 i32.const 65000 i32.store
        local.get 0 i32.const 4096 i32.store offset=4)
      (func (export "binary") (result i32 i32) i32.const 0 i32.const 7)
      (func (export "escapes") (result i32 i32) i32.const 100 i32.const 18)
      (func (export "take") (param i32 i32)))""",
    "needs_imports": """(module (import "env" "mystery" (func (param i32) (result i32)))
      (import "other" "thing" (func)) (func (export "f")))""",
    "calls_import": """(module (import "env" "mystery" (func $m (param i32) (result i32)))
      (func (export "f")) (func (export "g") (result i32) i32.const 1 call $m))""",
    "exits": """(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1) (func (export "quit") (param i32) local.get 0 call $exit))""",
    "plain": '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))',
}


@dataclass(frozen=True)
class Case:
    """One hostile run: the guest, the arguments, and the promised outcome."""

    guest: str
    argv: tuple[str, ...]
    code: int
    message: str
    engines: tuple[str, ...] = ("wasmtime", "wasmer")
    stdout: str = ""
    per_engine: dict[str, tuple[int, str]] = field(default_factory=dict)


CASES = {
    # Limits: item 1 of the issue.
    "timeout-call": Case("spin", ("spin", "--timeout", "0.3"), 3, "wasmcall: error: timed out after 0.3 s"),
    "timeout-start": Case("start_loop", ("f", "--timeout", "0.3"), 3, "timed out after 0.3 s"),
    "timeout-initialize": Case("init_loop", ("f", "--timeout", "0.3"), 3, "timed out after 0.3 s"),
    "fuel": Case(
        "spin", ("spin", "--fuel", "10000"), 3, "ran out of fuel (10000)",
        per_engine={"wasmer": (2, "engine 'wasmer' cannot meter fuel")},
    ),
    "grow-past-limit": Case("grow", ("grow", "10", "--max-memory", "256KiB"), 0, "", stdout="-1\n"),
    "grow-within-limit": Case("grow", ("grow", "2", "--max-memory", "256KiB"), 0, "", stdout="1\n"),
    "initial-memory-over-limit": Case(
        "big_memory", ("f", "--max-memory", "64MiB"), 3, "wasmcall: error: memory limit 64 MiB exceeded"
    ),
    # Guest misbehaviour: item 2.
    "allocator-returns-null": Case(
        "null_alloc", ("take", "--str", "hi"), 3, "alloc(2) returned a null pointer"
    ),
    "allocator-returns-wild-pointer": Case(
        "wild_alloc", ("take", "--bytes", "1,2,3,4,5,6,7,8,9,10"), 3,
        "alloc(10) result at 0xfffa with length 10 lies outside guest memory (65536 bytes)",
    ),
    "allocator-traps": Case(
        "trapping_alloc", ("take", "--str", "hi"), 3, "while running 'alloc': unreachable instruction executed"
    ),
    "result-past-end": Case(
        "lying_results", ("past_end",), 3, "result at 0xfffa with length 100 lies outside guest memory"
    ),
    "result-past-4gib": Case(
        "lying_results", ("past_4gib",), 3, "result at 0xfffffff0 with length 256 lies outside guest memory"
    ),
    "packed-result-outside": Case(
        "lying_results", ("packed_far", "--ret", "packed"), 3, "result at 0x10000 with length 16 lies outside"
    ),
    "cstr-without-nul": Case(
        "lying_results", ("no_nul", "--ret", "cstr"), 3,
        "string result at 0xfffa has no NUL terminator before the end of memory",
    ),
    "out-pointer-to-outside": Case(
        "lying_results", ("bad_out", "--ret", "out"), 3, "result at 0xfde8 with length 4096 lies outside"
    ),
    "recursion": Case("recurse", ("recurse", "1"), 3, "call stack exhausted"),
    "unreachable": Case("unreachable", ("boom",), 3, "unreachable instruction executed"),
    "divide-by-zero": Case("divide", ("div", "0"), 3, "integer divide by zero"),
    "load-out-of-bounds": Case("load_oob", ("peek",), 3, "out of bounds memory access"),
    "start-traps": Case("start_trap", ("f",), 3, "while running 'start': unreachable instruction executed"),
    "proc-exit-nonzero": Case("exits", ("quit", "7"), 3, "guest exited with code 7 during 'quit'"),
    "proc-exit-zero": Case("exits", ("quit", "0"), 0, ""),
    "non-utf8-result": Case(
        "lying_results", ("binary",), 0, "",
        stdout="00000000  77 61 73 6d 00 ff fe" + " " * 29 + "|wasm...|\n",
    ),
    "missing-imports": Case(
        "needs_imports", ("f",), 4,
        "env.mystery (func (i32) -> i32); other.thing (func () -> ())",
    ),
    "stubbed-import-unused": Case("calls_import", ("f", "--stub-imports"), 0, ""),
    "stubbed-import-called": Case(
        "calls_import", ("g", "--stub-imports"), 3,
        "wasmcall: error: guest called a stubbed import that wasmcall does not provide: env.mystery",
    ),
    # Bad input: item 3.
    "int-not-a-number": Case("plain", ("add", "--i32", "abc", "--i32", "1"), 2, "--i32 'abc': not an integer"),
    "i32-out-of-range": Case(
        "plain", ("add", "--i32", "4294967296", "--i32", "1"), 2, "out of range -2147483648..4294967295"
    ),
    "i64-out-of-range": Case("plain", ("add", "--i64", "-9223372036854775809"), 2, "--i64"),
    "f32-out-of-range": Case("plain", ("add", "--f32", "1e39"), 2, "--f32 '1e39': out of range"),
    "float-garbage": Case("plain", ("add", "--f64", "1.2.3"), 2, "--f64 '1.2.3': not a number"),
    "plain-value-garbage": Case("plain", ("add", "1", "two"), 2, "--i32 'two': not an integer"),
    "byte-out-of-range": Case("plain", ("add", "--bytes", "1,256"), 2, "item 2 (256) is out of range 0..255"),
    "byte-list-hole": Case("plain", ("add", "--bytes", "1,,2"), 2, "item 2 ('') is not a number"),
    "odd-hex": Case("plain", ("add", "--hex", "abc"), 2, "--hex 'abc': odd number of hex digits"),
    "not-hex": Case("plain", ("add", "--hex", "zz"), 2, "--hex 'zz': not hex"),
    "bad-base64": Case("plain", ("add", "--b64", "!!!"), 2, "--b64 '!!!': not valid base64"),
    "missing-file": Case("plain", ("add", "--file", "/nonexistent/input.bin"), 2, "no such file"),
    "directory-as-file": Case("plain", ("add", "--file", "/"), 2, "--file '/': is a directory"),
    "negative-timeout": Case("plain", ("add", "1", "2", "--timeout", "-1"), 2, "must be a positive number"),
    "nonsense-timeout": Case("plain", ("add", "1", "2", "--timeout", "soon"), 2, "expected a number of seconds"),
    "nonsense-memory": Case("plain", ("add", "1", "2", "--max-memory", "lots"), 2, "expected a size like"),
    "zero-fuel": Case("plain", ("add", "1", "2", "--fuel", "0"), 2, "--fuel"),
    "unknown-option": Case("plain", ("add", "1", "2", "--frobnicate"), 2, "No such option: --frobnicate"),
    "bad-env": Case("plain", ("add", "1", "2", "--env", "NOEQUALS"), 2, "--env 'NOEQUALS': expected KEY=VALUE"),
    "bad-dir": Case("plain", ("add", "1", "2", "--dir", "/nonexistent"), 2, "is not a directory"),
    "ret-len-index": Case("plain", ("add", "1", "2", "--ret", "ptr", "--ret-len", "@5"), 2, "--ret"),
}

MODULE_CASES = {
    "empty": (b"", 4, "empty file, not a wasm module"),
    "garbage": (b"\x89PNG\r\n\x1a\n\x00\x00", 4, "not a wasm module (no \\0asm header) and not WAT text"),
    "truncated": (b"\x00asm\x01\x00\x00\x00\x01", 4, "not a valid wasm module"),
    "bad-version": (b"\x00asm\x02\x00\x00\x00", 4, "not a valid wasm module"),
    "text-not-wat": (b"hello, I am a README\n", 4, "not a wasm module (no \\0asm header) and not WAT text"),
    "broken-wat": (b"(module (func (export \"f\") i32.add)", 4, "not a valid wasm module"),
}


def expected_for(case: Case, engine: str) -> tuple[int, str]:
    return case.per_engine.get(engine, (case.code, case.message))


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_hostile_case(name: str, engine: str, cli: Callable, wat_file: Callable[[str, str], Path]) -> None:
    case = CASES[name]
    module = wat_file(case.guest, GUESTS[case.guest])
    code, message = expected_for(case, engine)
    outcome = cli("call", module, *case.argv, "--engine", engine)
    assert outcome.code == code, outcome.stderr
    if code == 0:
        assert outcome.stdout == case.stdout
        assert outcome.stderr == ""
        return
    lines = outcome.stderr.splitlines()
    if len(lines) > 1:  # a trap deeper than one frame: its backtrace, indented, after the one line
        assert lines[1] == "  wasm backtrace, innermost first:" and case.code == 3, outcome.stderr
        assert all(line.startswith("    ") for line in lines[2:]), outcome.stderr
    assert lines[0].startswith("wasmcall: error: ")
    assert message in lines[0]
    assert outcome.stdout == ""


@pytest.mark.parametrize("name", list(MODULE_CASES), ids=list(MODULE_CASES))
def test_broken_module(name: str, engine: str, cli: Callable, tmp_path: Path) -> None:
    content, code, message = MODULE_CASES[name]
    module = tmp_path / ("broken.wat" if name == "broken-wat" else "broken.wasm")
    module.write_bytes(content)
    outcome = cli("call", module, "f", "--engine", engine)
    assert outcome.code == code
    assert outcome.stderr.count("\n") == 1
    assert message in outcome.stderr


def test_json_and_raw_together_is_a_json_usage_error(cli: Callable, wat_file: Callable[[str, str], Path]) -> None:
    """With --json even a usage error comes back as the JSON error envelope."""
    outcome = cli("call", wat_file("plain", GUESTS["plain"]), "add", "1", "2", "--json", "--raw")
    assert outcome.code == 2
    assert json.loads(outcome.stdout) == {
        "wasmcall": 1,
        "error": {"kind": "usage", "message": "--json and --raw cannot be used together", "exit_code": 2},
    }
    assert outcome.stderr == ""


def test_module_path_is_a_directory(cli: Callable, tmp_path: Path) -> None:
    outcome = cli("call", tmp_path, "f")
    assert (outcome.code, outcome.stderr) == (2, f"wasmcall: error: {tmp_path}: is a directory, not a module\n")


def test_huge_trap_message_is_truncated(engine: str, cli: Callable, wat_file: Callable[[str, str], Path]) -> None:
    """wasmer's stack-overflow message ran to 14.7 MB; what the user sees stays short: one line and a
    backtrace whose identical frames are one line."""
    outcome = cli("call", wat_file("recurse", GUESTS["recurse"]), "recurse", "1", "--engine", engine)
    assert outcome.code == 3
    assert len(outcome.stderr) < 600


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a file whatever its mode")
def test_unreadable_file(cli: Callable, wat_file: Callable[[str, str], Path], tmp_path: Path) -> None:
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"x")
    secret.chmod(0)
    outcome = cli("call", wat_file("plain", GUESTS["plain"]), "add", "--file", secret)
    assert (outcome.code, outcome.stderr) == (2, f"wasmcall: error: --file '{secret}': permission denied\n")


def test_terminal_escapes_are_shown_not_obeyed() -> None:
    """On a terminal guest text is escaped; a guest cannot clear the screen or retitle the window."""
    shown = escape_controls("\x1b[2J\x1b]0;owned\x07text\nnext\tcol")
    assert shown == "\\x1b[2J\\x1b]0;owned\\x07text\nnext\tcol"


def test_raw_output_keeps_escapes(engine: str, cli: Callable, wat_file: Callable[[str, str], Path]) -> None:
    module = wat_file("lying_results", GUESTS["lying_results"])
    outcome = cli("call", module, "escapes", "--raw", "--engine", engine)
    assert (outcome.code, outcome.raw) == (0, b"\x1b[2J\x1b]0;owned\x07text")


def test_input_file_is_only_read(
    engine: str, cli: Callable, wat_file: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """Nothing the user gave is changed: the input file keeps its bytes and its mtime."""
    data = tmp_path / "input.bin"
    data.write_bytes(bytes(range(256)))
    before = data.stat()
    module = wat_file("lying_results", GUESTS["lying_results"])
    outcome = cli("call", module, "take", "--file", data, "--engine", engine)
    assert outcome.code == 0
    assert data.read_bytes() == bytes(range(256))
    assert data.stat().st_mtime_ns == before.st_mtime_ns
