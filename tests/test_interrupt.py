"""Ctrl-C stops a guest that would spin forever, on both engines, with exit 130.

These run the installed entry point in a child process and send it SIGINT,
as a terminal does. The wait is a hang detector, not a speed target.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

SPIN = '(module (func (export "spin") (loop br 0)))'
START_LOOP = '(module (func $s (loop br 0)) (start $s) (func (export "f")))'
HANG_DETECTOR_SECONDS = 20
SETTLE_SECONDS = 1.5


def interrupt(argv: list[str]) -> subprocess.CompletedProcess[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "wasmcall", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(SETTLE_SECONDS)
    assert child.poll() is None, "the guest should still be spinning"
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=HANG_DETECTOR_SECONDS)
    return subprocess.CompletedProcess(argv, child.returncode, stdout, stderr)


@pytest.mark.parametrize(("guest", "export"), [(SPIN, "spin"), (START_LOOP, "f")], ids=["call", "start"])
def test_ctrl_c_stops_a_spinning_guest(
    engine: str, wat_file: Callable[[str, str], Path], guest: str, export: str
) -> None:
    module = wat_file(f"interrupt-{export}", guest)
    done = interrupt(["call", str(module), export, "--engine", engine])
    assert (done.returncode, done.stdout, done.stderr) == (
        130, "", "wasmcall: error: interrupted: the guest was stopped\n"
    )


def test_ctrl_c_with_json_is_an_envelope(engine: str, wat_file: Callable[[str, str], Path]) -> None:
    done = interrupt(["call", str(wat_file("interrupt-spin", SPIN)), "spin", "--json", "--engine", engine])
    assert done.returncode == 130
    assert done.stdout == (
        '{"wasmcall": 1, "error": {"kind": "interrupted", "message": "interrupted: the guest was stopped", '
        '"exit_code": 130}}\n'
    )
