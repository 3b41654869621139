"""The library surface: ``call``, ``open_session`` and ``inspect``. Nothing here prints.

``call`` is a one-call session: it compiles (or reuses the module compiled
from the same bytes earlier in this process), links, instantiates, calls
once and closes. Open a session to keep one instance across calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

from wasmcall.arguments import Argument
from wasmcall.components.detect import is_component
from wasmcall.conventions.detect import Convention, detect_convention
from wasmcall.conventions.results import ResultSpec
from wasmcall.engines import DEFAULT_ENGINE, compile_cached, load_engine
from wasmcall.engines.base import CallLimits, CompiledModule, Limits, WasiSettings, unmarshallable
from wasmcall.errors import LoadError
from wasmcall.linking import ImportOptions, build_linking, is_wasi
from wasmcall.modules import has_start_function, read_module
from wasmcall.records import CallResult, ModuleReport
from wasmcall.request import CallRequest, plain_values
from wasmcall.session import open_session
from wasmcall.suggest import ModuleFacts, is_runtime_export, suggest_arguments

if TYPE_CHECKING:
    from wasmcall.components.records import ComponentCallResult, ComponentReport

__all__ = ["call", "inspect", "open_session"]
NUMBER_TYPES = ("i32", "i64", "f32", "f64")


def call(
    module: Union[str, Path],
    export: str,
    arguments: Sequence[Argument] = (),
    *,
    untyped: Sequence[str] = (),
    engine: str = DEFAULT_ENGINE,
    result: ResultSpec = ResultSpec(),
    result_length_of: Optional[int] = None,
    convention: Optional[str] = None,
    alloc: Optional[str] = None,
    free: Optional[str] = None,
    free_inputs: bool = False,
    keep_result: bool = False,
    limits: Limits = Limits(),
    wasi: WasiSettings = WasiSettings(),
    stub_imports: bool = False,
) -> Union[CallResult, ComponentCallResult]:
    """Call ``export`` of ``module`` with marshalled arguments and return what came back.

    ``untyped`` are plain values typed by the export's params (the CLI's
    positional VALUES); giving them together with ``arguments`` is a
    UsageError. ``result_length_of`` is ``--ret-len @K``; the other keywords
    mirror the CLI options of the same names. Raises a WasmcallError subclass
    (see ``wasmcall.errors``) on any failure.
    """
    request = CallRequest(
        export,
        (*arguments, *plain_values(untyped)),
        result=result,
        result_length_of=result_length_of,
        convention=convention,
        alloc=alloc,
        free=free,
        free_inputs=free_inputs,
        keep_result=keep_result,
        limits=CallLimits(limits.timeout, limits.fuel),
    )
    with open_session(module, engine=engine, limits=limits, wasi=wasi, stub_imports=stub_imports) as session:
        return session.run(request)


def inspect(module: Union[str, Path], *, engine: str = DEFAULT_ENGINE) -> Union[ModuleReport, ComponentReport]:
    """Describe a module's exports, imports, memories and detected convention (a component: its world)."""
    source = read_module(module)
    if is_component(source):
        from wasmcall.components.session import inspect_component

        return inspect_component(module, engine)
    compiled = compile_cached(load_engine(engine), source, str(module))
    detection = detect_convention(compiled)
    return ModuleReport(
        module=str(module),
        engine=engine,
        exports=compiled.exports,
        imports=compiled.imports,
        memories=tuple(i.memory for i in compiled.imports if i.memory is not None)
        + tuple(e.memory for e in compiled.exports if e.memory is not None),
        convention=detection.convention.value,
        evidence=detection.evidence,
        wasi=any(is_wasi(i) for i in compiled.imports),
        start=has_start_function(source),
        initialize=compiled.function("_initialize") is not None,
        suggestions=suggest_calls(compiled, detection.convention),
    )


def suggest_calls(compiled: CompiledModule, convention: Convention) -> tuple[tuple[str, str], ...]:
    """(export, arguments) for the exports people call by hand, where a line can be trusted to run.

    Nothing for a module wasmcall cannot link as it stands (imports nobody
    provides), nor for exports whose own signature it cannot marshal (v128, references).
    """
    try:
        build_linking(compiled, ImportOptions(WasiSettings()))
    except LoadError:
        return ()
    facts = ModuleFacts.of(convention, {e.name for e in compiled.exports}, compiled.imports)
    found = []
    for export in compiled.exports:
        if export.kind != "func" or export.signature is None or is_runtime_export(export.name):
            continue
        if unmarshallable(export.signature):
            continue
        words = suggest_arguments(export.name, export.signature, facts)
        if words is not None:
            found.append((export.name, " ".join(words)))
    return tuple(found)

