"""A session: one module compiled, linked and instantiated once, serving many calls.

Guest state persists between calls (a counter counts, a constructor's object
is there for the next method). ``wasmcall.call`` is a one-call session; the
checks runner and the REPL are loops over sessions.

wasmtime sessions run in this process (``wasmcall.local_session``). wasmer
sessions run in one child process kept alive across calls
(``wasmcall.isolation``), because wasmer cannot be stopped from inside the
process that runs it. Each kind is imported only when a session of that kind
is opened: a wasmer call's parent process never loads the calling code its
child runs, and a core module never loads the component machinery.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Optional, Union

from wasmcall.arguments import Argument
from wasmcall.engines import DEFAULT_ENGINE
from wasmcall.engines.base import ExportInfo, GlobalValue, Limits, WasiSettings
from wasmcall.modules import display_path, read_module
from wasmcall.records import CallResult
from wasmcall.request import CallRequest, SessionOptions

if TYPE_CHECKING:
    from wasmcall.components.records import ComponentCallResult

AnyResult = Union[CallResult, "ComponentCallResult"]
"""What a session's call returns: a core module's CallResult, or a component's WIT-typed result."""


class Session(ABC):
    """One live instance of one module; a context manager that closes it."""

    label: str
    options: SessionOptions
    exports: tuple[ExportInfo, ...]

    def call(self, export: str, arguments: Sequence[Argument] = (), **options: Any) -> AnyResult:
        """Call ``export``; ``options`` are CallRequest's fields (``result=``, ``free_inputs=`` ...)."""
        return self.run(CallRequest(export, tuple(arguments), **options))

    @abstractmethod
    def run(self, request: CallRequest) -> AnyResult:
        """Run one call on the live instance."""

    @abstractmethod
    def memory_size(self) -> int:
        """The guest memory's current size in bytes."""

    @abstractmethod
    def read(self, ptr: int, length: int) -> bytes:
        """Bytes of guest memory, bounds-checked (OutOfBoundsError outside it)."""

    @abstractmethod
    def globals(self) -> tuple[GlobalValue, ...]:
        """The exported globals' current values."""

    @abstractmethod
    def reset(self) -> None:
        """Throw the instance away and start a fresh one of the same compiled module."""

    @abstractmethod
    def close(self) -> None:
        """Release the instance (and its child process, for wasmer); calling again does nothing."""

    @property
    @abstractmethod
    def closed(self) -> bool:
        """True once closed, or once the instance was lost (a killed wasmer child)."""

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self, kind: Optional[type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        self.close()


def open_session(
    module: Union[str, Path],
    *,
    engine: str = DEFAULT_ENGINE,
    limits: Limits = Limits(),
    wasi: WasiSettings = WasiSettings(),
    stub_imports: bool = False,
) -> Session:
    """Compile, link and instantiate ``module`` once (running ``_initialize``), ready for many calls.

    ``limits.max_memory`` caps the instance for its life; ``limits.timeout``
    and ``limits.fuel`` are each call's default budget (and start-up's).
    """
    options = SessionOptions(engine, limits, wasi, stub_imports)
    return open_source(display_path(module), read_module(module, limits.timeout), options)


def open_source(label: str, source: Union[bytes, str], options: SessionOptions) -> Session:
    """A session on module bytes (or WAT text) already read; ``label`` names it in messages.

    A component gets a component session (wasmtime only): same calls, values typed by WIT.
    """
    from wasmcall.components.detect import is_component

    if is_component(source):
        from wasmcall.components.session import ComponentSession, refuse_engine

        refuse_engine(options.engine)
        return ComponentSession(label, source, options.limits, options.wasi, options.stub_imports)
    if options.engine == "wasmer":
        from wasmcall.isolation import ChildSession

        return ChildSession(label, source, options)
    from wasmcall.local_session import LocalSession

    return LocalSession(label, source, options)
