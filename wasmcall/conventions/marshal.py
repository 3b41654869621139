"""Fit the user's arguments to the export's parameters and copy buffers into the guest.

The export's signature decides the layout: a buffer fills two params
``(ptr, len)`` or, when only one is left for it, a single pointer to a
NUL-terminated copy (the C ``const char *`` shape). Arguments keep the
command line's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Optional

from msgspec import Struct

from wasmcall.arguments import ArgKind, BufferArg, FileArg, ScalarArg, TypedArgument, parse_argument
from wasmcall.conventions.allocators import Allocator, to_i32
from wasmcall.conventions.detect import searched_names
from wasmcall.conventions.results import PackedOrder
from wasmcall.engines.base import Instance, Signature, Value
from wasmcall.errors import ArgumentValueError, ConventionError, OutOfBoundsError, SignatureMismatchError


class BufferStyle(str, Enum):
    """How each buffer argument appears among the params."""

    PTR_LEN = "ptr-len"
    CSTR = "cstr"
    MANAGED = "managed"
    PACKED = "packed"
    """One i64 param per buffer, ``(ptr, len)`` packed in the order of ``PackedOrder``."""


class Written(Struct, frozen=True):
    """A buffer placed in guest memory: where, its byte length and what was allocated.

    ``placed`` buffers were put at an address given by hand (``--at``): the
    allocator never gave them out, so nothing ever frees them.
    """

    ptr: int
    length: int
    allocated: int
    placed: bool = False


def describe_arguments(arguments: Sequence[TypedArgument]) -> str:
    if not arguments:
        return "no arguments"
    return " ".join(f"--{a.kind.value} {a.text!r}" for a in arguments)


def type_plain_values(name: str, signature: Signature, texts: Sequence[str]) -> list[TypedArgument]:
    """Give plain positional values the types of the params they land on (numbers only)."""
    if len(texts) != len(signature.params):
        raise SignatureMismatchError(
            f"wrong number of values: export {name!r} is {signature}; given {len(texts)}"
        )
    scalar_types = {kind.value for kind in ArgKind if kind.is_scalar}
    arguments: list[TypedArgument] = []
    for index, (param, text) in enumerate(zip(signature.params, texts, strict=True)):
        if param not in scalar_types:
            raise SignatureMismatchError(f"param {index} of {name!r} is {param}, which has no plain form")
        arguments.append(parse_argument(ArgKind(param), text))
    return arguments


def params_needed(arguments: Sequence[TypedArgument]) -> int:
    """How many params the arguments fill when each buffer is a (ptr, len) pair."""
    return sum(1 if isinstance(a, ScalarArg) else 2 for a in arguments)


def plan_buffers(
    name: str, signature: Signature, arguments: Sequence[TypedArgument], reserved: int, managed: bool = False
) -> BufferStyle:
    """Decide the buffer style from param counts and check every param's type.

    ``reserved`` params at the front belong to the host (the out-pointer);
    ``managed`` buffers (AssemblyScript objects) take one param each.
    """
    available = len(signature.params) - reserved
    scalars = sum(isinstance(a, ScalarArg) for a in arguments)
    buffers = len(arguments) - scalars
    if managed:
        if scalars + buffers != available:
            raise mismatch(name, signature, arguments, reserved, "wrong number of arguments")
        style = BufferStyle.MANAGED
    elif scalars + 2 * buffers == available:
        style = BufferStyle.PTR_LEN
    elif buffers and scalars + buffers == available:
        style = BufferStyle.PACKED if buffers_face_i64(signature, arguments, reserved) else BufferStyle.CSTR
    else:
        raise mismatch(name, signature, arguments, reserved, "wrong number of arguments")
    index = reserved
    for argument in arguments:
        wanted: tuple[str, ...]
        if isinstance(argument, ScalarArg):
            wanted = (argument.kind.value,)
        else:
            wanted = {BufferStyle.PTR_LEN: ("i32", "i32"), BufferStyle.PACKED: ("i64",)}.get(style, ("i32",))
        actual = signature.params[index:index + len(wanted)]
        if actual != wanted:
            raise mismatch(
                name, signature, arguments, reserved,
                f"param {index} is {actual[0]}, but --{argument.kind.value} gives {wanted[0]}",
            )
        index += len(wanted)
    return style


def buffers_face_i64(signature: Signature, arguments: Sequence[TypedArgument], reserved: int) -> bool:
    """Whether every buffer, one param each, lands on an i64 (a packed ``(ptr, len)``)."""
    params = signature.params[reserved:]
    return all(param == "i64" for param, a in zip(params, arguments, strict=False) if not isinstance(a, ScalarArg))


def mismatch(
    name: str, signature: Signature, arguments: Sequence[TypedArgument], reserved: int, why: str
) -> SignatureMismatchError:
    host = " (the first is the host's out-pointer)" if reserved else ""
    return SignatureMismatchError(
        f"{why}: export {name!r} is {signature}{host}; given {describe_arguments(arguments)}"
        f"{out_pointer_hint(signature, arguments, reserved)}"
    )


def out_pointer_hint(signature: Signature, arguments: Sequence[TypedArgument], reserved: int) -> str:
    """One extra leading i32 and no results is the shape of a struct returned through an out-pointer."""
    extra = len(signature.params) - params_needed(arguments)
    if reserved or signature.results or extra != 1 or signature.params[:1] != ("i32",):
        return ""
    return " (the first param may be an out-pointer for a (ptr, len) result: add --ret out)"


def write_arguments(
    instance: Instance,
    allocator: Optional[Allocator],
    arguments: Sequence[TypedArgument],
    style: BufferStyle,
    placed: Sequence[Optional[int]] = (),
    order: PackedOrder = PackedOrder.PTR_HIGH,
) -> tuple[list[Value], list[Written]]:
    """Allocate (or use the ``placed`` address, per argument) and fill each buffer.

    Returns the call's params and what was written.
    """
    params: list[Value] = []
    written: list[Written] = []
    for index, argument in enumerate(arguments):
        if isinstance(argument, ScalarArg):
            params.append(argument.value)
            continue
        at = placed[index] if index < len(placed) else None
        if allocator is None and at is None:
            raise ConventionError(
                f"--{argument.kind.value} needs guest memory, but the module exports no "
                f"allocator (looked for {searched_names()}); name one with --alloc, or place it with --at"
            )
        terminator = 1 if style is BufferStyle.CSTR else 0
        allocated = argument.size + terminator
        if at is None:
            assert allocator is not None
            ptr = allocator.allocate(instance, allocated)
        else:
            ptr = place_buffer(instance, at, allocated, argument)
        fill_buffer(instance, ptr, argument)
        if terminator:
            instance.write(ptr + argument.size, b"\0")
        written.append(Written(ptr, argument.size, allocated, placed=at is not None))
        if style is BufferStyle.PACKED:
            params.append(packed(ptr, argument.size, order))
            continue
        params.append(to_i32(ptr))
        if style is BufferStyle.PTR_LEN:
            params.append(to_i32(argument.size))
    return params, written


def packed(ptr: int, length: int, order: PackedOrder) -> int:
    """``(ptr, len)`` as one signed i64, the pointer in the half ``order`` names."""
    high, low = (ptr, length) if order is PackedOrder.PTR_HIGH else (length, ptr)
    value = (high << 32) | low
    return value - 2**64 if value >= 2**63 else value


def place_buffer(instance: Instance, ptr: int, size: int, argument: BufferArg | FileArg) -> int:
    """The address ``--at`` gave, once it is known to hold the whole buffer."""
    if ptr + size > instance.memory_size():
        raise OutOfBoundsError(
            f"--at {argument.at}: {size} bytes at {ptr:#x} do not fit in guest memory "
            f"({instance.memory_size()} bytes)"
        )
    return ptr


def fill_buffer(instance: Instance, ptr: int, argument: BufferArg | FileArg) -> None:
    """Copy one argument into guest memory; a file is read straight into the guest buffer."""
    if isinstance(argument, BufferArg):
        instance.write(ptr, argument.data)
        return
    view = instance.view(ptr, argument.size, "file buffer")
    try:
        with open(argument.path, "rb", buffering=0) as stream:
            filled = 0
            while filled < argument.size:
                count = stream.readinto(view[filled:])
                if not count:
                    break
                filled += count
    except OSError as error:
        raise ArgumentValueError(f"--file {argument.text!r}: {error.strerror}") from None
    if filled != argument.size:
        raise ArgumentValueError(
            f"--file {argument.text!r}: file shrank while being read "
            f"({filled} of {argument.size} bytes)"
        )
