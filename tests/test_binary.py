"""The binary reader, the wasmer memory cap and the limit parsers against any input.

These see modules and option values nobody has vetted, so for every input they
must return exactly the right value or raise wasmcall's own typed error — never
an IndexError, a hang or a huge integer.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import RUST_GUEST, Outcome
from wasmcall.binary import has_start_section, read_u32, sections, write_u32
from wasmcall.engines.memory_cap import cap_memory
from wasmcall.errors import LimitExceededError, LoadError, UsageError
from wasmcall.limits import MAX_FUEL, check_fuel, parse_size, parse_timeout
from wasmcall.modules import has_start_function

BUNDLED = [RUST_GUEST, *sorted((RUST_GUEST.parent.parent / "wat").glob("*.wasm"))]
# A fixed seed and a small budget in the suite; WASMCALL_FUZZ_EXAMPLES=100000 for a long run (docs/safety.md).
FUZZ = settings(max_examples=int(os.environ.get("WASMCALL_FUZZ_EXAMPLES", "150")), derandomize=True)


@given(st.integers(0, 2**32 - 1), st.binary(max_size=4))
def test_u32_round_trips(value: int, tail: bytes) -> None:
    encoded = write_u32(value)
    assert read_u32(encoded + tail, 0) == (value, len(encoded))


@given(st.binary(max_size=12), st.integers(0, 12))
@example(b"\x80\x80\x80\x80\x80\x80", 0)
@example(b"\xff\xff\xff\xff\x7f", 0)
def test_u32_reader_never_overruns(data: bytes, offset: int) -> None:
    try:
        value, end = read_u32(data, offset)
    except LoadError as error:
        assert error.message.startswith("malformed module: number at byte ")
    else:
        assert 0 <= value < 2**32 and offset < end <= min(len(data), offset + 5)


@given(st.binary(max_size=64))
def test_sections_of_any_bytes_stay_inside_them(body: bytes) -> None:
    wasm = b"\0asm\x01\0\0\0" + body
    try:
        found = list(sections(wasm))
    except LoadError:
        return
    assert all(8 < s.start <= s.end <= len(wasm) for s in found)


@pytest.mark.parametrize(
    ("wat", "start"),
    [
        ('(module ;; (start $x)\n (func (export "f")))', False),
        ('(module (func $s) (start $s) (func (export "f")))', True),
        ('(module (func (export "f")) (; (start 0) ;))', False),
        ('(module (func (export "(start")))', False),
    ],
    ids=["line-comment", "real", "block-comment", "in-a-name"],
)
def test_start_function_is_read_from_the_binary(wat: str, start: bool) -> None:
    assert has_start_function(wat) is start


def test_inspect_ignores_start_in_a_comment(
    cli: Callable[..., Outcome], wat_file: Callable[[str, str], Path]
) -> None:
    done = cli("inspect", wat_file("comment-start", '(module ;; (start $x)\n (func (export "f")))'), "--json")
    assert done.code == 0 and '"start": false' in done.stdout


@pytest.fixture(scope="module")
def bundled_modules() -> list[bytes]:
    return [path.read_bytes() for path in BUNDLED]


def test_bundled_guests_parse(bundled_modules: list[bytes]) -> None:
    assert [has_start_section(m) for m in bundled_modules] == [False] * len(bundled_modules)
    for module in bundled_modules:
        assert cap_memory(module, 2**40)[:8] == module[:8]


@FUZZ
@given(st.data())
def test_memory_cap_on_damaged_guests(bundled_modules: list[bytes], data: st.DataObject) -> None:
    """Random byte flips and truncations of the bundled guests: a result or a typed error."""
    module = bytearray(data.draw(st.sampled_from(bundled_modules)))
    for _ in range(data.draw(st.integers(0, 4))):
        module[data.draw(st.integers(0, len(module) - 1))] = data.draw(st.integers(0, 255))
    module = module[: data.draw(st.integers(8, len(module)))]
    try:
        capped = cap_memory(bytes(module), 65536 * 4)
    except (LoadError, UsageError, LimitExceededError):
        return
    assert capped[:8] == module[:8]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("500ms", 0.5), ("2s", 2.0), ("1m", 60.0), ("1.5", 1.5), ("1h", 3600.0), (" 2 S ", 2.0), ("1e-3", 0.001)],
    ids=["ms", "s", "m", "plain", "h", "spaces-and-case", "exponent"],
)
def test_timeout_units(text: str, seconds: float) -> None:
    assert parse_timeout(text) == pytest.approx(seconds)


@given(st.text(max_size=12))
@example("1e10")
@example("nan")
@example("-0")
def test_timeout_is_in_range_or_a_usage_error(text: str) -> None:
    try:
        seconds = parse_timeout(text)
    except UsageError as error:
        assert error.message.startswith(f"--timeout {text!r}: ") and "\n" not in error.message
    else:
        assert 0.001 <= seconds <= 86400


@given(st.integers(0, 2**70))
def test_fuel_range(fuel: int) -> None:
    if 1 <= fuel <= MAX_FUEL:
        assert check_fuel(fuel) == fuel
    else:
        with pytest.raises(UsageError, match="out of range"):
            check_fuel(fuel)


@given(st.integers(0, 2**70), st.sampled_from(["", "B", "KiB", "MiB", "GiB", "k", "M"]))
def test_size_range(number: int, unit: str) -> None:
    try:
        size = parse_size(f"{number}{unit}")
    except UsageError as error:
        assert "must be more than zero" in error.message or "out of range" in error.message
    else:
        assert 1 <= size <= 2**63 - 1
