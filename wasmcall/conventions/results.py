"""Find a buffer result in guest memory, whichever way the guest hands it back.

Every decoder here turns raw wasm results into a ``(ptr, len)`` pair of
unsigned ints and lets ``Instance.view`` bounds-check it, so no pointer a guest
returns can make wasmcall read outside that guest's memory.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from enum import Enum
from typing import Optional

from msgspec import Struct

from wasmcall.conventions.allocators import unsigned32
from wasmcall.engines.base import Instance, Signature, Value
from wasmcall.errors import OutOfBoundsError, SignatureMismatchError, UsageError

CSTR_CHUNK = 64 * 1024


class ResultKind(str, Enum):
    """How the export returns its result (``--ret``)."""

    AUTO = "auto"
    VALUE = "value"
    PTR_LEN = "ptr-len"
    PACKED = "packed"
    OUT = "out"
    AREA = "area"
    CSTR = "cstr"
    PTR = "ptr"
    ARG = "arg"
    FROM = "from"


class PackedOrder(str, Enum):
    """Which half of a packed i64 holds the pointer (``--packed-order``)."""

    PTR_HIGH = "ptr-high"
    PTR_LOW = "ptr-low"


class ResultSpec(Struct, frozen=True):
    """The user's description of the result; ``length`` is for ``--ret ptr`` (and ``from``).

    ``argument`` is K of ``--ret arg:K`` (read argument K's buffer back);
    ``source`` is NAME of ``--ret from:NAME`` (the export or global giving the pointer).
    """

    kind: ResultKind = ResultKind.AUTO
    length: Optional[int] = None
    packed_order: PackedOrder = PackedOrder.PTR_HIGH
    argument: Optional[int] = None
    source: Optional[str] = None


KIND_SPELLINGS = (*(kind.value for kind in ResultKind if kind not in (ResultKind.ARG, ResultKind.FROM)),
                  "arg:K", "from:NAME")


def parse_result_kind(text: str) -> tuple[ResultKind, Optional[int], Optional[str]]:
    """``--ret``: a kind, ``arg:K`` (argument K, counting from 0) or ``from:NAME``."""
    name, colon, detail = text.partition(":")
    if colon and name == ResultKind.ARG.value and detail.isdigit():
        return ResultKind.ARG, int(detail), None
    if colon and name == ResultKind.FROM.value and detail:
        return ResultKind.FROM, None, detail
    if not colon and text not in (ResultKind.ARG.value, ResultKind.FROM.value):
        try:
            return ResultKind(text), None, None
        except ValueError:
            pass
    choices = ", ".join(f"'{spelling}'" for spelling in KIND_SPELLINGS)
    raise UsageError(f"Invalid value for '--ret': {text!r} is not one of {choices}.")


class Location(Struct, frozen=True):
    """Where a result's bytes are, and how many bytes the guest allocated for it."""

    ptr: int
    length: int
    allocated: int


REQUIRED_RESULTS = {
    ResultKind.PTR_LEN: ("i32", "i32"),
    ResultKind.PACKED: ("i64",),
    ResultKind.OUT: (),
    ResultKind.AREA: ("i32",),
    ResultKind.CSTR: ("i32",),
    ResultKind.PTR: ("i32",),
}
INTEGER_RESULTS = (("i32",), ("i64",))


def resolve_kind(spec: ResultSpec, signature: Signature, has_post_return: bool) -> ResultKind:
    """Settle ``auto`` from the signature, and check an explicit kind fits it."""
    if spec.kind is ResultKind.AUTO:
        if signature.results == ("i32", "i32"):
            return ResultKind.PTR_LEN
        if has_post_return and signature.results == ("i32",):
            return ResultKind.AREA
        return ResultKind.VALUE
    if spec.kind is ResultKind.ARG and signature.results not in ((), *INTEGER_RESULTS):
        raise SignatureMismatchError(
            f"--ret arg:{spec.argument} needs an export returning nothing or the byte count it wrote, "
            f"but it is {signature}"
        )
    if spec.kind is ResultKind.FROM and signature.results not in INTEGER_RESULTS and spec.length is None:
        raise SignatureMismatchError(
            f"--ret from:{spec.source} takes the result's length from the export's one integer result, "
            f"but it is {signature}; give the length with --ret-len N"
        )
    required = REQUIRED_RESULTS.get(spec.kind)
    if required is not None and signature.results != required:
        shape = f"({', '.join(required)})" if required else "no results"
        raise SignatureMismatchError(
            f"--ret {spec.kind.value} needs an export returning {shape}, "
            f"but it is {signature}"
        )
    return spec.kind


def locate_result(
    kind: ResultKind,
    spec: ResultSpec,
    values: Sequence[Value],
    instance: Instance,
    out_ptr: Optional[int],
) -> Optional[Location]:
    """Turn the export's raw results into a bounds-checked location, or None for ``value``."""
    if kind is ResultKind.VALUE:
        return None
    if kind is ResultKind.PTR_LEN:
        return sized(unsigned32(values[0]), unsigned32(values[1]), instance)
    if kind is ResultKind.PACKED:
        packed = int(values[0]) & 0xFFFFFFFFFFFFFFFF
        high, low = packed >> 32, packed & 0xFFFFFFFF
        if spec.packed_order is PackedOrder.PTR_HIGH:
            return sized(high, low, instance)
        return sized(low, high, instance)
    if kind in (ResultKind.OUT, ResultKind.AREA):
        pair_at = out_ptr if kind is ResultKind.OUT else unsigned32(values[0])
        assert pair_at is not None
        ptr, length = struct.unpack("<II", instance.read(pair_at, 8, "result pair"))
        return sized(ptr, length, instance)
    if kind is ResultKind.CSTR:
        ptr = unsigned32(values[0])
        length = find_nul(instance, ptr)
        return Location(ptr, length, length + 1)
    assert spec.length is not None
    return sized(unsigned32(values[0]), spec.length, instance)


def sized(ptr: int, length: int, instance: Instance) -> Location:
    instance.view(ptr, length, "result")
    return Location(ptr, length, length)


def find_nul(instance: Instance, ptr: int) -> int:
    """Length of the NUL-terminated string at ``ptr``, scanning in chunks up to memory's end."""
    size = instance.memory_size()
    instance.view(ptr, 0, "string result")
    offset = ptr
    while offset < size:
        chunk = bytes(instance.view(offset, min(CSTR_CHUNK, size - offset)))
        found = chunk.find(b"\0")
        if found >= 0:
            return offset + found - ptr
        offset += len(chunk)
    raise OutOfBoundsError(
        f"string result at {ptr:#x} has no NUL terminator before the end of memory ({size} bytes)"
    )
