"""Cap a module's memory by rewriting the maximum in its memory section.

wasmer's Python API has no memory limit, but every engine honours a memory's
declared maximum: lowering it makes ``memory.grow`` past the cap return -1
inside the guest, exactly as the spec says and exactly as wasmtime's store
limit behaves. Only the memory section is touched; every other byte is kept.
"""

from __future__ import annotations

from typing import Optional

from wasmcall.binary import HEADER_SIZE, MEMORY_SECTION, read_u32, sections, write_u32
from wasmcall.declarations import Declarations
from wasmcall.engines.base import WASM_PAGE, ImportInfo, Limits, MemoryLimits
from wasmcall.engines.traps import format_size
from wasmcall.errors import LimitExceededError, LoadError, UsageError

EXPORT_SECTION = 7
WASI_MEMORY_EXPORT = "memory"
MEMORY_KIND = 0x02
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


def capped_limits(item: ImportInfo, max_memory: Optional[int]) -> MemoryLimits:
    """An imported memory's limits for the host to create it with, its maximum lowered to the cap.

    A lower maximum still satisfies the import (a memory may always promise
    less growth than the module allows), and it is how wasmer, which has no
    store limit, keeps ``memory.grow`` and ``emscripten_resize_heap`` under it.
    """
    memory = item.memory
    assert memory is not None
    if max_memory is None:
        return memory
    cap = min(max_memory // WASM_PAGE, MEMORY32_MAX_PAGES)
    if memory.minimum > cap:
        raise memory_creation_error(item, Limits(max_memory=max_memory), "over the memory limit")
    maximum = cap if memory.maximum is None else min(memory.maximum, cap)
    return MemoryLimits(memory.minimum, maximum, memory.shared, memory.index64)


def memory_creation_error(item: ImportInfo, limits: Limits, reason: str) -> Exception:
    """The error for an imported memory the engine refused to create: over the cap, or a load error."""
    assert item.memory is not None
    if limits.max_memory is not None and item.memory.minimum * WASM_PAGE > limits.max_memory:
        return LimitExceededError(
            f"memory limit {format_size(limits.max_memory)} exceeded: the imported memory "
            f"{item.module}.{item.name} starts at {item.memory.minimum} pages "
            f"({format_size(item.memory.minimum * WASM_PAGE)})"
        )
    return LoadError(f"could not create the imported memory {item.module}.{item.name}: {reason}")


def export_memory_zero(wasm: bytes, name: str) -> bytes:
    """Return ``wasm`` with memory 0 also exported as ``name`` (added to its export section).

    wasmer's WASI finds the guest's memory only through an export called
    "memory"; a module that imports its memory (Emscripten's
    ``-sIMPORTED_MEMORY``) exports none, and its first WASI call fails. A module
    without an export section is returned unchanged.
    """
    out = bytearray(wasm[:HEADER_SIZE])
    for section in sections(wasm):
        body = wasm[section.start:section.end]
        if section.id == EXPORT_SECTION:
            count, offset = read_u32(body, 0)
            encoded = name.encode("utf-8")
            entry = write_u32(len(encoded)) + encoded + bytes([MEMORY_KIND, 0])
            body = write_u32(count + 1) + body[offset:] + entry
        out.append(section.id)
        out += write_u32(len(body))
        out += body
    return bytes(out)


def needs_memory_export(declared: Declarations) -> bool:
    """A WASI module whose memory 0 is imported and not exported as "memory" (where both engines' WASI looks)."""
    wasi = any(item.module.startswith("wasi_") for item in declared.imports)
    exported = any(e.kind == "memory" and e.name == WASI_MEMORY_EXPORT for e in declared.exports)
    return wasi and declared.memory_zero_import is not None and not exported
