"""The argument value grammar: turn ``--bytes 1,2,3`` or ``--i64 -5`` into typed values.

Everything is range-checked here because the engines would silently wrap an
out-of-range integer (wasmtime turns ``2**40 + 5`` into ``5``) and turn an
oversized f32 into ``inf``. Nothing in this module knows about runtimes.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
import stat
import struct
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Optional, Union

from msgspec import Struct
from msgspec.structs import replace

from wasmcall.errors import ArgumentValueError
from wasmcall.inputs import InputError, read_standard_input
from wasmcall.inputs import read_stream as read_bounded_stream
from wasmcall.values import F32_PAYLOAD, F64_PAYLOAD, f32_from_bits, f64_from_bits


class ArgKind(str, Enum):
    """The argument options, named as on the command line (``--bytes`` is BYTES)."""

    BYTES = "bytes"
    STR = "str"
    HEX = "hex"
    B64 = "b64"
    FILE = "file"
    I32 = "i32"
    I64 = "i64"
    F32 = "f32"
    F64 = "f64"
    OUT = "out"
    AT = "at"
    """Not an argument: ``--at ADDR`` places the next buffer argument (see ``place_buffers``)."""

    @property
    def is_scalar(self) -> bool:
        return self in SCALAR_KINDS


OUT_LIMIT = 2**32
SCALAR_KINDS = frozenset({ArgKind.I32, ArgKind.I64, ArgKind.F32, ArgKind.F64})

INT_RANGES = {
    ArgKind.I32: (-(2**31), 2**32 - 1),
    ArgKind.I64: (-(2**63), 2**64 - 1),
}
F32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]


class ScalarArg(Struct, frozen=True):
    """A number for one wasm parameter; ints are already in signed two's complement."""

    kind: ArgKind
    value: Union[int, float]
    text: str


class BufferArg(Struct, frozen=True):
    """Bytes to copy into guest memory (from --bytes, --str, --hex, --b64, --out or stdin).

    ``at`` is where ``--at`` placed it (a number or an export's name, resolved
    at call time), instead of memory from the guest's allocator.
    """

    kind: ArgKind
    data: bytes
    text: str
    at: Optional[str] = None

    @property
    def size(self) -> int:
        return len(self.data)


class FileArg(Struct, frozen=True):
    """A regular file, read straight into guest memory at call time.

    Only the size is taken now, so that a large file is never held in a Python
    buffer as well as in the guest.
    """

    kind: ArgKind
    path: Path
    size: int
    text: str
    at: Optional[str] = None


class PlainValue(Struct, frozen=True):
    """A positional value (``add 2 40``) whose type comes from the export's signature.

    It cannot be parsed until the module is compiled, so it travels as text and
    is parsed by ``parse_argument`` once the param it lands on is known: the
    same grammar, the same errors as ``--i32`` and friends.
    """

    text: str


TypedArgument = Union[ScalarArg, BufferArg, FileArg]
Argument = Union[TypedArgument, PlainValue]


def parse_argument(
    kind: ArgKind, text: str, stdin: bytes | None = None, wait: Optional[float] = None
) -> TypedArgument:
    """Parse one command-line value; raise ArgumentValueError naming it if it is bad.

    ``stdin`` is the already-read standard input, used for ``--file -``;
    ``wait`` bounds how long a FIFO or pipe given as ``--file`` may take.
    """
    if kind in INT_RANGES:
        return ScalarArg(kind, parse_int(kind, text), text)
    if kind in (ArgKind.F32, ArgKind.F64):
        return ScalarArg(kind, parse_float(kind, text), text)
    if kind is ArgKind.FILE:
        if text == "-":
            return BufferArg(kind, stdin if stdin is not None else b"", text)
        info = stat_readable_file(text)
        if stat.S_ISREG(info.st_mode):
            return FileArg(kind, Path(text), info.st_size, text)
        return BufferArg(kind, read_stream(text, wait), text)
    if kind is ArgKind.OUT:
        return BufferArg(kind, bytes(parse_out_size(text)), text)
    if kind is ArgKind.AT:
        raise ArgumentValueError(f"--at {text!r} places the next buffer argument; it is not a value itself")
    return BufferArg(kind, BUFFER_PARSERS[kind](text), text)


