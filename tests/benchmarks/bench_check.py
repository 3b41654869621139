"""Benchmark: ``wasmcall check`` with 1,000 checks on one module against one cold ``wasmcall call``.

Run on demand (pytest does not collect it)::

    python tests/benchmarks/bench_check.py [--runs 5] [--checks 1000]

with the Python of the environment wasmcall is installed in; on Python 3.10
(where wasmer installs) the wasmer rows are measured too, else they are
skipped with the reason.

Targets (issue 8; each gets a verdict line, the exit code is 0 either way):

1. ``wasmcall check`` of a file of 1,000 checks on the bundled Rust guest
   takes at most 5x the wall time of one cold ``wasmcall call`` on it.
2. The same file with ``engine = "wasmer"`` takes at most 10x one cold
   ``wasmcall call --engine wasmer``.

The checks are all different (half ``upper --str 'check number N'``, half
``add N 40``, each with its expected result), so no call line is parsed
from a cache and every check really runs on its own fresh instance. Each
run's closing line must read ``1000 passed, 0 failed``. A third row runs
1,000 checks that cycle through 10 call lines (each parsed once): the
difference between the two check rows is what parsing the call lines costs.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the sibling benchmark's helpers, found by the path above
from bench_call import (
    GUEST,
    Run,
    Summary,
    ratio,
    run_child,
    show_table,
    summarize,
    verdict,
    wasmcall_command,
)

TARGETS = {"wasmtime": 5.0, "wasmer": 10.0}
REPEATED_LINES = 10


def write_checks(directory: Path, count: int, engine: str, distinct: int) -> Path:
    """``count`` checks on the Rust guest, every one expected to pass, cycling through ``distinct`` call lines."""
    lines = ["[defaults]", f'module = "{GUEST}"', f'engine = "{engine}"', ""]
    for index in range(count):
        number = index % distinct
        if number % 2:
            call, expect = f"upper --str 'check number {number}' --ret ptr", f"CHECK NUMBER {number}"
        else:
            call, expect = f"add {number} 40", str(number + 40)
        lines += ["[[check]]", f'call = "{call}"', f'expect = "{expect}"', ""]
    path = directory / f"checks-{engine}-{distinct}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def measure_pair(commands: dict[str, list[str]], expected: dict[str, str], runs: int) -> list[Summary]:
    """Run each command ``runs`` times, interleaved after one warm-up each; check every output's last line."""
    results: dict[str, list[Run]] = {label: [] for label in commands}
    for index in range(runs + 1):
        for label in commands if index % 2 else reversed(list(commands)):
            run = run_child(commands[label])
            last = run.output.splitlines()[-1] if run.output else ""
            if last != expected[label]:
                raise RuntimeError(f"{label}: last line {last!r}, expected {expected[label]!r}")
            if index:  # the first round warms the page cache and wasmtime's compile cache
                results[label].append(run)
    return [summarize(label, timings) for label, timings in results.items()]


def engine_rows(
    engine: str, count: int, runs: int, wasmcall: list[str], directory: Path
) -> tuple[list[Summary], str]:
    distinct = write_checks(directory, count, engine, count)
    repeated = write_checks(directory, count, engine, REPEATED_LINES)
    call = [*wasmcall, "call", str(GUEST), "upper", "--str", "hello", "--ret", "ptr", "--engine", engine]
    commands = {
        f"wasmcall check, {count} different checks ({engine})": [*wasmcall, "check", str(distinct)],
        f"wasmcall call, one cold call ({engine})": call,
        f"wasmcall check, {count} checks of {REPEATED_LINES} call lines ({engine})": [
            *wasmcall, "check", str(repeated),
        ],
    }
    passed = f"{count} passed, 0 failed"
    expected = dict(zip(commands, [passed, "HELLO", passed], strict=True))
    summaries = measure_pair(commands, expected, runs)
    check, single, cached = summaries
    line = verdict(
        f"{count} different checks vs one cold call ({engine})", ratio(check.median_ms, single.median_ms),
        TARGETS[engine], f"median {check.median_ms:.0f} ms vs {single.median_ms:.0f} ms "
        f"({(check.median_ms - single.median_ms) / count:.2f} ms per check over a cold call)",
    )
    cached_ratio = ratio(cached.median_ms, single.median_ms)
    note = (
        f"(the same count of checks on {REPEATED_LINES} call lines, each parsed once: {cached_ratio:.2f}x, "
        f"{(cached.median_ms - single.median_ms) / count:.2f} ms per check; the difference is parsing)"
    )
    return summaries, f"{line}\n    {note}"


def wasmer_installed() -> bool:
    try:
        return importlib.util.find_spec("wasmer") is not None and __import__("wasmer") is not None
    except ImportError:
        return False


def parse_options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command after a warm-up (default 5)")
    parser.add_argument("--checks", type=int, default=1000, help="checks in the file (default 1000)")
    options = parser.parse_args(argv)
    if min(options.runs, options.checks) < 1:
        parser.error("--runs and --checks must be at least 1")
    return options


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    wasmcall, how = wasmcall_command()
    print(f"python: {sys.executable} ({sys.version.split()[0]})")
    print(f"wasmcall: {how}")
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="wasmcall-bench-") as directory:
        for engine in TARGETS:
            if engine == "wasmer" and not wasmer_installed():
                verdicts.append("wasmer: skipped - wasmer is not installed here (run this with Python 3.10)")
                continue
            summaries, line = engine_rows(engine, options.checks, options.runs, wasmcall, Path(directory))
            show_table(f"wasmcall check vs wasmcall call, {engine} ({options.runs} runs each)", summaries)
            verdicts.append(line)
    print("Verdicts:")
    for line in verdicts:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
