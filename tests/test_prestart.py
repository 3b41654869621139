"""The wasmer child prestarted at launch (wasmcall/launch.py, wasmcall/forking.py).

When the command line says ``--engine wasmer``, the console script forks the
child before it imports Typer, and the first wasmer session adopts it. What is
checked: the guess itself; that a run then forks exactly once, before any
session opens (the fork is counted by ``os.register_at_fork`` in the launching
process and logged with whether the session module had loaded yet: a child
that was not adopted would show a second fork, made by the session); that the
first session's child is the prestarted one and the next one is forked afresh;
that a wrong guess leaves no process behind; and that the prestarted child,
forked while ``python -m wasmcall`` has the working directory on ``sys.path``,
imports nothing from it.

Every run is a subprocess in its own process group (this test process never
imports wasmer, and a launch ends with ``os._exit``), killed on teardown.
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
from typing import NamedTuple, Optional

import pytest

from tests.conftest import ROOT, WASMER_SKIP_REASON, wasmer_works
from tests.test_interrupt import default_sigint, group_alive
from wasmcall.launch import opens_wasmer_session

GUEST = ROOT / "guests" / "rust" / "memory.wasm"
COMPONENT = ROOT / "guests" / "components" / "types.wasm"
UPPER = ["call", str(GUEST), "upper", "--str", "abc", "--ret", "ptr"]
HANG_DETECTOR_SECONDS = 20
needs_wasmer = pytest.mark.skipif(not wasmer_works(), reason=WASMER_SKIP_REASON)
without_wasmer = pytest.mark.skipif(wasmer_works(), reason="this Python has wasmer")

# The launcher, with every fork of the launching process logged: "-" before any session was opened
# (wasmcall.session not loaded yet), "S" after.
LAUNCH_LOGGING_FORKS = """
import os, sys
launcher = os.getpid()

def log_fork():
    if os.getpid() == launcher:
        log = os.open(os.environ["FORK_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(log, b"S" if "wasmcall.session" in sys.modules else b"-")
        os.close(log)

os.register_at_fork(after_in_parent=log_fork)
sys.argv[0] = "wasmcall"
from wasmcall.launch import run
run()
"""



class Finished(NamedTuple):
    """A run that ended: its pid (also its process group), exit code and output."""

    pid: int
    returncode: int
    stdout: str
    stderr: str


Run = Callable[..., Finished]


@pytest.fixture
def run_group(tmp_path: Path) -> Iterator[Run]:
    """Run a command to its end in its own process group; the group is killed on teardown whatever happens."""
    groups: list[int] = []

    def run(argv: list[str], cwd: Path = tmp_path, env: Optional[dict[str, str]] = None) -> Finished:
        child = subprocess.Popen(
            argv, cwd=cwd, env={**os.environ, "TMPDIR": str(tmp_path), **(env or {})}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=default_sigint,
        )
        groups.append(child.pid)
        stdout, stderr = child.communicate(timeout=HANG_DETECTOR_SECONDS)
        return Finished(child.pid, child.returncode, stdout, stderr)

    yield run
    for pgid in groups:
        with suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)


def group_ends(pgid: int) -> bool:
    """True once no process of the group is left alive (an unused child goes with its parent's exit)."""
    deadline = time.monotonic() + HANG_DETECTOR_SECONDS
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not group_alive(pgid)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["call", "m.wasm", "f", "--engine", "wasmer"], True),
        (["call", "m.wasm", "f", "--engine=wasmer"], True),
        (["repl", "--engine", "wasmer", "m.wasm"], True),
        (["check", "c.toml", "--engine", "wasmer"], True),
        (["check", "c.toml", "--engine", "all"], True),
        (["call", "m.wasm", "f", "--engine", "all"], False),
        (["call", "m.wasm", "f", "--engine", "wasmer", "--engine", "wasmtime"], False),
        (["call", "m.wasm", "f", "--engine", "wasmtime", "--engine=wasmer"], True),
        (["call", "m.wasm", "f"], False),
        (["call", "m.wasm", "f", "--engine"], False),
        (["call", "m.wasm", "f", "--", "--engine", "wasmer"], False),
        (["inspect", "m.wasm", "--engine", "wasmer"], False),
        (["call", "m.wasm", "--engine", "wasmer", "--help"], False),
        (["call", "-h", "--engine", "wasmer"], False),
        (["--engine", "wasmer", "call"], False),
        ([], False),
    ],
    ids=["call", "call-equals", "repl", "check", "check-all", "call-all", "last-wins-wasmtime", "last-wins-wasmer",
         "default", "no-value", "after-dashes", "inspect", "help", "short-help", "before-command", "nothing"],
)
def test_the_guess_reads_the_command_and_its_last_engine(words: list[str], expected: bool) -> None:
    assert opens_wasmer_session(words) is expected


