"""Benchmark: every figure issues 8 and 10 ask for, each beside its anchor, in one run.

Run on demand (pytest does not collect it: its name is not ``test_*.py``)::

    .venv/bin/python tests/benchmarks/bench_call.py [--runs 20] [--quick]
        [--wasmer-python .venv310/bin/python] [--only cold,wasmer,...]

with the Python of the environment wasmcall is installed in: the ``wasmcall``
console script next to ``sys.executable`` is what is measured (as users run
it), or ``python -m wasmcall`` if there is none. wasmer installs only on
Python 3.10, so its rows run with ``--wasmer-python`` (by default
``.venv310/bin/python`` in the checkout, if it exists) and that Python's own
``wasmcall`` script; without one they are skipped with the reason.
``--quick`` cuts every run count (for trying the script, not for figures).
Children run without ``PYTHONDONTWRITEBYTECODE`` so that the warm-up run
writes bytecode, as an installed package has it.

Sections (``--only`` picks some: cold, wasmer, module, input, output,
session, checks), each a table and a verdict line against its target; the
exit code is 0 either way, because this is a measurement, not a test:

1. cold: ``wasmcall call guests/rust/memory.wasm upper --str ... --ret ptr``
   against a fresh Python running the same call by hand, both with
   wasmtime's compile cache on (target 1.5x, aim 1.3x), and both with it off;
   ``--version`` and ``--help`` for reference; and the floor: a script that
   only imports Typer and wasmtime, which any Typer CLI over wasmtime pays
   before its own code runs (its ratio is the part of the target no change to
   wasmcall can win back).
2. wasmer: the same call with ``--engine wasmer`` against a minimal
   wasmer-python script (target 2x). wasmer-python has no compile cache; the
   script compiles every time, wasmcall after its first run loads its own.
   The floor here imports Typer and wasmer.
3. module: a generated ~1 MB module's first call (bytes never seen: a fresh
   custom section each run) and second call, on both engines, against the
   minimal scripts doing the same.
4. input: a 256 MiB ``--file`` to ``array_sum`` against a script that reads
   the file into a bytearray and writes it into guest memory (time and peak
   RSS, target 1.2x each); a zero-copy script and the bare baseline for
   context.
5. output: a 64 MiB result of ``upper`` written with ``--raw``, plain and
   ``--json`` to /dev/null, against a script writing the guest's bytes with one
   ``Memory.read`` (time and peak RSS; the target: ``--json`` peak RSS at most
   2x ``--raw``'s; the times are shown without one).
6. session: ``session.call("upper_pair", ...)`` per call against a
   hand-written wasmtime-py loop doing alloc, write, call, read, dealloc on one
   instance (target 1.2x; measured in this process).
7. checks: ``wasmcall check`` of 1,000 different checks against one cold
   ``wasmcall call`` (target 5x on wasmtime, 10x on wasmer), via
   bench_check.py, which can also be run alone.

Peak RSS is each child's own high-water mark, read from ``os.wait4`` on its
pid: ``getrusage(RUSAGE_CHILDREN)`` is a maximum over all children so far,
which says nothing about the second one measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
GUEST = ROOT / "guests" / "rust" / "memory.wasm"
TEXT = "this should be uppercase"
MIB = 1024 * 1024
COLD_TARGET = 1.5
WASMER_TARGET = 2.0
BIG_TIME_TARGET = 1.2
BIG_RSS_TARGET = 1.2
JSON_RSS_TARGET = 2.0
SESSION_TARGET = 1.2
SECTIONS = ("cold", "wasmer", "module", "input", "output", "session", "checks")
CHILD_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}

# argv: guest, text, [cache: "1" or "0"]. The shortest honest version of `wasmcall call ... upper --ret ptr`.
COLD_SCRIPT = """
import sys
import wasmtime

config = wasmtime.Config()
if sys.argv[3:4] != ["0"]:
    config.cache = True
