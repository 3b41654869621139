"""WIT value types as plain frozen records, read once from wasmtime's component types.

wasmtime-py's type objects call into the C API on every property access and
cannot be built without a component, so the rest of wasmcall.components (the
WAVE parser and printer, the JSON mapping, the argument mapping) works on
these records instead; only ``from_wasmtime`` touches the runtime.

The component binary keeps the names of records, variants, enums and flags
only in a debug section wasmtime does not expose, so they are unnamed here and
rendered inline (``record { x: s32, y: s32 }``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional, Union

from msgspec import Struct

INTEGER_RANGES = {
    "u8": (0, 2**8 - 1),
    "s8": (-(2**7), 2**7 - 1),
    "u16": (0, 2**16 - 1),
    "s16": (-(2**15), 2**15 - 1),
    "u32": (0, 2**32 - 1),
    "s32": (-(2**31), 2**31 - 1),
    "u64": (0, 2**64 - 1),
    "s64": (-(2**63), 2**63 - 1),
}
FLOATS = ("f32", "f64")
PRIMITIVES = ("bool", *INTEGER_RANGES, *FLOATS, "char", "string")


class Primitive(Struct, frozen=True):
    """``bool``, an integer (``u8`` … ``s64``), ``f32``/``f64``, ``char`` or ``string``."""

    name: str


class ListType(Struct, frozen=True):
    element: WitType


class TupleType(Struct, frozen=True):
    elements: tuple[WitType, ...]


class RecordType(Struct, frozen=True):
    fields: tuple[tuple[str, WitType], ...]


class VariantType(Struct, frozen=True):
    """A variant; ``option`` and ``result`` are variants with fixed case names."""

    cases: tuple[tuple[str, Optional[WitType]], ...]
    kind: str = "variant"

    def case(self, name: str) -> Optional[tuple[str, Optional[WitType]]]:
        return next((case for case in self.cases if case[0] == name), None)


class EnumType(Struct, frozen=True):
    names: tuple[str, ...]


class FlagsType(Struct, frozen=True):
    names: tuple[str, ...]


class UnsupportedType(Struct, frozen=True):
    """A type wasmcall cannot pass yet: resources (``own``/``borrow``) and async types."""

    kind: str


WitType = Union[
    Primitive, ListType, TupleType, RecordType, VariantType, EnumType, FlagsType, UnsupportedType
]
ResourceNamer = Callable[[Any], Optional[str]]
"""Gives a ``wasmtime.component.ResourceType`` its name in the world, when known."""


def no_names(resource: Any) -> Optional[str]:
    return None


def option_of(payload: WitType) -> VariantType:
    return VariantType((("none", None), ("some", payload)), "option")


def result_of(ok: Optional[WitType], err: Optional[WitType]) -> VariantType:
    return VariantType((("ok", ok), ("err", err)), "result")


class Param(Struct, frozen=True):
    name: str
    type: WitType


class FuncSignature(Struct, frozen=True):
    """A component function's named params and optional result."""

    params: tuple[Param, ...]
    result: Optional[WitType]

    def __str__(self) -> str:
        params = ", ".join(f"{p.name}: {render_type(p.type)}" for p in self.params)
        result = f" -> {render_type(self.result)}" if self.result is not None else ""
        return f"func({params}){result}"

    def unsupported(self) -> list[str]:
        """The unsupported kinds used anywhere in the signature, each once, in order."""
        found: list[str] = []
        for valtype in [p.type for p in self.params] + ([self.result] if self.result else []):
            for kind in unsupported_kinds(valtype):
                if kind not in found:
                    found.append(kind)
        return found


def children(valtype: WitType) -> list[WitType]:
    if isinstance(valtype, ListType):
        return [valtype.element]
    if isinstance(valtype, TupleType):
        return list(valtype.elements)
    if isinstance(valtype, RecordType):
        return [t for _, t in valtype.fields]
    if isinstance(valtype, VariantType):
        return [t for _, t in valtype.cases if t is not None]
    return []


def unsupported_kinds(valtype: WitType) -> list[str]:
    if isinstance(valtype, UnsupportedType):
        return [valtype.kind]
    return [kind for child in children(valtype) for kind in unsupported_kinds(child)]


