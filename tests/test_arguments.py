"""The argument value grammar (wasmcall.arguments): properties for every spelling, tables for the errors."""

from __future__ import annotations

import base64
import math
import struct
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from wasmcall.arguments import (
    ArgKind,
    BufferArg,
    FileArg,
    ScalarArg,
    parse_argument,
    parse_base64,
    parse_byte_list,
    parse_float,
    parse_hex,
    parse_int,
)
from wasmcall.errors import ArgumentValueError, UsageError

BITS = {ArgKind.I32: 32, ArgKind.I64: 64}


def signed(value: int, bits: int) -> int:
    """The two's-complement reading of ``value``'s low ``bits`` bits."""
    value %= 2**bits
    return value - 2**bits if value >= 2 ** (bits - 1) else value


def spell_int(value: int, base: str) -> str:
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    return {
        "dec": f"{sign}{magnitude}",
        "hex": f"{sign}0x{magnitude:x}",
        "HEX": f"{sign}0X{magnitude:X}",
        "oct": f"{sign}0o{magnitude:o}",
        "bin": f"{sign}0b{magnitude:b}",
    }[base]


BASES = st.sampled_from(["dec", "hex", "HEX", "oct", "bin"])
PADDING = st.sampled_from(["", " ", "\t", "  "])


# ---------------------------------------------------------------- integers

@pytest.mark.parametrize("kind", [ArgKind.I32, ArgKind.I64], ids=["i32", "i64"])
@given(data=st.data(), base=BASES, left=PADDING, right=PADDING)
def test_int_in_range_folds_to_the_signed_bit_pattern(kind, data, base, left, right):
    bits = BITS[kind]
    value = data.draw(st.integers(-(2 ** (bits - 1)), 2**bits - 1), label="value")
    parsed = parse_int(kind, left + spell_int(value, base) + right)
    assert parsed == signed(value, bits)
    assert -(2 ** (bits - 1)) <= parsed < 2 ** (bits - 1)


@pytest.mark.parametrize("kind", [ArgKind.I32, ArgKind.I64], ids=["i32", "i64"])
@given(data=st.data(), base=BASES)
def test_int_out_of_range_is_an_error_never_a_wrap(kind, data, base):
    bits = BITS[kind]
    low, high = -(2 ** (bits - 1)), 2**bits - 1
    value = data.draw(
        st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1)), label="value"
    )
    text = spell_int(value, base)
    with pytest.raises(ArgumentValueError) as caught:
        parse_int(kind, text)
    assert caught.value.message == f"--{kind.value} {text!r}: out of range {low}..{high}"


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (ArgKind.I32, "0", 0),
        (ArgKind.I32, "-1", -1),
        (ArgKind.I32, "0xFFFFFFFF", -1),
        (ArgKind.I32, "2147483647", 2**31 - 1),
        (ArgKind.I32, "2147483648", -(2**31)),
        (ArgKind.I32, "-2147483648", -(2**31)),
        (ArgKind.I32, "4294967295", -1),
        (ArgKind.I64, "0xFFFFFFFFFFFFFFFF", -1),
        (ArgKind.I64, "9223372036854775808", -(2**63)),
        (ArgKind.I64, "-9223372036854775808", -(2**63)),
    ],
    ids=["zero", "minus-one", "i32-all-ones-hex", "i32-max", "i32-max-plus-one", "i32-min",
         "u32-max", "i64-all-ones-hex", "i64-max-plus-one", "i64-min"],
)
def test_int_edges(kind, text, expected):
    assert parse_int(kind, text) == expected


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (ArgKind.I32, "4294967296", "--i32 '4294967296': out of range -2147483648..4294967295"),
        (ArgKind.I32, "-2147483649", "--i32 '-2147483649': out of range -2147483648..4294967295"),
        (ArgKind.I64, str(2**64),
         f"--i64 '{2**64}': out of range -9223372036854775808..18446744073709551615"),
        (ArgKind.I32, "1.5", "--i32 '1.5': not an integer"),
        (ArgKind.I32, "", "--i32 '': not an integer"),
        (ArgKind.I32, "abc", "--i32 'abc': not an integer"),
        (ArgKind.I32, "0x", "--i32 '0x': not an integer"),
        (ArgKind.I32, "1e3", "--i32 '1e3': not an integer"),
        (ArgKind.I64, "--1", "--i64 '--1': not an integer"),
        (ArgKind.I64, "nan", "--i64 'nan': not an integer"),
    ],
    ids=["i32-2**32", "i32-below-min", "i64-2**64", "fraction", "empty", "word", "bare-0x",
         "exponent", "double-minus", "nan"],
)
def test_int_errors(kind, text, message):
    with pytest.raises(ArgumentValueError) as caught:
        parse_int(kind, text)
    assert caught.value.message == message


