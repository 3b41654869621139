"""What a module declares about its imports, exports and memories, read from the binary.

wasmcall reads this itself instead of asking the engines because the engines'
Python APIs cannot be trusted with every value type: wasmtime-py aborts the
whole process (SIGABRT, uncatchable) when it converts a function type that
holds a ``v128``, names ``externref`` "anyref", and wasmer 1.1 knows only the
types of its day. The binary is the truth and is the same for both engines,
so ``inspect`` and every check above the engines see identical signatures.

Only modules an engine has already validated are read here; any surprise is
still a LoadError, never an IndexError.
"""

from __future__ import annotations

from typing import Optional

from msgspec import Struct, field

from wasmcall.binary import read_leb, read_u32, sections
from wasmcall.engines.base import ExportInfo, ImportInfo, MemoryLimits, Signature
from wasmcall.errors import LoadError

TYPE_SECTION, IMPORT_SECTION, FUNCTION_SECTION, MEMORY_SECTION, GLOBAL_SECTION, EXPORT_SECTION = 1, 2, 3, 5, 6, 7
EXTERNAL_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
VALUE_TYPES = {
    0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128",
    0x70: "funcref", 0x6F: "externref", 0x69: "exnref", 0x6E: "anyref", 0x6D: "eqref",
    0x6C: "i31ref", 0x6B: "structref", 0x6A: "arrayref", 0x71: "nullref", 0x72: "nullexternref",
    0x73: "nullfuncref", 0x74: "nullexnref",
}
HEAP_TYPES = {
    0x70: "func", 0x6F: "extern", 0x69: "exn", 0x6E: "any", 0x6D: "eq", 0x6C: "i31", 0x6B: "struct",
    0x6A: "array", 0x71: "none", 0x72: "noextern", 0x73: "nofunc", 0x74: "noexn",
}
REF, REF_NULL = 0x64, 0x63
FUNC_TYPE, SUB_TYPE, SUB_FINAL, REC_GROUP, STRUCT_TYPE, ARRAY_TYPE = 0x60, 0x50, 0x4F, 0x4E, 0x5F, 0x5E
PACKED_TYPES = (0x78, 0x77)  # i8, i16 (struct and array fields only)
EXTENDED_CONSTANT_OPS = (0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E)  # i32/i64 add, sub, mul
HAS_MAXIMUM, SHARED, INDEX64, PAGE_SIZE = 0x01, 0x02, 0x04, 0x08


class Declarations(Struct):
    """A module's imports and exports with their signatures, and its memories in index order."""

    imports: list[ImportInfo] = field(default_factory=list)
    exports: list[ExportInfo] = field(default_factory=list)
    memories: list[MemoryLimits] = field(default_factory=list)
    globals: dict[str, str] = field(default_factory=dict)
    """Value type of each exported global, by export name."""
    memory_zero_export: Optional[str] = None
    """The name memory 0 is exported under (the first, if several), or None."""

    @property
    def memory_zero(self) -> Optional[MemoryLimits]:
        """Memory 0: the one loads and stores address when they name none (imported ones count first)."""
        return self.memories[0] if self.memories else None

    @property
    def memory_zero_import(self) -> Optional[ImportInfo]:
        """The import that provides memory 0, if the module imports it."""
        return next((item for item in self.imports if item.kind == "memory"), None)



