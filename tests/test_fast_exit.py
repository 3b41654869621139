"""The console script ends with ``os._exit`` (wasmcall/launch.py): nothing it printed may be lost.

Each test runs the real installed program in a subprocess with both streams
piped (block-buffered, so an unflushed byte would go missing) and compares
everything it wrote, and its exit code, exactly.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_entry_point import console_script

BIG = 3 * 1024 * 1024 + 17  # several pipe buffers and an odd tail


def run(argv: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, input=stdin, capture_output=True, timeout=60, env={"PATH": "/usr/bin:/bin"})


def programs() -> list[list[str]]:
    return [[console_script()], [sys.executable, "-m", "wasmcall"]]


PROGRAMS = pytest.mark.parametrize("program", programs(), ids=["console-script", "python-m"])


@PROGRAMS
@pytest.mark.parametrize("mode", [["--raw"], []], ids=["raw", "plain"])
def test_a_big_result_reaches_a_pipe_whole(program: list[str], mode: list[str], rust_guest: Path) -> None:
    completed = run([*program, "call", str(rust_guest), "upper", "--file", "-", "--ret", "ptr", *mode], b"q" * BIG)
    newline = b"" if mode else b"\n"
    assert (completed.returncode, completed.stderr) == (0, b"")
    assert completed.stdout == b"Q" * BIG + newline


@PROGRAMS
def test_a_big_json_result_reaches_a_pipe_whole(program: list[str], rust_guest: Path) -> None:
    import json

    words = ["call", str(rust_guest), "upper", "--file", "-", "--ret", "ptr", "--json"]
    completed = run([*program, *words], b"z" * BIG)
    assert (completed.returncode, completed.stderr) == (0, b"")
    assert json.loads(completed.stdout)["result"]["text"] == "Z" * BIG


@PROGRAMS
@pytest.mark.parametrize(
    ("words", "code", "stdout", "stderr"),
    [
        (["add", "2", "40"], 0, b"42\n", b""),
        (["nope"], 2, b"", b"wasmcall: error: no function export 'nope' (exports: alloc, dealloc, array_sum, "
         b"upper, upper_pair, upper_packed, upper_out, hello_cstr, add, mul_i64, scale, negate_f32)\n"),
        (["add", "1", "1", "--expect", "3"], 1, b"2\n",
         b"wasmcall: error: --expect failed: results differ at character 0 (expected 1 character, got 1)\n"
         b"  expected: '3'\n  actual:   '2'\n             ^\n"),
        (["add", "--bogus"], 2, b"", b"wasmcall: error: No such option: --bogus (see 'wasmcall call --help')\n"),
    ],
    ids=["ok", "unknown-export", "expect-failed", "usage-error"],
)
def test_exit_codes_and_both_streams_survive(
    program: list[str], words: list[str], code: int, stdout: bytes, stderr: bytes, rust_guest: Path
) -> None:
    completed = run([*program, "call", str(rust_guest), *words])
    assert (completed.returncode, completed.stdout, completed.stderr) == (code, stdout, stderr)


@PROGRAMS
def test_version_and_help_exit_zero_with_full_output(program: list[str]) -> None:
    import wasmcall

    version = run([*program, "--version"])
    expected = (0, f"wasmcall {wasmcall.__version__}\n".encode(), b"")
    assert (version.returncode, version.stdout, version.stderr) == expected
    help_text = run([*program, "call", "--help"])
    assert (help_text.returncode, help_text.stderr) == (0, b"")
    from wasmcall.cli import CALL_EXAMPLES

    last_example = CALL_EXAMPLES.splitlines()[-1].strip().encode()
    assert help_text.stdout.rstrip().endswith(last_example)  # the help's very last line: nothing cut off


def test_a_closed_pipe_is_not_an_error(rust_guest: Path) -> None:
    """``wasmcall ... | head -c 5``: like before the fast exit, status 0 and nothing on stderr."""
    program = [console_script(), "call", str(rust_guest), "upper", "--file", "-", "--ret", "ptr", "--raw"]
    with subprocess.Popen(program, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdin is not None and child.stdout is not None and child.stderr is not None
        child.stdin.write(b"a" * BIG)
        child.stdin.close()
        assert child.stdout.read(5) == b"AAAAA"
        child.stdout.close()
        stderr = child.stderr.read()
        assert (child.wait(timeout=60), stderr) == (0, b"")
