"""What a call's convention may learn about a module beyond its exports.

The export names say which allocator a guest has, but not which language
made it (the ``producers`` custom section does, when the toolchain keeps it)
nor which AssemblyScript class a pointer param expects (the bindings ``asc
--bindings`` writes beside the module do). Both are read once per session,
lazily, and never fail a call: a module without them is simply less known.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

from msgspec import Struct, field

from wasmcall.binary import WASM_MAGIC, read_u32, sections
from wasmcall.errors import LoadError

if TYPE_CHECKING:
    from wasmcall.conventions.asbindings import Bindings

CUSTOM_SECTION = 0


class Producers(Struct, frozen=True):
    """The ``producers`` section: field (language, processed-by, sdk) -> (name, version) pairs."""

    fields: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def names(self, wanted: str) -> tuple[str, ...]:
        return tuple(name for key, pairs in self.fields if key == wanted for name, _ in pairs)

    @property
    def languages(self) -> tuple[str, ...]:
        return self.names("language")

    def mentions(self, word: str) -> bool:
        """Whether any language or tool's name contains ``word`` (case-insensitive)."""
        word = word.lower()
        return any(word in name.lower() for _, pairs in self.fields for name, _ in pairs)


class ModuleFacts(Struct, frozen=True, dict=True):
    """The module's file (for sidecar bindings), its producers and AssemblyScript's type table."""

    path: Optional[Path] = None
    producers: Producers = field(default_factory=Producers)
    rtti_base: Optional[int] = None
    """AssemblyScript's run-time type table (``__rtti_base``): class id -> flags."""

    @cached_property
    def bindings(self) -> Optional[Bindings]:
        """The AssemblyScript bindings beside the module, read the first time an AssemblyScript call asks."""
        from wasmcall.conventions.asbindings import find_bindings

        return find_bindings(self.path) if self.path is not None else None


def module_facts(label: str, source: Union[bytes, str]) -> ModuleFacts:
    """Facts for the module read from ``label``; bindings are looked up beside it when needed."""
    path = Path(label)
    on_disk = path if path.suffix == ".wasm" and path.is_file() else None
    producers = read_producers(source) if isinstance(source, bytes) else Producers()
    rtti_base = exported_i32_global(source, "__rtti_base") if isinstance(source, bytes) else None
    return ModuleFacts(on_disk, producers, rtti_base)


def read_producers(wasm: bytes) -> Producers:
    """Parse the ``producers`` custom section; an absent or malformed one gives no producers."""
    if not wasm.startswith(WASM_MAGIC):
        return Producers()
    try:
        for section in sections(wasm):
            if section.id != CUSTOM_SECTION:
                continue
            name, offset = read_name(wasm, section.start)
            if name == "producers":
                return parse_producers(wasm[offset:section.end])
    except (LoadError, UnicodeDecodeError, IndexError):
        return Producers()
    return Producers()


def parse_producers(body: bytes) -> Producers:
    count, offset = read_u32(body, 0)
    fields = []
    for _ in range(count):
        key, offset = read_name(body, offset)
        values, offset = read_u32(body, offset)
        pairs = []
        for _ in range(values):
            name, offset = read_name(body, offset)
            version, offset = read_name(body, offset)
            pairs.append((name, version))
        fields.append((key, tuple(pairs)))
    return Producers(tuple(fields))


def read_name(data: bytes, offset: int) -> tuple[str, int]:
    size, start = read_u32(data, offset)
    if start + size > len(data):
        raise LoadError("malformed custom section: name runs past the end")
    return data[start:start + size].decode("utf-8"), start + size


IMPORT_SECTION = 2
GLOBAL_SECTION = 6
EXPORT_SECTION = 7
GLOBAL_KIND = 3
I32_CONST = 0x41
END = 0x0B


