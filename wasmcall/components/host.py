"""Convert WAVE values to and from the Python objects wasmtime-py lowers and lifts.

wasmtime-py represents a variant, option or result case by its payload alone
when the cases' Python classes cannot be confused (``option<u32>`` is ``None``
or an ``int``; ``result<u32, string>`` is an ``int`` or a ``str``), and by a
``Variant(tag, payload)`` otherwise. This module mirrors that rule
(``VariantLikeType._tagged`` in wasmtime/component/_types.py) so that every case
goes in and comes out as the case it is.
"""

from __future__ import annotations

from typing import Any, Optional

from wasmcall.components.types import (
    EnumType,
    FlagsType,
    ListType,
    Primitive,
    RecordType,
    TupleType,
    VariantType,
    WitType,
)
from wasmcall.components.wave import Case
from wasmcall.errors import UsageError

PRIMITIVE_CLASSES: dict[str, type] = {
    "bool": bool, "char": str, "string": str, "f32": float, "f64": float,
}


def host_classes(valtype: Optional[WitType]) -> set[type]:
    """The Python classes wasmtime-py accepts for ``valtype`` (``add_classes`` in wasmtime-py)."""
    from wasmtime import component as c

    if valtype is None:
        return {object}
    if isinstance(valtype, Primitive):
        return {PRIMITIVE_CLASSES.get(valtype.name, int)}
    if isinstance(valtype, ListType):
        return {bytes} if valtype.element == Primitive("u8") else {list}
    if isinstance(valtype, VariantType):
        if is_tagged(valtype):
            return {c.Variant}
        return set().union(*(host_classes(t) for _, t in valtype.cases))
    simple: dict[type, type] = {TupleType: tuple, RecordType: c.Record, EnumType: str, FlagsType: set}
    return {simple.get(type(valtype), object)}


def is_tagged(valtype: VariantType) -> bool:
    """True when wasmtime-py needs ``Variant(tag, payload)`` because two cases share a class."""
    seen: set[type] = set()
    for _, payload_type in valtype.cases:
        classes = host_classes(payload_type)
        if classes & seen:
            return True
        seen |= classes
    return False


def to_host(value: Any, valtype: WitType) -> Any:
    """The object wasmtime-py lowers into ``valtype``."""
    from wasmtime import component as c

    if isinstance(valtype, Primitive):
        return float(value) if valtype.name in ("f32", "f64") else value
    if isinstance(valtype, ListType):
        if valtype.element == Primitive("u8"):
            return bytes(value)
        return [to_host(v, valtype.element) for v in value]
    if isinstance(valtype, TupleType):
        return tuple(to_host(v, t) for v, t in zip(value, valtype.elements, strict=True))
    if isinstance(valtype, RecordType):
        record = c.Record()
        for name, field_type in valtype.fields:
            setattr(record, name, to_host(value[name], field_type))
        return record
    if isinstance(valtype, FlagsType):
        return set(value)
    if isinstance(valtype, VariantType):
        return variant_to_host(value, valtype)
    return value


def variant_to_host(value: Case, valtype: VariantType) -> Any:
    from wasmtime import component as c

    payload_type = dict(valtype.cases)[value.name]
    payload = None if payload_type is None else to_host(value.payload, payload_type)
    if is_tagged(valtype):
        return c.Variant(value.name, payload)
    if first_matching_case(payload, valtype) != value.name:
        raise UsageError(
            f"wasmtime-py cannot pass case {value.name!r} of this variant: its value "
            "looks like an earlier case's to the Python bindings"
        )
    return payload


def first_matching_case(host: Any, valtype: VariantType) -> Optional[str]:
    """The case wasmtime-py's lowering picks for an untagged ``host`` value: the first that fits."""
    for name, payload_type in valtype.cases:
        if payload_type is None:
            if host is None:
                return name
        elif isinstance(host, tuple(host_classes(payload_type))):
            return name
    return None


def from_host(host: Any, valtype: WitType) -> Any:
    """The WAVE value of an object wasmtime-py lifted from ``valtype``."""
    if isinstance(valtype, ListType):
        if isinstance(host, (bytes, bytearray)):
            return bytes(host)
        return [from_host(v, valtype.element) for v in host]
    if isinstance(valtype, TupleType):
        return tuple(from_host(v, t) for v, t in zip(host, valtype.elements, strict=True))
    if isinstance(valtype, RecordType):
        return {name: from_host(getattr(host, name), t) for name, t in valtype.fields}
    if isinstance(valtype, FlagsType):
        return frozenset(host)
    if isinstance(valtype, VariantType):
        return variant_from_host(host, valtype)
    return host


def variant_from_host(host: Any, valtype: VariantType) -> Case:
    if is_tagged(valtype):
        name = host.tag
        payload_type = dict(valtype.cases)[name]
        return Case(name, None if payload_type is None else from_host(host.payload, payload_type))
    for name, payload_type in valtype.cases:
        if payload_type is None and host is None:
            return Case(name)
        if payload_type is not None and lifted_as(host, payload_type):
            return Case(name, from_host(host, payload_type))
    raise ValueError(f"no case of {valtype} fits the lifted value {host!r}")


def lifted_as(host: Any, valtype: WitType) -> bool:
    """Whether a lifted object came from ``valtype``: exact classes, so True is a bool, not an int."""
    classes = host_classes(valtype)
    return type(host) in classes or (object in classes and host is None)
