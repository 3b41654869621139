"""``wasmcall repl``: one instance, many lines; piped scripts with exact output, and a real terminal.

Piped runs go through ``main`` in-process with ``sys.stdin`` replaced by the
script. Terminal runs spawn the entry point under a pseudo-terminal
(pexpect) and are always killed in ``finally``.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ERROR = "wasmcall: error: "
SETTLE_SECONDS = 1.0
COUNTER = """(module
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 0))
  (global (export "buffer") i32 (i32.const 1024))
  (global (export "ratio") f64 (f64.const 1.5))
  (data (i32.const 1024) "hello, memory")
  (func (export "bump") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.get $count))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "boom") unreachable)
  (func (export "spin") (loop br 0)))
"""


@pytest.fixture
def counter(wat_file: Callable[[str, str], Path]) -> Path:
    return wat_file("repl-counter", COUNTER)


@pytest.fixture
def repl(cli, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """Run ``wasmcall repl ARGS`` with ``script`` piped on stdin."""

    def run(script: str, *argv: object) -> object:
        monkeypatch.setattr(sys, "stdin", io.StringIO(script))
        return cli("repl", *argv)

    return run


def test_state_persists_and_reset_starts_afresh(repl, counter, engine):
    outcome = repl("bump\nbump\n:reset\nbump\n", counter, "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "1\n2\n1\n", "")


def test_an_error_line_does_not_stop_the_repl_but_sets_the_exit_status(repl, counter, engine):
    outcome = repl("bump\nnope\nboom\nadd 2\nbump\nadd 2 40\n", counter, "--engine", engine)
    assert outcome.code == 1
    assert outcome.stdout == "1\n2\n42\n"  # the trap did not reset the instance: the count goes on
    assert outcome.stderr.splitlines() == [
        f"{ERROR}no function export 'nope' (exports: bump, add, boom, spin)",
        f"{ERROR}guest trapped in wasm function 'func[2]' while running 'boom': unreachable instruction executed",
        f"{ERROR}wrong number of values: export 'add' is (i32, i32) -> i32; given 1",
    ]


def test_lines_use_the_call_grammar(repl, rust_guest, engine):
    script = "upper --str 'two words' --ret ptr\nupper_pair --hex 00ff\nadd -- -7 2\nadd --i32 1 --i32 2 --json\n"
    outcome = repl(script, rust_guest, "--engine", engine)
    assert outcome.code == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    assert lines[:3] == ["TWO WORDS", "00000000  00 ff" + " " * 42 + "  |..|", "-5"]
    assert '"export": "add"' in lines[3] and '"values": [3]' in lines[3]


def test_mem_dumps_at_a_number_or_a_global(repl, counter, engine):
    outcome = repl(":mem buffer 16\n:mem 0x402 4\n:mem 65532\n", counter, "--engine", engine)
    assert (outcome.code, outcome.stderr) == (0, "")
    assert outcome.stdout.splitlines() == [
        "00000400  68 65 6c 6c 6f 2c 20 6d 65 6d 6f 72 79 00 00 00  |hello, memory...|",
        "00000402  6c 6c 6f 2c" + " " * 36 + "  |llo,|",
        "0000fffc  00 00 00 00" + " " * 36 + "  |....|",  # the default length stops at the end of memory
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (":mem ratio", ":mem 'ratio': the global is f64, not an i32 address"),
        (":mem nothing", ":mem 'nothing': not a number nor an exported i32 global (i32 globals: buffer)"),
        (":mem 65535 2", "read at 0xffff with length 2 lies outside guest memory (65536 bytes)"),
        (":mem", "usage: :mem ADDR [LEN]"),
        (":mem 0 -1", ":mem length '-1': expected a byte count"),
        (":trace maybe", ":trace expects 'on' or 'off'"),
        (":frobnicate", "unknown command ':frobnicate' (:help lists the commands)"),
        (
            "add 1 2 --engine wasmer",
            "--engine is fixed for the whole REPL: give it to 'wasmcall repl MODULE --engine ...'",
        ),
        ("add --file -", "--file - (standard input) cannot be used in the REPL: stdin holds the lines"),
        ("add 'unclosed", "cannot split the line into words: No closing quotation"),
        ("add 1 2 --bogus", "No such option: --bogus (see 'wasmcall call --help')"),
    ],
    ids=["f64-global", "no-such-global", "out-of-bounds", "mem-usage", "negative-length", "trace-usage",
         "unknown-command", "session-flag", "stdin-file", "bad-quoting", "unknown-option"],
)
def test_bad_lines_are_one_error_each(repl, counter, line, message):
    outcome = repl(f"{line}\nbump\n", counter)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (1, "1\n", f"{ERROR}{message}\n")


def test_globals_and_exports(repl, counter, engine):
    outcome = repl("bump\n:globals\n:exports\n", counter, "--engine", engine)
    assert (outcome.code, outcome.stderr) == (0, "")
    assert outcome.stdout.splitlines() == [
        "1",
        "buffer  i32  1024 (0x400)",
        "ratio   f64  1.5",
        "memory  memory",
        "buffer  global",
        "ratio   global",
        "bump    func () -> i32",
        "add     func (i32, i32) -> i32",
        "boom    func () -> ()",
        "spin    func () -> ()",
    ]


def test_quit_stops_reading(repl, counter):
    outcome = repl("bump\n:quit\nbump\n", counter)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "1\n", "")


def test_help_lists_every_command(repl, counter):
    from wasmcall.repl import META_COMMANDS

    outcome = repl(":help\n", counter)
    assert outcome.code == 0
    assert [line.split()[0] for line in outcome.stdout.splitlines()[1:]] == list(META_COMMANDS)


def test_a_module_that_does_not_load_is_exit_4(repl, tmp_path):
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\0asm\x01\0\0\0\xff")
    outcome = repl("bump\n", bad)
    assert outcome.code == 4 and outcome.stdout == ""
    assert outcome.stderr.startswith(f"{ERROR}{bad}: not a valid wasm module")


def test_a_timeout_stops_one_line_and_the_repl_goes_on(repl, counter, engine):
    outcome = repl("bump\nspin\nbump\n", counter, "--engine", engine, "--timeout", "0.3")
    assert outcome.code == 1
    restarted = "wasmcall: the engine's child process was stopped; starting a fresh instance\n"
    # wasmer's instance dies with its child process, so the count starts again there
    assert outcome.stdout == ("1\n2\n" if engine == "wasmtime" else "1\n1\n")
    assert outcome.stderr == f"{ERROR}timed out after 0.3 s\n" + (
        restarted if engine == "wasmer" else ""
    )


# ---------------------------------------------------------------- on a real terminal


def pexpect_module():
    return pytest.importorskip("pexpect")


@pytest.fixture
def terminal(counter: Path, tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Spawn ``wasmcall repl`` under a pseudo-terminal; the child is killed whatever happens."""
    pexpect = pexpect_module()
    children = []

    def spawn(*argv: str) -> object:
        env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "TERM": "dumb"}
        child = pexpect.spawn(
            sys.executable, ["-m", "wasmcall", "repl", str(counter), *argv], env=env, encoding="utf-8", timeout=15,
        )
        children.append(child)
        child.expect_exact("wasmcall> ")
        return child

    try:
        yield spawn
    finally:
        for child in children:
            child.close(force=True)


