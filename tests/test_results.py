"""Result conventions (wasmcall.conventions.results) on real engines, with inline WAT guests.

Each guest's one page of memory holds a known pattern, and its export hands
back whatever pointer and length the test passes in. So for ANY pointer and
length a guest returns, the test knows the right bytes, or knows they lie
outside memory, in which case wasmcall must raise OutOfBoundsError and read
nothing. Hypothesis chooses the values and drives the decoders on a module
compiled once per engine; tables then check the same conventions end to end
through ``wasmcall.call``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import wasmcall
from wasmcall.arguments import ArgKind, parse_argument
from wasmcall.conventions.allocators import to_i32
from wasmcall.conventions.results import PackedOrder, ResultKind, ResultSpec, locate_result
from wasmcall.engines.base import Limits, Linking
from wasmcall.errors import OutOfBoundsError, SignatureMismatchError, UsageError

PAGE = 65536
U32 = 2**32
PROPERTY = settings(max_examples=100, deadline=None)

# One export per convention, each returning what it is given.
PTR_LEN = '(func (export "get") (param i32 i32) (result i32 i32) local.get 0 local.get 1)'
PACKED = '(func (export "get") (param i64) (result i64) local.get 0)'
POINTER = '(func (export "get") (param i32) (result i32) local.get 0)'
OUT_AT = PAGE - 8  # the allocator always answers this, so the out-pointer is the last 8 bytes
OUT = (
    f'(func (export "alloc") (param i32) (result i32) i32.const {OUT_AT})\n'
    '  (func (export "get") (param $out i32) (param $ptr i32) (param $len i32)\n'
    "    (i32.store (local.get $out) (local.get $ptr))\n"
    "    (i32.store offset=4 (local.get $out) (local.get $len)))"
)
AREA_AT = 8
AREA = (
    '(func (export "get") (param $ptr i32) (param $len i32) (result i32)\n'
    f"    (i32.store (i32.const {AREA_AT}) (local.get $ptr))\n"
    f"    (i32.store (i32.const {AREA_AT + 4}) (local.get $len))\n"
    f"    (i32.const {AREA_AT}))\n"
    '  (func (export "cabi_post_get") (param i32))\n'
    '  (func (export "at") (param i32) (result i32) local.get 0)'
)
# A buffer argument lands at 60000 (the allocator always answers that), so --ret ptr can read it back.
ECHO_AT = 60000
POINTER_WITH_BUFFER = (
    f'(func (export "alloc") (param i32) (result i32) i32.const {ECHO_AT})\n'
    '  (func (export "get") (param i32 i32 i32) (result i32) local.get 2)'
)

OFFSETS = st.one_of(
    st.integers(0, PAGE),
    st.integers(PAGE - 80, PAGE + 80),
    st.integers(0, U32 - 1),
    st.sampled_from([0, 1, PAGE - 1, PAGE, PAGE + 1, 2**31 - 1, 2**31, U32 - 8, U32 - 1]),
)
LENGTHS = st.one_of(
    st.integers(0, 64),
    st.integers(0, PAGE),
    st.integers(0, U32 - 1),
    st.sampled_from([0, 1, PAGE - 1, PAGE, PAGE + 1, 2**31, U32 - 1]),
)


def slice_of(image: bytes, ptr: int, length: int) -> Optional[bytes]:
    """The bytes at [ptr, ptr + length), or None when any of them lies outside the image."""
    if ptr + length > len(image):
        return None
    return image[ptr:ptr + length]


def cstr_of(image: bytes, ptr: int) -> Optional[bytes]:
    """The NUL-terminated string at ptr, or None when no NUL follows it inside the image."""
    if ptr > len(image):
        return None
    end = image.find(b"\0", ptr)
    return None if end < 0 else image[ptr:end]


def with_pair(image: bytes, at: int, ptr: int, length: int) -> bytes:
    """The image after the guest stored (ptr, len) as two little-endian u32 at ``at``."""
    return image[:at] + struct.pack("<II", ptr, length) + image[at + 8:]


def check(expected: Optional[bytes], read: Callable[[], bytes]) -> None:
    """Either exactly the expected bytes, or OutOfBoundsError when they lie outside memory."""
    if expected is None:
        with pytest.raises(OutOfBoundsError):
            read()
    else:
        assert read() == expected


def decoder(
    module, export: str, params: list, kind: ResultKind, spec: ResultSpec = ResultSpec(),
    out_ptr: Optional[int] = None,
) -> Callable[[], bytes]:
    """What ``wasmcall.call`` does around a result, on an already compiled module.

    A fresh instance, the call (after the host's out-pointer, if any), the
    decoder, then the bounds-checked read.
    """

    def read() -> bytes:
        instance = module.instantiate(Linking(), Limits())
        try:
            values = instance.call(export, ([] if out_ptr is None else [to_i32(out_ptr)]) + params)
            location = locate_result(kind, spec, values, instance, out_ptr)
            assert location is not None
            return instance.read(location.ptr, location.length)
        finally:
            instance.close()

    return read


@pytest.fixture(scope="session")
def compiled(pattern_module) -> Callable[[str, str], object]:
    """One compiled pattern module per (engine, convention) for the whole session."""
    from wasmcall.engines import load_engine

    cache: dict[tuple[str, str], object] = {}

    def get(engine: str, body: str) -> object:
        if (engine, body) not in cache:
            cache[engine, body] = load_engine(engine).compile(pattern_module(body), "pattern.wat")
        return cache[engine, body]

    return get


def i32s(*values: int) -> list[tuple[ArgKind, str]]:
    return [(ArgKind.I32, str(value)) for value in values]


def call(path: Path, engine: str, texts: list[tuple[ArgKind, str]], **options) -> wasmcall.CallResult:
    """``get`` called through the library, with arguments spelled as on the command line."""
    arguments = [parse_argument(kind, text) for kind, text in texts]
    return wasmcall.call(path, "get", arguments, engine=engine, **options)


def read_result(result: wasmcall.CallResult) -> bytes:
    assert result.result is not None
    return result.result.data


@pytest.fixture(scope="session")
def guests(wasm_file, pattern_module) -> dict[str, Path]:
    """The same guests as files, for the end-to-end tables below."""
    bodies = {
        "ptr-len": PTR_LEN, "packed": PACKED, "pointer": POINTER, "out": OUT, "area": AREA,
        "pointer-with-buffer": POINTER_WITH_BUFFER,
    }
    return {name: wasm_file(f"result-{name}", pattern_module(body)) for name, body in bodies.items()}


# ---------------------------------------------------------------- properties, one per convention

@PROPERTY
@given(ptr=OFFSETS, length=LENGTHS)
@example(ptr=PAGE, length=0)
@example(ptr=PAGE - 1, length=1)
@example(ptr=PAGE - 1, length=2)
@example(ptr=U32 - 1, length=1)
@example(ptr=1, length=U32 - 1)
def test_ptr_len_reads_exactly_or_raises(engine, compiled, pattern, ptr, length):
    read = decoder(compiled(engine, PTR_LEN), "get", [to_i32(ptr), to_i32(length)], ResultKind.PTR_LEN)
    check(slice_of(pattern, ptr, length), read)


@PROPERTY
@pytest.mark.parametrize("order", list(PackedOrder), ids=[o.value for o in PackedOrder])
@given(ptr=OFFSETS, length=LENGTHS)
@example(ptr=PAGE - 4, length=4)
@example(ptr=PAGE - 4, length=5)
@example(ptr=U32 - 1, length=U32 - 1)
def test_packed_reads_exactly_or_raises(engine, compiled, pattern, order, ptr, length):
    high, low = (ptr, length) if order is PackedOrder.PTR_HIGH else (length, ptr)
    packed = struct.unpack("<q", struct.pack("<Q", high << 32 | low))[0]  # as a signed i64
    spec = ResultSpec(ResultKind.PACKED, None, order)
    read = decoder(compiled(engine, PACKED), "get", [packed], ResultKind.PACKED, spec)
    check(slice_of(pattern, ptr, length), read)


@PROPERTY
@given(out=st.integers(0, PAGE - 8), ptr=OFFSETS, length=LENGTHS)
@example(out=0, ptr=0, length=8)  # the result is the out-pointer's pair itself
@example(out=PAGE - 8, ptr=PAGE - 8, length=8)
@example(out=PAGE - 8, ptr=PAGE - 8, length=9)
@example(out=100, ptr=96, length=8)
def test_out_pointer_reads_exactly_or_raises(engine, compiled, pattern, out, ptr, length):
    image = with_pair(pattern, out, ptr, length)
    read = decoder(compiled(engine, OUT), "get", [to_i32(ptr), to_i32(length)], ResultKind.OUT, out_ptr=out)
    check(slice_of(image, ptr, length), read)


@PROPERTY
@given(ptr=OFFSETS)
@example(ptr=0)  # pattern[0] is NUL: the empty string
@example(ptr=1)
@example(ptr=251 * 261 + 1)  # the last run of non-NUL bytes reaches the end of memory
@example(ptr=PAGE - 1)
@example(ptr=PAGE)
@example(ptr=PAGE + 1)
def test_cstr_reads_up_to_the_nul_or_raises(engine, compiled, pattern, ptr):
    check(cstr_of(pattern, ptr), decoder(compiled(engine, POINTER), "get", [to_i32(ptr)], ResultKind.CSTR))


@PROPERTY
@given(ptr=OFFSETS, length=st.integers(0, 2**40) | LENGTHS)
@example(ptr=PAGE, length=0)
@example(ptr=0, length=PAGE)
@example(ptr=0, length=PAGE + 1)
@example(ptr=PAGE - 10, length=2**40)
def test_ptr_with_a_given_length_reads_exactly_or_raises(engine, compiled, pattern, ptr, length):
    spec = ResultSpec(ResultKind.PTR, length)
    read = decoder(compiled(engine, POINTER), "get", [to_i32(ptr)], ResultKind.PTR, spec)
    check(slice_of(pattern, ptr, length), read)


@PROPERTY
@given(ptr=OFFSETS, length=LENGTHS)
@example(ptr=AREA_AT, length=8)  # the result is the area itself
@example(ptr=PAGE - 1, length=1)
@example(ptr=PAGE - 1, length=2)
def test_return_area_reads_exactly_or_raises(engine, compiled, pattern, ptr, length):
    image = with_pair(pattern, AREA_AT, ptr, length)
    read = decoder(compiled(engine, AREA), "get", [to_i32(ptr), to_i32(length)], ResultKind.AREA)
    check(slice_of(image, ptr, length), read)


@PROPERTY
@given(area=OFFSETS)
@example(area=PAGE - 8)
@example(area=PAGE - 7)
@example(area=PAGE)
def test_return_area_anywhere_reads_exactly_or_raises(engine, compiled, pattern, area):
    """The area pointer itself may be wild; the pair in it then comes from the pattern."""
    pair = slice_of(pattern, area, 8)
    expected = None if pair is None else slice_of(pattern, *struct.unpack("<II", pair))
    check(expected, decoder(compiled(engine, AREA), "at", [to_i32(area)], ResultKind.AREA))


# ---------------------------------------------------------------- memories that are missing or empty

NO_MEMORY = '(module (func (export "get") (param i32 i32) (result i32 i32) local.get 0 local.get 1))'
EMPTY_MEMORY = (
    '(module (memory (export "memory") 0)'
    ' (func (export "get") (param i32 i32) (result i32 i32) local.get 0 local.get 1))'
)


@pytest.mark.parametrize(("name", "text"), [("no-memory", NO_MEMORY), ("zero-pages", EMPTY_MEMORY)],
                         ids=["no-memory", "zero-pages"])
@pytest.mark.parametrize(
    ("ptr", "length", "expected"),
    [(0, 0, b""), (0, 1, None), (1, 0, None), (U32 - 1, 1, None)],
    ids=["empty-at-0", "one-byte", "empty-past-the-end", "wild"],
)
def test_a_module_without_memory_bytes_has_nothing_to_read(engine, wat_file, name, text, ptr, length, expected):
    path = wat_file(f"result-{name}", text)
    check(expected, lambda: read_result(call(path, engine, i32s(ptr, length))))


# ---------------------------------------------------------------- tables through the library



PACKED_HIGH = ResultSpec(ResultKind.PACKED, None, PackedOrder.PTR_HIGH)
PACKED_LOW = ResultSpec(ResultKind.PACKED, None, PackedOrder.PTR_LOW)

# (guest, arguments, options, the bytes expected as slices of the pattern)
READS = [
    ("ptr-len", i32s(0, 5), {}, (0, 5)),
    ("ptr-len", i32s(PAGE - 3, 3), {"result": ResultSpec(ResultKind.PTR_LEN)}, (PAGE - 3, 3)),
    ("ptr-len", i32s(PAGE, 0), {}, (PAGE, 0)),
    ("packed", [(ArgKind.I64, str(300 << 32 | 4))], {"result": PACKED_HIGH}, (300, 4)),
    ("packed", [(ArgKind.I64, str(4 << 32 | 300))], {"result": PACKED_LOW}, (300, 4)),
    ("out", i32s(1000, 16), {"result": ResultSpec(ResultKind.OUT)}, (1000, 16)),
    ("pointer", i32s(1), {"result": ResultSpec(ResultKind.CSTR)}, (1, 250)),
    ("pointer", i32s(251), {"result": ResultSpec(ResultKind.CSTR)}, (251, 0)),
    ("pointer", i32s(PAGE - 20), {"result": ResultSpec(ResultKind.PTR, 20)}, (PAGE - 20, 20)),
    ("area", i32s(2000, 7), {}, (2000, 7)),
    ("area", i32s(2000, 7), {"result": ResultSpec(ResultKind.AREA)}, (2000, 7)),
]


@pytest.mark.parametrize(
    ("guest", "texts", "options", "where"),
    READS,
    ids=["ptr-len-auto", "ptr-len-at-the-end", "ptr-len-empty-at-the-end", "packed-ptr-high",
         "packed-ptr-low", "out", "cstr", "cstr-empty", "ptr-ret-len-n", "area-auto", "area-explicit"],
)
def test_call_reads_each_convention(engine, guests, guest, texts, options, where, pattern):
    ptr, length = where
    result = call(guests[guest], engine, texts, **options)
    assert result.result == wasmcall.ResultBytes(ptr, pattern[ptr:ptr + length])


@pytest.mark.parametrize(
    ("texts", "length_of", "expected"),
    [
        ([(ArgKind.STR, "hello"), (ArgKind.I32, str(ECHO_AT))], 0, b"hello"),
        # The guest's memory right after the two written bytes still holds the pattern.
        ([(ArgKind.HEX, "00ff"), (ArgKind.I32, str(ECHO_AT + 1))], 0, bytes([0xFF, (ECHO_AT + 2) % 251])),
        ([(ArgKind.STR, "abc"), (ArgKind.I32, "7")], 0, bytes([7, 8, 9])),
        # Without --ret-len, the only buffer argument gives the length.
        ([(ArgKind.STR, "hello"), (ArgKind.I32, str(ECHO_AT))], None, b"hello"),
    ],
    ids=["reads-its-own-argument", "overlapping", "elsewhere", "only-buffer-by-default"],
)
def test_ret_len_at_k_is_argument_k_length(engine, guests, texts, length_of, expected):
    result = call(
        guests["pointer-with-buffer"], engine, texts,
        result=ResultSpec(ResultKind.PTR), result_length_of=length_of,
    )
    assert result.result is not None
    assert result.result.data == expected


@pytest.mark.parametrize(
    ("guest", "texts", "options", "error", "message"),
    [
        ("ptr-len", i32s(PAGE - 3, 4), {}, OutOfBoundsError,
         "result at 0xfffd with length 4 lies outside guest memory (65536 bytes)"),
        ("ptr-len", i32s(-16, 32), {}, OutOfBoundsError,
         "result at 0xfffffff0 with length 32 lies outside guest memory (65536 bytes)"),
        ("packed", [(ArgKind.I64, str(PAGE << 32 | 1))], {"result": PACKED_HIGH}, OutOfBoundsError,
         "result at 0x10000 with length 1 lies outside guest memory (65536 bytes)"),
        ("out", i32s(0, PAGE + 1), {"result": ResultSpec(ResultKind.OUT)}, OutOfBoundsError,
         "result at 0x0 with length 65537 lies outside guest memory (65536 bytes)"),
        ("pointer", i32s(PAGE - 10), {"result": ResultSpec(ResultKind.CSTR)}, OutOfBoundsError,
         "string result at 0xfff6 has no NUL terminator before the end of memory (65536 bytes)"),
        ("pointer", i32s(PAGE + 1), {"result": ResultSpec(ResultKind.CSTR)}, OutOfBoundsError,
         "string result at 0x10001 with length 0 lies outside guest memory (65536 bytes)"),
        ("pointer", i32s(1), {"result": ResultSpec(ResultKind.PTR, PAGE)}, OutOfBoundsError,
         "result at 0x1 with length 65536 lies outside guest memory (65536 bytes)"),
        ("area", i32s(PAGE, 1), {}, OutOfBoundsError,
         "result at 0x10000 with length 1 lies outside guest memory (65536 bytes)"),
        ("pointer", i32s(1), {"result": ResultSpec(ResultKind.PTR)}, SignatureMismatchError,
         "--ret ptr needs the result's length: give --ret-len N or --ret-len @K (the length of argument K)"),
        ("pointer", i32s(1), {"result": ResultSpec(ResultKind.PACKED)}, SignatureMismatchError,
         "--ret packed needs an export returning (i64), but it is (i32) -> i32"),
        ("ptr-len", i32s(1, 2), {"result": ResultSpec(ResultKind.CSTR)}, SignatureMismatchError,
         "--ret cstr needs an export returning (i32), but it is (i32, i32) -> (i32, i32)"),
        ("ptr-len", i32s(1, 2), {"result": ResultSpec(ResultKind.PTR_LEN, 4)}, UsageError,
         "--ret-len applies only to --ret ptr and --ret from:NAME, not --ret ptr-len"),
        ("pointer-with-buffer", [(ArgKind.STR, "x"), (ArgKind.I32, "1")],
         {"result": ResultSpec(ResultKind.PTR), "result_length_of": 1}, UsageError,
         "--ret-len @1: argument 1 is a number, not a buffer"),
        ("pointer-with-buffer", [(ArgKind.STR, "x"), (ArgKind.I32, "1")],
         {"result": ResultSpec(ResultKind.PTR), "result_length_of": 2}, UsageError,
         "--ret-len @2: no argument 2 (they count from 0; 2 were given)"),
    ],
    ids=["ptr-len-one-past", "ptr-len-negative-pointer", "packed-at-the-end", "out-too-long",
         "cstr-without-nul", "cstr-past-the-end", "ptr-too-long", "area-past-the-end",
         "ptr-without-length", "packed-on-i32", "cstr-on-pair", "ret-len-without-ptr", "ret-len-at-number",
         "ret-len-at-missing"],
)
def test_call_refuses_results_it_cannot_read(engine, guests, guest, texts, options, error, message):
    with pytest.raises(error) as caught:
        call(guests[guest], engine, texts, **options)
    assert type(caught.value) is error
    assert caught.value.message == message


# ---------------------------------------------------------------- who frees the result

FREE_CHECKS = (
    '(func (export "alloc") (param i32) (result i32) i32.const 1024)\n'
    # dealloc traps unless it is given exactly the result's (ptr, len).
    '  (func (export "dealloc") (param $ptr i32) (param $len i32)\n'
    "    (if (i32.ne (local.get $ptr) (i32.const 100)) (then unreachable))\n"
    "    (if (i32.ne (local.get $len) (i32.const 5)) (then unreachable)))\n"
    f"  {PTR_LEN}"
)
POST_RETURN_TRAPS = AREA.replace(
    '(func (export "cabi_post_get") (param i32))', '(func (export "cabi_post_get") (param i32) unreachable)'
)


def test_result_is_freed_with_dealloc_ptr_len(engine, wasm_file, pattern_module, pattern):
    path = wasm_file("free-checks", pattern_module(FREE_CHECKS))
    assert call(path, engine, i32s(100, 5)).result == wasmcall.ResultBytes(100, pattern[100:105])
    unfreed = call(path, engine, i32s(100, 6))  # issue 9: a free that traps costs a warning, not the result
    assert unfreed.result == wasmcall.ResultBytes(100, pattern[100:106])
    assert len(unfreed.warnings) == 1
    assert "while running 'dealloc'" in unfreed.warnings[0]
    assert "--keep-result" in unfreed.warnings[0]
    kept = call(path, engine, i32s(100, 6), keep_result=True)
    assert (kept.result, kept.warnings) == (wasmcall.ResultBytes(100, pattern[100:106]), ())


def test_return_area_is_post_returned_unless_kept(engine, wasm_file, pattern_module, pattern):
    assert POST_RETURN_TRAPS != AREA
    path = wasm_file("post-return-traps", pattern_module(POST_RETURN_TRAPS))
    unfreed = call(path, engine, i32s(3000, 3))
    assert unfreed.result == wasmcall.ResultBytes(3000, pattern[3000:3003])
    assert len(unfreed.warnings) == 1
    assert "while running 'cabi_post_get'" in unfreed.warnings[0]
    assert call(path, engine, i32s(3000, 3), keep_result=True).result == wasmcall.ResultBytes(
        3000, pattern[3000:3003]
    )