# ---------------------------------------------------------------- floats

def same_float(a: float, b: float) -> bool:
    """Equal as bit patterns (so -0.0 differs from 0.0), or both NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return struct.pack("<d", a) == struct.pack("<d", b)


def fits_f32(value: float) -> bool:
    """Whether ``value`` rounds to a finite f32 (what an engine would receive)."""
    try:
        struct.pack("<f", value)
    except OverflowError:
        return False
    return True


@given(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([repr, float.hex]), PADDING)
def test_f64_round_trips_every_finite_double(value, spell, padding):
    assert same_float(parse_float(ArgKind.F64, padding + spell(value) + padding), value)


@given(st.floats(width=32, allow_nan=False, allow_infinity=False), st.sampled_from([repr, float.hex]))
def test_f32_round_trips_every_finite_f32(value, spell):
    assert same_float(parse_float(ArgKind.F32, spell(value)), value)


@given(st.floats(allow_nan=False, allow_infinity=False))
@example(3.4028235e38)  # FLT_MAX as printed by C and numpy; it rounds to FLT_MAX, not to inf
@example(-3.4028235e38)
@example(struct.unpack("<d", struct.pack("<Q", 0x47EFFFFFEFFFFFFF))[0])  # just below the halfway point
@example(2.0**128 - 2.0**103)  # exactly halfway between FLT_MAX and 2**128: rounds to inf
def test_f32_accepts_what_rounds_to_a_finite_f32_and_rejects_the_rest(value):
    text = repr(value)
    if fits_f32(value):
        assert same_float(parse_float(ArgKind.F32, text), value)
    else:
        with pytest.raises(ArgumentValueError) as caught:
            parse_float(ArgKind.F32, text)
        assert caught.value.message == f"--f32 {text!r}: out of range (largest f32 is 3.40282347e+38)"


@pytest.mark.parametrize("kind", [ArgKind.F32, ArgKind.F64], ids=["f32", "f64"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nan", math.nan), ("NaN", math.nan), ("-nan", math.nan),
        ("inf", math.inf), ("-inf", -math.inf), ("+inf", math.inf), ("Infinity", math.inf),
        ("-0.0", -0.0), ("0", 0.0), ("1.5", 1.5), ("1e9", 1e9), (" 2 ", 2.0),
        ("0x10", 16.0), ("0X10", 16.0), ("-0x10", -16.0), ("0x1.8p3", 12.0),
    ],
    ids=["nan", "NaN", "minus-nan", "inf", "minus-inf", "plus-inf", "Infinity", "minus-zero", "zero",
         "fraction", "exponent", "padded", "hex-int", "HEX-int", "minus-hex-int", "hex-float"],
)
def test_float_spellings(kind, text, expected):
    assert same_float(parse_float(kind, text), expected)


@pytest.mark.parametrize("kind", [ArgKind.F32, ArgKind.F64], ids=["f32", "f64"])
@pytest.mark.parametrize(
    "text",
    ["", "abc", "e", "ff", "1p3", "1.2.3", "0x", "x1", "nan1", "1,5"],
    ids=["empty", "abc", "e", "ff", "1p3", "two-dots", "bare-0x", "x1", "nan1", "comma"],
)
def test_float_rejects_words_that_are_not_numbers(kind, text):
    """Bare hex digits are not numbers: only ``0x``-prefixed hex is (``--f64 abc`` is a typo, not 2748)."""
    with pytest.raises(ArgumentValueError) as caught:
        parse_float(kind, text)
    assert caught.value.message == f"--{kind.value} {text!r}: not a number"


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (ArgKind.F64, "1e400"), (ArgKind.F64, "-1e400"), (ArgKind.F64, "0x1p2000"),
        (ArgKind.F64, "-0x1p1024"), (ArgKind.F32, "1e39"), (ArgKind.F32, "0x1p200"),
        (ArgKind.F32, "0x1p2000"),
    ],
    ids=["f64-1e400", "f64-minus-1e400", "f64-hex-0x1p2000", "f64-hex-minus-0x1p1024", "f32-1e39",
         "f32-hex-0x1p200", "f32-hex-0x1p2000"],
)
def test_float_out_of_range_is_an_error(kind, text):
    with pytest.raises(ArgumentValueError) as caught:
        parse_float(kind, text)
    assert caught.value.message.startswith(f"--{kind.value} {text!r}: out of range")


# ---------------------------------------------------------------- --bytes

@given(
    st.lists(
        st.tuples(st.integers(0, 255), st.sampled_from(["dec", "hex", "HEX"]), PADDING, PADDING),
        min_size=1,
    )
)
def test_byte_list_reads_every_item_in_order(items):
    text = ",".join(left + spell_int(value, base) + right for value, base, left, right in items)
    assert parse_byte_list(text) == bytes(value for value, _, _, _ in items)


@given(st.lists(st.integers(0, 255)), st.integers(min_value=256) | st.integers(max_value=-1), st.data())
def test_byte_list_names_the_first_out_of_range_item(before, bad, data):
    after = data.draw(st.lists(st.integers(0, 255)), label="after")
    text = ",".join(str(v) for v in [*before, bad, *after])
    with pytest.raises(ArgumentValueError) as caught:
        parse_byte_list(text)
    assert caught.value.message == (
        f"--bytes {text!r}: item {len(before) + 1} ({bad}) is out of range 0..255"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", b""), ("  ", b""), ("0", b"\x00"), ("255", b"\xff"), ("0xff,0x00", b"\xff\x00"),
        ("1, 2 ,3", b"\x01\x02\x03"),
    ],
    ids=["empty", "blank", "zero", "max", "hex", "spaces"],
)
def test_byte_list_table(text, expected):
    assert parse_byte_list(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,x", "--bytes '1,x': item 2 ('x') is not a number"),
        ("1,,2", "--bytes '1,,2': item 2 ('') is not a number"),
        ("1,2,", "--bytes '1,2,': item 3 ('') is not a number"),
        ("1.5", "--bytes '1.5': item 1 ('1.5') is not a number"),
        ("1,256", "--bytes '1,256': item 2 (256) is out of range 0..255"),
        ("-1", "--bytes '-1': item 1 (-1) is out of range 0..255"),
        ("0x100", "--bytes '0x100': item 1 (256) is out of range 0..255"),
    ],
    ids=["word", "empty-item", "trailing-comma", "fraction", "256", "negative", "hex-256"],
)
def test_byte_list_errors(text, message):
    with pytest.raises(ArgumentValueError) as caught:
        parse_byte_list(text)
    assert caught.value.message == message


# ---------------------------------------------------------------- --hex

@given(
    st.binary(),
    st.sampled_from(["", "0x", "0X"]),
    st.sampled_from(["", " "]),
    st.booleans(),
    PADDING,
)
def test_hex_reads_any_bytes(data, prefix, separator, upper, padding):
    digits = separator.join(f"{byte:02X}" if upper else f"{byte:02x}" for byte in data)
    assert parse_hex(padding + prefix + digits + padding) == data


@given(st.binary(), st.sampled_from("0123456789abcdefABCDEF"))
def test_hex_with_an_odd_number_of_digits_says_so(data, extra):
    text = data.hex() + extra
    with pytest.raises(ArgumentValueError) as caught:
        parse_hex(text)
    assert caught.value.message == f"--hex {text!r}: odd number of hex digits"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zz", "--hex 'zz': not hex"),
        ("0xgg", "--hex '0xgg': not hex"),
        ("de--ad", "--hex 'de--ad': not hex"),
        ("fff", "--hex 'fff': odd number of hex digits"),
    ],
    ids=["zz", "prefixed-gg", "dash", "odd"],
)
def test_hex_errors(text, message):
    with pytest.raises(ArgumentValueError) as caught:
        parse_hex(text)
    assert caught.value.message == message


# ---------------------------------------------------------------- --b64

@given(st.binary(), st.sampled_from([base64.b64encode, base64.urlsafe_b64encode]), PADDING)
def test_base64_reads_standard_and_url_safe(data, encode, padding):
    assert parse_base64(padding + encode(data).decode("ascii") + padding) == data


@pytest.mark.parametrize(
    "text",
    ["!!", "YQ", "YQ=", "Y", "YWJj*", "a b c d"],
    ids=["punctuation", "no-padding", "short-padding", "one-char", "star", "inner-spaces"],
)
def test_base64_errors(text):
    with pytest.raises(ArgumentValueError) as caught:
        parse_base64(text)
    assert caught.value.message == f"--b64 {text!r}: not valid base64"


# ---------------------------------------------------------------- parse_argument

@given(st.text())
def test_str_is_utf8(text):
    argument = parse_argument(ArgKind.STR, text)
    assert argument == BufferArg(ArgKind.STR, text.encode("utf-8"), text)
    assert argument.size == len(text.encode("utf-8"))


def test_str_with_a_lone_surrogate_is_an_error():
    with pytest.raises(ArgumentValueError) as caught:
        parse_argument(ArgKind.STR, "a\udc80")
    assert caught.value.message == "--str 'a\\udc80': not valid UTF-8"


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (ArgKind.I32, "0xFFFFFFFF", ScalarArg(ArgKind.I32, -1, "0xFFFFFFFF")),
        (ArgKind.I64, "-5", ScalarArg(ArgKind.I64, -5, "-5")),
        (ArgKind.F32, "1.5", ScalarArg(ArgKind.F32, 1.5, "1.5")),
        (ArgKind.F64, "0x10", ScalarArg(ArgKind.F64, 16.0, "0x10")),
        (ArgKind.BYTES, "1,2,0xff", BufferArg(ArgKind.BYTES, b"\x01\x02\xff", "1,2,0xff")),
        (ArgKind.HEX, "DEADbeef", BufferArg(ArgKind.HEX, b"\xde\xad\xbe\xef", "DEADbeef")),
        (ArgKind.B64, "aGk=", BufferArg(ArgKind.B64, b"hi", "aGk=")),
        (ArgKind.STR, "héllo", BufferArg(ArgKind.STR, "héllo".encode(), "héllo")),
    ],
    ids=["i32", "i64", "f32", "f64", "bytes", "hex", "b64", "str"],
)
def test_parse_argument_dispatches_on_kind(kind, text, expected):
    assert parse_argument(kind, text) == expected


def test_file_is_sized_now_and_read_later(tmp_path: Path):
    path = tmp_path / "input.bin"
    path.write_bytes(b"\x00\x01hello")
    assert parse_argument(ArgKind.FILE, str(path)) == FileArg(ArgKind.FILE, path, 7, str(path))


@pytest.mark.parametrize(("stdin", "expected"), [(b"from stdin", b"from stdin"), (None, b"")],
                         ids=["given", "absent"])
def test_file_dash_is_stdin(stdin, expected):
    assert parse_argument(ArgKind.FILE, "-", stdin) == BufferArg(ArgKind.FILE, expected, "-")


def test_file_errors(tmp_path: Path):
    missing = str(tmp_path / "missing.bin")
    with pytest.raises(ArgumentValueError) as caught:
        parse_argument(ArgKind.FILE, missing)
    assert caught.value.message == f"--file {missing!r}: no such file"
    with pytest.raises(ArgumentValueError) as caught:
        parse_argument(ArgKind.FILE, str(tmp_path))
    assert caught.value.message == f"--file {str(tmp_path)!r}: is a directory"


def test_argument_errors_are_usage_errors_with_exit_code_2():
    with pytest.raises(UsageError) as caught:
        parse_argument(ArgKind.I32, "x")
    assert int(caught.value.exit_code) == 2
    assert caught.value.kind == "argument"
