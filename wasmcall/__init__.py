"""wasmcall: call WebAssembly exports with bytes, strings and numbers from the shell or Python.

The library never prints: ``call`` and ``inspect`` return frozen records and
raise typed errors (``wasmcall.errors``); the CLI renders them.
"""

from wasmcall.api import call, inspect
from wasmcall.arguments import ArgKind, parse_argument
from wasmcall.conventions.results import PackedOrder, ResultKind, ResultSpec
from wasmcall.engines.base import Limits
from wasmcall.errors import WasmcallError
from wasmcall.records import CallResult, ModuleReport, ResultBytes

__version__ = "0.1.0"

__all__ = [
    "ArgKind",
    "CallResult",
    "Limits",
    "ModuleReport",
    "PackedOrder",
    "ResultBytes",
    "ResultKind",
    "ResultSpec",
    "WasmcallError",
    "__version__",
    "call",
    "inspect",
    "parse_argument",
]
