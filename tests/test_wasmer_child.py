"""The wasmer child (wasmcall/isolation.py) and wasmer's compile cache (wasmcall/engines/wasmer_cache.py).

The child is forked from a process that has never imported wasmer; it must
still be isolated like ``python -I``, survive the thread that opened its
session, and fall back to a fresh interpreter when the host did import wasmer.
The cache must shrug off truncated, corrupted and concurrently written files.
This test process itself never imports wasmer (see conftest.wasmer_works), so
the in-process sessions here take the fork path; whatever needs wasmer
imported runs in a subprocess.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import wasmcall
from tests.conftest import WASMER_SKIP_REASON, wasmer_works

pytestmark = pytest.mark.skipif(not wasmer_works(), reason=WASMER_SKIP_REASON)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private cache directory for this test (forked children inherit the environment)."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("WASMCALL_CACHE_DIR", str(directory))
    monkeypatch.delenv("WASMCALL_NO_CACHE", raising=False)
    yield directory


def call_upper(guest: Path, text: str = "abc") -> bytes:
    with wasmcall.open_session(guest, engine="wasmer") as session:
        result = session.call("upper", [wasmcall.parse_argument(wasmcall.ArgKind.STR, text)],
                              result=wasmcall.ResultSpec(wasmcall.ResultKind.PTR))
    assert result.result is not None
    return result.result.data


def artifacts(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.bin"))


def run_python(program: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter: other tests may have imported wasmer into this one (then sessions cannot fork)."""
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)


ADD = "s.call('add', [wasmcall.PlainValue('40'), wasmcall.PlainValue('2')]).values"


def test_sessions_fork_from_a_wasmer_free_process(rust_guest: Path, cache_dir: Path) -> None:
    program = (
        "import sys, wasmcall\n"
        f"with wasmcall.open_session({str(rust_guest)!r}, engine='wasmer') as s:\n"
        f"    print(s.child.process is None, {ADD}, 'wasmer' in sys.modules)"
    )
    completed = run_python(program)
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "True (42,) False\n", "")


def test_a_host_that_imported_wasmer_gets_a_fresh_interpreter(rust_guest: Path, cache_dir: Path) -> None:
    program = (
        "import sys, wasmer, wasmcall\n"
        f"with wasmcall.open_session({str(rust_guest)!r}, engine='wasmer') as s:\n"
        f"    print(s.child.process is not None, {ADD})"
    )
    completed = run_python(program)
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "True (42,)\n", "")


def test_a_session_outlives_the_thread_that_opened_it(rust_guest: Path, cache_dir: Path) -> None:
    """PR_SET_PDEATHSIG follows the forking thread: children are forked by a long-lived spawner thread."""
    program = (
        "import threading, time, wasmcall\n"
        "opened = []\n"
        f"thread = threading.Thread(target=lambda: opened.append(wasmcall.open_session({str(rust_guest)!r}, "
        "engine='wasmer')))\n"
        "thread.start(); thread.join(); time.sleep(0.2)\n"
        "with opened[0] as s:\n"
        f"    print(s.child.process is None, {ADD})"
    )
    completed = run_python(program)
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "True (42,)\n", "")


@pytest.mark.parametrize("program", [["-m", "wasmcall"], ["-c", "from wasmcall.launch import run; run()"]],
                         ids=["python-m", "python-c"])
def test_the_child_imports_nothing_from_the_working_directory_or_pythonpath(
    program: list[str], rust_guest: Path, tmp_path: Path
) -> None:
    """A ``wasmer.py`` in the working directory or on PYTHONPATH would be imported by a child that kept them."""
    workdir, extra, marker = tmp_path / "work", tmp_path / "extra", tmp_path / "hijacked"
    for directory in (workdir, extra):
        directory.mkdir()
        for name in ("wasmer", "wasmer_compiler_cranelift"):
            (directory / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    env = {**os.environ, "PYTHONPATH": str(extra)}
    argv = [sys.executable, *program, "call", str(rust_guest), "upper", "--str", "abc", "--ret", "ptr",
            "--engine", "wasmer"]
    completed = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=60)
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "ABC\n", "")
    assert not marker.exists()


def test_the_cache_is_private_and_holds_one_artifact_per_module(rust_guest: Path, cache_dir: Path) -> None:
    assert call_upper(rust_guest) == b"ABC"
    assert call_upper(rust_guest, "second") == b"SECOND"
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert len(artifacts(cache_dir)) == 1


def test_a_cache_directory_others_can_write_is_not_used(rust_guest: Path, cache_dir: Path) -> None:
    cache_dir.mkdir(mode=0o777)
    cache_dir.chmod(0o777)
    assert call_upper(rust_guest) == b"ABC"
    assert artifacts(cache_dir) == []


def damage_truncate(content: bytes) -> bytes:
    return content[: len(content) // 2]


def damage_flip(content: bytes) -> bytes:
    middle = len(content) // 2
    return content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1:]


def damage_header(content: bytes) -> bytes:
    return content[:10]


@pytest.mark.parametrize(
    "damage",
    [damage_truncate, damage_flip, damage_header, lambda content: b"", lambda content: os.urandom(len(content))],
    ids=["truncated", "one-byte-flipped", "header-only", "empty", "random"],
)
def test_a_damaged_cache_file_is_replaced_not_loaded(rust_guest: Path, cache_dir: Path, damage) -> None:
    """Loaded as is, a truncated artifact made wasmer segfault: the digest is checked first."""
    assert call_upper(rust_guest) == b"ABC"
    (artifact,) = artifacts(cache_dir)
    good = artifact.read_bytes()
    artifact.write_bytes(damage(good))
    assert call_upper(rust_guest, "again") == b"AGAIN"
    assert artifact.read_bytes() == good  # compiled again and stored whole


def test_concurrent_runs_share_the_cache_safely(rust_guest: Path, cache_dir: Path) -> None:
    """Eight processes compile the same module into an empty cache at once: all answer, one whole artifact."""
    argv = [sys.executable, "-m", "wasmcall", "call", str(rust_guest), "upper", "--str", "abc", "--ret", "ptr",
            "--engine", "wasmer"]
    env = {**os.environ, "WASMCALL_CACHE_DIR": str(cache_dir)}
    processes = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(8)]
    outcomes = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in processes]  # type: ignore[union-attr]
    for process in processes:
        for stream in (process.stdout, process.stderr):
            assert stream is not None
            stream.close()
    assert outcomes == [(0, b"ABC\n", b"")] * 8
    assert [p.name for p in cache_dir.iterdir() if p.name.startswith(".partial-")] == []
    (artifact,) = artifacts(cache_dir)
    assert call_upper(rust_guest) == b"ABC"
    assert artifacts(cache_dir) == [artifact]


def test_no_cache_means_no_files(rust_guest: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASMCALL_NO_CACHE", "1")
    assert call_upper(rust_guest) == b"ABC"
    assert not cache_dir.exists()
