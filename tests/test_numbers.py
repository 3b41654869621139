"""Numbers cross the host bit-exactly: NaN payloads and signs, -0.0, subnormals, the f32
extremes, i64 minimum, unsigned wraps and trapping conversions, on both engines.

The guest reinterprets floats as integers (and back) inside wasm, where no cast can
touch the bits, so each row checks what really reached the guest or left it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wasmcall.arguments import ArgKind, PlainValue, parse_float
from wasmcall.errors import ArgumentValueError
from wasmcall.session import Session, open_session
from wasmcall.values import f32_bits, f32_from_bits, f64_bits, f64_from_bits, format_value, json_value

ERROR = "wasmcall: error: "
NUMBERS = """(module
  (func (export "id32") (param f32) (result f32) local.get 0)
  (func (export "id64") (param f64) (result f64) local.get 0)
  (func (export "bits32") (param f32) (result i32) local.get 0 i32.reinterpret_f32)
  (func (export "from32") (param i32) (result f32) local.get 0 f32.reinterpret_i32)
  (func (export "bits64") (param f64) (result i64) local.get 0 i64.reinterpret_f64)
  (func (export "from64") (param i64) (result f64) local.get 0 f64.reinterpret_i64)
  (func (export "neg32") (param f32) (result f32) local.get 0 f32.neg)
  (func (export "swap") (param f32 f64) (result f64 f32) local.get 1 local.get 0)
  (func (export "add32") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "add64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "div64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_s)
  (func (export "trunc32") (param f32) (result i32) local.get 0 i32.trunc_f32_s)
  (func (export "trunc64u") (param f64) (result i64) local.get 0 i64.trunc_f64_u)
)
"""

CALLS = [
    # NaNs: signalling and quiet payloads, both signs, in and out
    ("bits32", ["--f32", "nan:0x200000"], str(0x7FA0_0000)),
    ("bits32", ["--f32", "-nan:0x1"], str(0xFF80_0001 - 2**32)),
    ("from32", ["0x7fa00000"], "nan:0x200000"),
    ("from32", ["0xffa00001"], "-nan:0x200001"),
    ("from32", ["0x7fc00001"], "nan:0x400001"),
    ("from32", ["0x7fc00000"], "nan"),
    ("from32", ["0xffc00000"], "-nan"),
    ("id32", ["--f32", "nan:0x7fffff"], "nan:0x7fffff"),
    ("id32", ["--f32", "-nan"], "-nan"),
    ("neg32", ["--f32", "nan:0x1"], "-nan:0x1"),
    ("bits64", ["--f64", "nan:0x4000000000000"], str(0x7FF4_0000_0000_0000)),
    ("bits64", ["--f64", "-nan:0x1"], str(0xFFF0_0000_0000_0001 - 2**64)),
    ("from64", ["0x7ff0000000000001"], "nan:0x1"),
    ("from64", ["0xfff8000000000000"], "-nan"),
    ("id64", ["--f64", "-nan:0xfffffffffffff"], "-nan:0xfffffffffffff"),
    ("swap", ["--f32", "nan:0x1", "--f64", "-nan:0x2"], "-nan:0x2 nan:0x1"),
    # zeros, subnormals and the f32 extremes
    ("bits32", ["--f32", "-0.0"], str(-(2**31))),
    ("from32", ["0x80000000"], "-0.0"),
    ("from32", ["1"], "1e-45"),
    ("bits32", ["--f32", "1e-45"], "1"),
    ("from32", ["0x807fffff"], "-1.1754942e-38"),
    ("from32", ["0x00800000"], "1.1754944e-38"),
    ("from32", ["0x7f7fffff"], "3.4028235e+38"),
    ("bits32", ["--f32", "-3.4028235e38"], str(0xFF7F_FFFF - 2**32)),
    ("from32", ["0x7f800000"], "inf"),
    ("from64", ["1"], "5e-324"),
    ("bits64", ["--f64", "0x1p-1074"], "1"),
    ("from64", ["0x7fefffffffffffff"], "1.7976931348623157e+308"),
    # integers: i64 minimum and wraps
    ("add64", ["--i64", "-9223372036854775808", "--i64", "0"], "-9223372036854775808"),
    ("add64", ["0x7fffffffffffffff", "1"], "-9223372036854775808"),
    ("add64", ["0xffffffffffffffff", "1"], "0"),
    ("add32", ["0xffffffff", "1"], "0"),
    ("add32", ["0x7fffffff", "1"], "-2147483648"),
    ("trunc64u", ["--f64", "1.8446744073709550e19"], "-2048"),  # u64 result shown signed
]


@pytest.fixture(scope="module")
def numbers(wat_file: Callable[[str, str], Path]) -> Path:
    return wat_file("numbers", NUMBERS)


@pytest.mark.parametrize(
    ("export", "arguments", "stdout"),
    CALLS,
    ids=[
        "snan-in", "negative-snan-in", "snan-out", "negative-snan-out", "quiet-payload-out", "canonical-out",
        "negative-canonical-out", "largest-payload", "negative-nan", "neg-keeps-payload", "f64-snan-in",
        "f64-negative-snan-in", "f64-snan-out", "f64-negative-canonical", "f64-largest-payload",
        "multi-value-nans", "minus-zero-in", "minus-zero-out", "smallest-subnormal-out",
        "smallest-subnormal-in", "largest-negative-subnormal", "smallest-normal", "f32-max-out",
        "f32-min-in", "f32-inf", "f64-subnormal-out", "f64-subnormal-hex-in", "f64-max",
        "i64-min", "i64-wraps", "u64-wraps", "u32-wraps", "i32-wraps", "trunc-f64-u",
    ],
)
def test_numbers_cross_exactly(cli, numbers, engine, export, arguments, stdout) -> None:
    outcome = cli("call", "--engine", engine, numbers, export, *arguments)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, stdout + "\n", "")


@pytest.mark.parametrize(
    ("export", "arguments", "reason"),
    [
        ("trunc32", ["--f32", "nan:0x200000"], "invalid conversion to integer"),
        ("trunc32", ["--f32", "2147483648"], "integer overflow"),
        ("trunc64u", ["--f64", "-1"], "integer overflow"),
        ("div64", ["--i64", "-9223372036854775808", "--i64", "-1"], "integer overflow"),
    ],
    ids=["nan-to-int", "i32-overflow", "negative-to-u64", "i64-min-div-minus-one"],
)
def test_trapping_conversions(cli, numbers, engine, export, arguments, reason) -> None:
    outcome = cli("call", "--engine", engine, numbers, export, *arguments)
    message = f"guest trapped in wasm function 'func[{EXPORT_INDEX[export]}]' while running '{export}': {reason}"
    assert (outcome.code, outcome.stdout, outcome.stderr) == (3, "", f"{ERROR}{message}\n")


EXPORT_INDEX = {"div64": 10, "trunc32": 11, "trunc64u": 12}


def test_json_spells_nan_payloads(cli, numbers, engine) -> None:
    outcome = cli("call", "--engine", engine, "--json", numbers, "swap", "--f32", "-nan", "--f64", "nan:0x8")
    assert (outcome.code, outcome.stderr) == (0, "")
    assert json.loads(outcome.stdout)["values"] == ["nan:0x8", "-nan"]


@pytest.mark.parametrize(
    ("expected", "code"),
    [("nan:0x200000", 0), ("nan", 1), ("nan:0x600000", 1)],
    ids=["same-payload", "canonical-differs", "quietened-differs"],
)
def test_expect_compares_nan_payloads(cli, numbers, engine, expected, code) -> None:
    outcome = cli("call", "--engine", engine, numbers, "from32", "0x7fa00000", "--expect", expected)
    assert (outcome.code, outcome.stdout) == (code, "nan:0x200000\n")


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("f32", "nan:0x800000", "a NaN payload is 0x1..0x7fffff"),
        ("f32", "nan:0x0", "a NaN payload is 0x1..0x7fffff"),
        ("f64", "-nan:0x10000000000000", "a NaN payload is 0x1..0xfffffffffffff"),
        ("f64", "nan:0xg", "not a number"),
    ],
    ids=["f32-payload-too-wide", "zero-payload", "f64-payload-too-wide", "not-hex"],
)
def test_bad_nan_payloads_are_refused(cli, numbers, kind, text, message) -> None:
    outcome = cli("call", numbers, f"id{kind[1:]}", f"--{kind}", text)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (2, "", f"{ERROR}--{kind} {text!r}: {message}\n")


@given(st.integers(0, 2**32 - 1))
def test_f32_print_then_parse_keeps_every_bit_pattern(bits: int) -> None:
    value = f32_from_bits(bits)
    assert f32_bits(value) == bits
    assert f32_bits(parse_float(ArgKind.F32, format_value(value, "f32"))) == bits
    if not math.isfinite(value):  # JSON carries the same text
        assert json_value(value, "f32") == format_value(value, "f32")


@given(st.integers(0, 2**64 - 1))
def test_f64_print_then_parse_keeps_every_bit_pattern(bits: int) -> None:
    value = f64_from_bits(bits)
    assert f64_bits(value) == bits
    assert f64_bits(parse_float(ArgKind.F64, format_value(value, "f64"))) == bits


@given(st.integers(1, 2**23 - 1), st.booleans())
def test_f32_nan_payloads_print_and_parse(payload: int, negative: bool) -> None:
    text = f"{'-' if negative else ''}nan:{payload:#x}"
    value = parse_float(ArgKind.F32, text)
    expected = text.replace(":0x400000", "")  # the quiet bit alone is the canonical NaN
    assert format_value(value, "f32") == expected


def test_a_payload_too_wide_names_the_range() -> None:
    with pytest.raises(ArgumentValueError, match=r"0x1\.\.0x7fffff"):
        parse_float(ArgKind.F32, "nan:0x1000000")


@pytest.fixture(scope="module")
def session(numbers: Path, engine: str) -> Iterator[Session]:
    opened = open_session(numbers, engine=engine)
    yield opened
    opened.close()


F32_NANS = st.builds(lambda negative, payload: negative << 31 | 0x7F80_0000 | payload,
                     st.integers(0, 1), st.integers(1, 2**23 - 1))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1) | F32_NANS)
def test_every_f32_pattern_reaches_the_guest_and_returns(session: Session, bits: int) -> None:
    printed = format_value(f32_from_bits(bits), "f32")
    [inward] = session.call("bits32", [PlainValue(printed)]).values
    assert inward == (bits - 2**32 if bits >= 2**31 else bits)
    [outward] = session.call("from32", [PlainValue(str(bits))]).values
    assert f32_bits(outward) == bits
    assert format_value(outward, "f32") == printed
