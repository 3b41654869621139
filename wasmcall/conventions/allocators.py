"""Guest allocators: find them among the exports and call them in their own shape.

Each toolchain spells allocation differently (see docs/conventions.md). What
they share is that the call's shape follows from the export's arity, so one
small class serves them all: ``alloc(size)``, ``__wbindgen_malloc(size, align)``,
``cabi_realloc(old, old_size, align, size)``; and ``free(ptr)``,
``dealloc(ptr, len)``, ``__wbindgen_free(ptr, len, align)``.
"""

from __future__ import annotations

from typing import Optional

from msgspec import Struct

from wasmcall.engines.base import CompiledModule, Instance, Signature, check_range
from wasmcall.errors import ConventionError, GuestError, GuestExitError

ALLOC_ARITIES = {1: "alloc(size)", 2: "malloc(size, align)", 4: "realloc(0, 0, align, size)"}
FREE_ARITIES = {1: "free(ptr)", 2: "free(ptr, len)", 3: "free(ptr, len, align)"}


class Allocator(Struct, frozen=True):
    """A guest's allocate/free pair, called in the shape its signature implies."""

    alloc_name: str
    alloc_signature: Signature
    free_name: Optional[str] = None
    free_signature: Optional[Signature] = None

    def allocate(self, instance: Instance, size: int, align: int = 1) -> int:
        """Allocate ``size`` bytes in the guest and return the (unsigned) pointer.

        The pointer is checked against memory here, so a broken allocator is
        reported as such instead of as a confusing failure later.
        """
        arity = len(self.alloc_signature.params)
        args = {1: (size,), 2: (size, align), 4: (0, 0, align, size)}[arity]
        results = instance.call(self.alloc_name, [to_i32(a) for a in args])
        if not results:  # WASI proc_exit(0) ends a call with no values
            raise GuestExitError(f"guest exited with code 0 during its allocator {self.alloc_name!r}", 0)
        ptr = unsigned32(results[0])
        if ptr == 0 and size > 0:
            raise GuestError(f"{self.alloc_name}({size}) returned a null pointer (out of memory?)")
        check_range(ptr, size, instance.memory_size(), f"{self.alloc_name}({size}) result")
        return ptr

    def free(self, instance: Instance, ptr: int, size: int, align: int = 1) -> None:
        """Give a buffer back to the guest; a guest without a free function keeps it."""
        if self.free_name is None or self.free_signature is None:
            return
        arity = len(self.free_signature.params)
        args = {1: (ptr,), 2: (ptr, size), 3: (ptr, size, align)}[arity]
        instance.call(self.free_name, [to_i32(a) for a in args])


def make_allocator(
    module: CompiledModule, alloc_name: str, free_name: Optional[str]
) -> Allocator:
    """Build an allocator from export names, checking that their shapes are ones we can call."""
    alloc = module.function(alloc_name)
    if alloc is None or alloc.signature is None:
        raise ConventionError(f"the module has no function export {alloc_name!r} to allocate with")
    if len(alloc.signature.params) not in ALLOC_ARITIES or alloc.signature.results != ("i32",):
        raise ConventionError(
            f"cannot allocate with {alloc_name!r} {alloc.signature}: expected one of "
            f"{', '.join(ALLOC_ARITIES.values())} returning i32"
        )
    if free_name is None:
        return Allocator(alloc_name, alloc.signature)
    free = module.function(free_name)
    if free is None or free.signature is None:
        raise ConventionError(f"the module has no function export {free_name!r} to free with")
    if len(free.signature.params) not in FREE_ARITIES:
        raise ConventionError(
            f"cannot free with {free_name!r} {free.signature}: expected one of "
            f"{', '.join(FREE_ARITIES.values())}"
        )
    return Allocator(alloc_name, alloc.signature, free_name, free.signature)


def to_i32(value: int) -> int:
    """Pointers and lengths are unsigned in our hands; engines want signed i32."""
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def unsigned32(value: object) -> int:
    """Read an i32 result as the unsigned pointer or length it stands for."""
    if not isinstance(value, int):
        raise GuestError(f"expected an i32 pointer from the guest, got {value!r}")
    return value & 0xFFFFFFFF