store = wasmtime.Store(wasmtime.Engine(config))
module = wasmtime.Module.from_file(store.engine, sys.argv[1])
instance = wasmtime.Instance(store, module, [])
exports = instance.exports(store)
memory = exports["memory"]
data = bytearray(sys.argv[2].encode())
ptr = exports["alloc"](store, len(data))
memory.write(store, data, ptr)
out = exports["upper"](store, ptr, len(data)) & 0xFFFFFFFF
print(memory.read(store, out, out + len(data)).decode())
exports["dealloc"](store, out, len(data))
"""

# argv: text. What any Typer CLI over wasmtime pays before its own code runs: the two imports (and the
# interpreter, and its teardown). Printing the text keeps it checkable like the other commands.
FLOOR_SCRIPT = "import sys, typer, wasmtime; print(sys.argv[1].upper())"
WASMER_FLOOR_SCRIPT = "import sys, typer, wasmer, wasmer_compiler_cranelift; print(sys.argv[1].upper())"

# argv: guest, text. The same by hand on wasmer-python (which has no compile cache).
WASMER_SCRIPT = """
import sys
import wasmer
import wasmer_compiler_cranelift

store = wasmer.Store(wasmer.engine.Universal(wasmer_compiler_cranelift.Compiler))
with open(sys.argv[1], "rb") as stream:
    module = wasmer.Module(store, stream.read())
exports = wasmer.Instance(module).exports
data = sys.argv[2].encode()
ptr = exports.alloc(len(data))
exports.memory.uint8_view(ptr)[0:len(data)] = data
out = exports.upper(ptr, len(data)) & 0xFFFFFFFF
print(bytes(exports.memory.uint8_view(out)[0:len(data)]).decode())
exports.dealloc(out, len(data))
"""

# argv: module, argument. One call of f0 on a big generated module, wasmtime (cache on) and wasmer.
MODULE_SCRIPT = """
import sys
import wasmtime

config = wasmtime.Config()
config.cache = True
store = wasmtime.Store(wasmtime.Engine(config))
module = wasmtime.Module.from_file(store.engine, sys.argv[1])
instance = wasmtime.Instance(store, module, [])
print(instance.exports(store)["f0"](store, int(sys.argv[2])))
"""
MODULE_WASMER_SCRIPT = """
import sys
import wasmer
import wasmer_compiler_cranelift

store = wasmer.Store(wasmer.engine.Universal(wasmer_compiler_cranelift.Compiler))
with open(sys.argv[1], "rb") as stream:
    module = wasmer.Module(store, stream.read())
print(wasmer.Instance(module).exports.f0(int(sys.argv[2])))
"""

# Shared head of the big-input scripts; argv: guest, file. Instantiation only.
BASELINE_SCRIPT = """
import os
import sys
import wasmtime

store = wasmtime.Store()
module = wasmtime.Module.from_file(store.engine, sys.argv[1])
instance = wasmtime.Instance(store, module, [])
exports = instance.exports(store)
memory = exports["memory"]
"""

# One host copy: the file in a bytearray, then one memmove into the guest.
COPY_SCRIPT = BASELINE_SCRIPT + """
size = os.path.getsize(sys.argv[2])
data = bytearray(size)
with open(sys.argv[2], "rb", buffering=0) as stream:
    assert stream.readinto(data) == size
ptr = exports["alloc"](store, size) & 0xFFFFFFFF
memory.write(store, data, ptr)
print(exports["array_sum"](store, ptr, size))
"""

# Zero host copies: read the file straight into guest memory (what wasmcall does).
READINTO_SCRIPT = BASELINE_SCRIPT + """
size = os.path.getsize(sys.argv[2])
ptr = exports["alloc"](store, size) & 0xFFFFFFFF
with open(sys.argv[2], "rb", buffering=0) as stream:
    assert stream.readinto(memory.get_buffer_ptr(store, size, ptr)) == size
