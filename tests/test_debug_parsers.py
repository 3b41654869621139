"""Properties of the small parsers and formatters behind the debugging words (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wasmcall.arguments import ArgKind, BufferArg, ScalarArg, place_buffers
from wasmcall.conventions.results import ResultKind, parse_result_kind
from wasmcall.engines.traps import FRAMES_KEPT, Frame, wasmer_frames, wasmtime_frames
from wasmcall.errors import ArgumentValueError, UsageError
from wasmcall.memory_view import hexdump_lines, parse_dump

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True)
addresses = st.one_of(names, st.integers(0, 2**32 - 1).map(str), st.integers(0, 2**32 - 1).map(hex))


@given(addresses, st.integers(0, 2**32))
def test_parse_dump_round_trips(address: str, length: int) -> None:
    assert parse_dump(f"{address}:{length}") == (address, length)


@given(st.text(alphabet="0123456789abcxyz:-", max_size=12))
def test_parse_dump_accepts_only_addr_colon_count(text: str) -> None:
    address, colon, length = text.rpartition(":")
    try:
        parsed = parse_dump(text)
    except UsageError:
        return
    assert colon and address and parsed == (address, int(length, 0))


@given(st.binary(max_size=100), st.integers(0, 2**32 - 200))
def test_hexdump_lines_hold_the_bytes_at_their_addresses(data: bytes, address: int) -> None:
    lines = hexdump_lines(data, address)
    assert len(lines) == -(-len(data) // 16)
    rebuilt = b""
    for row, line in enumerate(lines):
        assert int(line[:8], 16) == address + 16 * row
        rebuilt += bytes.fromhex(line[10:57])
    assert rebuilt == data


@pytest.mark.parametrize(
    "kind", [k for k in ResultKind if k not in (ResultKind.ARG, ResultKind.FROM)], ids=lambda k: k.value
)
def test_every_plain_kind_parses_to_itself(kind: ResultKind) -> None:
    assert parse_result_kind(kind.value) == (kind, None, None)


@given(st.integers(0, 10**6), names)
def test_arg_and_from_carry_their_detail(index: int, name: str) -> None:
    assert parse_result_kind(f"arg:{index}") == (ResultKind.ARG, index, None)
    assert parse_result_kind(f"from:{name}") == (ResultKind.FROM, None, name)


@pytest.mark.parametrize("text", ["arg", "from", "arg:", "from:", "arg:-1", "arg:x", "nope", "ptr:3"])
def test_bad_kinds_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="is not one of"):
        parse_result_kind(text)


@given(st.lists(st.sampled_from(["at", "str", "i32"]), max_size=8))
def test_each_at_lands_on_the_next_buffer(kinds: list[str]) -> None:
    items: list = []
    for position, kind in enumerate(kinds):
        if kind == "at":
            items.append((ArgKind.AT, str(position)))
        elif kind == "str":
            items.append(BufferArg(ArgKind.STR, b"x", "x"))
        else:
            items.append(ScalarArg(ArgKind.I32, 1, "1"))
    expected: list = []
    pending = None
    valid = True
    for position, kind in enumerate(kinds):
        if kind == "at":
            valid = valid and pending is None
            pending = str(position)
        elif kind == "str":
            expected.append(BufferArg(ArgKind.STR, b"x", "x", at=pending))
            pending = None
        else:
            expected.append(ScalarArg(ArgKind.I32, 1, "1"))
    valid = valid and pending is None
    if not valid:
        with pytest.raises(ArgumentValueError):
            place_buffers(items)
        return
    assert place_buffers(items) == expected


@given(st.lists(st.tuples(names, st.integers(0, 500), st.integers(0, 2**20)), max_size=80))
def test_wasmer_frames_parse_every_line_and_keep_a_capped_few(frames: list[tuple[str, int, int]]) -> None:
    text = "RuntimeError: unreachable\n" + "\n".join(
        f"    at {name} (<module>[{index}]:{offset:#x})" for name, index, offset in frames
    )
    kept, count = wasmer_frames(text)
    assert count == len(frames)
    assert kept == tuple(Frame(name, index, offset) for name, index, offset in frames[:FRAMES_KEPT])


def test_wasmtime_frames_ignore_the_numbered_causes() -> None:
    message = (
        "error while executing at wasm backtrace:\n"
        "    0:    0x407 - <unknown>!dlmalloc::dlmalloc::Dlmalloc<A>::free::hc162d4563cf6e25b\n"
        "    1:   0x1be1 - <unknown>!<wasm function 8>\n\n"
        "Caused by:\n    0: memory fault at wasm address 0x120000\n    1: wasm trap: out of bounds memory access\n"
    )
    kept, count = wasmtime_frames(message, [(1, 1030), (8, 7137)])
    assert count == 2
    assert kept == (Frame("dlmalloc::dlmalloc::Dlmalloc<A>::free", 1, 0x407), Frame("func[8]", 8, 0x1BE1))
