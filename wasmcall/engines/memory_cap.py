"""Cap a module's memory by rewriting the maximum in its memory section.

wasmer's Python API has no memory limit, but every engine honours a memory's
declared maximum: lowering it makes ``memory.grow`` past the cap return -1
inside the guest, exactly as the spec says and exactly as wasmtime's store
limit behaves. Only the memory section is touched; every other byte is kept.
"""

from __future__ import annotations

from wasmcall.engines.base import WASM_PAGE
from wasmcall.engines.traps import format_size
from wasmcall.errors import LimitExceededError, UsageError

MEMORY_SECTION = 5
HEADER_SIZE = 8
NO_MAXIMUM = 0x00
HAS_MAXIMUM = 0x01


def read_leb128(data: bytes, offset: int) -> tuple[int, int]:
    """An unsigned LEB128 number and the offset after it."""
    value = shift = 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, offset


def write_leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def cap_memory(wasm: bytes, max_memory: int) -> bytes:
    """Return ``wasm`` with every defined memory's maximum lowered to ``max_memory`` bytes."""
    cap = max_memory // WASM_PAGE
    out = bytearray(wasm[:HEADER_SIZE])
    offset = HEADER_SIZE
    while offset < len(wasm):
        section_id = wasm[offset]
        size, body_start = read_leb128(wasm, offset + 1)
        body_end = body_start + size
        body = wasm[body_start:body_end]
        if section_id == MEMORY_SECTION:
            body = cap_memory_section(body, cap, max_memory)
        out.append(section_id)
        out += write_leb128(len(body))
        out += body
        offset = body_end
    return bytes(out)


def cap_memory_section(body: bytes, cap: int, max_memory: int) -> bytes:
    count, offset = read_leb128(body, 0)
    out = bytearray(write_leb128(count))
    for _ in range(count):
        flags = body[offset]
        if flags not in (NO_MAXIMUM, HAS_MAXIMUM):
            raise UsageError(
                "--max-memory on wasmer supports only plain 32-bit memories (not shared or 64-bit)"
            )
        minimum, offset = read_leb128(body, offset + 1)
        maximum = None
        if flags == HAS_MAXIMUM:
            maximum, offset = read_leb128(body, offset)
        if minimum > cap:
            raise LimitExceededError(
                f"memory limit {format_size(max_memory)} exceeded: the module's memory starts at "
                f"{minimum} pages ({format_size(minimum * WASM_PAGE)})"
            )
        out.append(HAS_MAXIMUM)
        out += write_leb128(minimum)
        out += write_leb128(cap if maximum is None else min(maximum, cap))
    return bytes(out + body[offset:])
