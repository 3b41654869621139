"""WAVE, the WebAssembly Value Encoding: parse and print component values, typed by WIT.

WAVE is the text form ``wasmtime run --invoke`` and wasm-tools use for
component values (``{name: "Ada", tags: ["x"]}``, ``some(5)``, ``ok("x")``,
``{read, write}``). Parsing is driven by the expected WIT type, so ``5`` is a
``u8`` or an ``f64`` as the signature says, and every range is checked here:
wasmtime would wrap or reject an out-of-range value less helpfully.

Values are plain Python: bool, int, float, str (char and string), bytes or
list (lists), tuple, dict (records, fields in order), frozenset (flags), str
(enum cases) and ``Case`` (variant, option and result cases).
"""

from __future__ import annotations

import math
import re
from typing import Any, Optional

from msgspec import Struct

from wasmcall.arguments import fits_f32
from wasmcall.components.types import (
    FLOATS,
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
)
from wasmcall.errors import ArgumentValueError
from wasmcall.values import format_value

KEYWORDS = frozenset({"true", "false", "some", "none", "ok", "err", "inf", "nan"})
LABEL = re.compile(r"%?[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
INTEGER = re.compile(r"-?[0-9]+")
FLOAT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|inf|nan)")
ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r"}
PRINT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
MAX_DEPTH = 100


class Case(Struct, frozen=True):
    """A case of a variant, option or result; ``payload`` is None for a case without one."""

    name: str
    payload: Any = None


