"""wasmcall: call WebAssembly exports with bytes, strings and numbers from the shell or Python.

The library never prints: ``call`` and ``inspect`` return frozen records and
raise typed errors (``wasmcall.errors``); the CLI renders them.

Names are imported on first use, so that ``wasmcall --version`` and
``wasmcall --help`` do not pay for the whole pipeline.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

EXPORTS = {
    "call": "wasmcall.api",
    "inspect": "wasmcall.api",
    "open_session": "wasmcall.session",
    "Session": "wasmcall.session",
    "CallRequest": "wasmcall.request",
    "CallLimits": "wasmcall.engines.base",
    "PlainValue": "wasmcall.arguments",
    "ArgKind": "wasmcall.arguments",
    "parse_argument": "wasmcall.arguments",
    "PackedOrder": "wasmcall.conventions.results",
    "ResultKind": "wasmcall.conventions.results",
    "ResultSpec": "wasmcall.conventions.results",
    "DirGrant": "wasmcall.engines.base",
    "Limits": "wasmcall.engines.base",
    "WasiSettings": "wasmcall.engines.base",
    "WasmcallError": "wasmcall.errors",
    "CallResult": "wasmcall.records",
    "ModuleReport": "wasmcall.records",
    "ResultBytes": "wasmcall.records",
}

__all__ = [
    "ArgKind",
    "CallLimits",
    "CallRequest",
    "CallResult",
    "DirGrant",
    "Limits",
    "ModuleReport",
    "PackedOrder",
    "PlainValue",
    "ResultBytes",
    "ResultKind",
    "ResultSpec",
    "Session",
    "WasiSettings",
    "WasmcallError",
    "__version__",
    "call",
    "inspect",
    "open_session",
    "parse_argument",
]

if TYPE_CHECKING:
    from wasmcall.api import call, inspect
    from wasmcall.arguments import ArgKind, PlainValue, parse_argument
    from wasmcall.conventions.results import PackedOrder, ResultKind, ResultSpec
    from wasmcall.engines.base import CallLimits, DirGrant, Limits, WasiSettings
    from wasmcall.errors import WasmcallError
    from wasmcall.records import CallResult, ModuleReport, ResultBytes
    from wasmcall.request import CallRequest
    from wasmcall.session import Session, open_session


def __getattr__(name: str) -> Any:
    if name not in EXPORTS:
        raise AttributeError(f"module 'wasmcall' has no attribute {name!r}")
    value = getattr(importlib.import_module(EXPORTS[name]), name)
    globals()[name] = value
    return value