print(exports["array_sum"](store, ptr, size))
"""

# A big result: the file in, upper(), the guest's bytes out to stdout with one read.
OUTPUT_SCRIPT = BASELINE_SCRIPT + """
size = os.path.getsize(sys.argv[2])
ptr = exports["alloc"](store, size) & 0xFFFFFFFF
with open(sys.argv[2], "rb", buffering=0) as stream:
    assert stream.readinto(memory.get_buffer_ptr(store, size, ptr)) == size
out = exports["upper"](store, ptr, size) & 0xFFFFFFFF
sys.stdout.buffer.write(memory.read(store, out, out + size))
"""


@dataclass(frozen=True)
class Run:
    """One child process: wall time, its own peak RSS and what it printed."""

    seconds: float
    max_rss_mib: float
    output: str


@dataclass(frozen=True)
class Summary:
    """Runs of one command, reduced to the figures the tables show (medians resist stray outliers)."""

    label: str
    median_ms: float
    min_ms: float
    max_rss_mib: float


@dataclass(frozen=True)
class Pythons:
    """The measured wasmcall command, and a Python (and its wasmcall) with wasmer, if there is one."""

    wasmcall: list[str]
    wasmer_python: Optional[str]
    wasmer_wasmcall: Optional[list[str]]
    wasmer_missing: str


def run_child(argv: Sequence[str], discard_output: bool = False) -> Run:
    """Run argv to completion; reap it with wait4 so its rusage is its own, not all children's.

    A child's peak RSS starts at this process's size when it was spawned (the
    copy before exec counts), so everything heavy (wasmtime, the session loop,
    generating the big module) runs in children and this process stays small.
    """
    with tempfile.TemporaryFile() as error_file:
        started = time.perf_counter()
        target = subprocess.DEVNULL if discard_output else subprocess.PIPE
        proc = subprocess.Popen(argv, stdout=target, stderr=error_file, cwd=ROOT, env=CHILD_ENV)
        output = b""
        if proc.stdout is not None:
            with proc.stdout:
                output = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keeps Popen from waiting again
        error_file.seek(0)
        errors = error_file.read()
    if proc.returncode != 0 or errors:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}:\n{output[-2000:]!r}\n{errors[-2000:]!r}")
    return Run(seconds, usage.ru_maxrss / 1024, output.decode(errors="replace").strip())  # ru_maxrss: KiB


def wasmcall_command(python: str = sys.executable) -> tuple[list[str], str]:
    """The console script users run, else ``python -m wasmcall``; and which one it was."""
    script = Path(python).parent / "wasmcall"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)], str(script)
    return [python, "-m", "wasmcall"], f"{python} -m wasmcall"


def find_pythons(wasmer_python: Optional[str]) -> Pythons:
    """This Python's wasmcall, and the Python to run wasmer rows with (this one if it has wasmer)."""
    wasmcall, _ = wasmcall_command()
    candidates = [wasmer_python] if wasmer_python else [sys.executable, str(ROOT / ".venv310" / "bin" / "python")]
    probe = "import wasmer, wasmer_compiler_cranelift"
    for python in candidates:
        if Path(python).exists() and subprocess.run([python, "-c", probe], capture_output=True).returncode == 0:
            return Pythons(wasmcall, python, wasmcall_command(python)[0], "")
    why = f"no Python with wasmer among {candidates} (wasmer installs on Python 3.10; see --wasmer-python)"
    return Pythons(wasmcall, None, None, why)


def python_script(source: str, *args: str, python: str = sys.executable) -> list[str]:
    return [python, "-c", source, *args]


