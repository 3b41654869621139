"""The library surface: ``call`` and ``inspect``. Nothing here prints.

``call`` walks the pipeline once: read the module, compile it on the chosen
engine, pick the guest's convention, fit the arguments to the export's
signature, link imports, instantiate, copy buffers in, call, find and read the
result, and free what the host owns.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

from wasmcall.arguments import Argument, ScalarArg
from wasmcall.components.detect import is_component_file
from wasmcall.conventions import assemblyscript
from wasmcall.conventions.allocators import Allocator, make_allocator, to_i32, unsigned32
from wasmcall.conventions.detect import Convention, Detection, detect_convention
from wasmcall.conventions.marshal import (
    BufferStyle,
    Written,
    params_needed,
    plan_buffers,
    type_plain_values,
    write_arguments,
)
from wasmcall.conventions.results import ResultKind, ResultSpec, locate_result, resolve_kind
from wasmcall.engines import DEFAULT_ENGINE, load_engine
from wasmcall.engines.base import CompiledModule, ExportInfo, Instance, Limits, Signature, Value, WasiSettings
from wasmcall.errors import SignatureMismatchError, UnknownExportError, UsageError
from wasmcall.isolation import run_isolated
from wasmcall.linking import ImportOptions, build_linking, is_wasi
from wasmcall.modules import has_start_function, read_module
from wasmcall.records import CallResult, ModuleReport, ResultBytes
from wasmcall.suggest import is_runtime_export, suggest_arguments

if TYPE_CHECKING:
    from wasmcall.components.records import ComponentCallResult, ComponentReport

OUT_POINTER_SIZE = 8
OUT_POINTER_ALIGN = 4
BINDGEN_STACK = "__wbindgen_add_to_stack_pointer"
BINDGEN_FRAME = 16


@dataclass(frozen=True)
class CallOptions:
    """How to marshal and run one call; every field has the CLI's default."""

    result: ResultSpec = ResultSpec()
    result_length_of: Optional[int] = None
    convention: Optional[str] = None
    alloc: Optional[str] = None
    free: Optional[str] = None
    free_inputs: bool = False
    keep_result: bool = False
    limits: Limits = Limits()
    wasi: WasiSettings = WasiSettings()
    stub_imports: bool = False


@dataclass(frozen=True)
class Plan:
    """Everything decided before the guest runs."""

    export: str
    signature: Signature
    arguments: Sequence[Argument]
    detection: Detection
    allocator: Optional[Allocator]
    kind: ResultKind
    result: ResultSpec
    style: BufferStyle
    post_return: Optional[str]


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
    positional VALUES), used instead of ``arguments``; ``result_length_of`` is
    ``--ret-len @K``; the other keywords mirror the CLI options of the same
    names. Raises a WasmcallError subclass (see ``wasmcall.errors``) on any failure.
    """
    options = CallOptions(
        result, result_length_of, convention, alloc, free, free_inputs, keep_result, limits, wasi, stub_imports
    )
    if is_component_file(module):  # components: wasmcall/components/, typed by WIT instead of conventions
        from wasmcall.components.session import call_component, refuse_marshalling

        refuse_marshalling(replace(options, limits=Limits(), wasi=WasiSettings(), stub_imports=False)
                           != CallOptions())
        return call_component(module, export, arguments, untyped, engine=engine, limits=limits, wasi=wasi,
                              stub_imports=stub_imports)
    if engine == "wasmer":
        return run_isolated(call_in_process, (module, export, arguments, untyped, engine, options), limits)
    return call_in_process(module, export, arguments, untyped, engine, options)


def call_in_process(
    module: Union[str, Path],
    export: str,
    arguments: Sequence[Argument],
    untyped: Sequence[str],
    engine: str,
    options: CallOptions,
) -> CallResult:
    """The whole call in this process; wasmer runs this in a killable child (see isolation.py)."""
    compiled = compile_module(module, engine, options.limits)
    plan = make_plan(compiled, export, arguments, untyped, options)
    linking = build_linking(compiled, ImportOptions(wasi_settings(options.wasi, module), options.stub_imports))
    instance = compiled.instantiate(linking, options.limits)
    try:
        if compiled.function("_initialize") is not None:
            instance.call("_initialize", [])
        values, data, elapsed_ms = run_call(instance, plan, options)
        output = instance.output()
    finally:
        instance.close()
    return CallResult(
        module=str(module),
        export=export,
        engine=engine,
        signature=plan.signature,
        convention=plan.detection.convention.value,
        values=values,
        result=data,
        elapsed_ms=elapsed_ms,
        stdout=output.stdout if output else None,
        stderr=output.stderr if output else None,
    )


def inspect(module: Union[str, Path], *, engine: str = DEFAULT_ENGINE) -> Union[ModuleReport, ComponentReport]:
    """Describe a module's exports, imports, memories and detected convention."""
    if is_component_file(module):
        from wasmcall.components.session import inspect_component

        return inspect_component(module, engine)
    source = read_module(module)
    compiled = load_engine(engine).compile(source, str(module))
    detection = detect_convention(compiled)
    suggestions = tuple(
        (e.name, " ".join(suggest_arguments(e.signature, detection.convention)))
        for e in compiled.exports
        if e.kind == "func" and e.signature is not None and not is_runtime_export(e.name)
    )
    return ModuleReport(
        module=str(module),
        engine=engine,
        exports=compiled.exports,
        imports=compiled.imports,
        memories=tuple(e.memory for e in compiled.exports if e.memory is not None),
        convention=detection.convention.value,
        evidence=detection.evidence,
        wasi=any(is_wasi(i) for i in compiled.imports),
        start=has_start_function(source),
        initialize=compiled.function("_initialize") is not None,
        suggestions=suggestions,
    )


