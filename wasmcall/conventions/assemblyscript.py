"""AssemblyScript's managed objects: strings in UTF-16LE, bytes as ArrayBuffers, typed arrays and arrays.

An AssemblyScript export takes one pointer per string or buffer, to an object
the host made through the runtime and kept alive for the call. Two runtimes
exist: since 0.18 ``__new(size, id)`` with ``__pin``/``__unpin`` (the host
unpins afterwards and never frees), and before it ``__alloc(size, id)`` with
reference counting, ``__retain``/``__release`` (the host releases its
references, including the one a result comes back with). An object's class id
is the u32 at ``ptr - 8`` and its byte size the u32 at ``ptr - 4`` in both.
Runtime exports exist only in modules built with ``--exportRuntime`` (or
``--bindings``).

Which class a param wants is not in the binary: ``ExportTypes`` (from the
bindings or the user, see asbindings) says so; without it a string argument
becomes a ``string`` and a byte argument an ``ArrayBuffer``, with a warning
when the module has array classes it might have wanted instead.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Optional

from msgspec import Struct, field

from wasmcall.arguments import ArgKind, BufferArg, FileArg, ScalarArg, TypedArgument
from wasmcall.conventions.allocators import to_i32, unsigned32
from wasmcall.conventions.asclasses import ClassRef, Layout, RuntimeTypes
from wasmcall.conventions.facts import ModuleFacts
from wasmcall.conventions.marshal import fill_buffer
from wasmcall.engines.base import Instance, Value, check_range
from wasmcall.errors import ArgumentValueError, GuestError, OutOfBoundsError, SignatureMismatchError
from wasmcall.records import ResultBytes

if TYPE_CHECKING:
    from wasmcall.conventions.asbindings import ExportTypes

OBJECT_ALIGN = 16
VIEW_SIZE = 12
ARRAY_SIZE = 16


class Runtime(Struct, frozen=True):
    """One generation of AssemblyScript's runtime: its exports and its built-in class ids."""

    new: str
    hold: str
    let_go: str
    buffer_id: int
    string_id: int
    rtti_entry_size: int
    results_are_held: bool
    """True when a result comes back with a reference the host must give up (pre-0.18)."""
    header_size: int
    """Bytes before an object, from the allocator's block info (``mmInfo``) on."""


CURRENT = Runtime("__new", "__pin", "__unpin", 1, 2, 4, False, 20)
LEGACY = Runtime("__alloc", "__retain", "__release", 0, 1, 8, True, 16)
RUNTIMES = (CURRENT, LEGACY)


def runtime_named(alloc_name: Optional[str]) -> Runtime:
    return LEGACY if alloc_name == LEGACY.new else CURRENT