def measure(
    commands: dict[str, list[str]], runs: int, expected: str, discard_output: bool = False
) -> dict[str, list[Run]]:
    """Run every command ``runs`` times, interleaved with a rotating order, after one warm-up each.

    Interleaving spreads drift (CPU frequency, page cache, other load) over all
    commands alike; the warm-up puts the guest, the file and Python's own
    modules in the page cache. Every output is checked, so a broken command
    cannot look fast.
    """
    for argv in commands.values():
        check_output(run_child(argv, discard_output), expected, argv)
    results: dict[str, list[Run]] = {label: [] for label in commands}
    labels = list(commands)
    for index in range(runs):
        shift = index % len(labels)
        for label in labels[shift:] + labels[:shift]:
            run = run_child(commands[label], discard_output)
            check_output(run, expected, commands[label])
            results[label].append(run)
    return results


def check_output(run: Run, expected: str, argv: Sequence[str]) -> None:
    if expected and run.output != expected:
        raise RuntimeError(f"{argv[0]}... printed {run.output[:200]!r}, expected {expected[:200]!r}")


def summarize(label: str, runs: Sequence[Run]) -> Summary:
    times = [run.seconds * 1000 for run in runs]
    rss = statistics.median(run.max_rss_mib for run in runs)
    return Summary(label, statistics.median(times), min(times), rss)


def make_big_file(directory: Path, size_mib: int) -> tuple[Path, int]:
    """A file of repeated random 1 MiB blocks (os.urandom of it all is slow); and its byte sum mod 256."""
    block = os.urandom(MIB)
    path = directory / "big.bin"
    with path.open("wb") as stream:
        for _ in range(size_mib):
            stream.write(block)
    return path, sum(block) * size_mib % 256


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


def verdict(name: str, value: float, target: float, detail: str) -> str:
    state = "met" if value <= target else "MISSED"
    return f"{name}: {state} - {value:.2f}x (target <= {target}x); {detail}"


def time_verdict(name: str, tool: Summary, anchor: Summary, target: float) -> str:
    detail = f"median {tool.median_ms:.0f} ms vs {anchor.median_ms:.0f} ms"
    return verdict(name, ratio(tool.median_ms, anchor.median_ms), target, detail)


Section = Callable[[argparse.Namespace, Pythons, Path], list[str]]


def cold_start(options: argparse.Namespace, pythons: Pythons, directory: Path) -> list[str]:
    """A fresh process per call, wasmcall against the hand-written script, compile caches on and off."""
    wasmcall = pythons.wasmcall
    call = [*wasmcall, "call", str(GUEST), "upper", "--str", TEXT, "--ret", "ptr"]
    commands = {
        "wasmcall (cache on)": call,
        "script (cache on)": python_script(COLD_SCRIPT, str(GUEST), TEXT, "1"),
        "wasmcall (cache off: WASMCALL_NO_CACHE=1)": ["env", "WASMCALL_NO_CACHE=1", *call],
        "script (cache off)": python_script(COLD_SCRIPT, str(GUEST), TEXT, "0"),
        "floor: import typer, wasmtime": python_script(FLOOR_SCRIPT, TEXT),
    }
    results = measure(commands, options.runs, TEXT.upper())
    tool, script, tool_uncached, script_uncached, floor = (summarize(label, results[label]) for label in commands)
    extra = measure({"wasmcall --version": [*wasmcall, "--version"]}, options.runs, "")
    extra.update(measure({"wasmcall --help": [*wasmcall, "--help"]}, options.runs, ""))
    rows = [tool, script, tool_uncached, script_uncached, floor, *(summarize(k, v) for k, v in extra.items())]
    title = f"Cold call: upper --str ({options.runs} runs each, interleaved; ratios to the script, cache on)"
    show_table(title, rows)
    return [
        time_verdict("cold call, cache on, wasmcall/script", tool, script, COLD_TARGET),
        time_verdict("cold call, cache off, wasmcall/script", tool_uncached, script_uncached, COLD_TARGET),
        floor_line(floor, script, tool),
    ]


def floor_line(floor: Summary, script: Summary, tool: Summary) -> str:
    """How much of the ratio Typer's and the runtime's imports take before any wasmcall code runs."""
    return (
        f"  floor (interpreter + Typer + runtime imports, no wasmcall code)/script: "
        f"{ratio(floor.median_ms, script.median_ms):.2f}x; wasmcall's own share: "
        f"{tool.median_ms - floor.median_ms:.0f} ms"
    )


