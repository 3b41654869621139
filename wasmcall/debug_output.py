"""Showing the debugging extras of a call: its trace, a trap's backtrace, memory dumps.

They go around what ``render.show_result`` shows, never into it: trace lines
and backtraces on stderr (stdout keeps only the result, so pipes stay
clean), and with ``--json`` extra keys of the same envelope (``"trace"``,
``"frames"``, ``"dumps"``; docs/json-output.md).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any, Optional, TextIO

from wasmcall.errors import WasmcallError
from wasmcall.records import CallResult, MemoryDump
from wasmcall.terminal import escape_line

if TYPE_CHECKING:  # a plain call needs none of them: their modules load when a trace, dump or trap shows up
    from wasmcall.engines.traps import Frame
    from wasmcall.session import AnyResult
    from wasmcall.trace import TraceStep

FRAMES_SHOWN = 20


def write_trace(steps: Sequence[TraceStep], stream: IO[str]) -> None:
    if not steps:
        return
    from wasmcall.trace import trace_line

    for step in steps:
        stream.write(trace_line(step) + "\n")


def show_call(
    result: AnyResult,
    mode: str,
    stdout: Optional[TextIO] = None,
    stderr: Optional[TextIO] = None,
    more: Optional[dict[str, Any]] = None,
    guest_stdout: str = "stderr",
) -> None:
    """``render.show_result`` plus the trace: lines on stderr first, or a ``"trace"`` list in JSON.

    ``guest_stdout`` is where a WASI guest's stdout goes (``render.show_result``).

    ``more`` are further keys for the JSON envelope (``"repeat"``).
    """
    from wasmcall.render import envelope, show_result, write_json

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if not isinstance(result, CallResult):  # a component: no trace, dumps or repeat
        show_result(result, mode, stdout, stderr, guest_stdout=guest_stdout)
        return
    extras = {**call_extras(result), **(more or {})}
    if mode == "json" and extras:
        write_json({**envelope(result), **extras}, stdout)
        return
    if mode != "json":
        write_trace(result.trace, stderr)
        stderr.flush()
    show_result(result, mode, stdout, stderr, guest_stdout=guest_stdout)
    if mode != "json" and result.dumps:
        write_dumps(result.dumps, stderr)


def write_dumps(dumps: Sequence[MemoryDump], stream: IO[str]) -> None:
    """Each ``--dump`` as a labelled hexdump with guest addresses, on stderr beside the result."""
    from wasmcall.memory_view import hexdump_lines

    for dump in dumps:
        named = "" if dump.address.startswith(("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")) else (
            f"{dump.address} = "
        )
        stream.write(f"[dump {named}{dump.ptr:#x}, {len(dump.data)} bytes]\n")
        for line in hexdump_lines(dump.data, dump.ptr):
            stream.write(line + "\n")
    stream.flush()


def call_extras(result: CallResult) -> dict[str, Any]:
    """The envelope's debugging keys, present only when asked for."""
    extras: dict[str, Any] = {}
    if result.trace:
        extras["trace"] = [step.as_json() for step in result.trace]
    if result.dumps:
        extras["dumps"] = [
            {"address": dump.address, "ptr": dump.ptr, "len": len(dump.data), "hex": dump.data.hex()}
            for dump in result.dumps
        ]
    return extras


def error_document(error: WasmcallError) -> dict[str, Any]:
    """The error envelope plus its debugging keys: ``"frames"`` in ``"error"``, a top-level ``"trace"``."""
    from wasmcall.render import error_envelope

    document = error_envelope(error)
    frames: Sequence[Frame] = getattr(error, "frames", ())
    if frames:
        document["error"]["frames"] = [frame_json(frame) for frame in frames]
        document["error"]["frame_count"] = getattr(error, "frame_count", len(frames))
    steps: Sequence[TraceStep] = getattr(error, "trace", ())
    if steps:
        document["trace"] = [step.as_json() for step in steps]
    tail: Sequence[str] = getattr(error, "guest_stderr", ())
    if tail:
        document["error"]["guest_stderr"] = list(tail)
    return document


def frame_json(frame: Frame) -> dict[str, Any]:
    return {"function": frame.function, "func_index": frame.func_index, "offset": frame.offset}


def write_error_prelude(error: WasmcallError, stream: IO[str]) -> None:
    """What a traced call did before it failed, shown before the error's one line."""
    write_trace(getattr(error, "trace", ()), stream)


def backtrace_lines(error: WasmcallError) -> list[str]:
    """The wasm backtrace under the error's line, when it has more than the one frame the line names."""
    frames: Sequence[Frame] = getattr(error, "frames", ())
    count = max(getattr(error, "frame_count", 0), len(frames))
    if count < 2:
        return []
    lines = ["  wasm backtrace, innermost first:"]
    index = 0
    for frame, run in itertools.groupby(frames[:FRAMES_SHOWN]):
        repeats = len(list(run))
        if repeats == 1:
            lines.append(f"    {index:>2}: {escape_line(frame.describe())}")
        else:  # a recursion: one line for the run of identical frames
            span = f"{index:>2}-{index + repeats - 1}"
            lines.append(f"    {span}: {escape_line(frame.describe())} ({repeats} frames)")
        index += repeats
    rest = count - min(len(frames), FRAMES_SHOWN)
    if rest > 0:
        lines.append(f"    … and {rest:,} more frame{'s' if rest != 1 else ''}")
    return lines


def guest_stderr_lines(error: WasmcallError) -> list[str]:
    """The last lines a WASI guest wrote to stderr before it failed (usually why), escaped."""
    tail: Sequence[str] = getattr(error, "guest_stderr", ())
    if not tail:
        return []
    return ["  the guest's last stderr lines:", *(f"    {escape_line(line)}" for line in tail)]
