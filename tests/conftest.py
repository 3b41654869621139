"""Shared fixtures: the engines to run on, the bundled guests, inline WAT guests and a CLI runner.

Every test runs real guest modules on real engines. wasmtime runs everywhere;
wasmer only where its wheels work (Python 3.10 and older), and is skipped
with the reason elsewhere.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from wasmcall.cli import main

ROOT = Path(__file__).resolve().parent.parent
RUST_GUEST = ROOT / "guests" / "rust" / "memory.wasm"
WASMER_SKIP_REASON = "wasmer runs only on Python <= 3.10 (no working wheels on newer Pythons)"
# A test that takes longer than this has hung (a deadlocked engine child, say): fail it instead of
# stalling the whole run. The slowest test here takes a few seconds.
HANG_SECONDS = int(os.environ.get("WASMCALL_HANG_SECONDS", "30"))  # raise it for long fuzz runs
PAGE = 65536
# A page whose every byte is known: byte i is i % 251, so NULs sit at multiples of 251
# and the last 24 bytes (65512..65535) hold none.
PATTERN = bytes(i % 251 for i in range(PAGE))


# No per-example deadline: a loaded CI machine must not turn a slow example into a failure.
# In CI (CI=true) the examples are derandomized, so a clean clone passes or fails the same way every run;
# locally hypothesis keeps exploring new examples.
settings.register_profile("wasmcall", deadline=None, derandomize=os.environ.get("CI", "") == "true")
settings.load_profile("wasmcall")


@functools.cache
def wasmer_works() -> bool:
    """Asked of a fresh interpreter: this process stays wasmer-free, so its sessions fork (wasmcall.isolation)."""
    probe = "import wasmer, wasmer_compiler_cranelift"  # the placeholder wheel raises ImportError
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


ENGINES = [
    pytest.param("wasmtime", id="wasmtime"),
    pytest.param(
        "wasmer", id="wasmer", marks=pytest.mark.skipif(not wasmer_works(), reason=WASMER_SKIP_REASON)
    ),
]


def pytest_configure(config: pytest.Config) -> None:
    """SIGTERM and SIGHUP stop the run the way Ctrl-C does, so every fixture's teardown still runs.

    By default they end the interpreter at once, and the guests a test started
    in their own process groups (tests/test_interrupt.py) would keep spinning.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)


class HungTestError(Exception):
    """Raised in the test's main thread when it runs past HANG_SECONDS."""


@pytest.fixture(autouse=True)
def fail_instead_of_hanging() -> Iterator[None]:
    def give_up(signum: int, frame: object) -> None:
        raise HungTestError(f"the test ran for more than {HANG_SECONDS} s; it is probably hung")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each engine in turn (session-scoped, so hypothesis tests may use it)."""
    return request.param


@pytest.fixture(scope="session")
def rust_guest() -> Path:
    """The bundled Rust guest (guests/rust/memory.rs)."""
    assert RUST_GUEST.is_file(), f"missing {RUST_GUEST}; run guests/rust/build.sh"
    return RUST_GUEST


@pytest.fixture(scope="session")
def pattern() -> bytes:
    """The known contents of the first page of every ``pattern_module`` guest."""
    return PATTERN


def data_segment(data: bytes, offset: int = 0) -> str:
    escaped = "".join(f"\\{byte:02x}" for byte in data)
    return f'(data (i32.const {offset}) "{escaped}")'


@pytest.fixture(scope="session")
def wat_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """Write an inline WAT guest to a file once per session and return its path."""
    directory = tmp_path_factory.mktemp("guests")
    written: dict[str, Path] = {}

    def write(name: str, text: str) -> Path:
        if name not in written:
            path = directory / f"{name}.wat"
            path.write_text(text, encoding="utf-8")
            written[name] = path
        assert written[name].read_text(encoding="utf-8") == text, f"two different guests named {name!r}"
        return written[name]

    return write


@pytest.fixture(scope="session")
def wasm_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """Compile an inline WAT guest to a .wasm file once per session (the engines skip the WAT parse)."""
    directory = tmp_path_factory.mktemp("binaries")
    written: dict[str, tuple[str, Path]] = {}

    def write(name: str, text: str) -> Path:
        if name not in written:
            import wasmtime  # the WAT assembler only; lazily, as everywhere

            path = directory / f"{name}.wasm"
            path.write_bytes(wasmtime.wat2wasm(text))
            written[name] = (text, path)
        assert written[name][0] == text, f"two different guests named {name!r}"
        return written[name][1]

    return write


@pytest.fixture(scope="session")
def pattern_module() -> Callable[[str], str]:
    """WAT text of a module with one exported page filled with PATTERN, plus ``body``."""

    segment = data_segment(PATTERN)

    def build(body: str) -> str:
        return f'(module\n  (memory (export "memory") 1)\n  {segment}\n  {body}\n)\n'

    return build


@dataclass(frozen=True)
class Outcome:
    """What one CLI run produced: exit code, stdout (text and bytes) and stderr."""

    code: int
    stdout: str
    stderr: str
    raw: bytes


@pytest.fixture
def cli(capfdbinary: pytest.CaptureFixture[bytes]) -> Callable[..., Outcome]:
    """Run ``wasmcall`` in-process on the given argv; stdout is not a terminal, so output is plain."""

    def run(*argv: object) -> Outcome:
        capfdbinary.readouterr()
        code = main([str(arg) for arg in argv])
        captured = capfdbinary.readouterr()
        return Outcome(
            code,
            captured.out.decode("utf-8", errors="replace"),
            captured.err.decode("utf-8", errors="replace"),
            captured.out,
        )

    return run