def wasmer_cold(options: argparse.Namespace, pythons: Pythons, directory: Path) -> list[str]:
    if pythons.wasmer_python is None or pythons.wasmer_wasmcall is None:
        return [f"wasmer cold call: skipped - {pythons.wasmer_missing}"]
    words = ["call", str(GUEST), "upper", "--str", TEXT, "--ret", "ptr", "--engine", "wasmer"]
    call = [*pythons.wasmer_wasmcall, *words]
    commands = {
        "wasmcall --engine wasmer": call,
        "wasmer script": python_script(WASMER_SCRIPT, str(GUEST), TEXT, python=pythons.wasmer_python),
        "wasmcall --engine wasmer, no cache": ["env", "WASMCALL_NO_CACHE=1", *call],
        "floor: import typer, wasmer": python_script(WASMER_FLOOR_SCRIPT, TEXT, python=pythons.wasmer_python),
    }
    results = measure(commands, options.runs, TEXT.upper())
    rows = [summarize(label, runs) for label, runs in results.items()]
    show_table(f"wasmer cold call ({options.runs} runs each, {pythons.wasmer_python})", rows)
    return [
        time_verdict("wasmer cold call, wasmcall/script", rows[0], rows[1], WASMER_TARGET),
        time_verdict("wasmer cold call, no wasmcall cache, wasmcall/script", rows[2], rows[1], WASMER_TARGET),
        floor_line(rows[3], rows[1], rows[0]),
    ]


# argv: output path, functions, additions. Writes a ~1 MB module of exports f0..fN, each adding constants.
MODULE_GENERATOR = """
import sys
import wasmtime

path, functions, additions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
body = " ".join(f"i32.const {index * 7 + 1000} i32.add" for index in range(additions))
funcs = "\\n".join(f'(func (export "f{n}") (param i32) (result i32) local.get 0 {body})' for n in range(functions))
with open(path, "wb") as stream:
    stream.write(bytes(wasmtime.wat2wasm(f"(module {funcs})")))
"""


def big_module_bytes(directory: Path, functions: int = 2200, additions: int = 100) -> tuple[bytes, int]:
    """A ~1 MB module (made in a child: this process stays small, see run_child) and what f0(0) returns."""
    path = directory / "big-module.wasm"
    subprocess.run([sys.executable, "-c", MODULE_GENERATOR, str(path), str(functions), str(additions)], check=True)
    return path.read_bytes(), sum(index * 7 + 1000 for index in range(additions))


def custom_section(payload: bytes) -> bytes:
    """A custom section named "run" holding ``payload``: new bytes, so no compile cache has seen the module."""
    name = b"\x03run"
    content = name + payload
    size, encoded = len(content), bytearray()
    while True:
        byte, size = size & 0x7F, size >> 7
        encoded.append(byte | (0x80 if size else 0))
        if not size:
            break
    return b"\x00" + bytes(encoded) + content


