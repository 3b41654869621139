"""``--repeat N``: the same call N times on one instance, to time it and to see whether the guest leaks.

Valgrind finds leaks in a native build; a wasm guest has nothing like it, but
its allocator leaves a trail the host can read. Every call is traced, so the
host knows what it allocated and freed; if the addresses the allocator hands
out (the host's buffers, the result) keep climbing from call to call, memory
is being kept somewhere, and the drift per call is how much. Which buffers
the host did not free says whose it probably is.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any, Optional

from msgspec import Struct
from msgspec.structs import replace

from wasmcall.engines.base import WASM_PAGE
from wasmcall.errors import UsageError
from wasmcall.records import CallResult
from wasmcall.request import CallRequest
from wasmcall.session import Session
from wasmcall.trace import TraceStep

ALLOCATORS_SIZE_PARAM = {"cabi_realloc": 3, "cm32p2_realloc": 3}


class CallMemory(Struct, frozen=True):
    """What one call did with memory, read from its trace."""

    allocated: tuple[tuple[int, int], ...]
    """(ptr, size) of each host allocation."""
    freed: tuple[int, ...]
    """Pointers the host freed (its own buffers and the result)."""
    result_ptr: Optional[int]
    result_freed: bool
    managed: bool = False
    """AssemblyScript objects: its garbage collector, not the host, gives them back."""


class RepeatReport(Struct, frozen=True):
    """The outcome of ``--repeat``: timings, memory before and after, and the leak verdict."""

    calls: int
    times_ms: tuple[float, ...]
    pages_before: int
    pages_after: int
    host_allocated: int
    host_freed: int
    results_read: int
    results_freed: int
    drift: Optional[float]
    """Bytes per call by which the highest address handed out moved; None when it cannot be judged."""
    first_ptr: Optional[int]
    last_ptr: Optional[int]
    leak: Optional[str]
    """A plain sentence naming the leak, or None when there is none to see."""
    last: CallResult

    @property
    def leaks(self) -> bool:
        return self.leak is not None


def repeat_call(
    session: Session, request: CallRequest, count: int, advance: Optional[Callable[[], Any]] = None
) -> RepeatReport:
    """Run ``request`` ``count`` times on ``session``, traced to see allocations.

    ``advance`` is called after each call (a progress bar's tick).
    """
    traced = replace(request, trace=True)
    pages = [session.memory_size() // WASM_PAGE]
    results: list[CallResult] = []
    for _ in range(count):
        result = session.run(traced)
        if not isinstance(result, CallResult):
            raise UsageError("--repeat checks core modules' memory; a component has no single memory to watch")
        results.append(result)
        if len(results) == 1:
            pages.append(session.memory_size() // WASM_PAGE)  # the first call may set the heap up
        if advance is not None:
            advance()
    pages.append(session.memory_size() // WASM_PAGE)
    memories = [call_memory(result.trace, result) for result in results]
    last = results[-1] if request.trace else replace(results[-1], trace=())
    return judge(request, results, memories, pages, last)


def call_memory(steps: Sequence[TraceStep], result: CallResult) -> CallMemory:
    """The host's allocations and frees in one call's trace, and whether the result was given back."""
    allocated = tuple(
        (int(step.results[0]) & 0xFFFFFFFF, allocation_size(step)) for step in steps if step.step == "alloc"
    )
    freed = tuple(int(step.params[0]) & 0xFFFFFFFF for step in steps if step.step == "free" and step.params)
    result_ptr = result.result.ptr if result.result is not None else None
    returned = any(step.step == "post-return" for step in steps) or (
        result_ptr is not None and result_ptr in freed
    )
    managed = any(step.step in ("pin", "unpin") for step in steps)
    return CallMemory(allocated, freed, result_ptr, returned, managed)


def allocation_size(step: TraceStep) -> int:
    """The size an allocator was asked for: ``alloc(size)``, ``malloc(size, align)``,
    ``cabi_realloc(0, 0, align, size)``."""
    index = ALLOCATORS_SIZE_PARAM.get(step.name, 0)
    return int(step.params[index]) if len(step.params) > index else 0


def judge(
    request: CallRequest,
    results: Sequence[CallResult],
    memories: Sequence[CallMemory],
    pages: Sequence[int],
    last: CallResult,
) -> RepeatReport:
    """Sum up the calls; ``pages`` are memory sizes before the first call, after it, and at the end."""
    host_allocated = sum(size for memory in memories for _, size in memory.allocated)
    host_freed = sum(
        size for memory in memories for ptr, size in memory.allocated if ptr in memory.freed
    )
    read = sum(memory.result_ptr is not None for memory in memories)
    returned = sum(memory.result_freed for memory in memories)
    track = [highest_address(m) for m in memories]
    drift, first, final = pointer_drift(track)
    if any(memory.managed for memory in memories):
        drift = first = final = None  # a collector frees when it likes: addresses say nothing per call
    leak = leak_sentence(request, memories, drift, pages[-1] - pages[1])
    return RepeatReport(
        len(results), tuple(r.elapsed_ms for r in results), pages[0], pages[-1], host_allocated,
        host_freed, read, returned, drift, first, final, leak, last,
    )


def highest_address(memory: CallMemory) -> Optional[int]:
    """The highest address a call was handed (its buffers, its result): where a leak pushes the heap."""
    seen = [ptr for ptr, _ in memory.allocated]
    if memory.result_ptr is not None:
        seen.append(memory.result_ptr)
    return max(seen, default=None)


def pointer_drift(track: Sequence[Optional[int]]) -> tuple[Optional[float], Optional[int], Optional[int]]:
    """Bytes per call the tracked address moved, from the second call on (the first may set things up)."""
    known = [ptr for ptr in track[1:] if ptr is not None]
    if len(known) < 2 or len(known) != len(track) - 1:
        return None, None, None
    return (known[-1] - known[0]) / (len(known) - 1), known[0], known[-1]


def leak_sentence(
    request: CallRequest, memories: Sequence[CallMemory], drift: Optional[float], grown_pages: int
) -> Optional[str]:
    """Say plainly what is not freed, and whose it probably is; None when nothing keeps growing."""
    if drift is None or drift <= 0:
        if grown_pages > 0 and len(memories) > 2:
            return f"memory grew by {grown_pages} pages after the first call, over {len(memories) - 1} more calls"
        return None
    per_call = f"{drift:g} bytes not freed per call"
    kept = [size for ptr, size in memories[-1].allocated if ptr not in memories[-1].freed]
    result_kept = memories[-1].result_ptr is not None and not memories[-1].result_freed
    if kept and request.free_inputs:
        return f"{per_call}: the input buffers — the guest exports no free function to give them back with"
    if kept:
        noun = "the input buffer" if len(kept) == 1 else f"the {len(kept)} input buffers"
        return (
            f"{per_call}: {noun} ({', '.join(map(str, kept))} bytes) — the export does not free "
            f"{'it' if len(kept) == 1 else 'them'}; pass --free-inputs if it only borrows"
        )
    if result_kept:
        return f"{per_call}: the result — it is not freed (--keep-result, or the guest exports no free function)"
    return f"{per_call}: the host freed everything it owns, so the guest itself keeps them"


def report_lines(report: RepeatReport) -> list[str]:
    """The plain report, one fact per line."""
    times = report.times_ms
    lines = [
        f"repeat: {report.calls} calls of {report.last.export} on {report.last.engine}",
        f"time per call: min {min(times):.3f} ms · median {statistics.median(times):.3f} ms · "
        f"max {max(times):.3f} ms",
        f"memory: {report.pages_before} pages before, {report.pages_after} after",
        f"host buffers: {report.host_allocated} bytes allocated, {report.host_freed} freed by the host",
        f"results: {report.results_freed} of {report.results_read} freed",
    ]
    if report.drift is None and report.calls > 2:
        lines.append("pointer drift: not judged (the guest's garbage collector frees when it likes)")
    if report.drift is not None:
        lines.append(
            f"pointer drift: {report.drift:+g} bytes per call ({report.first_ptr:#x} → {report.last_ptr:#x})"
        )
    if report.leak:
        lines.append(f"leak: {report.leak}")
    elif report.drift is not None:
        lines.append("no leak seen: addresses are reused and memory did not grow after the first call")
    else:
        lines.append("no leak seen: memory did not grow after the first call")
    return lines


def report_json(report: RepeatReport) -> dict[str, Any]:
    """The ``"repeat"`` object of the JSON envelope (docs/json-output.md)."""
    times = report.times_ms
    return {
        "calls": report.calls,
        "ms": {
            "min": round(min(times), 3), "median": round(statistics.median(times), 3), "max": round(max(times), 3),
        },
        "pages_before": report.pages_before,
        "pages_after": report.pages_after,
        "host_allocated": report.host_allocated,
        "host_freed": report.host_freed,
        "results_read": report.results_read,
        "results_freed": report.results_freed,
        "drift": report.drift,
        "leak": report.leak,
    }
