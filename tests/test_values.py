"""How values are spelled: f32 results read as the user wrote them, and round-trip exactly."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from wasmcall.values import format_value, json_value, shortest_f32


def as_f32(value: float) -> bytes:
    return struct.pack("<f", value)


@given(st.floats(width=32, allow_nan=False))
def test_shortest_f32_is_the_same_f32(value: float) -> None:
    assert as_f32(shortest_f32(value)) == as_f32(value)
    assert as_f32(float(format_value(value, "f32"))) == as_f32(value)


@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_shortest_f32_is_never_longer_than_the_widened_value(value: float) -> None:
    assert len(repr(shortest_f32(value))) <= len(repr(value))


def test_the_largest_f32_keeps_its_value() -> None:
    largest = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
    assert as_f32(shortest_f32(largest)) == as_f32(largest)
    assert as_f32(shortest_f32(-largest)) == as_f32(-largest)


def test_special_values_are_spelled_for_json() -> None:
    assert [json_value(v, "f64") for v in (math.nan, math.inf, -math.inf, -0.0)] == ["nan", "inf", "-inf", -0.0]


def test_f32_results_show_what_the_user_typed(engine: str, cli: Callable, rust_guest: object) -> None:
    outcome = cli("call", rust_guest, "negate_f32", "0.1", "--expect", "-0.1", "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "-0.1\n", "")