def module_calls(options: argparse.Namespace, pythons: Pythons, directory: Path) -> list[str]:
    """A 1 MB module: the first call (never-seen bytes) and the second (same bytes again), both engines."""
    binary, expected_sum = big_module_bytes(directory)
    counter = iter(range(10**9))

    def fresh_module() -> str:
        path = directory / f"big-module-{next(counter)}.wasm"
        path.write_bytes(binary + custom_section(os.urandom(16)))
        return str(path)

    engines = [("wasmtime", pythons.wasmcall, sys.executable, MODULE_SCRIPT)]
    if pythons.wasmer_python and pythons.wasmer_wasmcall:
        engines.append(("wasmer", pythons.wasmer_wasmcall, pythons.wasmer_python, MODULE_WASMER_SCRIPT))
    lines = [] if len(engines) == 2 else [f"1 MB module on wasmer: skipped - {pythons.wasmer_missing}"]
    runs = max(1, options.runs // 7)  # a first call of 1 MB compiles for seconds
    for engine, wasmcall, python, script in engines:
        firsts: dict[str, list[Run]] = {"wasmcall": [], "script": []}
        seconds: dict[str, list[Run]] = {"wasmcall": [], "script": []}
        for _ in range(runs):
            for label in ("wasmcall", "script"):
                module = fresh_module()
                argv = (
                    [*wasmcall, "call", module, "f0", "0", "--engine", engine] if label == "wasmcall"
                    else python_script(script, module, "0", python=python)
                )
                for bucket in (firsts, seconds):
                    run = run_child(argv)
                    check_output(run, str(expected_sum), argv)
                    bucket[label].append(run)
        rows = [
            summarize(f"wasmcall, first call ({engine})", firsts["wasmcall"]),
            summarize(f"script, first call ({engine})", firsts["script"]),
            summarize(f"wasmcall, second call ({engine})", seconds["wasmcall"]),
            summarize(f"script, second call ({engine})", seconds["script"]),
        ]
        show_table(f"1 MB module ({len(binary) / MIB:.2f} MiB), {engine} ({runs} runs each)", rows)
        first, second = (f"{rows[i].median_ms:.0f} ms vs script {rows[i + 1].median_ms:.0f} ms" for i in (0, 2))
        lines.append(f"1 MB module, {engine}: first call {first}; second call {second} (no target)")
    return lines


def big_input(options: argparse.Namespace, pythons: Pythons, directory: Path) -> list[str]:
    """A big --file to an export that only reads it; time and peak RSS."""
    wasmcall, runs = pythons.wasmcall, options.big_runs
    path, expected = make_big_file(directory, options.size_mib)
    commands = {
        "wasmcall": [*wasmcall, "call", str(GUEST), "array_sum", "--file", str(path)],
        "script (one copy)": python_script(COPY_SCRIPT, str(GUEST), str(path)),
        "script (readinto, zero copy)": python_script(READINTO_SCRIPT, str(GUEST), str(path)),
    }
    results = measure(commands, runs, str(expected))
    results.update(measure({"script baseline (no file)": python_script(BASELINE_SCRIPT, str(GUEST))}, runs, ""))
    path.unlink()
    summaries = [summarize(label, timings) for label, timings in results.items()]
    show_table(f"Big input: array_sum --file of {options.size_mib} MiB ({runs} runs each)", summaries)
    tool, script = summaries[0], summaries[1]
    return [
        time_verdict("big input, wasmcall/script time", tool, script, BIG_TIME_TARGET),
        verdict(
            "big input, wasmcall/script peak RSS", ratio(tool.max_rss_mib, script.max_rss_mib),
            BIG_RSS_TARGET, f"{tool.max_rss_mib:.0f} MiB vs {script.max_rss_mib:.0f} MiB",
        ),
    ]


def big_output(options: argparse.Namespace, pythons: Pythons, directory: Path) -> list[str]:
    """A 64 MiB result (upper of a 64 MiB file) to /dev/null: --raw, plain and --json against the script."""
    size = options.output_mib * MIB
    path = directory / "letters.txt"
    block = b"abcdefghijklmnopqrstuvwxyz012345" * (MIB // 32)
    with path.open("wb") as stream:
        for _ in range(options.output_mib):
            stream.write(block)
    call = [*pythons.wasmcall, "call", str(GUEST), "upper", "--file", str(path), "--ret", "ptr"]
    commands = {
        "wasmcall --raw": [*call, "--raw"],
        "script (one Memory.read)": python_script(OUTPUT_SCRIPT, str(GUEST), str(path)),
        "wasmcall (plain)": call,
        "wasmcall --json": [*call, "--json"],
    }
    results = measure(commands, options.big_runs, "", discard_output=True)
    path.unlink()
    raw, script, plain, json_row = (summarize(label, results[label]) for label in commands)
    show_table(f"Big output: a {size // MIB} MiB result to /dev/null ({options.big_runs} runs each)",
               [raw, script, plain, json_row])
    times = ", ".join(f"{row.label} {row.median_ms:.0f} ms ({ratio(row.median_ms, script.median_ms):.2f}x)"
                      for row in (raw, plain, json_row))
    return [
        f"big output, times against the script's {script.median_ms:.0f} ms (no target): {times}",
        verdict("big output, --json/--raw peak RSS", ratio(json_row.max_rss_mib, raw.max_rss_mib), JSON_RSS_TARGET,
                f"{json_row.max_rss_mib:.0f} MiB vs {raw.max_rss_mib:.0f} MiB "
                f"(time {json_row.median_ms:.0f} ms vs {raw.median_ms:.0f} ms)"),
    ]


# argv: guest, calls per round. Prints "hand_us session_us": the best of 7 interleaved rounds each.
SESSION_SCRIPT = """
import sys
import time

import wasmtime

import wasmcall
from wasmcall import ArgKind, parse_argument

guest, calls = sys.argv[1], int(sys.argv[2])
store = wasmtime.Store()
exports = wasmtime.Instance(store, wasmtime.Module.from_file(store.engine, guest), []).exports(store)
memory, alloc, dealloc, upper_pair = (exports[name] for name in ("memory", "alloc", "dealloc", "upper_pair"))
text = b"hello"


def by_hand():
    ptr = alloc(store, len(text)) & 0xFFFFFFFF
    memory.write(store, text, ptr)
    out, length = upper_pair(store, ptr, len(text))
    out &= 0xFFFFFFFF
    data = memory.read(store, out, out + length)
    dealloc(store, out, length)
    dealloc(store, ptr, len(text))
    return bytes(data)


with wasmcall.open_session(guest) as session:
    arguments = [parse_argument(ArgKind.STR, text.decode())]

    def by_session():
        return session.call("upper_pair", arguments).result.data

    assert by_hand() == by_session() == b"HELLO"
    best = [float("inf"), float("inf")]
    for _ in range(7):
        for index, function in enumerate((by_hand, by_session)):
            started = time.perf_counter()
            for _ in range(calls):
                function()
            best[index] = min(best[index], (time.perf_counter() - started) / calls * 1e6)
print(*best)
"""


def session_calls(options: argparse.Namespace, pythons: Pythons, directory: Path) -> list[str]:
    """Per-call time of session.call against the same work by hand on one wasmtime instance (in a child)."""
    run = run_child(python_script(SESSION_SCRIPT, str(GUEST), str(options.session_calls)))
    hand_us, session_us = (float(word) for word in run.output.split())
    print(f"Session per call (best of 7 interleaved rounds of {options.session_calls} calls): "
          f"session.call {session_us:.1f} us, hand loop {hand_us:.1f} us")
    return [verdict("session.call/hand loop", ratio(session_us, hand_us), SESSION_TARGET,
                    f"{session_us:.1f} us vs {hand_us:.1f} us per call")]


def checks(options: argparse.Namespace, pythons: Pythons, directory: Path) -> list[str]:
    """1,000 different checks in one ``wasmcall check`` against one cold call, on each engine (bench_check.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_check import engine_rows

    lines = []
    engines = [("wasmtime", pythons.wasmcall)]
    if pythons.wasmer_wasmcall:
        engines.append(("wasmer", pythons.wasmer_wasmcall))
    else:
        lines.append(f"checks on wasmer: skipped - {pythons.wasmer_missing}")
    for engine, wasmcall in engines:
        summaries, line = engine_rows(engine, options.checks, options.check_runs, wasmcall, directory)
        show_table(f"wasmcall check vs wasmcall call, {engine} ({options.check_runs} runs each)", summaries)
        lines.append(line)
    return lines


SECTION_FUNCTIONS: dict[str, Section] = {
    "cold": cold_start, "wasmer": wasmer_cold, "module": module_calls, "input": big_input,
    "output": big_output, "session": session_calls, "checks": checks,
}


def show_table(title: str, summaries: Sequence[Summary]) -> None:
    """One table per scenario; ratios are against the second row (the reference script)."""
    from rich.console import Console  # imported late: the project bans module-level rich imports
    from rich.table import Table

    reference = summaries[1]
    table = Table(title=title, title_justify="left")
    for name in ("command", "median ms", "min ms", "peak RSS MiB (median)", "time ratio", "RSS ratio"):
        table.add_column(name, justify="left" if name == "command" else "right")
    for row in summaries:
        table.add_row(
            row.label, f"{row.median_ms:.1f}", f"{row.min_ms:.1f}", f"{row.max_rss_mib:.1f}",
            f"{ratio(row.median_ms, reference.median_ms):.2f}",
            f"{ratio(row.max_rss_mib, reference.max_rss_mib):.2f}",
        )
    Console(width=130).print(table)


def parse_options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="cold-call runs per command (default 20)")
    parser.add_argument("--size-mib", type=int, default=256, help="big input size in MiB (default 256)")
    parser.add_argument("--output-mib", type=int, default=64, help="big result size in MiB (default 64)")
    parser.add_argument("--big-runs", type=int, default=3, help="big input/output runs per command (default 3)")
    parser.add_argument("--checks", type=int, default=1000, help="checks in the checks file (default 1000)")
    parser.add_argument("--check-runs", type=int, default=3, help="runs of each checks command (default 3)")
    parser.add_argument("--session-calls", type=int, default=2000, help="calls per session round (default 2000)")
    parser.add_argument("--wasmer-python", help="a Python with wasmer and wasmcall installed (default .venv310)")
    parser.add_argument("--only", help=f"comma-separated sections to run, of: {', '.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="few runs and small sizes: to try the script")
    options = parser.parse_args(argv)
    if options.quick:
        options.runs, options.big_runs, options.check_runs = 3, 1, 1
        options.size_mib, options.output_mib, options.checks, options.session_calls = 16, 4, 100, 200
    chosen = SECTIONS if not options.only else tuple(options.only.split(","))
    if set(chosen) - set(SECTIONS):
        parser.error(f"--only: unknown sections {sorted(set(chosen) - set(SECTIONS))}")
    options.sections = chosen
    numbers = (options.runs, options.size_mib, options.output_mib, options.big_runs, options.checks,
               options.check_runs, options.session_calls)
    if min(numbers) < 1:
        parser.error("every count and size must be at least 1")
    return options


def install_kind() -> str:
    """Regular (as the README installs it) or editable: an editable install's import hook runs in every
    Python of this environment, the scripts' too, so it adds the same milliseconds to both sides."""
    import json
    from importlib import metadata

    try:
        direct = metadata.distribution("wasmcall").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return "wasmcall is not installed in this environment"
    editable = bool(direct) and json.loads(direct).get("dir_info", {}).get("editable", False)
    if editable:
        return "editable (pip install -e): ratios read lower than for a regular install, as users have"
    return "regular, as users have it"


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    pythons = find_pythons(options.wasmer_python)
    print(f"python: {sys.executable} ({sys.version.split()[0]}); wasmcall: {' '.join(pythons.wasmcall)}")
    print(f"wasmer rows: {pythons.wasmer_python or 'skipped - ' + pythons.wasmer_missing}")
    print(f"machine: {os.cpu_count()} CPUs, load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"install: {install_kind()}")
    verdicts: list[str] = []
    with tempfile.TemporaryDirectory(prefix="wasmcall-bench-") as directory:
        for name in options.sections:
            verdicts += SECTION_FUNCTIONS[name](options, pythons, Path(directory))
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("Verdicts:")
    for line in verdicts:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
