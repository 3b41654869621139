"""Look up a wasmtime instance's exports by name, in constant time.

wasmtime-py's ``Instance.exports(store)`` builds its table by asking the C API
for export 0, 1, 2, … and ``wasmtime_instance_export_nth`` walks the export
list from the start on every call: building the table is quadratic. A module
with 20,000 exports spent 17 s there before its first call; 100,000 ran past
two minutes. The C API's lookup by name (``wasmtime_instance_export_get``) is a
hash lookup, so wasmcall asks for the few exports it uses, by name, and keeps them.

This reaches into wasmtime-py's private ``_bindings`` and ``_extern`` modules
(the public API offers no lookup by name); both have kept these names since
wasmtime-py 0.3x.
"""

from __future__ import annotations

import ctypes
from typing import Any


class ExportsByName:
    """A read-only mapping of export name to extern, filled on first use of each name."""

    def __init__(self, instance: Any, store: Any) -> None:
        self.instance = instance
        self.store = store
        self.found: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.found:
            self.found[name] = self.lookup(name)
        return self.found[name]

    def lookup(self, name: str) -> Any:
        from wasmtime import _bindings as ffi
        from wasmtime._extern import wrap_extern

        raw = name.encode("utf-8")
        item = ffi.wasmtime_extern_t()
        found = ffi.wasmtime_instance_export_get(
            self.store._context(),
            ctypes.byref(self.instance._instance),
            ctypes.create_string_buffer(raw, len(raw)),
            len(raw),
            ctypes.byref(item),
        )
        if not found:
            raise KeyError(name)
        return wrap_extern(item)
