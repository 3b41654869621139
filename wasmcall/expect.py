"""``--expect`` and ``--expect-hex``: the checks CI smoke tests hang on.

A result is compared the way it is shown (ResultBytes.is_text): text as
text, binary as hex, numbers in their decimal spelling. A failure says where
the values first differ and keeps only a window of a few dozen characters
around that point, so a 100 KB result never floods a CI log; the error
carries the call's result, so ``--json`` can still print every byte.
Comparing works on the result's bytes and decodes only the window: a 64 MiB
result is never copied to check it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

from msgspec import Struct

from wasmcall.arguments import parse_hex
from wasmcall.dump import text_chunks
from wasmcall.errors import ArgumentValueError, ExpectationError, WasmcallError
from wasmcall.records import CallResult
from wasmcall.values import format_value, typed_values

if TYPE_CHECKING:
    from wasmcall.components.records import ComponentCallResult

CONTEXT = 24
"""Characters (bytes, for hex) shown on each side of the first difference."""
COMPARE_CHUNK = 4096
ELLIPSIS = "…"


class Difference(Struct, frozen=True):
    """Where two values first differ, and a window of each around that point, ready to print."""

    offset: int
    unit: str
    expected_length: int
    actual_length: int
    expected_window: str
    actual_window: str
    caret: int
    """Column of the first difference inside both windows (they share everything before it)."""

    def describe(self) -> str:
        return (f"results differ at {self.unit} {self.offset} "
                f"(expected {plural(self.expected_length, self.unit)}, got {self.actual_length})")


def plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


class ResultExpectationError(ExpectationError):
    """A check that failed on a call's result. It keeps the result, so the JSON envelope can carry
    ``values`` and ``result`` beside the error, and builds ``actual`` (possibly huge) only on demand."""

    def __init__(self, message: str, expected: str, result: CallResult, difference: Difference) -> None:
        WasmcallError.__init__(self, message)
        self.expected = expected
        self.result = result
        self.difference = difference
        self.given_actual: Optional[str] = None

    @property
    def actual(self) -> str:
        """The whole value compared against: the text, the hex of binary bytes, or the numbers."""
        if self.given_actual is not None:
            return self.given_actual
        return actual_text(self.result)

    @actual.setter
    def actual(self, value: str) -> None:
        self.given_actual = value


def actual_text(result: Union[CallResult, ComponentCallResult]) -> str:
    """What ``--expect`` compares with, whole: the text, the hex of binary bytes, the numbers,
    or a component's WAVE text. Builds the whole string: for messages and reports, not for checks."""
    if not isinstance(result, CallResult):
        return result.wave or ""
    data = result.result
    if data is None:
        return scalar_text(result)
    return data.data.decode("utf-8") if data.is_text else data.data.hex()


def scalar_text(result: CallResult) -> str:
    """How numbers are compared and shown: decimal, space-separated."""
    return " ".join(format_value(v, t) for v, t in typed_values(result))


def check_expectations(
    result: Union[CallResult, ComponentCallResult], expect: Optional[str], expect_hex: Optional[str]
) -> None:
    """Raise ResultExpectationError describing the first difference, if any check fails."""
    if not isinstance(result, CallResult):
        from wasmcall.components.expect import check_component_expectations

        return check_component_expectations(result, expect, expect_hex)
    if expect is not None:
        check_text(result, expect)
    if expect_hex is not None:
        check_hex(result, expect_hex)


def check_text(result: CallResult, expected: str) -> None:
    data = result.result
    if data is None:
        actual = scalar_text(result)
        if expected != actual:
            fail("--expect", expected, result, string_difference(expected, actual))
    elif data.is_text:
        difference = text_difference(expected, data.data)
        if difference is not None:
            fail("--expect", expected, result, difference)
    else:
        try:
            wanted = parse_hex(expected, "--expect")
        except ArgumentValueError:
            size = plural(data.length, "byte")
            raise ResultExpectationError(
                f"--expect failed: the result is binary ({size}), so it is compared as hex, "
                f"and {expected!r} is not hex", expected, result, bytes_difference(b"", data.data, 0),
            ) from None
        check_bytes("--expect", expected, wanted, result)


def check_hex(result: CallResult, expected: str) -> None:
    wanted = parse_hex(expected, "--expect-hex")
    if result.result is None:
        raise ResultExpectationError(
            "--expect-hex: the call returned no bytes (use --ret to read a buffer)",
            wanted.hex(), result, bytes_difference(wanted, b"", 0),
        )
    check_bytes("--expect-hex", wanted.hex(), wanted, result)