class Reader:
    """A cursor over one section's bytes; every read is bounds-checked."""

    def __init__(self, data: bytes, start: int, end: int) -> None:
        self.data = data[:end]
        self.offset = start

    def byte(self) -> int:
        if self.offset >= len(self.data):
            raise LoadError(f"malformed module: a section ends early at byte {self.offset}")
        value = self.data[self.offset]
        self.offset += 1
        return value

    def u32(self) -> int:
        value, self.offset = read_u32(self.data, self.offset)
        return value

    def u64(self) -> int:
        value, self.offset = read_leb(self.data, self.offset, 64)
        return value

    def skip_signed(self) -> None:
        """Skip a signed LEB128 immediate (a constant), whatever its width."""
        while self.byte() & 0x80:
            pass

    def name(self) -> str:
        size = self.u32()
        if self.offset + size > len(self.data):
            raise LoadError(f"malformed module: a name at byte {self.offset} runs past its section")
        text = self.data[self.offset:self.offset + size].decode("utf-8", errors="replace")
        self.offset += size
        return text

    def value_type(self) -> str:
        """A value type spelled as in WAT; GC reference types as ``(ref null 3)``/``(ref func)``."""
        code = self.byte()
        if code in VALUE_TYPES:
            return VALUE_TYPES[code]
        if code in (REF, REF_NULL):
            null = " null" if code == REF_NULL else ""
            return f"(ref{null} {self.heap_type()})"
        raise LoadError(f"malformed module: unknown value type 0x{code:02x} at byte {self.offset - 1}")

    def heap_type(self) -> str:
        start = self.offset
        code = self.byte()
        if code in HEAP_TYPES:
            return HEAP_TYPES[code]
        if code == 0x65:  # shared abstract heap type (shared-everything threads)
            return f"shared {self.heap_type()}"
        self.offset = start
        index, self.offset = read_leb(self.data, self.offset, 33)
        return str(index)

    def limits(self) -> MemoryLimits:
        flags = self.byte()
        read = self.u64 if flags & INDEX64 else self.u32
        minimum = read()
        maximum = read() if flags & HAS_MAXIMUM else None
        if flags & PAGE_SIZE:
            self.u32()
        return MemoryLimits(minimum, maximum, shared=bool(flags & SHARED), index64=bool(flags & INDEX64))


def read_declarations(wasm: bytes) -> Declarations:
    """Imports, exports (with signatures) and memories of a validated binary module."""
    types: list[Optional[Signature]] = []
    functions: list[Optional[Signature]] = []
    global_types: list[str] = []
    declared = Declarations()
    exported: list[tuple[str, int, int]] = []
    for section in sections(wasm):
        reader = Reader(wasm, section.start, section.end)
        if section.id == TYPE_SECTION:
            types = read_types(reader)
        elif section.id == IMPORT_SECTION:
            read_imports(reader, types, functions, global_types, declared)
        elif section.id == FUNCTION_SECTION:
            functions += [type_at(types, reader.u32()) for _ in range(reader.u32())]
        elif section.id == MEMORY_SECTION:
            declared.memories += [reader.limits() for _ in range(reader.u32())]
        elif section.id == GLOBAL_SECTION:
            read_global_types(reader, global_types)
        elif section.id == EXPORT_SECTION:
            exported = [(reader.name(), reader.byte(), reader.u32()) for _ in range(reader.u32())]
    declared.exports = [export_info(name, kind, index, functions, declared, global_types)
                        for name, kind, index in exported]
    declared.memory_zero_export = next(
        (name for name, kind, index in exported if kind == 2 and index == 0), None
    )
    declared.globals = {name: global_types[index] for name, kind, index in exported
                        if kind == 3 and index < len(global_types)}
    return declared


def export_info(
    name: str, kind: int, index: int, functions: list[Optional[Signature]],
    declared: Declarations, global_types: list[str],
) -> ExportInfo:
    kind_name = EXTERNAL_KINDS.get(kind, "unknown")
    if kind_name == "func":
        return ExportInfo(name, "func", signature=functions[index] if index < len(functions) else None)
    if kind_name == "memory":
        memory = declared.memories[index] if index < len(declared.memories) else None
        return ExportInfo(name, "memory", memory=memory)
    return ExportInfo(name, kind_name)


def type_at(types: list[Optional[Signature]], index: int) -> Optional[Signature]:
    return types[index] if index < len(types) else None


def read_types(reader: Reader) -> list[Optional[Signature]]:
    """Every type index's function type (None for struct and array types)."""
    types: list[Optional[Signature]] = []
    for _ in range(reader.u32()):
        if reader.data[reader.offset:reader.offset + 1] == bytes([REC_GROUP]):
            reader.byte()
            types += [read_sub_type(reader) for _ in range(reader.u32())]
        else:
            types.append(read_sub_type(reader))
    return types


def read_sub_type(reader: Reader) -> Optional[Signature]:
    form = reader.byte()
    if form in (SUB_TYPE, SUB_FINAL):
        for _ in range(reader.u32()):
            reader.u32()
        form = reader.byte()
    if form == FUNC_TYPE:
        params = tuple(reader.value_type() for _ in range(reader.u32()))
        results = tuple(reader.value_type() for _ in range(reader.u32()))
        return Signature(params, results)
    if form == STRUCT_TYPE:
        for _ in range(reader.u32()):
            read_field(reader)
        return None
    if form == ARRAY_TYPE:
        read_field(reader)
        return None
    raise LoadError(f"malformed module: unknown type form 0x{form:02x}")