class WaveSyntaxError(Exception):
    """Raised inside the parser; ``parse_wave`` turns it into an ArgumentValueError."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position


def parse_wave(text: str, valtype: WitType, what: str = "value") -> Any:
    """Parse ``text`` as a value of ``valtype``; raise ArgumentValueError naming ``what`` if it is bad."""
    parser = WaveParser(text)
    try:
        value = parser.value(valtype, 0)
        parser.skip_space()
        if parser.position != len(text):
            raise WaveSyntaxError("unexpected text after the value", parser.position)
    except WaveSyntaxError as error:
        place = f" (at character {error.position})" if error.position else ""
        raise ArgumentValueError(f"{what} {text!r}: {error.reason}{place}") from None
    return value


class WaveParser:
    """A recursive-descent parser over one WAVE text; each method parses one WIT kind."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def fail(self, reason: str) -> WaveSyntaxError:
        return WaveSyntaxError(reason, self.position)

    def skip_space(self) -> None:
        while self.position < len(self.text) and self.text[self.position] in " \t\r\n":
            self.position += 1

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.position] if self.position < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "the end"
            raise self.fail(f"expected {char!r}, found {found}")
        self.position += 1

    def accept(self, char: str) -> bool:
        if self.peek() == char:
            self.position += 1
            return True
        return False

    def match(self, pattern: re.Pattern[str], what: str) -> str:
        self.skip_space()
        found = pattern.match(self.text, self.position)
        if found is None:
            raise self.fail(f"expected {what}")
        self.position = found.end()
        return found.group()

    def label(self) -> str:
        return self.match(LABEL, "a name").removeprefix("%")

    def value(self, valtype: WitType, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail("nested too deeply")
        if isinstance(valtype, Primitive):
            return self.primitive(valtype.name)
        if isinstance(valtype, ListType):
            items = self.sequence("[", "]", lambda: self.value(valtype.element, depth + 1))
            is_bytes = valtype.element == Primitive("u8")
            return bytes(items) if is_bytes else items
        if isinstance(valtype, TupleType):
            return self.tuple(valtype, depth)
        if isinstance(valtype, RecordType):
            return self.record(valtype, depth)
        if isinstance(valtype, FlagsType):
            return self.flags(valtype)
        if isinstance(valtype, EnumType):
            return self.enum(valtype)
        if isinstance(valtype, VariantType):
            return self.variant(valtype, depth)
        assert isinstance(valtype, UnsupportedType)
        raise self.fail(f"{valtype.kind} values are not supported yet")

    def primitive(self, name: str) -> Any:
        if name == "bool":
            start = self.position
            word = self.label()
            if word not in ("true", "false"):
                self.position = start
                raise self.fail("expected true or false")
            return word == "true"
        if name in INTEGER_RANGES:
            return self.integer(name)
        if name in FLOATS:
            return self.float(name)
        if name == "char":
            return self.char()
        return self.string()

    def integer(self, name: str) -> int:
        start = self.position
        value = int(self.match(INTEGER, f"an integer ({name})"))
        low, high = INTEGER_RANGES[name]
        if not low <= value <= high:
            self.position = start
            raise self.fail(f"{value} is out of range for {name} ({low}..{high})")
        return value

    def float(self, name: str) -> float:
        start = self.position
        text = self.match(FLOAT, f"a number ({name})")
        value = float(text)  # a decimal too large for a double reads as inf, caught next
        if (math.isinf(value) and "inf" not in text) or (name == "f32" and not fits_f32(value)):
            self.position = start
            raise self.fail(f"{text} is out of range for {name}")
        return value

    def quoted(self, quote: str) -> str:
        self.expect(quote)
        chars: list[str] = []
        while True:
            if self.position >= len(self.text):
                raise self.fail(f"missing closing {quote}")
            char = self.text[self.position]
            self.position += 1
            if char == quote:
                return "".join(chars)
            chars.append(self.escape() if char == "\\" else self.scalar(char))

    def scalar(self, char: str) -> str:
        if 0xD800 <= ord(char) <= 0xDFFF:
            raise self.fail("not valid UTF-8 (a lone surrogate)")
        return char

    def escape(self) -> str:
        char = self.text[self.position:self.position + 1]
        self.position += 1
        if char in ESCAPES:
            return ESCAPES[char]
        if char == "u":
            found = re.compile(r"\{([0-9A-Fa-f]{1,6})\}").match(self.text, self.position)
            if found is None:
                raise self.fail("expected \\u{HEX}")
            self.position = found.end()
            code = int(found.group(1), 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise self.fail(f"\\u{{{found.group(1)}}} is not a Unicode scalar value")
            return chr(code)
        raise self.fail(f"unknown escape \\{char}")

    def char(self) -> str:
        text = self.quoted("'")
        if len(text) != 1:
            raise self.fail(f"a char is one character, not {len(text)}")
        return text

    def string(self) -> str:
        return self.quoted('"')

    def sequence(self, open_: str, close: str, item: Any) -> list[Any]:
        """``open item, item, ... close`` with an optional trailing comma."""
        self.expect(open_)
        items: list[Any] = []
        while not self.accept(close):
            items.append(item())
            if not self.accept(","):
                self.expect(close)
                break
        return items

    def tuple(self, valtype: TupleType, depth: int) -> tuple[Any, ...]:
        start = self.position
        elements = iter(valtype.elements)
        count = len(valtype.elements)

        def element() -> Any:
            element_type = next(elements, None)
            if element_type is None:
                raise self.fail(f"too many elements: the tuple has {count}")
            return self.value(element_type, depth + 1)

        items = self.sequence("(", ")", element)
        if len(items) != count:
            self.position = start
            raise self.fail(f"the tuple has {count} elements, {len(items)} given")
        return tuple(items)

    def record(self, valtype: RecordType, depth: int) -> dict[str, Any]:
        fields = dict(valtype.fields)
        given: dict[str, Any] = {}

        def field() -> None:
            start = self.position
            name = self.label()
            if name not in fields or name in given:
                self.position = start
                known = ", ".join(fields)
                problem = "given twice" if name in given else f"not a field (fields: {known})"
                raise self.fail(f"{name!r} is {problem}")
            self.expect(":")
            given[name] = self.value(fields[name], depth + 1)

        start = self.position
        self.sequence("{", "}", field)
        for name, field_type in valtype.fields:
            if name not in given:
                if not (isinstance(field_type, VariantType) and field_type.kind == "option"):
                    self.position = start
                    raise self.fail(f"missing field {name!r}")
                given[name] = Case("none")
        return {name: given[name] for name, _ in valtype.fields}

    def flags(self, valtype: FlagsType) -> frozenset[str]:
        def flag() -> str:
            start = self.position
            name = self.label()
            if name not in valtype.names:
                self.position = start
                raise self.fail(f"{name!r} is not a flag (flags: {', '.join(valtype.names)})")
            return name

        return frozenset(self.sequence("{", "}", flag))

    def enum(self, valtype: EnumType) -> str:
        start = self.position
        name = self.label()
        if name not in valtype.names:
            self.position = start
            raise self.fail(f"{name!r} is not a case (cases: {', '.join(valtype.names)})")
        return name

    def variant(self, valtype: VariantType, depth: int) -> Case:
        start = self.position
        name = self.label()
        case = valtype.case(name)
        if case is None:
            self.position = start
            cases = ", ".join(n for n, _ in valtype.cases)
            raise self.fail(f"{name!r} is not a case (cases: {cases})")
        payload_type = case[1]
        if payload_type is None:
            if self.peek() == "(":
                raise self.fail(f"case {name!r} takes no value")
            return Case(name)
        self.expect("(")
        payload = self.value(payload_type, depth + 1)
        self.expect(")")
        return Case(name, payload)


def print_wave(value: Any, valtype: WitType) -> str:
    """The WAVE text of ``value``; ``parse_wave`` of it gives the value back."""
    if isinstance(valtype, Primitive):
        return print_primitive(value, valtype.name)
    if isinstance(valtype, ListType):
        return "[" + ", ".join(print_wave(v, valtype.element) for v in value) + "]"
    if isinstance(valtype, TupleType):
        return "(" + ", ".join(print_wave(v, t) for v, t in zip(value, valtype.elements, strict=True)) + ")"
    if isinstance(valtype, RecordType):
        fields = (f"{print_label(n)}: {print_wave(value[n], t)}" for n, t in valtype.fields)
        return "{" + ", ".join(fields) + "}"
    if isinstance(valtype, FlagsType):
        return "{" + ", ".join(print_label(n) for n in valtype.names if n in value) + "}"
    if isinstance(valtype, EnumType):
        return print_label(value)
    if isinstance(valtype, VariantType):
        payload_type = dict(valtype.cases)[value.name]
        # option and result cases are the keywords themselves; a variant case named 'none' is '%none'
        name = value.name if valtype.kind != "variant" else print_label(value.name)
        if payload_type is None:
            return name
        return f"{name}({print_wave(value.payload, payload_type)})"
    raise ValueError(f"cannot print a {valtype.kind} value")


def print_primitive(value: Any, name: str) -> str:
    if name == "bool":
        return "true" if value else "false"
    if name in FLOATS:  # WAVE spells every NaN `nan`: it has no payload syntax
        return "nan" if math.isnan(value) else format_value(float(value), name)
    if name == "char":
        return "'" + escape_text(value, "'") + "'"
    if name == "string":
        return '"' + escape_text(value, '"') + '"'
    return str(value)


def escape_text(text: str, quote: str) -> str:
    out = []
    for char in text:
        if char == quote:
            out.append("\\" + quote)
        elif char in PRINT_ESCAPES:
            out.append(PRINT_ESCAPES[char])
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            out.append(f"\\u{{{ord(char):x}}}")
        else:
            out.append(char)
    return "".join(out)


def print_label(name: str) -> str:
    """Labels that spell a keyword are written ``%true`` so they read back as labels."""
    return f"%{name}" if name in KEYWORDS else name


def wave_values(values: tuple[Any, ...], types: tuple[WitType, ...]) -> str:
    """Several values, space-separated (a function's arguments, for messages)."""
    return " ".join(print_wave(v, t) for v, t in zip(values, types, strict=True))


def optional_wave(value: Any, valtype: Optional[WitType]) -> Optional[str]:
    """The WAVE text of a function result, or None when the function returns nothing."""
    return None if valtype is None else print_wave(value, valtype)
