"""The JSON mapping of component values (docs/components.md is its contract).

records → objects (fields in order); variants, options and results →
``{"case": NAME, "value": PAYLOAD}`` (no ``"value"`` for a case without one);
enums → the case name; flags → the list of set flags in declared order;
lists and tuples → arrays (``list<u8>`` too); integers, u64 included, → JSON
integers; floats → numbers, or ``"nan"``, ``"inf"``, ``"-inf"`` as for core
modules; chars and strings → strings.
"""

from __future__ import annotations

from typing import Any

from wasmcall.components.types import (
    FLOATS,
    EnumType,
    FlagsType,
    ListType,
    Primitive,
    RecordType,
    TupleType,
    VariantType,
    WitType,
)
from wasmcall.values import json_value as json_number


def json_value(value: Any, valtype: WitType) -> Any:
    """A JSON-serialisable form of a component value of type ``valtype``."""
    if isinstance(valtype, Primitive):
        return json_number(float(value), valtype.name) if valtype.name in FLOATS else value
    if isinstance(valtype, ListType):
        return [json_value(v, valtype.element) for v in value]
    if isinstance(valtype, TupleType):
        return [json_value(v, t) for v, t in zip(value, valtype.elements, strict=True)]
    if isinstance(valtype, RecordType):
        return {name: json_value(value[name], t) for name, t in valtype.fields}
    if isinstance(valtype, FlagsType):
        return [name for name in valtype.names if name in value]
    if isinstance(valtype, EnumType):
        return value
    if isinstance(valtype, VariantType):
        payload_type = dict(valtype.cases)[value.name]
        if payload_type is None:
            return {"case": value.name}
        return {"case": value.name, "value": json_value(value.payload, payload_type)}
    raise ValueError(f"no JSON form for a {valtype.kind} value")
