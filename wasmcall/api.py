"""The library surface: ``call`` and ``inspect``. Nothing here prints.

``call`` walks the pipeline once: read the module, compile it on the chosen
engine, pick the guest's convention, fit the arguments to the export's
signature, instantiate, copy buffers in, call, find and read the result, and
free what the host owns.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Optional, Union

from wasmcall.arguments import Argument, ScalarArg
from wasmcall.conventions.allocators import Allocator, make_allocator, to_i32
from wasmcall.conventions.detect import Convention, detect_convention
from wasmcall.conventions.marshal import plan_buffers, type_plain_values, write_arguments
from wasmcall.conventions.results import (
    Location,
    ResultKind,
    ResultSpec,
    locate_result,
    resolve_kind,
)
from wasmcall.engines import DEFAULT_ENGINE, load_engine
from wasmcall.engines.base import CompiledModule, ExportInfo, Instance, Limits, Linking
from wasmcall.errors import LoadError, SignatureMismatchError, UnknownExportError, UsageError
from wasmcall.modules import read_module
from wasmcall.records import CallResult, ModuleReport, ResultBytes

OUT_POINTER_SIZE = 8
OUT_POINTER_ALIGN = 4


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
) -> CallResult:
    """Call ``export`` of ``module`` with marshalled arguments and return what came back.

    ``untyped`` are plain values typed by the export's params (the CLI's
    positional VALUES), used instead of ``arguments``.
    ``result_length_of`` is ``--ret-len @K``: the result is as long as argument K.
    Raises a WasmcallError subclass (see ``wasmcall.errors``) on any failure.
    """
    compiled = compile_module(module, engine, limits)
    function = find_function(compiled, export)
    signature = function.signature
    assert signature is not None
    if untyped:
        arguments = type_plain_values(export, signature, untyped)
    detection = detect_convention(compiled, convention)
    allocator = choose_allocator(compiled, alloc or detection.alloc_name, free or detection.free_name)
    post_return = f"cabi_post_{export}"
    has_post_return = compiled.function(post_return) is not None
    kind = resolve_kind(result, signature, has_post_return)
    result = resolve_length(result, kind, arguments, result_length_of)
    reserved = 1 if kind is ResultKind.OUT else 0
    style = plan_buffers(export, signature, arguments, reserved)
    check_imports(compiled)

    instance = compiled.instantiate(Linking(), limits)
    try:
        if compiled.function("_initialize") is not None:
            instance.call("_initialize", [])
        out_ptr = None
        if kind is ResultKind.OUT:
            out_ptr = require(allocator, "--ret out").allocate(
                instance, OUT_POINTER_SIZE, OUT_POINTER_ALIGN
            )
        params, written = write_arguments(instance, allocator, arguments, style)
        if out_ptr is not None:
            params.insert(0, to_i32(out_ptr))
        started = time.perf_counter()
        values = instance.call(export, params)
        elapsed_ms = (time.perf_counter() - started) * 1000
        location = locate_result(kind, result, values, instance, out_ptr)
        data = None
        if location is not None:
            data = ResultBytes(location.ptr, instance.read(location.ptr, location.length))
            if not keep_result:
                post = post_return if has_post_return else None
                free_result(instance, allocator, kind, location, values, post)
        if allocator is not None:
            if out_ptr is not None:
                allocator.free(instance, out_ptr, OUT_POINTER_SIZE, OUT_POINTER_ALIGN)
            if free_inputs:
                for buffer in written:
                    allocator.free(instance, buffer.ptr, buffer.allocated)
    finally:
        instance.close()
    return CallResult(
        module=str(module),
        export=export,
        engine=engine,
        signature=signature,
        convention=detection.convention.value,
        values=values,
        result=data,
        elapsed_ms=elapsed_ms,
    )


def inspect(module: Union[str, Path], *, engine: str = DEFAULT_ENGINE) -> ModuleReport:
    """Describe a module's exports, imports, memories and detected convention."""
    compiled = compile_module(module, engine, Limits())
    detection = detect_convention(compiled)
    return ModuleReport(
        module=str(module),
        engine=engine,
        exports=compiled.exports,
        imports=compiled.imports,
        memories=tuple(e.memory for e in compiled.exports if e.memory is not None),
        convention=detection.convention.value,
        evidence=detection.evidence,
        wasi=any(i.module.startswith("wasi_") for i in compiled.imports),
    )


def compile_module(module: Union[str, Path], engine: str, limits: Limits) -> CompiledModule:
    source = read_module(module)
    return load_engine(engine, limits).compile(source, str(module))


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


def choose_allocator(
    compiled: CompiledModule, alloc_name: Optional[str], free_name: Optional[str]
) -> Optional[Allocator]:
    if alloc_name is None:
        return None
    return make_allocator(compiled, alloc_name, free_name)


def require(allocator: Optional[Allocator], purpose: str) -> Allocator:
    if allocator is None:
        raise UsageError(f"{purpose} needs guest memory, but the module exports no allocator")
    return allocator


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
            raise UsageError(f"--ret-len @{length_of}: there are {len(arguments)} arguments")
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


def check_imports(compiled: CompiledModule) -> None:
    """Fail before instantiation, listing every import nobody provides."""
    if compiled.imports:
        missing = "; ".join(item.describe() for item in compiled.imports)
        raise LoadError(f"the module needs imports wasmcall does not provide: {missing}")


def free_result(
    instance: Instance,
    allocator: Optional[Allocator],
    kind: ResultKind,
    location: Location,
    values: Sequence[object],
    post_return: Optional[str],
) -> None:
    """Free a result the host now owns: post-return for a return area, else the guest's free."""
    if kind is ResultKind.AREA and post_return is not None:
        instance.call(post_return, [values[0]])  # type: ignore[list-item]
    elif allocator is not None:
        allocator.free(instance, location.ptr, location.allocated)


__all__ = ["Convention", "call", "inspect"]
