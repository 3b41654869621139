"""``--expect`` and ``--expect-hex`` for component results.

``--expect`` compares the result's WAVE text (``42``, ``"Hello, Ada!"``,
``ok({x: 1, y: 2})``); a function without a result has the empty text.
``--expect-hex`` compares the bytes of a ``string`` or ``list<u8>`` result.
"""

from __future__ import annotations

from typing import Optional

from wasmcall.arguments import parse_hex
from wasmcall.components.records import ComponentCallResult
from wasmcall.components.render import result_bytes
from wasmcall.errors import ExpectationError
from wasmcall.expect import string_difference


def compare(expected: str, actual: str, option: str) -> None:
    """Raise ExpectationError at the first difference; the CLI shows a window around it."""
    if expected != actual:
        difference = string_difference(expected, actual)
        raise ExpectationError(f"{option} failed: {difference.describe()}", expected, actual)


def check_component_expectations(
    result: ComponentCallResult, expect: Optional[str], expect_hex: Optional[str]
) -> None:
    """Raise ExpectationError describing the first difference, if any check fails."""
    if expect is not None:
        compare(expect, result.wave or "", "--expect")
    if expect_hex is not None:
        wanted = parse_hex(expect_hex, "--expect-hex").hex()
        data = result_bytes(result)
        if data is None:
            raise ExpectationError(
                "--expect-hex: the result is not a string or list<u8>", wanted, result.wave or ""
            )
        compare(wanted, data.hex(), "--expect-hex")
