"""Cap a module's memory by rewriting the maximum in its memory section.

wasmer's Python API has no memory limit, but every engine honours a memory's
declared maximum: lowering it makes ``memory.grow`` past the cap return -1
inside the guest, exactly as the spec says and exactly as wasmtime's store
limit behaves. Only the memory section is touched; every other byte is kept.
"""

from __future__ import annotations

from wasmcall.binary import HEADER_SIZE, MEMORY_SECTION, read_u32, sections, write_u32
from wasmcall.engines.base import WASM_PAGE
from wasmcall.engines.traps import format_size
from wasmcall.errors import LimitExceededError, LoadError, UsageError

NO_MAXIMUM = 0x00
HAS_MAXIMUM = 0x01
# A 32-bit memory can declare at most 65536 pages (4 GiB); a larger cap means "no cap".
MEMORY32_MAX_PAGES = 65536


def cap_memory(wasm: bytes, max_memory: int) -> bytes:
    """Return ``wasm`` with every defined memory's maximum lowered to ``max_memory`` bytes.

    A malformed module is a LoadError (the engine would reject it anyway).
    """
    cap = min(max_memory // WASM_PAGE, MEMORY32_MAX_PAGES)
    out = bytearray(wasm[:HEADER_SIZE])
    for section in sections(wasm):
        body = wasm[section.start:section.end]
        if section.id == MEMORY_SECTION:
            body = cap_memory_section(body, cap, max_memory)
        out.append(section.id)
        out += write_u32(len(body))
        out += body
    return bytes(out)


def cap_memory_section(body: bytes, cap: int, max_memory: int) -> bytes:
    count, offset = read_u32(body, 0)
    out = bytearray(write_u32(count))
    for _ in range(count):
        if offset >= len(body):
            raise LoadError("malformed module: the memory section ends early")
        flags = body[offset]
        if flags not in (NO_MAXIMUM, HAS_MAXIMUM):
            raise UsageError(
                "--max-memory on wasmer supports only plain 32-bit memories (not shared or 64-bit)"
            )
        minimum, offset = read_u32(body, offset + 1)
        maximum = None
        if flags == HAS_MAXIMUM:
            maximum, offset = read_u32(body, offset)
        if minimum > cap:
            raise LimitExceededError(
                f"memory limit {format_size(max_memory)} exceeded: the module's memory starts at "
                f"{minimum} pages ({format_size(minimum * WASM_PAGE)})"
            )
        out.append(HAS_MAXIMUM)
        out += write_u32(minimum)
        out += write_u32(cap if maximum is None else min(maximum, cap))
    return bytes(out + body[offset:])
