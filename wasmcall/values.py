"""Spell wasm values the same way everywhere: text output, --expect and JSON."""

from __future__ import annotations

import math
from typing import Union

from wasmcall.engines.base import Value


def format_value(value: Value) -> str:
    """Decimal for integers; ``nan``/``inf``/``-inf`` or Python's shortest repr for floats."""
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    return str(value)


def json_value(value: Value) -> Union[int, float, str]:
    """JSON has no NaN or infinity, so those become the strings ``"nan"``, ``"inf"``, ``"-inf"``."""
    if isinstance(value, float) and not math.isfinite(value):
        return format_value(value)
    return value