def check_bytes(option: str, expected: str, wanted: bytes, result: CallResult) -> None:
    assert result.result is not None
    offset = first_difference(wanted, result.result.data)
    if offset is not None:
        fail(option, expected, result, bytes_difference(wanted, result.result.data, offset))


def fail(option: str, expected: str, result: CallResult, difference: Difference) -> None:
    raise ResultExpectationError(f"{option} failed: {difference.describe()}", expected, result, difference)


def first_difference(expected: bytes, actual: bytes) -> Optional[int]:
    """The first offset where the two differ (the shorter one's length if one is a prefix), or None.

    Compares a few KiB at a time and only as far as the shorter value, so a
    short expectation against a huge result touches a few KiB of it.
    """
    if len(expected) == len(actual) and expected == actual:
        return None
    shorter = min(len(expected), len(actual))
    left, right = memoryview(expected), memoryview(actual)
    for start in range(0, shorter, COMPARE_CHUNK):
        end = min(start + COMPARE_CHUNK, shorter)
        if left[start:end] != right[start:end]:
            return next(i for i in range(start, end) if expected[i] != actual[i])
    return shorter


def text_difference(expected: str, actual: bytes) -> Optional[Difference]:
    """Compare text with a text result's UTF-8 bytes, in characters, decoding only near the difference."""
    wanted = expected.encode("utf-8", "surrogateescape")  # argv bytes that were not UTF-8 come back
    byte_offset = first_difference(wanted, actual)
    if byte_offset is None:
        return None
    offset = len(wanted[:byte_offset].decode("utf-8", errors="ignore"))
    start = max(0, offset - CONTEXT)
    start_byte = len(expected[:start].encode("utf-8", "surrogateescape"))
    span = offset - start + CONTEXT + 1
    near = actual[start_byte:start_byte + span * 4].decode("utf-8", errors="ignore")[:span]
    return text_window(offset, start, expected[start:start + span], near, (len(expected), character_count(actual)))


def character_count(data: bytes) -> int:
    return len(data) if data.isascii() else sum(len(chunk) for chunk in text_chunks(data))


def string_difference(expected: str, actual: str) -> Difference:
    """Compare two short strings (numbers, or an error built without a result) in characters."""
    shorter = min(len(expected), len(actual))
    offset = next((i for i in range(shorter) if expected[i] != actual[i]), shorter)
    start = max(0, offset - CONTEXT)
    end = offset + CONTEXT + 1
    return text_window(offset, start, expected[start:end], actual[start:end], (len(expected), len(actual)))


def text_window(offset: int, start: int, expected: str, actual: str, lengths: tuple[int, int]) -> Difference:
    """Both text segments (starting at character ``start``) framed, with the caret's column."""
    return Difference(
        offset, "character", *lengths,
        frame(visible_text(expected), start, len(expected), lengths[0]),
        frame(visible_text(actual), start, len(actual), lengths[1]),
        caret_column(start, len(visible_text(expected[:offset - start]))),
    )


def bytes_difference(expected: bytes, actual: bytes, offset: int) -> Difference:
    """Both byte windows as spaced hex, the caret under the first digit of the differing byte."""
    start = max(0, offset - CONTEXT // 2)
    end = offset + CONTEXT // 2 + 1
    wanted, got = expected[start:end], actual[start:end]
    return Difference(
        offset, "byte", len(expected), len(actual),
        frame(wanted.hex(" "), start, len(wanted), len(expected)),
        frame(got.hex(" "), start, len(got), len(actual)),
        caret_column(start, 3 * (offset - start)),
    )


def caret_column(start: int, shown_before: int) -> int:
    """Past the ellipsis (when the window is cut) and the opening quote."""
    return (len(ELLIPSIS) if start > 0 else 0) + 1 + shown_before


def frame(shown: str, start: int, count: int, total: int) -> str:
    """``'shown'`` with an ellipsis on each side where the value goes on."""
    before = ELLIPSIS if start > 0 else ""
    after = ELLIPSIS if start + count < total else ""
    return f"{before}'{shown}'{after}"


def visible_text(text: str) -> str:
    """Every character a person could miss or a terminal could obey spelled as in a Python literal."""
    return "".join(repr(char)[1:-1] for char in text)