def compile_module(module: Union[str, Path], engine: str, limits: Limits) -> CompiledModule:
    source = read_module(module)
    return load_engine(engine, limits).compile(source, str(module))


def wasi_settings(granted: WasiSettings, module: Union[str, Path]) -> WasiSettings:
    """The guest's argv is just the module's name unless the caller set it."""
    if granted.args:
        return granted
    return WasiSettings((Path(module).name,), granted.env, granted.dirs)


def make_plan(
    compiled: CompiledModule,
    export: str,
    arguments: Sequence[Argument],
    untyped: Sequence[str],
    options: CallOptions,
) -> Plan:
    """Check everything that can be checked before the guest runs a single instruction."""
    function = find_function(compiled, export)
    signature = function.signature
    assert signature is not None
    if untyped:
        arguments = type_plain_values(export, signature, untyped)
    detection = detect_convention(compiled, options.convention)
    managed = detection.convention is Convention.ASSEMBLYSCRIPT
    allocator = None
    if not managed and (options.alloc or detection.alloc_name):
        allocator = make_allocator(
            compiled, options.alloc or detection.alloc_name or "", options.free or detection.free_name
        )
    post_return = f"cabi_post_{export}"
    has_post_return = compiled.function(post_return) is not None
    spec = options.result
    if (
        spec.kind is ResultKind.AUTO
        and detection.convention is Convention.WASM_BINDGEN
        and not signature.results
        and len(signature.params) == params_needed(arguments) + 1
    ):
        spec = ResultSpec(ResultKind.OUT, spec.length, spec.packed_order)
    kind = resolve_kind(spec, signature, has_post_return)
    if managed and kind not in (ResultKind.AUTO, ResultKind.VALUE):
        raise UsageError(f"--ret {kind.value} does not apply to AssemblyScript objects; leave --ret at auto")
    spec = resolve_length(spec, kind, arguments, options.result_length_of)
    reserved = 1 if kind is ResultKind.OUT else 0
    style = plan_buffers(export, signature, arguments, reserved, managed)
    return Plan(
        export, signature, arguments, detection, allocator, kind, spec, style,
        post_return if has_post_return else None,
    )


def run_call(
    instance: Instance, plan: Plan, options: CallOptions
) -> tuple[tuple[Value, ...], Optional[ResultBytes], float]:
    """Write the arguments, call the export, read the result and free what the host owns."""
    if plan.style is BufferStyle.MANAGED:
        objects = assemblyscript.ManagedObjects()
        params = objects.write(instance, plan.arguments)
        values, elapsed_ms = timed_call(instance, plan.export, params)
        data = None if options.result.kind is ResultKind.VALUE else assemblyscript.read_object(instance, values)
        objects.release(instance)
        return values, data, elapsed_ms
    scratch = OutPointer(instance, plan.allocator) if plan.kind is ResultKind.OUT else None
    params, written = write_arguments(instance, plan.allocator, plan.arguments, plan.style)
    if scratch is not None:
        params.insert(0, to_i32(scratch.ptr))
    values, elapsed_ms = timed_call(instance, plan.export, params)
    location = locate_result(plan.kind, plan.result, values, instance, scratch.ptr if scratch else None)
    data = None
    if location is not None:
        data = ResultBytes(location.ptr, instance.read(location.ptr, location.length))
        if not options.keep_result:
            free_result(instance, plan, location.ptr, location.allocated, values)
    if scratch is not None:
        scratch.release()
    if options.free_inputs:
        release_inputs(instance, plan.allocator, written)
    return values, data, elapsed_ms


