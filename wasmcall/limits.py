"""Parse the limit options: ``--timeout 500ms``, ``--max-memory 64MiB``, ``--fuel N``.

Every limit has an accepted range that the engines can honour exactly; a
value outside it is a usage error naming the range, because the engines
would otherwise misbehave quietly: a timer of 1e10 s overflows Python's
thread timeout, and wasmtime takes fuel and memory sizes as 64-bit integers
(``2**64`` wrapped to 0 and reported "memory limit exceeded").
"""

from __future__ import annotations

import math
import re

from wasmcall.errors import UsageError

SIZE = re.compile(r"^\s*(\d+)\s*([KMG]i?B?|B)?\s*$", re.IGNORECASE)
UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30}
DURATION = re.compile(r"^\s*([+-]?[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(ms|s|m|h)?\s*$", re.IGNORECASE)
SECONDS_PER = {"ms": 0.001, "s": 1.0, "": 1.0, "m": 60.0, "h": 3600.0}
# A day: far beyond any sensible call, far inside what timers and select() accept.
MAX_TIMEOUT = 86400.0
MIN_TIMEOUT = 0.001
# wasmtime stores both as signed 64-bit integers.
MAX_MEMORY = 2**63 - 1
MAX_FUEL = 2**63 - 1


def parse_size(text: str) -> int:
    """Bytes from ``65536``, ``64KiB``, ``64MiB``, ``1GiB`` (K/M/G are binary, as wasm pages are)."""
    match = SIZE.match(text)
    if not match:
        raise UsageError(f"--max-memory {text!r}: expected a size like 65536, 64MiB or 1GiB")
    unit = (match.group(2) or "").lower()[:1]
    size = int(match.group(1)) * UNITS[unit]
    if size <= 0:
        raise UsageError(f"--max-memory {text!r}: must be more than zero")
    if size > MAX_MEMORY:
        raise UsageError(f"--max-memory {text!r}: out of range (1 to {MAX_MEMORY} bytes)")
    return size


def parse_timeout(text: str) -> float:
    """Seconds from ``1.5``, ``2s``, ``500ms``, ``1m`` or ``1h``; between 1 ms and a day."""
    match = DURATION.match(text)
    if not match:
        raise UsageError(f"--timeout {text!r}: expected a number of seconds, or a duration like 500ms, 2s, 1m")
    seconds = float(match.group(1)) * SECONDS_PER[(match.group(2) or "").lower()]
    if seconds <= 0:
        raise UsageError(f"--timeout {text!r}: must be a positive number of seconds")
    if not (math.isfinite(seconds) and MIN_TIMEOUT <= seconds <= MAX_TIMEOUT):
        raise UsageError(f"--timeout {text!r}: out of range (1ms to {MAX_TIMEOUT:g} s, a day)")
    return seconds


def check_fuel(fuel: int) -> int:
    """Fuel as given, if the engine can hold it."""
    if not 1 <= fuel <= MAX_FUEL:
        raise UsageError(f"--fuel {fuel}: out of range (1 to {MAX_FUEL})")
    return fuel
