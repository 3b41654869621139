"""Read the few parts of the wasm binary format that wasmcall needs before an engine does.

One bounds-checked LEB128 reader and one section walker, shared by the
module reader (is there a start section?) and the wasmer memory cap (rewrite
the memory section). Both see modules nobody has vetted, so every read is
checked against the end of the data and fails with a LoadError, never an
IndexError.
"""

from __future__ import annotations

from collections.abc import Iterator

from msgspec import Struct

from wasmcall.errors import LoadError

WASM_MAGIC = b"\0asm"
HEADER_SIZE = 8
START_SECTION = 8
MEMORY_SECTION = 5
EXPORT_SECTION = 7
EXPORT_KINDS = ("func", "table", "memory", "global", "tag")
# A u32 takes at most 5 LEB128 bytes (a u64 10); anything longer is malformed,
# and the cap keeps a run of 0x80 bytes from building an enormous integer.


class Section(Struct, frozen=True):
    """One section: its id and where its body lies in the module's bytes."""

    id: int
    start: int
    end: int


def read_u32(data: bytes, offset: int) -> tuple[int, int]:
    """An unsigned LEB128 u32 at ``offset`` and the offset after it; LoadError if malformed."""
    return read_leb(data, offset, 32)


def read_leb(data: bytes, offset: int, bits: int) -> tuple[int, int]:
    """An unsigned LEB128 number of at most ``bits`` bits (u32, u64 limits) and the offset after it."""
    value = shift = 0
    for index in range(-(-bits // 7)):
        if offset + index >= len(data):
            raise LoadError(f"malformed module: number at byte {offset} runs past the end")
        byte = data[offset + index]
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            if value >= 2**bits:
                break
            return value, offset + index + 1
    raise LoadError(f"malformed module: number at byte {offset} is not a valid u{bits}")


def write_u32(value: int) -> bytes:
    """``value`` as unsigned LEB128."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if not value:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def sections(wasm: bytes) -> Iterator[Section]:
    """Every section of a binary module, in order; LoadError if one runs past the end."""
    offset = HEADER_SIZE
    while offset < len(wasm):
        section_id = wasm[offset]
        size, start = read_u32(wasm, offset + 1)
        end = start + size
        if end > len(wasm):
            raise LoadError(f"malformed module: section {section_id} at byte {offset} runs past the end")
        yield Section(section_id, start, end)
        offset = end


def has_start_section(wasm: bytes) -> bool:
    """Whether the module declares a start function (section 8), which runs at instantiation."""
    return any(section.id == START_SECTION for section in sections(wasm))


def read_name(data: bytes, offset: int) -> tuple[str, int]:
    """A length-prefixed UTF-8 name at ``offset`` and the offset after it; LoadError if malformed."""
    length, start = read_u32(data, offset)
    if start + length > len(data):
        raise LoadError(f"malformed module: name at byte {offset} runs past the end")
    return data[start:start + length].decode("utf-8", errors="replace"), start + length


def export_names(wasm: bytes) -> list[tuple[str, str]]:
    """(name, kind) of every export, read from the export section alone.

    For shell completion, which must neither compile nor run the module; the
    export section comes before the code, so a module cut short after it
    still answers.
    """
    found: list[tuple[str, str]] = []
    try:
        section = next(s for s in sections(wasm) if s.id == EXPORT_SECTION)
    except (StopIteration, LoadError):
        return found
    count, offset = read_u32(wasm, section.start)
    for _ in range(count):
        name, offset = read_name(wasm, offset)
        if offset >= section.end:
            raise LoadError("malformed module: the export section runs past its end")
        kind = wasm[offset]
        _, offset = read_u32(wasm, offset + 1)
        found.append((name, EXPORT_KINDS[kind] if kind < len(EXPORT_KINDS) else f"kind {kind}"))
    return found
