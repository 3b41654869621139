"""Ctrl-C, SIGTERM and SIGHUP stop a guest that would spin forever, on both engines, and leave nothing behind.

These run the real program in a child process and signal it, as a terminal
or a CI runner does. Every child starts in its own process group with SIGINT
at its default (a suite run under ``&`` in a non-interactive shell inherits
SIGINT ignored), and the fixture kills the whole group on teardown, so no
guest is left spinning whatever happens to the test. The waits are hang
detectors, not speed targets.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from tests.conftest import WASMER_SKIP_REASON, wasmer_works

SPIN = '(module (func (export "spin") (loop br 0)))'
START_LOOP = '(module (func $s (loop br 0)) (start $s) (func (export "f")))'
WASI_SPIN = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "spin") (loop br 0)))"""
HANG_DETECTOR_SECONDS = 20
SETTLE_SECONDS = 1.5
STOPS = [
    pytest.param(signal.SIGINT, 130, "interrupted", id="SIGINT"),
    pytest.param(signal.SIGTERM, 143, "terminated", id="SIGTERM"),
    pytest.param(signal.SIGHUP, 129, "hung up", id="SIGHUP"),
]

Spawn = Callable[..., subprocess.Popen[str]]


def default_sigint() -> None:
    """In the child: take SIGINT back to its default, even if this suite runs with it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def group_alive(pgid: int) -> bool:
    """True while any process of the group is alive (zombies waiting for a reaper do not count)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawn]:
    """Start ``python -m wasmcall ARGV`` in its own process group; kill the group on teardown."""
    children: list[subprocess.Popen[str]] = []
    env = {**os.environ, "TMPDIR": str(tmp_path)}

    def start(argv: list[str]) -> subprocess.Popen[str]:
        child = subprocess.Popen(
            [sys.executable, "-m", "wasmcall", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, start_new_session=True, preexec_fn=default_sigint,
        )
        children.append(child)
        return child

    yield start
    for child in children:
        with suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.communicate()


def stop(child: subprocess.Popen[str], signum: int) -> subprocess.CompletedProcess[str]:
    time.sleep(SETTLE_SECONDS)
    assert child.poll() is None, "the guest should still be spinning"
    child.send_signal(signum)
    stdout, stderr = child.communicate(timeout=HANG_DETECTOR_SECONDS)
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


@pytest.mark.parametrize(("signum", "code", "word"), STOPS)
@pytest.mark.parametrize(("guest", "export"), [(SPIN, "spin"), (START_LOOP, "f")], ids=["call", "start"])
def test_a_stop_signal_stops_a_spinning_guest(
    engine: str, wat_file: Callable[[str, str], Path], spawn: Spawn,
    guest: str, export: str, signum: int, code: int, word: str,
) -> None:
    child = spawn(["call", str(wat_file(f"interrupt-{export}", guest)), export, "--engine", engine])
    done = stop(child, signum)
    assert (done.returncode, done.stdout, done.stderr) == (
        code, "", f"wasmcall: error: {word}: the guest was stopped\n"
    )
    assert not group_alive(child.pid), "a process of the run is still alive"


def test_ctrl_c_with_json_is_an_envelope(engine: str, wat_file: Callable[[str, str], Path], spawn: Spawn) -> None:
    done = stop(spawn(["call", str(wat_file("interrupt-spin", SPIN)), "spin", "--json", "--engine", engine]),
                signal.SIGINT)
    assert done.returncode == 130
    assert done.stdout == (
        '{"wasmcall": 1, "error": {"kind": "interrupted", "message": "interrupted: the guest was stopped", '
        '"exit_code": 130}}\n'
    )


@pytest.mark.parametrize(("signum", "code", "word"), STOPS)
def test_a_stopped_wasi_guest_leaves_no_temporary_files(
    engine: str, wat_file: Callable[[str, str], Path], spawn: Spawn, tmp_path: Path,
    signum: int, code: int, word: str,
) -> None:
    done = stop(spawn(["call", str(wat_file("interrupt-wasi", WASI_SPIN)), "spin", "--engine", engine]), signum)
    assert done.returncode == code, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("wasmcall-")) == []


@pytest.mark.skipif(not wasmer_works(), reason=WASMER_SKIP_REASON)
def test_the_wasmer_child_dies_with_its_parent_even_by_sigkill(
    wat_file: Callable[[str, str], Path], spawn: Spawn
) -> None:
    child = spawn(["call", str(wat_file("interrupt-spin", SPIN)), "spin", "--engine", "wasmer"])
    time.sleep(SETTLE_SECONDS)
    assert group_alive(child.pid)
    child.kill()  # SIGKILL to wasmcall alone: no handler runs, its wasmer child must still go
    child.communicate(timeout=HANG_DETECTOR_SECONDS)
    deadline = time.monotonic() + HANG_DETECTOR_SECONDS
    while group_alive(child.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_alive(child.pid), "the wasmer child outlived its parent"
