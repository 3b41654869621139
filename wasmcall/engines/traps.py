"""Trap and limit messages worded the same whichever engine produced them.

Engines report traps very differently (wasmtime a multi-line backtrace,
wasmer a RuntimeError that can run to megabytes), so both funnel through here
to give the user one readable line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Optional

from wasmcall.engines.base import Limits

MESSAGE_LIMIT = 300
LIST_LIMIT = 20
CAUSE_NUMBER = re.compile(r"^\s*\d+:\s*")
INVALID_EXIT = "invalid exit status"
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
