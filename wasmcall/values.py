"""Spell wasm values the same way everywhere: text output, --expect and JSON."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from typing import Optional, Union

from wasmcall.engines.base import Value
from wasmcall.records import CallResult

F32_DIGITS = 9


def shortest_f32(value: float) -> float:
    """The shortest decimal that reads back as the same f32.

    Engines hand f32 results to Python widened to f64, so f32 0.1 would show
    as 0.10000000149011612; users wrote 0.1 and expect to see (and --expect) 0.1.
    """
    packed = struct.pack("<f", value)
    for digits in range(1, F32_DIGITS + 1):
        candidate = float(f"{value:.{digits}g}")
        try:
            if struct.pack("<f", candidate) == packed:
                return candidate
        except OverflowError:  # rounding near the largest f32 stepped past it
            continue
    return value


def format_value(value: Value, valtype: Optional[str] = None) -> str:
    """Decimal for integers; ``nan``/``inf``/``-inf`` or the shortest repr for floats."""
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(shortest_f32(value) if valtype == "f32" else value)
    return str(value)


def json_value(value: Value, valtype: Optional[str] = None) -> Union[int, float, str]:
    """JSON has no NaN or infinity, so those become the strings ``"nan"``, ``"inf"``, ``"-inf"``."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return format_value(value)
        return shortest_f32(value) if valtype == "f32" else value
    return value


def typed_values(result: CallResult) -> Iterator[tuple[Value, Optional[str]]]:
    """Each result value with its wasm type from the export's signature."""
    types = result.signature.results
    for index, value in enumerate(result.values):
        yield value, types[index] if index < len(types) else None