NOT_AN_OPTION = "wasmcall: error: No such option: --bogus (see 'wasmcall call --help')\n"
NO_COMPONENTS = (
    "wasmcall: error: engine 'wasmer' cannot run components (no component model support); use wasmtime\n"
)
NO_WASMER = (
    "wasmcall: error: engine 'wasmer' is not available on this Python (No module named 'wasmer'); wasmer "
    "publishes working wheels only for Python 3.10 and older: run wasmcall with Python 3.10 and `pip install "
    "wasmer wasmer-compiler-cranelift`, or use --engine wasmtime\n"
)


@pytest.mark.parametrize(
    ("words", "outcome", "forks"),
    [
        pytest.param([*UPPER, "--engine", "wasmer"], (0, "ABC\n", ""), "-", marks=needs_wasmer, id="adopted"),
        pytest.param([*UPPER, "--engine=wasmer"], (0, "ABC\n", ""), "-", marks=needs_wasmer, id="adopted-equals"),
        pytest.param([*UPPER, "--engine", "wasmtime"], (0, "ABC\n", ""), "", id="wasmtime-no-fork"),
        pytest.param([*UPPER, "--engine", "wasmer", "--bogus"], (2, "", NOT_AN_OPTION), "-", id="bad-option"),
        pytest.param(["call", str(COMPONENT), "greet", "--str", "Bo", "--engine", "wasmer"],
                     (2, "", NO_COMPONENTS), "-", id="component"),
        pytest.param([*UPPER, "--engine", "wasmer"], (2, "", NO_WASMER), "-", marks=without_wasmer,
                     id="wasmer-missing"),
    ],
)
def test_a_wasmer_run_forks_once_before_its_session_and_leaves_nothing(
    words: list[str], outcome: tuple[int, str, str], forks: str, run_group: Run, tmp_path: Path
) -> None:
    fork_log = tmp_path / "forks"
    done = run_group([sys.executable, "-c", LAUNCH_LOGGING_FORKS, *words], env={"FORK_LOG": str(fork_log)})
    assert (done.returncode, done.stdout, done.stderr) == outcome
    assert (fork_log.read_text() if fork_log.exists() else "") == forks
    assert group_ends(done.pid), "a process of the run outlived it"


def console_script() -> str:
    script = Path(sys.executable).parent / "wasmcall"
    assert script.is_file(), f"no wasmcall console script next to {sys.executable}"
    return str(script)


@pytest.mark.parametrize(
    ("words", "outcome"),
    [
        ([*UPPER, "--engine", "wasmer", "--bogus"], (2, "", NOT_AN_OPTION)),
        (["call", str(COMPONENT), "greet", "--str", "Bo", "--engine", "wasmer"], (2, "", NO_COMPONENTS)),
    ],
    ids=["bad-option", "component"],
)
def test_a_wrong_guess_by_the_console_script_leaves_no_process(
    words: list[str], outcome: tuple[int, str, str], run_group: Run
) -> None:
    done = run_group([console_script(), *words])
    assert (done.returncode, done.stdout, done.stderr) == outcome
    assert group_ends(done.pid), "the prestarted child outlived the run"


# Two wasmer sessions after a prestart: the first adopts the prestarted child, the second forks its own.
TWO_SESSIONS = """
import sys, wasmcall
from wasmcall import forking
forking.prestart_child()
prestarted = forking.prestarted[0][1].pid
forks = []
import os
os.register_at_fork(after_in_parent=lambda: forks.append(1))
add = [wasmcall.PlainValue('40'), wasmcall.PlainValue('2')]
with wasmcall.open_session(sys.argv[1], engine='wasmer') as first:
    print(first.child.pid == prestarted, first.call('add', add).values, len(forks))
with wasmcall.open_session(sys.argv[1], engine='wasmer') as second:
    print(second.child.pid != prestarted, second.call('add', add).values, len(forks), 'wasmer' in sys.modules)
"""


@needs_wasmer
def test_the_first_session_adopts_the_prestarted_child_and_the_next_forks(run_group: Run) -> None:
    done = run_group([sys.executable, "-c", TWO_SESSIONS, str(GUEST)])
    assert (done.returncode, done.stdout, done.stderr) == (0, "True (42,) 0\nTrue (42,) 1 False\n", "")
    assert group_ends(done.pid)


PLANTED = ("wasmer.py", "wasmer_compiler_cranelift.py", "ctypes/__init__.py")


@needs_wasmer
@pytest.mark.parametrize("launch", [[sys.executable, "-m", "wasmcall"], []], ids=["python-m", "console-script"])
def test_the_prestarted_child_imports_nothing_from_the_working_directory(
    launch: list[str], run_group: Run, tmp_path: Path
) -> None:
    """Forked while ``python -m`` still has the working directory first on sys.path: the child cuts it
    before its first import (ctypes, for PR_SET_PDEATHSIG), so none of these is imported."""
    workdir, marker = tmp_path / "work", tmp_path / "imported"
    for name in PLANTED:
        (workdir / name).parent.mkdir(parents=True, exist_ok=True)
        (workdir / name).write_text(f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n")
    done = run_group([*(launch or [console_script()]), *UPPER, "--engine", "wasmer"], cwd=workdir)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ABC\n", "")
    assert not marker.exists(), f"imported from the working directory: {marker.read_text()}"
    assert group_ends(done.pid)