def test_tab_completes_exports_meta_commands_and_options(terminal):
    child = terminal()
    child.send("bu\t")
    child.expect_exact("bump")
    child.send("\r")
    child.expect_exact("1\r\n")
    child.expect_exact("wasmcall> ")
    child.send(":glo\t")
    child.expect_exact(":globals")
    child.send("\r")
    child.expect_exact("buffer  i32  1024 (0x400)")
    child.expect_exact("wasmcall> ")
    child.send("add --i3\t")
    child.expect_exact("--i32")
    child.sendcontrol("c")  # Ctrl-C at the prompt drops the line, not the REPL
    child.expect_exact("wasmcall> ")
    child.sendline(":quit")
    child.expect(pexpect_module().EOF)


def test_ctrl_c_stops_the_call_not_the_repl_and_history_is_kept(terminal, engine, tmp_path):
    child = terminal("--engine", engine)
    child.sendline("bump")
    child.expect_exact("1\r\n")
    child.expect_exact("wasmcall> ")
    child.sendline("spin")
    child.expect_exact("spin\r\n")
    time.sleep(SETTLE_SECONDS)
    assert child.isalive()
    child.sendintr()
    child.expect_exact("wasmcall: error: interrupted: the guest was stopped")
    child.expect_exact("wasmcall> ")
    child.sendline("bump")
    child.expect_exact("2\r\n" if engine == "wasmtime" else "1\r\n")  # wasmer's child (and state) is new
    child.expect_exact("wasmcall> ")
    child.sendeof()
    child.expect(pexpect_module().EOF)
    child.close()
    assert (child.exitstatus, child.signalstatus) == (0, None)
    history = (tmp_path / "state" / "wasmcall" / "history").read_text()
    assert history.split() == ["bump", "spin", "bump"]


def test_a_json_line_that_fails_is_an_error_envelope(repl, counter):
    outcome = repl("add 1 --json\nadd 1 2 --json\n", counter)
    assert (outcome.code, outcome.stderr) == (1, "")
    error, result = (json.loads(line) for line in outcome.stdout.splitlines())
    assert error["error"]["kind"] == "signature"
    assert result["values"] == [3]
