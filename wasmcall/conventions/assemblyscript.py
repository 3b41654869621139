"""AssemblyScript's managed objects: strings in UTF-16LE, bytes as ArrayBuffers.

An AssemblyScript export takes one pointer per string or buffer, to an object
the host made with ``__new(byte_length, class_id)`` and ``__pin``-ned so the
garbage collector leaves it alone; the host ``__unpin``-s it afterwards and
never frees it. The object's class id is the u32 at ``ptr - 8`` and its byte
length the u32 at ``ptr - 4``. Runtime exports exist only in modules built
with ``--exportRuntime`` (or ``--bindings``).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

from wasmcall.arguments import ArgKind, BufferArg, FileArg, ScalarArg, TypedArgument
from wasmcall.conventions.allocators import to_i32, unsigned32
from wasmcall.conventions.marshal import fill_buffer
from wasmcall.engines.base import Instance, Value, check_range
from wasmcall.errors import GuestError
from wasmcall.records import ResultBytes

ARRAY_BUFFER_ID = 1
STRING_ID = 2
HEADER_SIZE = 20
OBJECT_ALIGN = 16
RUNTIME_EXPORTS = ("__new", "__pin", "__unpin")


@dataclass
class ManagedObjects:
    """The objects made for one call, pinned until ``release``."""

    pinned: list[int] = field(default_factory=list)

    def write(self, instance: Instance, arguments: Sequence[TypedArgument]) -> list[Value]:
        """One param per argument: numbers as they are, buffers as pinned managed objects."""
        params: list[Value] = []
        for argument in arguments:
            if isinstance(argument, ScalarArg):
                params.append(argument.value)
            else:
                params.append(to_i32(self.make_object(instance, argument)))
        return params

    def make_object(self, instance: Instance, argument: BufferArg | FileArg) -> int:
        if argument.kind is ArgKind.STR and isinstance(argument, BufferArg):
            data = argument.data.decode("utf-8").encode("utf-16-le")
            ptr = self.new(instance, len(data), STRING_ID)
            instance.write(ptr, data)
            return ptr
        ptr = self.new(instance, argument.size, ARRAY_BUFFER_ID)
        fill_buffer(instance, ptr, argument)
        return ptr

    def new(self, instance: Instance, size: int, class_id: int) -> int:
        ptr = unsigned32(instance.call("__new", [to_i32(size), class_id])[0])
        if ptr == 0:
            raise GuestError(f"__new({size}, {class_id}) returned a null pointer (out of memory?)")
        check_range(ptr, size, instance.memory_size(), f"__new({size}, {class_id}) result")
        instance.call("__pin", [to_i32(ptr)])
        self.pinned.append(ptr)
        return ptr

    def release(self, instance: Instance) -> None:
        for ptr in self.pinned:
            instance.call("__unpin", [to_i32(ptr)])
        self.pinned.clear()


def object_header(instance: Instance, ptr: int) -> Optional[tuple[int, int]]:
    """``(class_id, byte_length)`` if ``ptr`` looks like a live managed object, else None.

    An i32 result may be a number or an object pointer; the signature cannot
    tell. Objects are 16-byte aligned, sit after a 20-byte header inside
    memory, and have a known class id and a length that fits in memory.
    """
    size = instance.memory_size()
    if ptr % OBJECT_ALIGN or ptr < HEADER_SIZE or ptr > size:
        return None
    class_id, length = struct.unpack("<II", instance.read(ptr - 8, 8, "object header"))
    if class_id not in (ARRAY_BUFFER_ID, STRING_ID) or ptr + length > size:
        return None
    if class_id == STRING_ID and length % 2:
        return None
    return class_id, length


def read_object(instance: Instance, values: Sequence[Value]) -> Optional[ResultBytes]:
    """Read a string (as UTF-8) or ArrayBuffer result; None when the result is a plain number."""
    if len(values) != 1 or not isinstance(values[0], int):
        return None
    ptr = unsigned32(values[0])
    header = object_header(instance, ptr)
    if header is None:
        return None
    class_id, length = header
    data = instance.read(ptr, length)
    if class_id == STRING_ID:
        data = data.decode("utf-16-le", errors="surrogatepass").encode("utf-8", errors="surrogatepass")
    return ResultBytes(ptr, data)
