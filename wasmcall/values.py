"""Spell wasm values the same way everywhere: text output, --expect and JSON.

Floats travel inside wasmcall as plain Python floats. An f64 is its own bits.
An f32 is held as the f64 that widens it exactly: for a NaN, sign and payload are
moved by hand (``f32_from_bits``) rather than by a C cast, because the hardware
cast quietens a signalling NaN. ``f32_bits`` undoes it, so every f32 pattern
survives the trip through wasmcall while finite values stay ordinary floats.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from typing import Optional, Union

from wasmcall.engines.base import Value
from wasmcall.records import CallResult

F32_DIGITS = 9
F32_PAYLOAD = (1 << 23) - 1
F64_PAYLOAD = (1 << 52) - 1
F32_CANONICAL = 1 << 22  # the quiet bit alone: the NaN spelled plain ``nan``
F64_CANONICAL = 1 << 51
PAYLOAD_SHIFT = 29  # f64 mantissa bits minus f32 mantissa bits


def f64_bits(value: float) -> int:
    """The 64-bit pattern of a float (struct copies a double's bytes, NaN payloads included)."""
    return int.from_bytes(struct.pack("<d", value), "little")


def f64_from_bits(bits: int) -> float:
    return float(struct.unpack("<d", bits.to_bytes(8, "little"))[0])


def f32_bits(value: float) -> int:
    """The 32-bit pattern of the f32 that ``value`` stands for.

    A NaN is narrowed by hand: a C float cast would set the quiet bit of a
    signalling NaN. A payload that lives only in the low 29 bits (an f64 NaN
    that no f32 can carry) becomes the canonical NaN, as hardware would.
    """
    if value != value:
        bits = f64_bits(value)
        payload = (bits >> PAYLOAD_SHIFT) & F32_PAYLOAD
        sign = (bits >> 32) & 0x8000_0000
        return sign | 0x7F80_0000 | (payload or F32_CANONICAL)
    return int.from_bytes(struct.pack("<f", value), "little")


def f32_from_bits(bits: int) -> float:
    """The float wasmcall uses for an f32 bit pattern (see the module docstring)."""
    payload = bits & F32_PAYLOAD
    if bits & 0x7F80_0000 == 0x7F80_0000 and payload:
        sign = (bits & 0x8000_0000) << 32
        return f64_from_bits(sign | 0x7FF0_0000_0000_0000 | payload << PAYLOAD_SHIFT)
    return float(struct.unpack("<f", bits.to_bytes(4, "little"))[0])


def nan_text(value: float, valtype: Optional[str] = None) -> str:
    """``nan`` or ``-nan`` for the canonical NaN, else ``nan:0x…`` with the payload.

    The spelling is the WebAssembly text format's, so what wasmcall prints can
    be passed back to ``--f32``/``--f64`` and gives the same bits.
    """
    if valtype == "f32":
        bits = f32_bits(value)
        negative, payload, canonical = bits >> 31, bits & F32_PAYLOAD, F32_CANONICAL
    else:
        bits = f64_bits(value)
        negative, payload, canonical = bits >> 63, bits & F64_PAYLOAD, F64_CANONICAL
    name = "-nan" if negative else "nan"
    return name if payload == canonical else f"{name}:{payload:#x}"


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
    """Decimal for integers; ``inf``/``-inf``, a NaN spelling (``nan_text``) or the shortest repr for floats."""
    if isinstance(value, float):
        if math.isnan(value):
            return nan_text(value, valtype)
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(shortest_f32(value) if valtype == "f32" else value)
    return str(value)


def json_value(value: Value, valtype: Optional[str] = None) -> Union[int, float, str]:
    """JSON has no NaN or infinity, so those become strings: ``"inf"``, ``"-inf"``, ``"nan"``,
    ``"-nan"``, ``"nan:0x200000"`` (the text output's spellings)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return format_value(value, valtype)
        return shortest_f32(value) if valtype == "f32" else value
    return value


def typed_values(result: CallResult) -> Iterator[tuple[Value, Optional[str]]]:
    """Each result value with its wasm type from the export's signature."""
    types = result.signature.results
    for index, value in enumerate(result.values):
        yield value, types[index] if index < len(types) else None
