"""A WASI guest's stdout and exit status: where they go, how they are reported, and --exit-with-guest."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import data_segment

ROOT = Path(__file__).resolve().parent.parent
C = ROOT / "guests" / "c" / "wasi_guest.wasm"
ANSWER = b"the answer is 42\n"
# Prints ANSWER on stdout, then exits with the status it is given (0 ends the call normally).
PRINT_THEN_EXIT = f"""(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  {data_segment(struct.pack("<II", 16, len(ANSWER)), 0)}
  {data_segment(ANSWER, 16)}
  (func (export "main") (param $status i32)
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (local.get $status)))
)"""


@pytest.mark.parametrize(
    ("options", "stdout", "stderr"),
    [
        ((), "HI\n2\n", "[guest stderr] shouted 2 bytes\n"),
        (("--guest-stdout", "stdout"), "HI\n2\n", "[guest stderr] shouted 2 bytes\n"),
        (("--guest-stdout", "stderr"), "2\n", "[guest stdout] HI\n[guest stderr] shouted 2 bytes\n"),
        (("--raw",), "2\n", "[guest stdout] HI\n[guest stderr] shouted 2 bytes\n"),
    ],
    ids=["default-stdout", "stdout", "stderr", "raw-keeps-stdout-for-the-result"],
)
def test_where_the_guest_stdout_goes(
    options: tuple[str, ...], stdout: str, stderr: str, engine: str, cli: Callable
) -> None:
    outcome = cli("call", C, "shout", "--str", "hi", "--engine", engine, *options)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, stdout, stderr)


@pytest.mark.parametrize("reserved", ["--json", "--raw"])
def test_guest_stdout_cannot_share_a_reserved_stdout(reserved: str, cli: Callable) -> None:
    outcome = cli("call", C, "shout", "--str", "hi", reserved, "--guest-stdout", "stdout")
    assert outcome.code == 2
    message = f"--guest-stdout stdout cannot be used with {reserved}, which keeps stdout for the result alone"
    if reserved == "--json":
        assert json.loads(outcome.stdout)["error"]["message"] == message
    else:
        assert outcome.stderr == f"wasmcall: error: {message}\n"


def test_json_keeps_guest_output_and_exit_apart(engine: str, cli: Callable) -> None:
    document = json.loads(cli("call", C, "shout", "--str", "hi", "--json", "--engine", engine).stdout)
    assert (document["values"], document["stdout"], document["stderr"], document["guest_exit"]) == (
        [2], "HI\n", "shouted 2 bytes\n", None
    )


def test_a_clean_proc_exit_is_reported(engine: str, cli: Callable, wat_file: Callable[[str, str], Path]) -> None:
    module = wat_file("print-then-exit", PRINT_THEN_EXIT)
    outcome = cli("call", module, "main", "0", "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, ANSWER.decode(), "")
    document = json.loads(cli("call", module, "main", "0", "--json", "--engine", engine).stdout)
    assert (document["values"], document["stdout"], document["guest_exit"]) == ([], ANSWER.decode(), 0)


@pytest.mark.parametrize(
    ("options", "code"), [((), 3), (("--exit-with-guest",), 7)], ids=["exit-3", "exit-with-guest"]
)
def test_a_failing_exit_shows_what_the_guest_printed(
    options: tuple[str, ...], code: int, engine: str, cli: Callable, wat_file: Callable[[str, str], Path]
) -> None:
    module = wat_file("print-then-exit", PRINT_THEN_EXIT)
    outcome = cli("call", module, "main", "7", "--engine", engine, *options)
    assert (outcome.code, outcome.stdout) == (code, ANSWER.decode())
    assert outcome.stderr == "wasmcall: error: guest exited with code 7 during 'main'\n"
    document = json.loads(cli("call", module, "main", "7", "--json", "--engine", engine, *options).stdout)
    assert document == {
        "wasmcall": 1, "guest_exit": 7, "stdout": ANSWER.decode(),
        "error": {"kind": "exit", "message": "guest exited with code 7 during 'main'", "exit_code": code},
    }


def test_exit_with_guest_changes_nothing_when_the_export_returns(engine: str, cli: Callable) -> None:
    outcome = cli("call", C, "checksum", "--bytes", "1,2,3", "--exit-with-guest", "--engine", engine)
    assert (outcome.code, outcome.stdout) == (0, "6\n")


def test_the_result_starts_its_own_line(cli: Callable) -> None:
    """A guest that prints "hi" without a newline: a newline is added before anything follows."""
    outcome = cli("call", ROOT / "guests" / "components" / "wasi.wasm", "say", '"hi"')
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "hi\n", "")