def read_field(reader: Reader) -> None:
    if reader.data[reader.offset:reader.offset + 1] and reader.data[reader.offset] in PACKED_TYPES:
        reader.byte()
    else:
        reader.value_type()
    reader.byte()  # mutability


def read_imports(
    reader: Reader, types: list[Optional[Signature]], functions: list[Optional[Signature]],
    global_types: list[str], declared: Declarations,
) -> None:
    for _ in range(reader.u32()):
        module, name, kind = reader.name(), reader.name(), reader.byte()
        kind_name = EXTERNAL_KINDS.get(kind)
        if kind_name == "func":
            signature = type_at(types, reader.u32())
            functions.append(signature)
            declared.imports.append(ImportInfo(module, name, "func", signature))
        elif kind_name == "table":
            reader.value_type()
            reader.limits()
            declared.imports.append(ImportInfo(module, name, "table"))
        elif kind_name == "memory":
            limits = reader.limits()
            declared.memories.append(limits)
            declared.imports.append(ImportInfo(module, name, "memory", memory=limits))
        elif kind_name == "global":
            global_types.append(reader.value_type())
            reader.byte()
            declared.imports.append(ImportInfo(module, name, "global"))
        elif kind_name == "tag":
            reader.byte()
            reader.u32()
            declared.imports.append(ImportInfo(module, name, "tag"))
        else:
            raise LoadError(f"malformed module: unknown import kind 0x{kind:02x}")


def read_global_types(reader: Reader, found: list[str]) -> None:
    """The value types of the defined globals, best effort: they only label ``globals()``.

    Initialiser expressions are skipped opcode by opcode; one this reader does
    not know ends the list early instead of failing a module the engine accepted.
    """
    try:
        for _ in range(reader.u32()):
            found.append(reader.value_type())
            reader.byte()
            skip_constant_expression(reader)
    except LoadError:
        return


def skip_constant_expression(reader: Reader) -> None:
    """Skip to the ``end`` of a constant expression; good enough for the MVP+GC constant opcodes."""
    while True:
        opcode = reader.byte()
        if opcode == 0x0B:
            return
        if opcode in (0x41, 0x42, 0x23, 0xD2):  # i32.const, i64.const, global.get, ref.func
            reader.skip_signed()
        elif opcode == 0x43:
            reader.offset += 4
        elif opcode == 0x44:
            reader.offset += 8
        elif opcode == 0xD0:  # ref.null heaptype
            reader.heap_type()
        elif opcode == 0xFD:  # v128.const
            reader.u32()
            reader.offset += 16
        elif opcode == 0xFB:  # GC prefix: struct.new etc. take an immediate or two
            sub = reader.u32()
            reader.u32()
            if sub in (0x08, 0x09, 0x0A, 0x0B):  # array.new_fixed/data/elem: two immediates
                reader.u32()
        elif opcode not in EXTENDED_CONSTANT_OPS:
            raise LoadError(f"unknown constant opcode 0x{opcode:02x}")


def buffer_memory_problem(declared: Declarations) -> Optional[str]:
    """Why arguments and results cannot go through memory 0, or None when they can.

    Buffers always use memory 0, the memory a guest's loads and stores address
    by default, never another exported memory (with multi-memory, the first
    memory *exported* need not be memory 0).
    """
    memory = declared.memory_zero
    if memory is None:
        return None
    reason = memory.unusable_for_buffers()
    if reason is not None:
        return f"the module's memory 0 {reason}; wasmcall passes buffers only through a plain 32-bit memory"
    if declared.memory_zero_import is None and declared.memory_zero_export is None:
        return "the module does not export its memory 0 (the memory its code reads and writes)"
    return None


def declarations_of(wasm: bytes, label: str) -> Declarations:
    """``read_declarations`` for a module an engine has accepted; a part this reader does not know
    (a type form newer than it) is a LoadError naming the module, never a crash."""
    try:
        return read_declarations(wasm)
    except LoadError as error:
        reason = error.message
        raise LoadError(f"{label}: wasmcall cannot read this module's imports and exports: {reason}") from None
