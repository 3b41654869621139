"""Benchmark: what wasmcall costs over a minimal hand-written wasmtime-py script.

Run on demand (pytest does not collect it: its name is not ``test_*.py``)::

    python tests/benchmarks/bench_call.py [--runs 20] [--size-mib 256] [--big-runs 3]

with the Python of the environment wasmcall is installed in: the ``wasmcall``
console script next to ``sys.executable`` is what is measured (as users run
it), or ``python -m wasmcall`` if there is none.

Targets (each gets a verdict line; the exit code is 0 either way, because
this is a measurement, not a test):

1. Cold start. A fresh ``wasmcall call guests/rust/memory.wasm upper --str ...
   --ret ptr`` against a fresh Python running the same call by hand
   (alloc, write, call, read, dealloc, print). Median wall time of wasmcall
   is at most 1.3x the script's.
2. Big input. A file of ``--size-mib`` MiB passed to ``array_sum`` (which only
   reads it) with ``--file``, against a script that reads the file into a
   bytearray and ``Memory.write``s it: the careful user's "script plus one
   copy". wasmcall's median time is at most 1.2x, and its peak RSS at most
   1.2x, the script's. A zero-copy script (``readinto`` straight into guest
   memory) and the bare baseline (Python, wasmtime import and instantiation,
   no file) are shown for context; the guest's own 256 MiB of linear memory
   is in every figure but the baseline.

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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUEST = ROOT / "guests" / "rust" / "memory.wasm"
TEXT = "this should be uppercase"
MIB = 1024 * 1024
COLD_TARGET = 1.3
BIG_TIME_TARGET = 1.2
BIG_RSS_TARGET = 1.2

# argv: guest, text. The shortest honest version of what `wasmcall call ... upper --ret ptr` does.
COLD_SCRIPT = """
import sys
import wasmtime

store = wasmtime.Store()
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


def run_child(argv: Sequence[str]) -> Run:
    """Run argv to completion; reap it with wait4 so its rusage is its own, not all children's."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    assert proc.stdout is not None
    with proc.stdout:
        output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keeps Popen from waiting again
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}:\n{output}")
    return Run(seconds, usage.ru_maxrss / 1024, output.strip())  # ru_maxrss is KiB on Linux


def wasmcall_command() -> tuple[list[str], str]:
    """The console script users run, else ``python -m wasmcall``; and which one it was."""
    script = Path(sys.executable).parent / "wasmcall"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)], str(script)
    return [sys.executable, "-m", "wasmcall"], f"{sys.executable} -m wasmcall"


def python_script(source: str, *args: str) -> list[str]:
    return [sys.executable, "-c", source, *args]


def measure(commands: dict[str, list[str]], runs: int, expected: str) -> dict[str, list[Run]]:
    """Run every command ``runs`` times, interleaved with a rotating order, after one warm-up each.

    Interleaving spreads drift (CPU frequency, page cache, other load) over all
    commands alike; the warm-up puts the guest, the file and Python's own
    modules in the page cache. Every output is checked, so a broken command
    cannot look fast.
    """
    for argv in commands.values():
        check_output(run_child(argv), expected, argv)
    results: dict[str, list[Run]] = {label: [] for label in commands}
    labels = list(commands)
    for index in range(runs):
        shift = index % len(labels)
        for label in labels[shift:] + labels[:shift]:
            run = run_child(commands[label])
            check_output(run, expected, commands[label])
            results[label].append(run)
    return results


def check_output(run: Run, expected: str, argv: Sequence[str]) -> None:
    if expected and run.output != expected:
        raise RuntimeError(f"{argv[0]}... printed {run.output!r}, expected {expected!r}")


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


def cold_start(runs: int, wasmcall: list[str]) -> tuple[list[Summary], str]:
    """Target 1: a fresh process per call, wasmcall against the hand-written script."""
    call = [*wasmcall, "call", str(GUEST), "upper", "--str", TEXT, "--ret", "ptr"]
    commands = {
        "wasmcall": call,
        "script": python_script(COLD_SCRIPT, str(GUEST), TEXT),
        # wasmtime's compile cache is on by default; this row shows a first-ever run.
        "wasmcall, no compile cache": ["env", "WASMCALL_NO_CACHE=1", *call],
    }
    results = measure(commands, runs, TEXT.upper())
    tool, script, uncached = (summarize(label, results[label]) for label in commands)
    value = ratio(tool.median_ms, script.median_ms)
    detail = f"median {tool.median_ms:.0f} ms vs {script.median_ms:.0f} ms"
    return [tool, script, uncached], verdict("cold start, wasmcall/script time", value, COLD_TARGET, detail)


def big_input(runs: int, size_mib: int, wasmcall: list[str]) -> tuple[list[Summary], list[str]]:
    """Target 2: a big --file to an export that only reads it; time and peak RSS."""
    with tempfile.TemporaryDirectory(prefix="wasmcall-bench-") as directory:
        path, expected = make_big_file(Path(directory), size_mib)
        commands = {
            "wasmcall": [*wasmcall, "call", str(GUEST), "array_sum", "--file", str(path)],
            "script (one copy)": python_script(COPY_SCRIPT, str(GUEST), str(path)),
            "script (readinto, zero copy)": python_script(READINTO_SCRIPT, str(GUEST), str(path)),
        }
        results = measure(commands, runs, str(expected))
    results.update(measure({"script baseline (no file)": python_script(BASELINE_SCRIPT, str(GUEST))}, runs, ""))
    summaries = [summarize(label, timings) for label, timings in results.items()]
    tool, script = summaries[0], summaries[1]
    lines = [
        verdict(
            "big input, wasmcall/script time", ratio(tool.median_ms, script.median_ms), BIG_TIME_TARGET,
            f"median {tool.median_ms:.0f} ms vs {script.median_ms:.0f} ms",
        ),
        verdict(
            "big input, wasmcall/script peak RSS", ratio(tool.max_rss_mib, script.max_rss_mib),
            BIG_RSS_TARGET, f"{tool.max_rss_mib:.0f} MiB vs {script.max_rss_mib:.0f} MiB",
        ),
    ]
    return summaries, lines


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
    Console(width=120).print(table)


def parse_options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="cold-start runs per command (default 20)")
    parser.add_argument("--size-mib", type=int, default=256, help="big input size in MiB (default 256)")
    parser.add_argument("--big-runs", type=int, default=3, help="big-input runs per command (default 3)")
    options = parser.parse_args(argv)
    if min(options.runs, options.size_mib, options.big_runs) < 1:
        parser.error("--runs, --size-mib and --big-runs must be at least 1")
    return options


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    wasmcall, how = wasmcall_command()
    print(f"python: {sys.executable} ({sys.version.split()[0]})")
    print(f"wasmcall: {how}")
    cold, cold_verdict = cold_start(options.runs, wasmcall)
    show_table(f"Cold start: upper --str ({options.runs} runs each, interleaved)", cold)
    big, big_verdicts = big_input(options.big_runs, options.size_mib, wasmcall)
    show_table(f"Big input: array_sum --file of {options.size_mib} MiB ({options.big_runs} runs each)", big)
    print("Verdicts:")
    for line in [cold_verdict, *big_verdicts]:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
