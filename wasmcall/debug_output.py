"""Showing the debugging extras of a call: its trace, a trap's backtrace, memory dumps.

They go around what ``render.show_result`` shows, never into it: trace lines
and backtraces on stderr (stdout keeps only the result, so pipes stay
clean), and with ``--json`` extra keys of the same envelope (``"trace"``,
``"frames"``, ``"dumps"``; docs/json-output.md).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, Any, Optional

from wasmcall.errors import WasmcallError
from wasmcall.records import CallResult
from wasmcall.trace import TraceStep, trace_line


def write_trace(steps: Sequence[TraceStep], stream: IO[str]) -> None:
    for step in steps:
        stream.write(trace_line(step) + "\n")


def show_call(
    result: CallResult, mode: str, stdout: Optional[IO[str]] = None, stderr: Optional[IO[str]] = None
) -> None:
    """``render.show_result`` plus the trace: lines on stderr first, or a ``"trace"`` list in JSON."""
    from wasmcall.render import envelope, show_result, write_json

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    extras = call_extras(result)
    if mode == "json" and extras:
        write_json({**envelope(result), **extras}, stdout)
        return
    if mode != "json":
        write_trace(result.trace, stderr)
        stderr.flush()
    show_result(result, mode, stdout, stderr)


def call_extras(result: CallResult) -> dict[str, Any]:
    """The envelope's debugging keys, present only when asked for."""
    extras: dict[str, Any] = {}
    if result.trace:
        extras["trace"] = [step.as_json() for step in result.trace]
    return extras


def error_extras(error: WasmcallError) -> dict[str, Any]:
    """Debugging keys of an error envelope: the steps before the failure."""
    steps: Sequence[TraceStep] = getattr(error, "trace", ())
    return {"trace": [step.as_json() for step in steps]} if steps else {}


def write_error_prelude(error: WasmcallError, stream: IO[str]) -> None:
    """What a traced call did before it failed, shown before the error's one line."""
    write_trace(getattr(error, "trace", ()), stream)
