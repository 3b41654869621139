"""``--repeat N``: timing and the leak check, on a guest that leaks and one that does not, both engines.

The inline guest has a real allocator (64-byte blocks on a free list, so what
is given back is handed out again): ``clean`` returns a copy of its input and
borrows the input; ``leaky`` does the same but keeps a scratch block per call.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ERROR = "wasmcall: error: "
TIMES = re.compile(r"^time per call: min \d+\.\d{3} ms · median \d+\.\d{3} ms · max \d+\.\d{3} ms$")
LEAKY = """(module
  (memory (export "memory") 1)
  (global $head (mut i32) (i32.const 0))
  (global $top (mut i32) (i32.const 1024))
  ;; 64-byte blocks on a free list: an allocator that reuses what it is given back
  (func $alloc (export "alloc") (param $size i32) (result i32) (local $p i32)
    (if (global.get $head)
      (then (local.set $p (global.get $head))
            (global.set $head (i32.load (local.get $p)))
            (return (local.get $p))))
    (local.set $p (global.get $top))
    (global.set $top (i32.add (global.get $top) (i32.const 64)))
    (local.get $p))
  (func (export "dealloc") (param $ptr i32) (param $len i32)
    (i32.store (local.get $ptr) (global.get $head))
    (global.set $head (local.get $ptr)))
  (func $copy (param $ptr i32) (param $len i32) (result i32 i32) (local $r i32)
    (local.set $r (call $alloc (local.get $len)))
    (memory.copy (local.get $r) (local.get $ptr) (local.get $len))
    (local.get $r) (local.get $len))
  (func (export "clean") (param i32 i32) (result i32 i32) (call $copy (local.get 0) (local.get 1)))
  (func (export "leaky") (param i32 i32) (result i32 i32)
    (drop (call $alloc (i32.const 8)))
    (call $copy (local.get 0) (local.get 1))))
"""
NO_LEAK = "no leak seen: addresses are reused and memory did not grow after the first call"


@pytest.fixture
def leaky(wat_file: Callable[[str, str], Path]) -> Path:
    return wat_file("leak-check", LEAKY)


def report_of(stderr: str) -> list[str]:
    """The report's lines, the timing line checked for shape and left out (times vary)."""
    lines = stderr.splitlines()
    assert TIMES.match(lines[1]), lines[1]
    return [lines[0], *lines[2:]]


@pytest.mark.parametrize(
    ("export", "flags", "drift", "verdict"),
    [
        ("clean", ["--free-inputs"], "pointer drift: +0 bytes per call (0x440 → 0x440)", NO_LEAK),
        (
            "clean", [], "pointer drift: +64 bytes per call (0x480 → 0x900)",
            "leak: 64 bytes not freed per call: the input buffer (2 bytes) — the export does not free it; "
            "pass --free-inputs if it only borrows",
        ),
        (
            "leaky", ["--free-inputs"], "pointer drift: +64 bytes per call (0x4c0 → 0x940)",
            "leak: 64 bytes not freed per call: the host freed everything it owns, so the guest itself keeps them",
        ),
    ],
    ids=["borrowing-guest-freed-inputs", "input-never-freed", "guest-keeps-memory"],
)
def test_leak_report(cli, leaky, engine, export, flags, drift, verdict):
    outcome = cli("call", leaky, export, "--str", "hi", "--repeat", "20", *flags, "--engine", engine)
    assert (outcome.code, outcome.stdout) == (0, "hi\n")
    freed = 40 if flags else 0
    assert report_of(outcome.stderr) == [
        f"repeat: 20 calls of {export} on {engine}",
        "memory: 1 pages before, 1 after",
        f"host buffers: 40 bytes allocated, {freed} freed by the host",
        "results: 20 of 20 freed",
        drift,
        verdict,
    ]


