"""Guest addresses given by hand, and hexdumps of what is there.

The REPL's ``:mem``, ``--at``, ``--dump`` and ``--ret from:`` all take an
address: a number, or the name of an export that knows it — an exported i32
global (how C and Rust guests publish a static buffer) or a zero-argument
function returning it (hash-wasm's ``Hash_GetBuffer()``). Dumps are labelled
with the guest address of each row, not an offset from zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from msgspec import Struct

from wasmcall.engines.base import CompiledModule, GlobalValue, Instance
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


class Address(Struct, frozen=True):
    """An address as the user gave it, checked against the module; resolved when the call runs."""

    text: str
    number: Optional[int] = None
    function: bool = False

    def resolve(self, instance: Instance, what: str) -> int:
        """The address now: the number, the function's result, or the global's current value."""
        if self.number is not None:
            return self.number
        if self.function:
            (value,) = instance.call(self.text, [])
            return int(value) & 0xFFFFFFFF
        return global_address(self.text, instance.globals(), what)


def plan_address(compiled: CompiledModule, text: str, what: str) -> Address:
    """Check an address before the guest runs: a number, an exported global, or a () -> i32 export."""
    try:
        number = int(text, 0)
    except ValueError:
        number = None
    if number is not None:
        if not 0 <= number < ADDRESS_LIMIT:
            raise UsageError(f"{what} {text!r}: an address is a 32-bit unsigned number")
        return Address(text, number)
    export = next((e for e in compiled.exports if e.name == text), None)
    if export is not None and export.kind == "global":
        return Address(text)
    if export is not None and export.signature is not None and str(export.signature) == "() -> i32":
        return Address(text, function=True)
    raise UsageError(
        f"{what} {text!r}: not a number, an exported i32 global or an export () -> i32 returning an address"
    )


def parse_dump(text: str) -> tuple[str, int]:
    """``--dump ADDR:LEN``: the address as given (resolved later) and a byte count."""
    address, colon, length = text.rpartition(":")
    try:
        count = int(length, 0) if colon and address else -1
    except ValueError:
        count = -1
    if count < 0:
        raise UsageError(f"--dump {text!r}: expected ADDR:LEN (a number or export name, a byte count)")
    return address, count


