"""AssemblyScript classes a buffer can become: what the name means and where its class id comes from.

The binary only says a param is an ``i32``: a pointer to some managed object.
Which class (``Uint8Array``, ``StaticArray<u8>``, ``Array<i32>``, ``string``,
``ArrayBuffer``) comes from the bindings ``asc --bindings`` writes, or from
the user. Class ids differ per module; the bindings state them, and
otherwise the module's run-time type table (``__rtti_base``: one u32 of
flags per class id, two u32s before 0.18) finds the class whose flags fit.
"""

from __future__ import annotations

import re
import struct
from enum import Enum
from typing import Optional

from msgspec import Struct

from wasmcall.engines.base import Instance
from wasmcall.errors import ArgumentValueError, ConventionError


class Layout(str, Enum):
    """How an object of the class holds its bytes."""

    STRING = "string"
    BUFFER = "ArrayBuffer"
    VIEW = "typed array"
    """12-byte header ``[buffer, dataStart, byteLength]`` over an ArrayBuffer."""
    ARRAY = "Array"
    """16-byte header ``[buffer, dataStart, byteLength, length]`` over an ArrayBuffer."""
    STATIC = "StaticArray"
    """The elements themselves."""


# Run-time type flags (std/assembly/shared/typeinfo.ts); the same bits in 0.14 and 0.28.
VIEW_FLAG, ARRAY_FLAG, STATIC_FLAG = 1, 2, 4
ALIGN_SHIFT = 6
ALIGN_MASK = 0x1F << ALIGN_SHIFT
SIGNED_FLAG, FLOAT_FLAG = 1 << 11, 1 << 12
SHAPE_MASK = VIEW_FLAG | ARRAY_FLAG | STATIC_FLAG | ALIGN_MASK | SIGNED_FLAG | FLOAT_FLAG
LAYOUT_FLAGS = {Layout.VIEW: VIEW_FLAG, Layout.ARRAY: ARRAY_FLAG, Layout.STATIC: STATIC_FLAG}

# element type -> (log2 of its size, signed, float)
ELEMENTS = {
    "i8": (0, True, False), "u8": (0, False, False), "bool": (0, False, False),
    "i16": (1, True, False), "u16": (1, False, False),
    "i32": (2, True, False), "u32": (2, False, False), "isize": (2, True, False), "usize": (2, False, False),
    "i64": (3, True, False), "u64": (3, False, False),
    "f32": (2, True, True), "f64": (3, True, True),
}
TYPED_ARRAYS = {
    "Int8Array": "i8", "Uint8Array": "u8", "Uint8ClampedArray": "u8", "Int16Array": "i16",
    "Uint16Array": "u16", "Int32Array": "i32", "Uint32Array": "u32", "Int64Array": "i64",
    "Uint64Array": "u64", "Float32Array": "f32", "Float64Array": "f64",
}
GENERIC = re.compile(r"(Array|StaticArray)<(\w+)>")
NUMBER_TYPES = set(ELEMENTS) | {"void"}


class ClassRef(Struct, frozen=True):
    """One AssemblyScript class a param or result has: its name, layout, element size and id if known."""

    name: str
    layout: Layout
    align: int = 0
    signed: bool = False
    float: bool = False
    class_id: Optional[int] = None

    @property
    def element_size(self) -> int:
        return 1 << self.align

    @property
    def flags(self) -> int:
        """The run-time type flags a class of this shape has (ignoring unrelated bits)."""
        flags = LAYOUT_FLAGS.get(self.layout, 0) | (1 << (ALIGN_SHIFT + self.align))
        return flags | (SIGNED_FLAG if self.signed else 0) | (FLOAT_FLAG if self.float else 0)


def plain_name(name: str) -> str:
    """``~lib/typedarray/Uint8Array`` -> ``Uint8Array``; ``~lib/string/String | null`` -> ``String``."""
    name = name.split("|")[0].strip().rstrip("?")
    name = re.sub(r"~lib/[\w/]+/", "", name)
    return name.strip()


def class_ref(name: str, class_id: Optional[int] = None) -> Optional[ClassRef]:
    """The class a type name stands for; None for numbers (and void); ArgumentValueError if unknown."""
    name = plain_name(name)
    if name in NUMBER_TYPES:
        return None
    if name in ("string", "String"):
        return ClassRef("string", Layout.STRING, 1, class_id=class_id)
    if name == "ArrayBuffer":
        return ClassRef("ArrayBuffer", Layout.BUFFER, class_id=class_id)
    if name in TYPED_ARRAYS:
        return ClassRef(name, Layout.VIEW, *ELEMENTS[TYPED_ARRAYS[name]], class_id=class_id)
    generic = GENERIC.fullmatch(name)
    if generic and generic.group(2) in ELEMENTS:
        layout = Layout.ARRAY if generic.group(1) == "Array" else Layout.STATIC
        return ClassRef(name, layout, *ELEMENTS[generic.group(2)], class_id=class_id)
    raise ArgumentValueError(
        f"unknown AssemblyScript type {name!r}: expected string, ArrayBuffer, a typed array "
        f"(Uint8Array, Float64Array, ...), Array<T> or StaticArray<T> of a number type, or a number type"
    )


class RuntimeTypes(Struct, frozen=True):
    """The module's run-time type table, read from guest memory at ``__rtti_base``."""

    flags: tuple[int, ...]

    @classmethod
    def read(cls, instance: Instance, base: int, entry_size: int) -> RuntimeTypes:
        (count,) = struct.unpack("<I", instance.read(base, 4, "run-time type table"))
        count = min(count, (instance.memory_size() - base - 4) // entry_size)
        table = instance.read(base + 4, count * entry_size, "run-time type table")
        return cls(tuple(struct.unpack_from("<I", table, i * entry_size)[0] for i in range(count)))

    def layout_of(self, class_id: int) -> Optional[ClassRef]:
        """The array-like class a class id is, from its flags; None for any other class."""
        if not 0 <= class_id < len(self.flags):
            return None
        flags = self.flags[class_id]
        layout = next((lay for lay, bit in LAYOUT_FLAGS.items() if flags & bit), None)
        align_bits = (flags & ALIGN_MASK) >> ALIGN_SHIFT
        if layout is None or not align_bits:
            return None
        align = align_bits.bit_length() - 1
        return ClassRef(
            f"class {class_id}", layout, align, bool(flags & SIGNED_FLAG), bool(flags & FLOAT_FLAG), class_id
        )

    def has_array_classes(self) -> bool:
        """Whether any class is a typed array, Array or StaticArray of numbers."""
        return any(self.layout_of(class_id) is not None for class_id in range(len(self.flags)))

    def find(self, wanted: ClassRef) -> int:
        """The class id whose flags match ``wanted``'s shape; ConventionError if the module has none."""
        for class_id, flags in enumerate(self.flags):
            if flags & SHAPE_MASK == wanted.flags:
                return class_id
        raise ConventionError(f"the module has no {wanted.name} class (no export uses one)")