def render_type(valtype: WitType) -> str:
    """WIT syntax for a type; records, variants, enums and flags are written inline."""
    if isinstance(valtype, Primitive):
        return valtype.name
    if isinstance(valtype, UnsupportedType):
        return valtype.kind
    if isinstance(valtype, ListType):
        return f"list<{render_type(valtype.element)}>"
    if isinstance(valtype, TupleType):
        return f"tuple<{', '.join(render_type(t) for t in valtype.elements)}>"
    if isinstance(valtype, RecordType):
        return "record { " + ", ".join(f"{n}: {render_type(t)}" for n, t in valtype.fields) + " }"
    if isinstance(valtype, EnumType):
        return "enum { " + ", ".join(valtype.names) + " }"
    if isinstance(valtype, FlagsType):
        return "flags { " + ", ".join(valtype.names) + " }"
    return render_variant(valtype)


def render_variant(valtype: VariantType) -> str:
    payloads = dict(valtype.cases)
    if valtype.kind == "option":
        return f"option<{render_type(payloads['some'])}>"  # type: ignore[arg-type]
    if valtype.kind == "result":
        ok, err = payloads["ok"], payloads["err"]
        if ok is None and err is None:
            return "result"
        if err is None:
            return f"result<{render_type(ok)}>"  # type: ignore[arg-type]
        return f"result<{render_type(ok) if ok is not None else '_'}, {render_type(err)}>"
    cases = (f"{name}({render_type(t)})" if t is not None else name for name, t in valtype.cases)
    return "variant { " + ", ".join(cases) + " }"


def from_wasmtime(valtype: Any, names: ResourceNamer = no_names) -> WitType:
    """Read a ``wasmtime.component`` value type into a WitType (recursively)."""
    from wasmtime import component as c

    def inner(child: Any) -> WitType:
        return from_wasmtime(child, names)

    def maybe(child: Any) -> Optional[WitType]:
        return None if child is None else from_wasmtime(child, names)

    simple = {
        c.Bool: "bool", c.U8: "u8", c.S8: "s8", c.U16: "u16", c.S16: "s16", c.U32: "u32",
        c.S32: "s32", c.U64: "u64", c.S64: "s64", c.F32: "f32", c.F64: "f64", c.Char: "char",
        c.String: "string",
    }
    if type(valtype) in simple:
        return Primitive(simple[type(valtype)])
    if isinstance(valtype, c.ListType):
        return ListType(inner(valtype.element))
    if isinstance(valtype, c.TupleType):
        return TupleType(tuple(inner(t) for t in valtype.elements))
    if isinstance(valtype, c.RecordType):
        return RecordType(tuple((name, inner(t)) for name, t in valtype.fields))
    if isinstance(valtype, c.EnumType):
        return EnumType(tuple(valtype.names))
    if isinstance(valtype, c.FlagsType):
        return FlagsType(tuple(valtype.names))
    if isinstance(valtype, c.OptionType):
        return option_of(inner(valtype.payload))
    if isinstance(valtype, c.ResultType):
        return result_of(maybe(valtype.ok), maybe(valtype.err))
    if isinstance(valtype, c.VariantType):
        return VariantType(tuple((name, maybe(t)) for name, t in valtype.cases))
    return UnsupportedType(unsupported_name(valtype, names))


def unsupported_name(valtype: Any, names: ResourceNamer) -> str:
    """``own<counter>``, ``borrow<output-stream>`` (``resource`` when unnamed), ``future``, ..."""
    from wasmtime import component as c

    if isinstance(valtype, (c.OwnType, c.BorrowType)):
        handle = "own" if isinstance(valtype, c.OwnType) else "borrow"
        return f"{handle}<{names(valtype.ty) or 'resource'}>"
    kinds = {c.FutureType: "future", c.StreamType: "stream", c.ErrorContext: "error-context"}
    return next((kind for cls, kind in kinds.items() if isinstance(valtype, cls)), type(valtype).__name__)


def signature_from_wasmtime(functype: Any, names: ResourceNamer = no_names) -> FuncSignature:
    """A FuncSignature from a ``wasmtime.component.FuncType``."""
    params = tuple(Param(name, from_wasmtime(t, names)) for name, t in functype.params)
    result = functype.result
    return FuncSignature(params, None if result is None else from_wasmtime(result, names))
