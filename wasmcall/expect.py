"""``--expect`` and ``--expect-hex``: the checks CI smoke tests hang on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

from wasmcall.arguments import parse_hex
from wasmcall.errors import ExpectationError
from wasmcall.records import CallResult
from wasmcall.values import format_value, typed_values

if TYPE_CHECKING:
    from wasmcall.components.records import ComponentCallResult


def actual_text(result: CallResult) -> str:
    """The text an ``--expect`` is compared with: the result's text, or the scalars'."""
    if result.result is not None:
        text = result.result.text
        return text if text is not None else result.result.data.hex()
    return " ".join(format_value(v, t) for v, t in typed_values(result))


def check_expectations(
    result: Union[CallResult, ComponentCallResult], expect: Optional[str], expect_hex: Optional[str]
) -> None:
    """Raise ExpectationError describing the first difference, if any check fails."""
    if not isinstance(result, CallResult):
        from wasmcall.components.expect import check_component_expectations

        return check_component_expectations(result, expect, expect_hex)
    if expect is not None:
        compare(expect, actual_text(result), "--expect")
    if expect_hex is not None:
        wanted = parse_hex(expect_hex, "--expect-hex").hex()
        got = result.result.data.hex() if result.result is not None else ""
        if result.result is None:
            raise ExpectationError(
                "--expect-hex: the call returned no bytes (use --ret to read a buffer)",
                wanted, "",
            )
        compare(wanted, got, "--expect-hex")


def compare(expected: str, actual: str, option: str) -> None:
    if expected == actual:
        return
    position = next(
        (i for i, (a, b) in enumerate(zip(expected, actual, strict=False)) if a != b),
        min(len(expected), len(actual)),
    )
    raise ExpectationError(
        f"{option} failed: results differ at character {position}", expected, actual
    )