def parse_out_size(text: str) -> int:
    """``--out N``: N zero bytes for the guest to write into; N fits a wasm32 memory."""
    try:
        size = int(text.strip(), 0)
    except ValueError:
        raise ArgumentValueError(f"--out {text!r}: not a byte count") from None
    if not 0 <= size < OUT_LIMIT:
        raise ArgumentValueError(f"--out {text!r}: out of range 0..{OUT_LIMIT - 1}")
    return size


def place_buffers(arguments: Sequence[Union[TypedArgument, tuple[ArgKind, str]]]) -> list[TypedArgument]:
    """Apply each ``(ArgKind.AT, ADDR)`` marker to the next buffer argument, in command-line order."""
    placed: list[TypedArgument] = []
    pending: Optional[str] = None
    for item in arguments:
        if isinstance(item, tuple):
            if pending is not None:
                raise ArgumentValueError(f"--at {pending!r} is followed by another --at, not by a buffer")
            pending = item[1]
        elif pending is not None and not isinstance(item, ScalarArg):
            placed.append(replace(item, at=pending))
            pending = None
        else:
            placed.append(item)
    if pending is not None:
        raise ArgumentValueError(f"--at {pending!r} must come before a buffer argument (--str, --out, ...)")
    return placed


def parse_int(kind: ArgKind, text: str) -> int:
    """Parse a decimal, ``0x``, ``0o`` or ``0b`` integer and fold it into the signed range.

    Both signed (``-1``) and unsigned (``0xFFFFFFFF``) spellings of a bit pattern
    are accepted, because guests use wasm's sign-less integers both ways.
    """
    try:
        value = int(text.strip(), 0)
    except ValueError:
        raise ArgumentValueError(f"--{kind.value} {text!r}: not an integer") from None
    low, high = INT_RANGES[kind]
    if not low <= value <= high:
        raise ArgumentValueError(
            f"--{kind.value} {text!r}: out of range {low}..{high}"
        )
    bits = 32 if kind is ArgKind.I32 else 64
    return value - 2**bits if value >= 2 ** (bits - 1) else value


def parse_float(kind: ArgKind, text: str) -> float:
    """Parse a float (``1.5``, ``-0.0``, ``nan``, ``-nan``, ``nan:0x200000``, ``inf``, ``1e9``, ``0x1.8p3``).

    A finite value too large for f32 is an error rather than the ``inf`` the
    engines would silently produce. NaN payloads use the WebAssembly text
    format's spelling and give the exact bits (values.py explains how an f32 is held).
    """
    cleaned = text.strip()
    nan = NAN_SPELLING.fullmatch(cleaned)
    if nan is not None:
        return parse_nan(kind, text, nan)
    try:
        is_hex = cleaned.lower().lstrip("+-").startswith("0x")
        value = float.fromhex(cleaned) if is_hex else float(cleaned)
    except OverflowError:
        raise ArgumentValueError(f"--{kind.value} {text!r}: out of range") from None
    except ValueError:
        raise ArgumentValueError(f"--{kind.value} {text!r}: not a number") from None
    if kind is ArgKind.F32 and not fits_f32(value):
        raise ArgumentValueError(
            f"--f32 {text!r}: out of range (largest f32 is {F32_MAX:.9g})"
        )
    if math.isinf(value) and "inf" not in cleaned.lower():
        raise ArgumentValueError(f"--{kind.value} {text!r}: out of range")
    return value


NAN_SPELLING = re.compile(r"([+-]?)nan(?::0x([0-9a-f_]+))?", re.IGNORECASE)


