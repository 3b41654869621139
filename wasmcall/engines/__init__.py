"""Runtimes behind one seam; each is imported only when asked for, then kept.

Keeping the imports lazy means ``wasmcall --help`` and ``import wasmcall`` pay
for neither runtime. Keeping engines and compiled modules (per thread, in a
small cache keyed by the module's bytes) means a checks file or a loop of
``wasmcall.call`` compiles each module once instead of once per call.
"""

from __future__ import annotations

import atexit
import threading
from collections import OrderedDict
from typing import Union

from wasmcall.engines.base import CompiledModule, Engine
from wasmcall.errors import EngineUnavailableError, UsageError

ENGINE_NAMES = ("wasmtime", "wasmer")
DEFAULT_ENGINE = "wasmtime"
MODULES_KEPT = 16

_cache = threading.local()
_every_cache: list[dict] = []
_warnings: dict[str, bool] = {}  # message -> already taken; ordered, each said once per process


def warn(message: str) -> None:
    """Record something the user should know that did not stop the run (the library never prints)."""
    _warnings.setdefault(message, False)


def take_warnings() -> list[str]:
    """Warnings recorded since the last call, each once per process (the CLI prints them on stderr)."""
    fresh = [message for message, taken in _warnings.items() if not taken]
    for message in fresh:
        _warnings[message] = True
    return fresh


def load_engine(name: str, fuel: bool = False) -> Engine:
    """The named engine configured for ``fuel``, made once per thread.

    Per thread, because a wasmtime deadline interrupts every store of its
    engine: sessions on different threads must not share one.
    """
    engines: dict[tuple[str, bool], Engine] = _thread_cache("engines", dict)
    key = (name, fuel)
    if key not in engines:
        engines[key] = make_engine(name, fuel)
    return engines[key]


def make_engine(name: str, fuel: bool) -> Engine:
    """Import and configure the named engine, or say why it cannot be used here."""
    if name == "wasmtime":
        try:
            from wasmcall.engines.wasmtime_engine import WasmtimeEngine
        except ImportError as error:
            raise EngineUnavailableError(
                f"engine 'wasmtime' cannot be imported ({error}); reinstall wasmcall"
            ) from None
        return WasmtimeEngine(fuel)
    if name == "wasmer":
        if fuel:
            raise UsageError(
                "engine 'wasmer' cannot meter fuel (its Python API counts no instructions); "
                "use the wasmtime engine, or a timeout to bound the run by time"
            )
        from wasmcall.engines.wasmer_engine import WasmerEngine

        return WasmerEngine()
    raise EngineUnavailableError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINE_NAMES)}")


def compile_cached(engine: Engine, source: Union[bytes, str], label: str) -> CompiledModule:
    """Compile ``source`` on ``engine``, or return the module compiled from the same bytes before.

    The key is the bytes themselves: Python hashes them once and compares them
    in full on a hit, so two modules can never be mistaken for each other, and
    no digest (with OpenSSL's start-up, ~3 ms) is paid by a one-call process.
    """
    modules: OrderedDict[tuple[int, bytes], CompiledModule] = _thread_cache("modules", OrderedDict)  # type: ignore[assignment]
    key = (id(engine), source.encode("utf-8") if isinstance(source, str) else source)
    if key in modules:
        modules.move_to_end(key)
        return modules[key]
    compiled = engine.compile(source, label)
    modules[key] = compiled
    while len(modules) > MODULES_KEPT:
        modules.popitem(last=False)
    return compiled


def interrupt_guests() -> None:
    """Stop every guest running on this process's wasmtime engines (Ctrl-C, SIGTERM).

    Safe from any thread; wasmer guests run in child processes, which their
    sessions kill instead.
    """
    from wasmcall.engines.base import running_engines

    for engine in list(running_engines):
        engine.interrupt()


def _thread_cache(name: str, factory: type) -> dict:
    cache = getattr(_cache, name, None)
    if cache is None:
        cache = factory()
        setattr(_cache, name, cache)
        _every_cache.append(cache)
    return cache


@atexit.register
def _release_caches() -> None:
    """Drop cached modules then engines while the runtimes can still free them.

    Left to interpreter teardown, wasmtime's finalizers run after its own
    module globals are gone and print "Exception ignored" noise on stderr.
    """
    for cache in reversed(_every_cache):
        cache.clear()
