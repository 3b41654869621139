"""The host side of Emscripten's ``env`` imports, with the semantics its JS glue gives them.

An Emscripten build that is not ``STANDALONE_WASM`` (and even some that are)
imports a few helpers from its JavaScript runtime: copying within memory,
growing the heap, the ``tempRet0`` register for 64-bit returns, clocks, and
``__syscall_*`` for its JS file system. wasmcall has no JS file system, so
every syscall answers ``-ENOSYS`` ("not implemented"), which Emscripten's libc
turns into an ordinary failed call (``access`` returns -1) instead of a trap.

Each helper is matched by name *and* signature: an ``env`` import that only
shares a name is left alone (to ``--stub-imports`` or the missing-import list).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Optional

from msgspec import Struct

from wasmcall.engines.base import WASM_PAGE, HostFunction, ImportInfo, Instance, Signature, Value
from wasmcall.errors import GuestAbortError

ENOSYS = 38
C_STRING_LIMIT = 4096  # the most of a C string an assertion message shows


class EmscriptenState(Struct):
    """What the JS runtime keeps between calls for one instance: the ``tempRet0`` register."""

    temp_ret0: int = 0


def signature(params: str, results: str = "") -> Signature:
    """A signature from letters, as Emscripten's own ``sig`` strings spell them (i, j, f, d)."""
    names = {"i": "i32", "j": "i64", "f": "f32", "d": "f64"}
    return Signature(tuple(names[c] for c in params), tuple(names[c] for c in results))


def memcpy_big(instance: Instance, dest: Value, src: Value, count: Value) -> Sequence[Value]:
    """``emscripten_memcpy_big(dest, src, n)``: ``HEAPU8.copyWithin(dest, src, src + n)``; returns dest."""
    copy_within(instance, dest, src, count)
    return (dest,)


def memcpy_js(instance: Instance, dest: Value, src: Value, count: Value) -> Sequence[Value]:
    """``_emscripten_memcpy_js`` (the helper's name since Emscripten 3.1.30): the same copy, no result."""
    copy_within(instance, dest, src, count)
    return ()


def copy_within(instance: Instance, dest: Value, src: Value, count: Value) -> None:
    length = int(count) & 0xFFFFFFFF
    data = instance.read(int(src) & 0xFFFFFFFF, length, "memcpy source")
    instance.write(int(dest) & 0xFFFFFFFF, data, "memcpy destination")