def parse_nan(kind: ArgKind, text: str, spelling: re.Match[str]) -> float:
    """``nan``, ``-nan``, ``nan:0x1``: the sign and payload bits of a NaN, exactly."""
    wide = kind is ArgKind.F64
    largest = F64_PAYLOAD if wide else F32_PAYLOAD
    payload_text = spelling.group(2)
    payload = int(payload_text.replace("_", ""), 16) if payload_text else largest // 2 + 1
    if not 0 < payload <= largest:
        raise ArgumentValueError(
            f"--{kind.value} {text!r}: a NaN payload is 0x1..{largest:#x}"
        )
    negative = spelling.group(1) == "-"
    if wide:
        return f64_from_bits(negative << 63 | 0x7FF << 52 | payload)
    return f32_from_bits(negative << 31 | 0xFF << 23 | payload)


def fits_f32(value: float) -> bool:
    """True when ``value`` rounds to a finite f32 (or is already inf or nan)."""
    try:
        struct.pack("<f", value)
    except OverflowError:
        return False
    return True


def parse_byte_list(text: str) -> bytes:
    """Parse ``1,2,0xff``: comma-separated bytes, decimal or hex, 0-255 each."""
    if not text.strip():
        return b""
    values = []
    for position, item in enumerate(text.split(","), start=1):
        try:
            value = int(item.strip(), 0)
        except ValueError:
            raise ArgumentValueError(
                f"--bytes {text!r}: item {position} ({item.strip()!r}) is not a number"
            ) from None
        if not 0 <= value <= 255:
            raise ArgumentValueError(
                f"--bytes {text!r}: item {position} ({value}) is out of range 0..255"
            )
        values.append(value)
    return bytes(values)


def parse_hex(text: str, option: str = "--hex") -> bytes:
    """Parse ``DEADBEEF`` (optionally ``0x``-prefixed, spaces allowed between bytes)."""
    digits = text.strip()
    if digits[:2].lower() == "0x":
        digits = digits[2:]
    try:
        return bytes.fromhex(digits)
    except ValueError:
        reason = "odd number of hex digits" if len(digits.replace(" ", "")) % 2 else "not hex"
        raise ArgumentValueError(f"{option} {text!r}: {reason}") from None


def parse_base64(text: str) -> bytes:
    """Parse standard or URL-safe base64; padding is required, garbage is an error."""
    try:
        return base64.b64decode(text.strip().replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ArgumentValueError(f"--b64 {text!r}: not valid base64") from None


def parse_utf8(text: str) -> bytes:
    """Encode --str text as UTF-8, rejecting lone surrogates the shell may pass through."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ArgumentValueError(f"--str {text!r}: not valid UTF-8") from None


def stat_readable_file(text: str) -> os.stat_result:
    """Stat a readable file, or raise ArgumentValueError saying why it cannot be used."""
    try:
        info = os.stat(text)
    except FileNotFoundError:
        raise ArgumentValueError(f"--file {text!r}: no such file") from None
    except OSError as error:
        raise ArgumentValueError(f"--file {text!r}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ArgumentValueError(f"--file {text!r}: is a directory")
    if not os.access(text, os.R_OK):
        raise ArgumentValueError(f"--file {text!r}: permission denied")
    return info


def read_stream(text: str, wait: Optional[float] = None) -> bytes:
    """Read a pipe or device (``<(cmd)``, a FIFO), whose size is unknown up front.

    Bounded in time and size (inputs.py), so a FIFO nobody writes or
    ``/dev/zero`` is an error, not a hang or an out-of-memory.
    """
    try:
        return read_bounded_stream(text, wait)
    except InputError as error:
        raise ArgumentValueError(f"--file {text!r}: {error}") from None


def read_stdin(wait: Optional[float] = None) -> bytes:
    """Standard input for ``--file -``: refused when closed or a terminal, bounded when a pipe."""
    try:
        return read_standard_input(wait)
    except InputError as error:
        raise ArgumentValueError(f"--file -: {error}") from None


BUFFER_PARSERS = {
    ArgKind.BYTES: parse_byte_list,
    ArgKind.STR: parse_utf8,
    ArgKind.HEX: parse_hex,
    ArgKind.B64: parse_base64,
}
