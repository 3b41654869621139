"""Say what plain numbers look like, without ever acting on the guess.

``--ret auto`` only reads memory when the signature proves a result is
there. Many toolchains return a string in a plain number: a ``char *`` in an
i32 (C, Zig, Rust's CString, Emscripten) or ``(ptr, len)`` packed in an i64
(Rust, Zig, Go). When the numbers a call returned point at readable text,
one hint names the flag that would show it. The values and the exit code
stay what they were: a hint is printed next to them, never instead.

The ``producers`` custom section sharpens the guess where it exists: Go
never returns NUL-terminated strings, so an i32 from Go is never hinted as
one. Guesses are cautious: pointers below LOWEST_POINTER (where small
numbers live) and texts shorter than SHORTEST_TEXT are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Optional

from wasmcall.conventions.allocators import unsigned32
from wasmcall.engines.base import Instance, Value
from wasmcall.records import is_readable_text

if TYPE_CHECKING:
    from wasmcall.conventions.calling import Plan

LOWEST_POINTER = 1024
SHORTEST_TEXT = 2
LONGEST_SCAN = 4096
SHOWN_CHARS = 40


def result_hints(instance: Instance, plan: Plan, values: Sequence[Value]) -> tuple[str, ...]:
    """At most one hint about ``values`` (the export's raw results), or none."""
    results = plan.signature.results
    if len(values) != 1 or not isinstance(values[0], int):
        return ()
    if results == ("i64",):
        hint = packed_hint(instance, values[0])
    elif results == ("i32",) and "Go" not in plan.facts.producers.languages:
        hint = cstr_hint(instance, values[0])
    else:
        hint = None
    return (hint,) if hint else ()


def packed_hint(instance: Instance, value: int) -> Optional[str]:
    """An i64 whose halves, pointer high (the usual order) or low, frame readable text."""
    packed = value & 0xFFFFFFFFFFFFFFFF
    high, low = packed >> 32, packed & 0xFFFFFFFF
    for ptr, length, flag in ((high, low, "--ret packed"), (low, high, "--ret packed --packed-order ptr-low")):
        text = text_at(instance, ptr, length)
        if text is not None:
            return f"{value} looks like ptr={ptr:#x} len={length} → {quoted(text)}; add {flag}"
    return None


def cstr_hint(instance: Instance, value: int) -> Optional[str]:
    """An i32 pointing at a NUL-terminated readable string."""
    ptr = unsigned32(value)
    if ptr < LOWEST_POINTER or ptr >= instance.memory_size():
        return None
    window = instance.read(ptr, min(LONGEST_SCAN, instance.memory_size() - ptr), "hint")
    end = window.find(b"\0")
    text = text_at(instance, ptr, end) if end >= 0 else None
    if text is None:
        return None
    return f"{value} looks like a pointer to the NUL-terminated {quoted(text)}; add --ret cstr"


def text_at(instance: Instance, ptr: int, length: int) -> Optional[str]:
    """The text at ``ptr``, if it is in bounds, long enough and readable; else None."""
    if ptr < LOWEST_POINTER or not SHORTEST_TEXT <= length <= LONGEST_SCAN:
        return None
    if ptr + length > instance.memory_size():
        return None
    data = instance.read(ptr, length, "hint")
    return data.decode("utf-8") if is_readable_text(data) else None


def quoted(text: str) -> str:
    """Double-quoted and shortened; the renderer escapes control characters for the terminal."""
    if len(text) > SHOWN_CHARS:
        text = text[:SHOWN_CHARS] + "…"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