def timed_call(instance: Instance, export: str, params: list[Value]) -> tuple[tuple[Value, ...], float]:
    started = time.perf_counter()
    values = instance.call(export, params)
    return values, (time.perf_counter() - started) * 1000


class OutPointer:
    """Eight bytes of scratch for an out-pointer result.

    wasm-bindgen guests take it from their shadow stack (and get it back
    afterwards); other guests from their allocator.
    """

    def __init__(self, instance: Instance, allocator: Optional[Allocator]) -> None:
        self.instance = instance
        self.allocator = allocator
        self.on_stack = allocator is not None and allocator.alloc_name == "__wbindgen_malloc"
        if self.on_stack:
            self.ptr = unsigned32(instance.call(BINDGEN_STACK, [-BINDGEN_FRAME])[0])
            return
        if allocator is None:
            raise UsageError("--ret out needs guest memory, but the module exports no allocator")
        self.ptr = allocator.allocate(instance, OUT_POINTER_SIZE, OUT_POINTER_ALIGN)

    def release(self) -> None:
        if self.on_stack:
            self.instance.call(BINDGEN_STACK, [BINDGEN_FRAME])
        elif self.allocator is not None:
            self.allocator.free(self.instance, self.ptr, OUT_POINTER_SIZE, OUT_POINTER_ALIGN)


def free_result(instance: Instance, plan: Plan, ptr: int, allocated: int, values: Sequence[Value]) -> None:
    """Free a result the host now owns: post-return for a return area, else the guest's free."""
    if plan.kind is ResultKind.AREA and plan.post_return is not None:
        instance.call(plan.post_return, [values[0]])
    elif plan.allocator is not None:
        plan.allocator.free(instance, ptr, allocated)


def release_inputs(instance: Instance, allocator: Optional[Allocator], written: Sequence[Written]) -> None:
    if allocator is None:
        return
    for buffer in written:
        allocator.free(instance, buffer.ptr, buffer.allocated)


def find_function(compiled: CompiledModule, name: str) -> ExportInfo:
    """The function export ``name``, or an error listing the exports and the closest match."""
    function = compiled.function(name)
    if function is not None:
        return function
    names = [e.name for e in compiled.exports if e.kind == "func"]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(names) if names else "none"
    raise UnknownExportError(f"no function export {name!r}{hint} (exports: {listing})")


def resolve_length(
    spec: ResultSpec, kind: ResultKind, arguments: Sequence[Argument], length_of: Optional[int]
) -> ResultSpec:
    """Fix ``--ret ptr``'s length: given, the length of argument K, or of the only buffer."""
    if kind is not ResultKind.PTR:
        if spec.length is not None or length_of is not None:
            raise UsageError(f"--ret-len applies only to --ret ptr, not --ret {kind.value}")
        return spec
    if spec.length is not None:
        return spec
    if length_of is not None:
        if not 0 <= length_of < len(arguments):
            given = f"{len(arguments)} {'was' if len(arguments) == 1 else 'were'} given"
            raise UsageError(f"--ret-len @{length_of}: no argument {length_of} (they count from 0; {given})")
        target = arguments[length_of]
        if isinstance(target, ScalarArg):
            raise UsageError(f"--ret-len @{length_of}: argument {length_of} is a number, not a buffer")
        return ResultSpec(spec.kind, target.size, spec.packed_order)
    buffers = [a for a in arguments if not isinstance(a, ScalarArg)]
    if len(buffers) != 1:
        raise SignatureMismatchError(
            "--ret ptr needs the result's length: give --ret-len N or --ret-len @K "
            "(the length of argument K)"
        )
    return ResultSpec(spec.kind, buffers[0].size, spec.packed_order)
