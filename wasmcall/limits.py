"""Parse the limit options: ``--timeout 2.5``, ``--max-memory 64MiB``."""

from __future__ import annotations

import math
import re

from wasmcall.errors import UsageError

SIZE = re.compile(r"^\s*(\d+)\s*([KMG]i?B?|B)?\s*$", re.IGNORECASE)
UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30}


def parse_size(text: str) -> int:
    """Bytes from ``65536``, ``64KiB``, ``64MiB``, ``1GiB`` (K/M/G are binary, as wasm pages are)."""
    match = SIZE.match(text)
    if not match:
        raise UsageError(f"--max-memory {text!r}: expected a size like 65536, 64MiB or 1GiB")
    unit = (match.group(2) or "").lower()[:1]
    size = int(match.group(1)) * UNITS[unit]
    if size <= 0:
        raise UsageError(f"--max-memory {text!r}: must be more than zero")
    return size


def parse_timeout(text: str) -> float:
    """Seconds, fractional allowed; must be positive and finite."""
    try:
        seconds = float(text)
    except ValueError:
        raise UsageError(f"--timeout {text!r}: expected a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(f"--timeout {text!r}: must be a positive number of seconds")
    return seconds
