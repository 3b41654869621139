"""Looking at guest memory by hand: addresses given as numbers or global names, and hexdumps.

The REPL's ``:mem`` and ``call --dump`` both show bytes at guest addresses,
so the dump is labelled with the guest address of each row (not an offset
from zero) and an address may name an exported i32 global, the way C and
Rust guests publish the location of a static buffer.
"""

from __future__ import annotations

from collections.abc import Sequence

from wasmcall.engines.base import GlobalValue
from wasmcall.errors import UsageError

ROW_WIDTH = 16
ADDRESS_LIMIT = 2**32


def resolve_address(text: str, globals_now: Sequence[GlobalValue], what: str) -> int:
    """A guest address: a decimal or 0x number, or the value of an exported i32 global."""
    try:
        address = int(text, 0)
    except ValueError:
        address = global_address(text, globals_now, what)
    if not 0 <= address < ADDRESS_LIMIT:
        raise UsageError(f"{what} {text!r}: an address is a 32-bit unsigned number")
    return address


def global_address(name: str, globals_now: Sequence[GlobalValue], what: str) -> int:
    """The address an exported i32 global holds, or a usage error naming the globals there are."""
    for item in globals_now:
        if item.name == name:
            if item.valtype != "i32" or not isinstance(item.value, int):
                raise UsageError(f"{what} {name!r}: the global is {item.valtype}, not an i32 address")
            return item.value & 0xFFFFFFFF
    names = ", ".join(item.name for item in globals_now if item.valtype == "i32") or "none"
    raise UsageError(f"{what} {name!r}: not a number nor an exported i32 global (i32 globals: {names})")


def hexdump_lines(data: bytes, address: int) -> list[str]:
    """``address  hex bytes  |ascii|`` rows of 16 bytes, labelled with guest addresses."""
    width = ROW_WIDTH * 3 - 1
    lines = []
    for start in range(0, len(data), ROW_WIDTH):
        chunk = data[start:start + ROW_WIDTH]
        hex_part = " ".join(f"{byte:02x}" for byte in chunk)
        text = "".join(chr(byte) if 0x20 <= byte < 0x7F else "." for byte in chunk)
        lines.append(f"{address + start:08x}  {hex_part:<{width}}  |{text}|")
    return lines


def describe_global(item: GlobalValue) -> str:
    """``name  i32 mut  1024 (0x400)``: integers also in hex, since they are often addresses."""
    shown = str(item.value)
    if isinstance(item.value, int) and not isinstance(item.value, bool):
        bits = 64 if item.valtype == "i64" else 32
        shown = f"{item.value} ({item.value & (2**bits - 1):#x})"
    return f"{item.valtype}{' mut' if item.mutable else ''}  {shown}"
