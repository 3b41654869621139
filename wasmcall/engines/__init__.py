"""Runtimes behind one seam; each is imported only when asked for.

Keeping the imports lazy means ``wasmcall --help`` and ``import wasmcall`` pay
for neither runtime.
"""

from __future__ import annotations

from wasmcall.engines.base import Engine, Limits
from wasmcall.errors import EngineUnavailableError

ENGINE_NAMES = ("wasmtime", "wasmer")
DEFAULT_ENGINE = "wasmtime"


def load_engine(name: str, limits: Limits = Limits()) -> Engine:
    """Import and configure the named engine, or say why it cannot be used here."""
    if name == "wasmtime":
        try:
            from wasmcall.engines.wasmtime_engine import WasmtimeEngine
        except ImportError as error:
            raise EngineUnavailableError(
                f"engine 'wasmtime' cannot be imported ({error}); reinstall wasmcall"
            ) from None
        return WasmtimeEngine(limits)
    if name == "wasmer":
        from wasmcall.engines.wasmer_engine import WasmerEngine

        return WasmerEngine(limits)
    raise EngineUnavailableError(
        f"unknown engine {name!r}; choose one of: {', '.join(ENGINE_NAMES)}"
    )
