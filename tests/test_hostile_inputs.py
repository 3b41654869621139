"""Hostile inputs round two: FIFOs, devices, terminals and closed stdin as inputs; out-of-range
limits; a guest that writes a gigabyte; modules with 100,000 exports; WASI failures that must
say why; and no ``wasmcall-*`` leftovers in $TMPDIR after any failure (issue 7)."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Outcome

WASI_WRITE = '(import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))'
PAGE_TEXT = "A" * 65535 + "\n"
# spew(fd, n) writes n pages of PAGE_TEXT (64 KiB each) to fd through WASI.
SPEW = textwrap.dedent(f"""\
    (module {WASI_WRITE}
      (memory (export "memory") 2)
      (data (i32.const 65536) "{"A" * 65535}\\0a")
      (func (export "spew") (param $fd i32) (param $n i32)
        (i32.store (i32.const 0) (i32.const 65536))
        (i32.store (i32.const 4) (i32.const 65536))
        (block (loop
          (br_if 1 (i32.eqz (local.get $n)))
          (drop (call $write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br 0)))))
    """)
WASI_EXIT = '(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))'
WASI_GUESTS = {
    "wasi_spin": f'(module {WASI_EXIT} (memory (export "memory") 1) (func (export "spin") (loop br 0)))',
    "wasi_start_trap": f'(module {WASI_EXIT} (memory (export "memory") 1) (func $s unreachable) (start $s)'
    ' (func (export "f")))',
    "wasi_start_exit": f'(module {WASI_EXIT} (memory (export "memory") 1) (func $s i32.const 3 call $exit)'
    ' (start $s) (func (export "f")))',
    "wasi_calls": f"""(module {WASI_EXIT}
      (import "wasi_snapshot_preview1" "path_open"
        (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (memory (export "memory") 1) (data (i32.const 100) "x.txt")
      (func (export "quit") (param i32) local.get 0 call $exit)
      (func (export "open") (param i32) (result i32)
        (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 5) (local.get 0)
          (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 200))))""",
}
PLAIN = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'
SPIN = '(module (func (export "spin") (loop br 0)))'
CAPTURE_NOTE = "more bytes not shown (wasmcall keeps the first 4 MiB)"


def wasmcall_process(*argv: object, **options: object) -> subprocess.CompletedProcess[str]:
    """The real entry point in a child process (for stdin, terminals and signals)."""
    return subprocess.run(
        [sys.executable, "-m", "wasmcall", *map(str, argv)],
        capture_output=True, text=True, timeout=25, **options,  # type: ignore[call-overload]
    )


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def write_later(path: Path, data: bytes, delay: float = 0.2) -> threading.Thread:
    """Open the FIFO for writing after ``delay`` (as a slow producer would) and write ``data``."""

    def write() -> None:
        time.sleep(delay)
        with open(path, "wb") as stream:
            stream.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


# -- Out-of-range and unit-bearing limits (issue 7 item 6, issue 12 item 8) -------------------------

LIMIT_CASES = {
    "timeout-too-large": (("--timeout", "1e10"), "--timeout '1e10': out of range (1ms to 86400 s, a day)"),
    "timeout-infinite": (("--timeout", "1e400"), "--timeout '1e400': out of range (1ms to 86400 s, a day)"),
    "timeout-too-small": (("--timeout", "100us"), "--timeout '100us': expected a number of seconds, "
                          "or a duration like 500ms, 2s, 1m"),
    "timeout-zero-ms": (("--timeout", "0ms"), "--timeout '0ms': must be a positive number of seconds"),
    "fuel-past-u64": (
        ("--fuel", str(2**64 + 5)), f"--fuel {2**64 + 5}: out of range (1 to 9223372036854775807)"
    ),
    "max-memory-2-to-64": (
        ("--max-memory", str(2**64)), f"--max-memory '{2**64}': out of range (1 to 9223372036854775807 bytes)"
    ),
}


@pytest.mark.parametrize("name", LIMIT_CASES, ids=list(LIMIT_CASES))
def test_out_of_range_limit_is_a_usage_error(
    name: str, cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path]
) -> None:
    options, message = LIMIT_CASES[name]
    done = cli("call", wat_file("plain", PLAIN), "add", "1", "2", *options)
    assert (done.code, done.stdout, done.stderr) == (2, "", f"wasmcall: error: {message}\n")


@pytest.mark.parametrize(
    ("text", "shown"), [("300ms", "0.3"), ("0.3s", "0.3"), ("0.3", "0.3")], ids=["ms", "s", "plain"]
)
def test_timeout_units_stop_a_spinning_guest(
    text: str, shown: str, engine: str, cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path]
) -> None:
    done = cli("call", wat_file("spin-no-memory", SPIN), "spin", "--timeout", text, "--engine", engine)
    assert (done.code, done.stderr) == (3, f"wasmcall: error: timed out after {shown} s\n")


# -- FIFOs, devices, terminals and closed stdin (issue 7 items 3 and 4) ------------------------------

def test_fifo_nobody_writes_as_file_is_a_bounded_wait(
    engine: str, fifo: Path, cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path]
) -> None:
    started = time.monotonic()
    done = cli("call", wat_file("plain", PLAIN), "add", "--file", fifo, "--timeout", "300ms", "--engine", engine)
    assert time.monotonic() - started < 5
    assert (done.code, done.stdout, done.stderr) == (
        2, "", f"wasmcall: error: --file '{fifo}': waited 0.3 s and the writer has not finished "
        "(0 bytes so far; is anything writing to it?)\n",
    )


def test_fifo_nobody_writes_waits_the_documented_default(
    fifo: Path, cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("wasmcall.inputs.DEFAULT_WAIT", 0.2)
    done = cli("inspect", fifo)
    assert (done.code, done.stderr) == (
        2, f"wasmcall: error: {fifo}: waited 0.2 s and the writer has not finished "
        "(0 bytes so far; is anything writing to it?)\n",
    )


def test_fifo_nobody_writes_as_module(engine: str, fifo: Path, cli: Callable[..., Outcome]) -> None:
    done = cli("call", fifo, "f", "--timeout", "300ms", "--engine", engine)
    reading = (2, f"wasmcall: error: {fifo}: waited 0.3 s and the writer has not finished "
               "(0 bytes so far; is anything writing to it?)\n")
    # wasmer reads the module in its child, which the same deadline kills: either clean line may win.
    allowed = [reading] if engine == "wasmtime" else [reading, (3, "wasmcall: error: timed out after 0.3 s\n")]
    assert (done.code, done.stderr) in allowed


def test_fifo_with_a_slow_writer_is_read(
    engine: str, fifo: Path, cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path]
) -> None:
    writer = write_later(fifo, PLAIN.encode())
    done = cli("call", fifo, "add", "2", "40", "--timeout", "10", "--engine", engine)
    writer.join()
    assert (done.code, done.stdout, done.stderr) == (0, "42\n", "")


def test_fifo_as_file_argument_is_read(
    fifo: Path, cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path]
) -> None:
    writer = write_later(fifo, b"\x01\x02\x03")
    length = '(module (memory (export "memory") 1) (func (export "alloc") (param i32) (result i32) i32.const 16)' \
        ' (func (export "len") (param i32 i32) (result i32) local.get 1))'
    done = cli("call", wat_file("length", length), "len", "--file", fifo)
    writer.join()
    assert (done.code, done.stdout, done.stderr) == (0, "3\n", "")


@pytest.mark.parametrize("role", ["file", "module"])
def test_dev_zero_is_refused_after_the_cap(
    role: str, cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path]
) -> None:
    argv = ("/dev/zero", "f") if role == "module" else (wat_file("plain", PLAIN), "add", "--file", "/dev/zero")
    done = cli("call", *argv)
    label = "/dev/zero" if role == "module" else "--file '/dev/zero'"
    assert (done.code, done.stdout, done.stderr) == (
        2, "", f"wasmcall: error: {label}: more than 64 MiB from a pipe or device "
        "(the limit for inputs that are not regular files; save it to a file first)\n",
    )


def test_closed_stdin_for_file_dash(wat_file: Callable[[str, str], Path]) -> None:
    module = wat_file("plain", PLAIN)
    done = subprocess.run(
        ["sh", "-c", 'exec "$0" -m wasmcall call "$1" add --file - <&-', sys.executable, str(module)],
        capture_output=True, text=True, timeout=25,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "wasmcall: error: --file -: standard input is closed; pipe or redirect the data in "
        "(e.g. < data.bin)\n",
    )


def test_terminal_as_stdin_for_file_dash(wat_file: Callable[[str, str], Path]) -> None:
    main, terminal = pty.openpty()
    try:
        done = wasmcall_process("call", wat_file("plain", PLAIN), "add", "--file", "-", stdin=terminal)
    finally:
        os.close(main)
        os.close(terminal)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "wasmcall: error: --file -: standard input is a terminal; pipe or redirect the data in "
        "(e.g. < data.bin)\n",
    )


def test_pipe_on_stdin_for_file_dash(wat_file: Callable[[str, str], Path]) -> None:
    length = '(module (memory (export "memory") 1) (func (export "alloc") (param i32) (result i32) i32.const 16)' \
        ' (func (export "len") (param i32 i32) (result i32) local.get 1))'
    done = wasmcall_process("call", wat_file("length", length), "len", "--file", "-", input="hello")
    assert (done.returncode, done.stdout, done.stderr) == (0, "5\n", "")


def non_utf8_module(tmp_path: Path, rust_guest: Path) -> Path:
    path = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"guest-\xff.wasm")))
    path.write_bytes(rust_guest.read_bytes())
    return path


def test_non_utf8_module_path_works_for_call(
    engine: str, tmp_path: Path, rust_guest: Path, cli: Callable[..., Outcome]
) -> None:
    module = non_utf8_module(tmp_path, rust_guest)
    done = cli("call", module, "add", "2", "40", "--engine", engine, "--json")
    assert done.code == 0 and done.stderr == ""
    assert json.loads(done.stdout)["values"] == [42]


def test_non_utf8_module_path_works_for_inspect(
    tmp_path: Path, rust_guest: Path, cli: Callable[..., Outcome]
) -> None:
    module = non_utf8_module(tmp_path, rust_guest)
    done = cli("inspect", module, "--json")
    assert done.code == 0 and done.stderr == ""
    assert json.loads(done.stdout)["convention"] == "alloc"


def test_missing_non_utf8_module_path_is_shown_escaped(tmp_path: Path, cli: Callable[..., Outcome]) -> None:
    module = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"gone-\xff.wasm")))
    done = cli("call", module, "f")
    assert (done.code, done.stderr) == (2, f"wasmcall: error: {tmp_path}/gone-\\xff.wasm: no such file\n")


# -- Guest output is capped, never held whole (issue 7 item 3) ---------------------------------------

@pytest.mark.parametrize(("fd", "stream"), [(1, "stdout"), (2, "stderr")], ids=["stdout", "stderr"])
def test_guest_output_keeps_the_head_and_counts_the_rest(
    fd: int, stream: str, engine: str, cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path]
) -> None:
    done = cli("call", wat_file("spew", SPEW), "spew", fd, 65, "--json", "--engine", engine)
    assert done.code == 0
    envelope = json.loads(done.stdout)
    assert envelope[stream] == PAGE_TEXT * 64 + f"… 65,536 {CAPTURE_NOTE}\n"


def test_guest_output_under_the_cap_is_exact(
    engine: str, cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path]
) -> None:
    done = cli("call", wat_file("spew", SPEW), "spew", 1, 3, "--json", "--engine", engine)
    assert (done.code, json.loads(done.stdout)["stdout"]) == (0, PAGE_TEXT * 3)


def test_a_gigabyte_of_guest_output_stays_under_a_fixed_memory_bound(
    engine: str, wat_file: Callable[[str, str], Path]
) -> None:
    """Measured in a fresh parent, so RUSAGE_CHILDREN holds only this run (and wasmer's child)."""
    measure = textwrap.dedent("""\
        import resource, subprocess, sys
        done = subprocess.run([sys.executable, "-m", "wasmcall", *sys.argv[1:]],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        tail = done.stderr[-200:].decode("utf-8", "replace").splitlines()[-1]
        print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, tail, sep="|")
    """)
    argv = ["call", str(wat_file("spew", SPEW)), "spew", "1", "16384", "--engine", engine,
            "--guest-stdout", "stderr"]
    done = subprocess.run([sys.executable, "-c", measure, *argv], capture_output=True, text=True, timeout=25)
    code, max_rss_kib, tail = done.stdout.strip().split("|")
    assert (code, tail) == ("0", f"[guest stdout] … 1,069,547,520 {CAPTURE_NOTE}")
    assert int(max_rss_kib) < 150 * 1024  # measured ~60 MB; it was 828 MB for a quarter of this


# -- No wasmcall-* leftovers (issue 7 item 8) ---------------------------------------------------------

@pytest.fixture
def private_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "tmpdir"
    directory.mkdir()
    monkeypatch.setenv("TMPDIR", str(directory))
    monkeypatch.setattr(tempfile, "tempdir", None)  # recomputed from TMPDIR on next use
    yield directory
    monkeypatch.setattr(tempfile, "tempdir", None)


LEFTOVER_CASES = {
    "timeout": ("wasi_spin", ("spin", "--timeout", "300ms"), 3, "wasmcall: error: timed out after 0.3 s"),
    "trap-in-start": ("wasi_start_trap", ("f",), 3, "while running 'start': unreachable instruction executed"),
    "proc-exit-in-start": ("wasi_start_exit", ("f",), 3, "guest exited with code 3 during 'start'"),
}


@pytest.mark.parametrize("name", LEFTOVER_CASES, ids=list(LEFTOVER_CASES))
def test_failures_leave_nothing_in_tmpdir(
    name: str, engine: str, private_tmpdir: Path, cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path]
) -> None:
    guest, argv, code, message = LEFTOVER_CASES[name]
    done = cli("call", wat_file(guest, WASI_GUESTS[guest]), *argv, "--engine", engine)
    assert done.code == code and done.stderr.startswith("wasmcall: error: ")
    assert done.stderr.rstrip("\n").endswith(message)
    assert list(private_tmpdir.iterdir()) == []


def test_ctrl_c_on_a_wasi_guest_leaves_nothing_in_tmpdir(
    engine: str, private_tmpdir: Path, wat_file: Callable[[str, str], Path]
) -> None:
    module = wat_file("wasi_spin", WASI_GUESTS["wasi_spin"])
    child = subprocess.Popen(
        [sys.executable, "-m", "wasmcall", "call", str(module), "spin", "--engine", engine],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(1.5)
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert (child.returncode, stderr) == (130, "wasmcall: error: interrupted: the guest was stopped\n")
    assert list(private_tmpdir.iterdir()) == []


# -- WASI failures say why (issue 7 item 7) -----------------------------------------------------------

WASI_REASON_CASES = {
    "proc-exit-300": (
        ("quit", "300"),
        {
            "wasmtime": (3, "wasmcall: error: quit: the guest called proc_exit with a status of 126 or more, "
                         "which wasmtime refuses (exit with invalid exit status outside of [0..126))"),
            "wasmer": (3, "wasmcall: error: guest exited with code 300 during 'quit'"),
        },
    ),
    "path-open-bad-oflags": (
        ("open", "65535"),
        {
            "wasmtime": (3, "wasmcall: error: open: a call from the guest into the host failed: In func "
                         "wasi_snapshot_preview1::path_open at convert Oflags: Invalid flag value Oflags"),
            # wasmer returns an errno to the guest instead of failing the call.
            "wasmer": (0, ""),
        },
    ),
}


@pytest.mark.parametrize("name", WASI_REASON_CASES, ids=list(WASI_REASON_CASES))
def test_wasi_failures_name_the_reason(
    name: str, engine: str, cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path]
) -> None:
    argv, expected = WASI_REASON_CASES[name]
    done = cli("call", wat_file("wasi_calls", WASI_GUESTS["wasi_calls"]), *argv, "--engine", engine)
    assert (done.code, done.stderr.rstrip("\n")) == expected[engine]


# -- Malformed modules under --max-memory on wasmer (issue 7 item 6) ---------------------------------

HEADER = b"\x00asm\x01\x00\x00\x00"
MALFORMED = {
    "memory-section-past-end": (HEADER + b"\x05\x05\x01\x00", "section 5 at byte 8 runs past the end"),
    "overlong-leb128": (HEADER + b"\x05\xff\xff\xff\xff\xff\xff\x01", "number at byte 9 is not a valid u32"),
    "memory-count-lies": (HEADER + b"\x05\x01\x02", "the memory section ends early"),
}


@pytest.mark.parametrize("name", MALFORMED, ids=list(MALFORMED))
def test_malformed_module_with_max_memory_is_one_line(
    name: str, engine: str, tmp_path: Path, cli: Callable[..., Outcome]
) -> None:
    data, wasmer_reason = MALFORMED[name]
    module = tmp_path / f"{name}.wasm"
    module.write_bytes(data)
    done = cli("call", module, "f", "--max-memory", "1MiB", "--engine", engine)
    assert done.code == 4 and done.stdout == "" and len(done.stderr.splitlines()) == 1
    prefix = f"wasmcall: error: {module}: not a valid wasm module: "
    assert done.stderr.startswith(prefix)
    if engine == "wasmer":
        assert done.stderr == f"{prefix}malformed module: {wasmer_reason}\n"


# -- 100,000 exports or imports: linear time, counted lists (issue 7 items 4 and 7) ------------------

MANY = 100_000


@pytest.fixture(scope="session")
def many_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One function exported under 100,000 names (wasmer 1.1's validator refuses this many)."""
    import wasmtime

    exports = "\n".join(f'(export "e{i}" (func $add))' for i in range(MANY))
    wat = f"(module (func $add (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)\n{exports})"
    path = tmp_path_factory.mktemp("many") / "exports.wasm"
    path.write_bytes(wasmtime.wat2wasm(wat))
    return path


@pytest.fixture(scope="session")
def many_imports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import wasmtime

    imports = "\n".join(f'(import "env" "i{i}" (func))' for i in range(30_000))
    path = tmp_path_factory.mktemp("many") / "imports.wasm"
    path.write_bytes(wasmtime.wat2wasm(f'(module {imports} (func (export "f")))'))
    return path


def test_a_call_on_100000_exports_is_quick(many_exports: Path, cli: Callable[..., Outcome]) -> None:
    started = time.monotonic()
    done = cli("call", many_exports, f"e{MANY - 1}", "2", "40")
    assert (done.code, done.stdout, done.stderr) == (0, "42\n", "")
    assert time.monotonic() - started < 25  # 3-9 s here; it ran past 120 s when building the export table


def test_unknown_export_among_100000_lists_a_count(many_exports: Path, cli: Callable[..., Outcome]) -> None:
    done = cli("call", many_exports, "nope")
    shown = ", ".join(f"e{i}" for i in range(20))
    assert (done.code, done.stderr) == (
        2, f"wasmcall: error: no function export 'nope' (exports: {shown}, … and 99,980 more)\n"
    )


def test_missing_imports_list_a_count(engine: str, many_imports: Path, cli: Callable[..., Outcome]) -> None:
    done = cli("call", many_imports, "f", "--engine", engine)
    shown = "; ".join(f"env.i{i} (func () -> ())" for i in range(20))
    assert (done.code, done.stderr) == (
        4, f"wasmcall: error: the module needs imports nobody provides: {shown}; … and 29,980 more "
        "(--stub-imports links them to stubs that trap when called)\n",
    )