def test_expect_no_leak_fails_a_leaking_guest(cli, leaky, engine):
    outcome = cli(
        "call", leaky, "leaky", "--str", "hi", "--repeat", "5", "--free-inputs", "--expect-no-leak",
        "--engine", engine,
    )
    assert (outcome.code, outcome.stdout) == (1, "hi\n")
    leak = "64 bytes not freed per call: the host freed everything it owns, so the guest itself keeps them"
    assert outcome.stderr.splitlines()[-3:] == [
        f"{ERROR}--expect-no-leak failed: {leak}",
        "  expected: 'no leak'",
        f"  actual:   {leak!r}",
    ]


def test_expect_no_leak_passes_a_clean_guest(cli, rust_guest, engine):
    """The Rust guest's upper_pair borrows its input: freed with --free-inputs, dlmalloc reuses every block."""
    outcome = cli(
        "call", rust_guest, "upper_pair", "--str", "hello", "--repeat", "30", "--free-inputs", "--expect-no-leak",
        "--engine", engine,
    )
    assert (outcome.code, outcome.stdout) == (0, "HELLO\n")
    assert report_of(outcome.stderr)[-1] == NO_LEAK


def test_the_dlmalloc_input_leak_is_16_bytes_per_call(cli, rust_guest, engine):
    """The issue's example: upper_pair only borrows, so without --free-inputs each 5-byte input keeps a
    16-byte dlmalloc chunk."""
    outcome = cli("call", rust_guest, "upper_pair", "--str", "hello", "--repeat", "10", "--engine", engine)
    assert report_of(outcome.stderr)[-1] == (
        "leak: 16 bytes not freed per call: the input buffer (5 bytes) — the export does not free it; "
        "pass --free-inputs if it only borrows"
    )


def test_repeat_json(cli, leaky, engine):
    outcome = cli("call", leaky, "clean", "--str", "hi", "--repeat", "4", "--json", "--engine", engine)
    assert (outcome.code, outcome.stderr) == (0, "")
    document = json.loads(outcome.stdout)
    repeat = document.pop("repeat")
    times = repeat.pop("ms")
    assert 0 <= times["min"] <= times["median"] <= times["max"]
    assert repeat == {
        "calls": 4, "pages_before": 1, "pages_after": 1, "host_allocated": 8, "host_freed": 0,
        "results_read": 4, "results_freed": 4, "drift": 64.0,
        "leak": "64 bytes not freed per call: the input buffer (2 bytes) — the export does not free it; "
        "pass --free-inputs if it only borrows",
    }
    assert document["result"]["text"] == "hi" and "trace" not in document


def test_expect_no_leak_needs_repeat(cli, leaky):
    outcome = cli("call", leaky, "clean", "--str", "hi", "--expect-no-leak")
    assert (outcome.code, outcome.stderr) == (
        2, f"{ERROR}--expect-no-leak needs --repeat N with N of 2 or more (a leak shows across calls)\n"
    )


def test_repeat_in_the_repl_runs_on_the_live_instance(cli, leaky, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("clean --str hi --repeat 3 --free-inputs\nclean --str yo\n"))
    outcome = cli("repl", leaky)
    assert (outcome.code, outcome.stdout) == (0, "hi\nyo\n")
    assert report_of(outcome.stderr)[0] == "repeat: 3 calls of clean on wasmtime"


def test_assemblyscript_objects_are_judged_by_memory_growth_only(cli, engine):
    from tests.conftest import ROOT

    guest = ROOT / "guests" / "assemblyscript" / "strings.wasm"
    outcome = cli("call", guest, "shout", "--str", "hi", "--repeat", "50", "--engine", engine)
    assert outcome.code == 0
    assert report_of(outcome.stderr)[-2:] == [
        "pointer drift: not judged (the guest's garbage collector frees when it likes)",
        "no leak seen: memory did not grow after the first call",
    ]


def test_progress_bar_only_on_a_terminal_for_long_runs(monkeypatch):
    from wasmcall.repeat_output import PROGRESS_FROM, progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with progress(PROGRESS_FROM - 1) as advance:
        assert advance is None
    with progress(PROGRESS_FROM) as advance:
        assert advance is not None
        for _ in range(PROGRESS_FROM):
            advance()
    assert "calling" in screen.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: no bar however long
    with progress(10 * PROGRESS_FROM) as advance:
        assert advance is None
