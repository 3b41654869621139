"""Trap and limit messages worded the same whichever engine produced them.

Engines report traps very differently (wasmtime a multi-line backtrace,
wasmer a RuntimeError that can run to megabytes), so both funnel through here
to give the user one readable line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Optional

from msgspec import Struct

from wasmcall.engines.base import Limits

MESSAGE_LIMIT = 300
LIST_LIMIT = 20
CAUSE_NUMBER = re.compile(r"^\s*\d+:\s*")
INVALID_EXIT = "invalid exit status"
FRAMES_KEPT = 50
RUST_HASH = re.compile(r"::h[0-9a-f]{16}$")
WASMTIME_FRAME = re.compile(r"^\s*(\d+):\s+(?:(0x[0-9a-f]+) - )?(?:[^!\n]*!)?(.+)$", re.MULTILINE)
OFFSET_LIMIT = 2**32
WASMER_FRAME = re.compile(r"^\s*at (.+?) \(<module>\[(\d+)\]:(0x[0-9a-f]+)\)$", re.MULTILINE)
# The engines word a few traps differently; say them one way.
SAME_TRAP = {
    "unreachable": "unreachable instruction executed",
    "wasm `unreachable` instruction executed": "unreachable instruction executed",
}


def truncate(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Shorten to ``limit`` characters, saying how much was cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def count_list(items: Sequence[str], separator: str = ", ", shown: int = LIST_LIMIT) -> str:
    """The first ``shown`` items, then how many more: a module may have 100,000 exports."""
    listing = separator.join(items[:shown])
    if len(items) > shown:
        listing += f"{separator.rstrip()} … and {len(items) - shown:,} more"
    return listing


def first_line(error: BaseException) -> str:
    """The first line of an engine's error, shortened: enough to say what went wrong."""
    lines = str(error).strip().splitlines()
    return truncate(lines[0]) if lines else type(error).__name__


def host_call_reason(error: BaseException) -> str:
    """Why a call into the host failed, from the ``Caused by:`` part of wasmtime's error.

    wasmtime's first line is only "error while executing at wasm backtrace:";
    the reason (a WASI function refusing its arguments, an exit status it will
    not pass on) sits under "Caused by:", numbered from the outermost cause.
    """
    text = str(error)
    _, marker, causes = text.partition("Caused by:")
    lines = [CAUSE_NUMBER.sub("", line).strip() for line in causes.splitlines() if line.strip()]
    if not marker or not lines:
        return first_line(error)
    cause = lines[0]
    if INVALID_EXIT in cause:
        return truncate(
            f"the guest called proc_exit with a status of 126 or more, which wasmtime refuses ({cause})"
        )
    return truncate(f"a call from the guest into the host failed: {cause}")


def describe_trap(message: str, function: Optional[str], where: str) -> str:
    """One line: which trap, in which wasm function, during which step."""
    message = SAME_TRAP.get(message.strip(), message)
    place = f" in wasm function {function!r}" if function else ""
    return truncate(f"guest trapped{place} while running {where!r}: {message}")


def limit_message(limit: str, limits: Limits) -> str:
    """Name the limit that was hit and its value, e.g. ``timed out after 2 s``."""
    if limit == "fuel":
        return f"ran out of fuel ({limits.fuel})"
    if limit == "timeout":
        return f"timed out after {limits.timeout:g} s"
    return f"memory limit {format_size(limits.max_memory or 0)} exceeded"


def format_size(size: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


class Frame(Struct, frozen=True):
    """One wasm frame of a trap's backtrace, innermost first.

    ``function`` is the demangled name (Rust hashes dropped) or ``func[N]``
    when the module has no name for it; ``offset`` is the module byte offset
    of the instruction, as ``wasm-objdump -d`` and ``wasm-tools`` print it.
    """

    function: str
    func_index: Optional[int] = None
    offset: Optional[int] = None

    def describe(self) -> str:
        index = f"func[{self.func_index}]" if self.func_index is not None else ""
        named = "" if self.function == index else self.function
        where = f" @ {self.offset:#x}" if self.offset is not None else ""
        return " ".join(part for part in (named, index) if part) + where


def display_name(name: Optional[str], func_index: Optional[int]) -> str:
    """A readable function name: demangled by the engine, without Rust's hash suffix."""
    if not name or name == "<unnamed>" or name.startswith("<wasm function"):
        return f"func[{func_index}]" if func_index is not None else "?"
    return RUST_HASH.sub("", name)


def wasmtime_frames(message: str, raw: Sequence[tuple[int, Optional[int]]]) -> tuple[tuple[Frame, ...], int]:
    """Frames from wasmtime: function indexes from ``Trap.frames``, names and offsets from the message.

    The message names frames demangled (``core::result::unwrap_failed``)
    where ``Frame.func_name`` is still mangled, and gives the offsets wasmtime
    (and wasmer) print; the two lists are zipped by position.
    """
    backtrace = message.split("\nCaused by:", 1)[0]  # the causes are numbered lines too
    printed = [(match.group(2), match.group(3)) for match in WASMTIME_FRAME.finditer(backtrace)]
    if len(printed) != len(raw):
        printed = [(None, "")] * len(raw)
    frames = (
        Frame(display_name(name, index), index, int(offset, 16) if offset else plausible_offset(fallback))
        for (offset, name), (index, fallback) in zip(printed, raw, strict=True)
    )
    return keep_frames(frames)


def plausible_offset(offset: Optional[int]) -> Optional[int]:
    """wasmtime reports an unknown offset as -1 or 2**64 - 1."""
    return offset if offset is not None and 0 <= offset < OFFSET_LIMIT else None


def wasmer_frames(text: str) -> tuple[tuple[Frame, ...], int]:
    """Frames parsed from wasmer's RuntimeError text (``at name (<module>[N]:0xOFFSET)`` lines)."""
    frames = (
        Frame(display_name(m.group(1), int(m.group(2))), int(m.group(2)), int(m.group(3), 16))
        for m in WASMER_FRAME.finditer(text)
    )
    return keep_frames(frames)


def keep_frames(frames: Iterable[Frame]) -> tuple[tuple[Frame, ...], int]:
    """The first FRAMES_KEPT frames and how many there were in all (a stack overflow has thousands)."""
    kept: list[Frame] = []
    count = 0
    for frame in frames:
        if count < FRAMES_KEPT:
            kept.append(frame)
        count += 1
    return tuple(kept), count
