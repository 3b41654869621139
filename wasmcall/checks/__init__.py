"""``wasmcall check``: run a TOML file of checks against modules, in one process, for CI.

- ``spec`` loads and validates a checks file (``load_checks``): every problem
  is found before anything runs, with its ``file:line``;
- ``runner`` runs the checks on sessions (``run_checks``), each on a fresh
  instance of a module compiled once, and returns a ``ChecksReport``;
- ``report`` and ``terminal`` turn that report into plain lines, JSON, JUnit
  XML, GitHub annotations or a rich view. Nothing but those two prints.

The file format is documented in docs/checks.md.
"""

from __future__ import annotations

from wasmcall.checks.outcome import CheckOutcome, ChecksReport, EngineRun, SkippedEngine, Status
from wasmcall.checks.runner import run_checks, select_checks
from wasmcall.checks.spec import Check, ChecksFileError, load_checks

__all__ = [
    "Check",
    "CheckOutcome",
    "ChecksFileError",
    "ChecksReport",
    "EngineRun",
    "SkippedEngine",
    "Status",
    "load_checks",
    "run_checks",
    "select_checks",
]
