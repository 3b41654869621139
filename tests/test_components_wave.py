"""WAVE parsing and printing, typed by WIT: examples per kind, and properties over random types.

The properties: printing a value and parsing the text back gives the same
value, for random WIT types and values of them; and any text at all, valid or
mangled, either parses or raises ArgumentValueError, never another exception.
A last property sends random strings and byte lists through a real component.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wasmcall.components.json_values import json_value
from wasmcall.components.session import ComponentSession
from wasmcall.components.types import (
    INTEGER_RANGES,
    EnumType,
    FlagsType,
    ListType,
    Primitive,
    RecordType,
    TupleType,
    UnsupportedType,
    VariantType,
    WitType,
    option_of,
    render_type,
    result_of,
)
from wasmcall.components.wave import Case, parse_wave, print_wave
from wasmcall.errors import ArgumentValueError
from wasmcall.values import shortest_f32

TYPES_GUEST = Path(__file__).resolve().parent.parent / "guests" / "components" / "types.wasm"
POINT = RecordType((("x", Primitive("s32")), ("y", Primitive("s32"))))
SHAPE = VariantType((("circle", Primitive("f32")), ("rect", POINT), ("none", None)))
# labels include WAVE keywords, which must print as %none, %true, ...
LABELS = ["a", "b-c", "x2", "none", "some", "true", "ok", "inf", "long-name-here"]


# ---------------------------------------------------------------- examples

PARSED = [
    # WIT type, WAVE text, value
    (Primitive("bool"), " true ", True),
    (Primitive("u8"), "0", 0),
    (Primitive("s64"), "-9223372036854775808", -(2**63)),
    (Primitive("f64"), "1.5e-3", 0.0015),
    (Primitive("f64"), "-inf", -math.inf),
    (Primitive("char"), "'\\n'", "\n"),
    (Primitive("string"), '"a\\u{48}\\"b"', 'aH"b'),
    (ListType(Primitive("u8")), "[1, 2,]", b"\x01\x02"),
    (ListType(Primitive("string")), "[ ]", []),
    (TupleType((Primitive("u8"), Primitive("bool"))), "(1, false)", (1, False)),
    (POINT, "{ y: 2, x: 1 }", {"x": 1, "y": 2}),
    (RecordType((("a", Primitive("u8")), ("b", option_of(Primitive("u8"))))), "{a: 1}",
     {"a": 1, "b": Case("none")}),
    (EnumType(("red", "none")), "%none", "none"),
    (FlagsType(("read", "write")), "{write, read}", frozenset({"read", "write"})),
    (SHAPE, "rect({x: 1, y: 2})", Case("rect", {"x": 1, "y": 2})),
    (SHAPE, "%none", Case("none")),
    (option_of(option_of(Primitive("u8"))), "some(none)", Case("some", Case("none"))),
    (result_of(None, None), "err", Case("err")),
    (result_of(Primitive("u8"), Primitive("string")), 'err("no")', Case("err", "no")),
]


@pytest.mark.parametrize(("valtype", "text", "value"), PARSED, ids=[t for _, t, _ in PARSED])
def test_parse_examples(valtype: WitType, text: str, value: Any) -> None:
    assert parse_wave(text, valtype) == value


PRINTED = [
    (Primitive("f32"), 0.10000000149011612, "0.1"),
    (Primitive("f64"), math.nan, "nan"),
    (Primitive("string"), "tab\there\x01", '"tab\\there\\u{1}"'),
    (Primitive("char"), "'", "'\\''"),
    (ListType(Primitive("u8")), b"\x00\xff", "[0, 255]"),
    (FlagsType(("read", "write", "exec")), frozenset({"exec", "read"}), "{read, exec}"),
    (SHAPE, Case("none"), "%none"),
    (option_of(Primitive("u8")), Case("none"), "none"),
    (result_of(None, Primitive("u8")), Case("ok"), "ok"),
    (RecordType((("true", Primitive("bool")),)), {"true": False}, "{%true: false}"),
]


@pytest.mark.parametrize(("valtype", "value", "text"), PRINTED, ids=[t for _, _, t in PRINTED])
def test_print_examples(valtype: WitType, value: Any, text: str) -> None:
    assert print_wave(value, valtype) == text


MALFORMED = [
    (Primitive("u8"), "", "value '': expected an integer (u8)"),
    (Primitive("u8"), "1 2", "value '1 2': unexpected text after the value (at character 2)"),
    (Primitive("s8"), "-129", "value '-129': -129 is out of range for s8 (-128..127)"),
    (Primitive("bool"), "yes", "value 'yes': expected true or false"),
    (Primitive("char"), "'ab'", "value \"'ab'\": a char is one character, not 2 (at character 4)"),
    (Primitive("string"), '"open', "value '\"open': missing closing \" (at character 5)"),
    (Primitive("string"), '"\\q"', "value '\"\\\\q\"': unknown escape \\q (at character 3)"),
    (Primitive("string"), '"\\u{d800}"',
     "value '\"\\\\u{d800}\"': \\u{d800} is not a Unicode scalar value (at character 9)"),
    (Primitive("string"), '"\udc80"', "value '\"\\udc80\"': not valid UTF-8 (a lone surrogate) (at character 2)"),
    (TupleType((Primitive("u8"),)), "(1, 2)",
     "value '(1, 2)': too many elements: the tuple has 1 (at character 4)"),
    (POINT, "{x: 1, x: 2}", "value '{x: 1, x: 2}': 'x' is given twice (at character 7)"),
    (POINT, "{z: 1}", "value '{z: 1}': 'z' is not a field (fields: x, y) (at character 1)"),
    (FlagsType(("a",)), "{b}", "value '{b}': 'b' is not a flag (flags: a) (at character 1)"),
    (SHAPE, "circle", "value 'circle': expected '(', found the end (at character 6)"),
    (SHAPE, "none(1)", "value 'none(1)': case 'none' takes no value (at character 4)"),
    (UnsupportedType("own<resource>"), "1", "value '1': own<resource> values are not supported yet"),
]


@pytest.mark.parametrize(("valtype", "text", "message"), MALFORMED, ids=[t for _, t, _ in MALFORMED])
def test_malformed_input_names_the_problem(valtype: WitType, text: str, message: str) -> None:
    with pytest.raises(ArgumentValueError) as raised:
        parse_wave(text, valtype)
    assert raised.value.message == message


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    deep: WitType = Primitive("u8")
    for _ in range(150):
        deep = ListType(deep)
    with pytest.raises(ArgumentValueError, match="nested too deeply"):
        parse_wave("[" * 150 + "]" * 150, deep)


def test_render_type() -> None:
    assert render_type(result_of(None, Primitive("string"))) == "result<_, string>"
    assert render_type(result_of(Primitive("u8"), None)) == "result<u8>"
    assert render_type(option_of(SHAPE)) == (
        "option<variant { circle(f32), rect(record { x: s32, y: s32 }), none }>"
    )


def test_a_case_wasmtime_py_would_mistake_is_refused() -> None:
    """wasmtime-py passes this variant untagged and would take ``true`` for the u32 case."""
    from wasmcall.components.host import from_host, to_host
    from wasmcall.errors import UsageError

    valtype = VariantType((("n", Primitive("u32")), ("b", Primitive("bool"))))
    assert to_host(Case("n", 5), valtype) == 5
    assert from_host(True, valtype) == Case("b", True)
    with pytest.raises(UsageError, match="cannot pass case 'b'"):
        to_host(Case("b", True), valtype)


# ---------------------------------------------------------------- properties over random types

LABEL_SETS = st.lists(st.sampled_from(LABELS), min_size=1, max_size=4, unique=True).map(tuple)
PRIMITIVE_TYPES = st.sampled_from(
    [Primitive(name) for name in ("bool", *INTEGER_RANGES, "f32", "f64", "char", "string")]
)


def compound(children: st.SearchStrategy[WitType]) -> st.SearchStrategy[WitType]:
    labels = LABEL_SETS
    return st.one_of(
        children.map(ListType),
        st.lists(children, min_size=1, max_size=3).map(lambda ts: TupleType(tuple(ts))),
        labels.flatmap(lambda names: st.tuples(*[children] * len(names)).map(
            lambda ts: RecordType(tuple(zip(names, ts, strict=True))))),
        labels.flatmap(lambda names: st.tuples(*[st.none() | children] * len(names)).map(
            lambda ts: VariantType(tuple(zip(names, ts, strict=True))))),
        labels.map(EnumType),
        labels.map(FlagsType),
        children.map(option_of),
        st.tuples(st.none() | children, st.none() | children).map(lambda pair: result_of(*pair)),
    )


WIT_TYPES = st.recursive(PRIMITIVE_TYPES, compound, max_leaves=6)


def values_of(valtype: WitType) -> st.SearchStrategy[Any]:
    """Values of ``valtype`` in wasmcall's WAVE model (f32s as the shortest decimal of an f32)."""
    if isinstance(valtype, Primitive):
        name = valtype.name
        if name in INTEGER_RANGES:
            low, high = INTEGER_RANGES[name]
            return st.integers(low, high)
        simple = {
            "bool": st.booleans(),
            "f32": st.floats(width=32, allow_nan=False).map(shortest_f32),
            "f64": st.floats(allow_nan=False),
            "char": st.characters(blacklist_categories=("Cs",)),
            "string": st.text(st.characters(blacklist_categories=("Cs",))),
        }
        return simple[name]
    if isinstance(valtype, ListType):
        items = st.lists(values_of(valtype.element), max_size=3)
        return items.map(bytes) if valtype.element == Primitive("u8") else items
    if isinstance(valtype, TupleType):
        return st.tuples(*[values_of(t) for t in valtype.elements])
    if isinstance(valtype, RecordType):
        return st.fixed_dictionaries({name: values_of(t) for name, t in valtype.fields})
    if isinstance(valtype, EnumType):
        return st.sampled_from(valtype.names)
    if isinstance(valtype, FlagsType):
        return st.frozensets(st.sampled_from(valtype.names))
    assert isinstance(valtype, VariantType)
    return st.one_of(*[
        st.just(Case(name)) if t is None else values_of(t).map(lambda v, name=name: Case(name, v))
        for name, t in valtype.cases
    ])