def exported_i32_global(wasm: bytes, name: str) -> Optional[int]:
    """The constant value of the exported global ``name`` (an ``i32.const`` initialiser), else None.

    AssemblyScript's ``__rtti_base`` is such a global; the engines do not all
    expose globals, but the binary states the value plainly.
    """
    if not wasm.startswith(WASM_MAGIC):
        return None
    try:
        found = {s.id: s for s in sections(wasm)}
        index = exported_global_index(wasm, found.get(EXPORT_SECTION), name)
        if index is None or GLOBAL_SECTION not in found:
            return None
        index -= imported_globals(wasm, found.get(IMPORT_SECTION))
        return global_initialiser(wasm, found[GLOBAL_SECTION].start, index)
    except (LoadError, UnicodeDecodeError, IndexError):
        return None


def exported_global_index(wasm: bytes, section: Optional[object], name: str) -> Optional[int]:
    if section is None:
        return None
    count, offset = read_u32(wasm, section.start)  # type: ignore[attr-defined]
    for _ in range(count):
        export, offset = read_name(wasm, offset)
        kind = wasm[offset]
        index, offset = read_u32(wasm, offset + 1)
        if export == name and kind == GLOBAL_KIND:
            return index
    return None


def imported_globals(wasm: bytes, section: Optional[object]) -> int:
    """How many globals are imported (they come first in the global index space)."""
    if section is None:
        return 0
    count, offset = read_u32(wasm, section.start)  # type: ignore[attr-defined]
    globals_seen = 0
    for _ in range(count):
        _, offset = read_name(wasm, offset)
        _, offset = read_name(wasm, offset)
        kind = wasm[offset]
        offset += 1
        if kind == 0:  # func: type index
            _, offset = read_u32(wasm, offset)
        elif kind == 1:  # table: reftype, limits
            offset = skip_limits(wasm, offset + 1)
        elif kind == 2:  # memory: limits
            offset = skip_limits(wasm, offset)
        else:  # global: valtype, mutability
            globals_seen += 1
            offset += 2
    return globals_seen


def skip_limits(wasm: bytes, offset: int) -> int:
    flags = wasm[offset]
    _, offset = read_u32(wasm, offset + 1)
    if flags & 1:
        _, offset = read_u32(wasm, offset)
    return offset


def global_initialiser(wasm: bytes, start: int, wanted: int) -> Optional[int]:
    """The i32.const value of defined global ``wanted``; None for any other initialiser."""
    count, offset = read_u32(wasm, start)
    if not 0 <= wanted < count:
        return None
    for index in range(count):
        offset += 2  # valtype, mutability
        opcode = wasm[offset]
        if index == wanted:
            if opcode != I32_CONST:
                return None
            value, _ = read_i32_leb(wasm, offset + 1)
            return value
        after = skip_constant(wasm, offset)
        if after is None:
            return None
        offset = after
    return None


CONSTANT_SIZES = {0x43: 4, 0x44: 8, 0xD0: 1}  # f32.const, f64.const, ref.null: fixed-size immediates


def skip_constant(wasm: bytes, offset: int) -> Optional[int]:
    """The offset after a one-instruction constant expression, or None for anything longer."""
    opcode = wasm[offset]
    offset += 1
    if opcode in (I32_CONST, 0x42, 0x23, 0xD2):  # i32/i64.const, global.get, ref.func: one LEB128
        while wasm[offset] & 0x80:
            offset += 1
        offset += 1
    elif opcode in CONSTANT_SIZES:
        offset += CONSTANT_SIZES[opcode]
    else:
        return None
    return offset + 1 if wasm[offset] == END else None


def read_i32_leb(data: bytes, offset: int) -> tuple[int, int]:
    """A signed LEB128 i32, returned as its unsigned 32-bit value (an address)."""
    value = shift = 0
    for index in range(5):
        byte = data[offset + index]
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            if byte & 0x40:
                value -= 1 << shift
            return value & 0xFFFFFFFF, offset + index + 1
    raise LoadError(f"malformed module: number at byte {offset} is not a valid i32")