def resize_heap(instance: Instance, requested: Value) -> Sequence[Value]:
    """``emscripten_resize_heap(size)``: grow memory to at least ``size`` bytes; 1 on success, 0 if it cannot.

    A memory limit (or the memory's own maximum) makes it return 0, and
    Emscripten's malloc then returns NULL, as in a browser out of memory.
    """
    wanted = int(requested) & 0xFFFFFFFF
    current = instance.memory_size()
    if wanted <= current:
        return (1,)
    pages = -(-(wanted - current) // WASM_PAGE)
    return (1 if instance.grow_memory(pages) else 0,)


def notify_memory_growth(instance: Instance, index: Value) -> Sequence[Value]:
    """``emscripten_notify_memory_growth``: JS re-derives its views; wasmcall re-derives them on every access."""
    return ()


def syscall_unsupported(instance: Instance, *args: Value) -> Sequence[Value]:
    """Any ``__syscall_*``: Emscripten's JS file system is not there, so ``-ENOSYS``."""
    return (-ENOSYS,)


def now_ms(instance: Instance) -> Sequence[Value]:
    """``emscripten_date_now``: milliseconds since the epoch, as ``Date.now()``."""
    return (time.time() * 1000.0,)


def monotonic_ms(instance: Instance) -> Sequence[Value]:
    """``emscripten_get_now``: milliseconds from a monotonic clock, as ``performance.now()``."""
    return (time.monotonic() * 1000.0,)


def clock_resolution(instance: Instance) -> Sequence[Value]:
    """``emscripten_get_now_res``: the clock's resolution in nanoseconds."""
    return (float(time.get_clock_info("monotonic").resolution * 1e9),)


def heap_max(instance: Instance) -> Sequence[Value]:
    """``emscripten_get_heap_max``: 2 GiB, Emscripten's default ``MAXIMUM_MEMORY`` (as an i32 bit pattern:
    the guest reads it as an unsigned size_t); ``emscripten_resize_heap`` still honours any memory limit."""
    return (-(2**31),)


def read_c_string(instance: Instance, ptr: Value) -> str:
    """A NUL-terminated string at ``ptr``, shown up to C_STRING_LIMIT bytes."""
    start = int(ptr) & 0xFFFFFFFF
    available = max(0, min(C_STRING_LIMIT, instance.memory_size() - start))
    data = instance.read(start, available, "C string")
    return data.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def assert_fail(
    instance: Instance, condition: Value, file: Value, line: Value, function: Value
) -> Sequence[Value]:
    """``__assert_fail``: C's assert() failing, reported as Emscripten's runtime prints it."""
    raise GuestAbortError(
        f"guest aborted: Assertion failed: {read_c_string(instance, condition)}, at: "
        f"{read_c_string(instance, file)},{int(line)},{read_c_string(instance, function)}"
    )


def abort_js(instance: Instance, *args: Value) -> Sequence[Value]:
    """``abort()`` / ``_abort_js``: the C program aborted."""
    raise GuestAbortError("guest aborted: abort() was called (Emscripten)")


def provider(item: ImportInfo, state: EmscriptenState) -> Optional[Callable[..., Sequence[Value]]]:
    """The helper for ``env.<name>`` with this exact signature, if Emscripten defines one."""

    def set_temp_ret0(instance: Instance, value: Value) -> Sequence[Value]:
        state.temp_ret0 = int(value)
        return ()

    def get_temp_ret0(instance: Instance) -> Sequence[Value]:
        return (state.temp_ret0,)

    helpers: dict[tuple[str, Signature], Callable[..., Sequence[Value]]] = {
        ("emscripten_memcpy_big", signature("iii", "i")): memcpy_big,
        ("emscripten_memcpy_big", signature("iii")): memcpy_js,
        ("_emscripten_memcpy_js", signature("iii")): memcpy_js,
        ("emscripten_resize_heap", signature("i", "i")): resize_heap,
        ("emscripten_notify_memory_growth", signature("i")): notify_memory_growth,
        ("setTempRet0", signature("i")): set_temp_ret0,
        ("getTempRet0", signature("", "i")): get_temp_ret0,
        ("emscripten_date_now", signature("", "d")): now_ms,
        ("emscripten_get_now", signature("", "d")): monotonic_ms,
        ("_emscripten_get_now", signature("", "d")): monotonic_ms,
        ("emscripten_get_now_res", signature("", "d")): clock_resolution,
        ("emscripten_get_heap_max", signature("", "i")): heap_max,
        ("__assert_fail", signature("iiii")): assert_fail,
        ("_abort_js", signature("")): abort_js,
        ("abort", signature("")): abort_js,
    }
    helper = helpers.get((item.name, item.signature or Signature((), ())))
    if helper is None and item.name.startswith("__syscall_") and is_syscall_shape(item.signature):
        return syscall_unsupported
    return helper


def is_syscall_shape(shape: Optional[Signature]) -> bool:
    """Integer arguments and one integer result, as every ``__syscall_*`` of Emscripten's has."""
    integers = ("i32", "i64")
    return shape is not None and shape.results in (("i32",), ("i64",)) and all(p in integers for p in shape.params)


def emscripten_helper(item: ImportInfo, state: EmscriptenState) -> Optional[HostFunction]:
    """A HostFunction for an Emscripten ``env`` import, or None when it is not one of Emscripten's helpers."""
    if item.module != "env" or item.kind != "func" or item.signature is None:
        return None
    helper = provider(item, state)
    if helper is None:
        return None
    return HostFunction(item.module, item.name, item.signature, helper)