TYPED_VALUES = WIT_TYPES.flatmap(lambda t: st.tuples(st.just(t), values_of(t)))


@given(TYPED_VALUES)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_print_then_parse_gives_the_same_value(typed: tuple[WitType, Any]) -> None:
    valtype, value = typed
    text = print_wave(value, valtype)
    assert parse_wave(text, valtype) == value


@given(TYPED_VALUES)
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
def test_json_mapping_never_fails(typed: tuple[WitType, Any]) -> None:
    import json

    valtype, value = typed
    json.dumps(json_value(value, valtype))


@given(WIT_TYPES, st.text(max_size=40))
@settings(max_examples=300)
def test_any_text_parses_or_is_an_argument_error(valtype: WitType, text: str) -> None:
    with contextlib.suppress(ArgumentValueError):
        parse_wave(text, valtype)


@given(TYPED_VALUES, st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_mangled_wave_parses_or_is_an_argument_error(typed: tuple[WitType, Any], data: st.DataObject) -> None:
    valtype, value = typed
    text = print_wave(value, valtype)
    cut = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.sampled_from(["", ",", "(", ")", "{", "}", "[", "]", '"', "'", "\\", "%", "-", " x"]))
    mangled = text[:cut] + insert + text[cut + data.draw(st.integers(0, 2)):]
    with contextlib.suppress(ArgumentValueError):
        parse_wave(mangled, valtype)


# ---------------------------------------------------------------- properties through a real component

@pytest.fixture(scope="module")
def session() -> ComponentSession:
    with ComponentSession(str(TYPES_GUEST), TYPES_GUEST.read_bytes()) as live:
        yield live


@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=50))
@settings(max_examples=100)
def test_any_string_survives_the_guest(session: ComponentSession, text: str) -> None:
    wave = print_wave(text, Primitive("string"))
    assert session.call("echo-string", values=[wave]).value == text


@given(data=st.binary(max_size=64))
@settings(max_examples=100)
def test_any_bytes_survive_the_guest(session: ComponentSession, data: bytes) -> None:
    result = session.call("echo-bytes", values=[print_wave(data, ListType(Primitive("u8")))])
    assert result.value == data
    assert session.call("byte-sum", values=[result.wave or ""]).value == sum(data)