class ManagedObjects(Struct):
    """The objects made for one call, held until ``release``; ``warnings`` says what was guessed."""

    runtime: Runtime
    load_rtti: Callable[[], Optional[RuntimeTypes]] = lambda: None
    """Reads the run-time type table; called only when a class id or a result's class is needed."""
    held: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _rtti: Optional[RuntimeTypes] = None
    _rtti_loaded: bool = False

    @property
    def rtti(self) -> Optional[RuntimeTypes]:
        if not self._rtti_loaded:
            self._rtti, self._rtti_loaded = self.load_rtti(), True
        return self._rtti

    def write(
        self, instance: Instance, arguments: Sequence[TypedArgument], types: Optional[ExportTypes], export: str
    ) -> list[Value]:
        """One param per argument: numbers as they are, buffers as held managed objects of their class."""
        params: list[Value] = []
        for index, argument in enumerate(arguments):
            wanted = types.params[index] if types is not None and index < len(types.params) else None
            if isinstance(argument, ScalarArg):
                params.append(argument.value)
                continue
            if types is not None and wanted is None:
                raise SignatureMismatchError(
                    f"param {index} of {export!r} is a number according to {types.source}, "
                    f"but --{argument.kind.value} gives a buffer"
                )
            params.append(to_i32(self.make_object(instance, argument, wanted or self.guess(index, argument))))
        return params

    def guess(self, index: int, argument: BufferArg | FileArg) -> ClassRef:
        """No types known: text becomes a string, bytes an ArrayBuffer (said aloud if arrays exist)."""
        if argument.kind is ArgKind.STR:
            return ClassRef("string", Layout.STRING, 1)
        if self.rtti is not None and self.rtti.has_array_classes():
            self.warnings.append(
                f"param {index} was passed as an ArrayBuffer, but the module also has typed-array or "
                "array classes and no bindings say which one it takes; name it with --as-types "
                "(e.g. --as-types Uint8Array, or --as-types ArrayBuffer to confirm)"
            )
        return ClassRef("ArrayBuffer", Layout.BUFFER)

    def make_object(self, instance: Instance, argument: BufferArg | FileArg, wanted: ClassRef) -> int:
        if wanted.layout is Layout.STRING:
            if not isinstance(argument, BufferArg) or argument.kind is not ArgKind.STR:
                raise ArgumentValueError(f"a string param needs --str, not --{argument.kind.value}")
            data = argument.data.decode("utf-8").encode("utf-16-le")
            ptr = self.new(instance, len(data), self.runtime.string_id)
            instance.write(ptr, data)
            return ptr
        if argument.size % wanted.element_size:
            raise ArgumentValueError(
                f"{argument.size} bytes are not a whole number of {wanted.name} elements "
                f"({wanted.element_size} bytes each)"
            )
        class_id = self.class_id(wanted)
        if wanted.layout is Layout.STATIC:
            ptr = self.new(instance, argument.size, class_id)
            fill_buffer(instance, ptr, argument)
            return ptr
        buffer = self.new(instance, argument.size, self.runtime.buffer_id)
        fill_buffer(instance, buffer, argument)
        if wanted.layout is Layout.BUFFER:
            return buffer
        return self.make_view(instance, wanted, class_id, buffer, argument.size)

    def make_view(self, instance: Instance, wanted: ClassRef, class_id: int, buffer: int, size: int) -> int:
        """A typed array's or Array's header object over ``buffer``."""
        is_array = wanted.layout is Layout.ARRAY
        header = self.new(instance, ARRAY_SIZE if is_array else VIEW_SIZE, class_id)
        fields = [buffer, buffer, size] + ([size // wanted.element_size] if is_array else [])
        instance.write(header, struct.pack(f"<{len(fields)}I", *fields))
        if self.runtime.results_are_held:
            # The reference ``new`` took becomes the header's: releasing the header releases both.
            self.held.remove(buffer)
        return header

    def class_id(self, wanted: ClassRef) -> int:
        if wanted.layout is Layout.BUFFER:
            return self.runtime.buffer_id
        if wanted.class_id is not None:
            return wanted.class_id
        if self.rtti is None:
            raise ArgumentValueError(
                f"cannot find the class id of {wanted.name}: the module exports no __rtti_base"
            )
        return self.rtti.find(wanted)

    def new(self, instance: Instance, size: int, class_id: int) -> int:
        name = self.runtime.new
        ptr = unsigned32(instance.call(name, [to_i32(size), class_id])[0])
        if ptr == 0:
            raise GuestError(f"{name}({size}, {class_id}) returned a null pointer (out of memory?)")
        check_range(ptr, size, instance.memory_size(), f"{name}({size}, {class_id}) result")
        instance.call(self.runtime.hold, [to_i32(ptr)])
        self.held.append(ptr)
        return ptr

    def release(self, instance: Instance) -> None:
        for ptr in self.held:
            instance.call(self.runtime.let_go, [to_i32(ptr)])
        self.held.clear()


def object_header(instance: Instance, ptr: int, runtime: Runtime = CURRENT) -> Optional[tuple[int, int]]:
    """``(class_id, byte_size)`` if ``ptr`` looks like a managed object, else None.

    An i32 result may be a number or an object pointer; the signature cannot
    tell. Objects are 16-byte aligned, sit after their header inside memory
    and have a size that fits in memory. Zeroed memory at a small number's
    address reads as class 0, size 0 (a real class before 0.18: ArrayBuffer),
    so such a header must also lie in an allocator block (its ``mmInfo``
    size, flags masked off, is not zero).
    """
    size = instance.memory_size()
    if ptr % OBJECT_ALIGN or ptr < runtime.header_size or ptr > size:
        return None
    class_id, length = struct.unpack("<II", instance.read(ptr - 8, 8, "object header"))
    if ptr + length > size:
        return None
    if class_id == 0 or length == 0:
        (mm_info,) = struct.unpack("<I", instance.read(ptr - runtime.header_size, 4, "block info"))
        if not mm_info & ~3:
            return None
    return class_id, length


def result_class(
    runtime: Runtime, rtti: Callable[[], Optional[RuntimeTypes]], class_id: int, length: int
) -> Optional[ClassRef]:
    """What a class id found in a result's header is, when it is something with bytes to show."""
    if class_id == runtime.string_id:
        return ClassRef("string", Layout.STRING, 1) if length % 2 == 0 else None
    if class_id == runtime.buffer_id:
        return ClassRef("ArrayBuffer", Layout.BUFFER)
    table = rtti()
    return table.layout_of(class_id) if table is not None else None


def read_object(
    instance: Instance,
    values: Sequence[Value],
    runtime: Runtime,
    rtti: Callable[[], Optional[RuntimeTypes]],
    declared: Optional[ExportTypes],
) -> Optional[ResultBytes]:
    """A string (as UTF-8), ArrayBuffer or array result's bytes; None when the result is a plain number.

    Declared types (bindings or given) decide number-or-object; without them
    the object header does, as it always has for strings and ArrayBuffers.
    Array-like results give their elements' bytes, little-endian as stored.
    """
    if len(values) != 1 or not isinstance(values[0], int):
        return None
    if declared is not None and declared.result_known and declared.result is None:
        return None
    ptr = unsigned32(values[0])
    header = object_header(instance, ptr, runtime)
    if header is None:
        return None
    found = result_class(runtime, rtti, *header) or (declared.result if declared is not None else None)
    if found is None:
        return None
    return ResultBytes(*object_bytes(instance, ptr, header[1], found))


def object_bytes(instance: Instance, ptr: int, size: int, found: ClassRef) -> tuple[int, bytes]:
    """Where an object's content starts and what it is."""
    if found.layout is Layout.STRING:
        data = instance.read(ptr, size)
        text = data.decode("utf-16-le", errors="surrogatepass").encode("utf-8", errors="surrogatepass")
        return ptr, text
    if found.layout in (Layout.BUFFER, Layout.STATIC):
        return ptr, instance.read(ptr, size)
    fields = struct.unpack("<4I", instance.read(ptr, 16 if found.layout is Layout.ARRAY else 12, "array header")
                           .ljust(16, b"\0"))
    data_start, byte_length = fields[1], fields[2]
    if found.layout is Layout.ARRAY:
        byte_length = fields[3] * found.element_size
    return data_start, instance.read(data_start, byte_length)


def runtime_types(instance: Instance, facts: ModuleFacts, runtime: Runtime) -> Optional[RuntimeTypes]:
    """The module's run-time type table, when it exports one that lies inside memory."""
    if facts.rtti_base is None:
        return None
    try:
        return RuntimeTypes.read(instance, facts.rtti_base, runtime.rtti_entry_size)
    except OutOfBoundsError:
        return None


def let_go(instance: Instance, runtime: Runtime, value: Value) -> None:
    """Give up the reference a pre-0.18 result came back with."""
    instance.call(runtime.let_go, [value])
