"""One call through the guest's convention: plan it, then run it on a live instance.

Planning checks everything that can be checked before the guest runs a
single instruction (the export exists, the arguments fit its signature, the
result kind fits its results, an allocator is there when buffers need one).
Executing allocates and writes the arguments, calls, reads the result back
and frees what the host owns. Both halves live here so that ownership rules
(who frees what) sit next to the code that allocates.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Optional

from msgspec import Struct, field
from msgspec.structs import replace

from wasmcall.arguments import PlainValue, ScalarArg, TypedArgument
from wasmcall.conventions.allocators import Allocator, make_allocator, to_i32, unsigned32
from wasmcall.conventions.detect import BINDGEN_PREFIX, Convention, Detection, detect_convention
from wasmcall.conventions.facts import ModuleFacts
from wasmcall.conventions.hints import result_hints
from wasmcall.conventions.host_memory import (
    HostMemory,
    locate_host_result,
    plan_host_memory,
    resolve_placements,
    take_dumps,
    write_placed_only,
)
from wasmcall.conventions.marshal import (
    BufferStyle,
    Written,
    params_needed,
    plan_buffers,
    type_plain_values,
    write_arguments,
)
from wasmcall.conventions.ownership import free_or_warn, require_runtime_exports, result_types
from wasmcall.conventions.results import Location, ResultKind, ResultSpec, locate_result, resolve_kind
from wasmcall.engines.base import CompiledModule, ExportInfo, Instance, Signature, Value, unmarshallable
from wasmcall.engines.traps import count_list
from wasmcall.errors import SignatureMismatchError, UnknownExportError, UsageError
from wasmcall.records import MemoryDump, ResultBytes
from wasmcall.request import CallRequest

if TYPE_CHECKING:
    from wasmcall.conventions.asbindings import ExportTypes
    from wasmcall.trace import TraceStep

OUT_POINTER_SIZE = 8
OUT_POINTER_ALIGN = 4
BINDGEN_STACK = "__wbindgen_add_to_stack_pointer"
BINDGEN_FRAME = 16
CLOSE_MATCH_LIMIT = 10_000  # difflib over 100,000 names takes seconds
NO_FACTS = ModuleFacts()


class Plan(Struct, frozen=True):
    """Everything decided before the guest runs."""

    export: str
    signature: Signature
    arguments: tuple[TypedArgument, ...]
    detection: Detection
    allocator: Optional[Allocator]
    kind: ResultKind
    result: ResultSpec
    style: BufferStyle
    post_return: Optional[str]
    free_inputs: bool
    keep_result: bool
    trace: bool = False
    memory: HostMemory = field(default_factory=HostMemory)
    facts: ModuleFacts = NO_FACTS
    types: Optional[ExportTypes] = None
    """AssemblyScript: the classes of the params and result, when the bindings or the user say."""


class Execution(Struct, frozen=True):
    """What one executed plan produced: raw values, result bytes, the export's own time, traced steps;
    ``warnings`` about what could not be done as asked, ``hints`` about what the values look like."""

    values: tuple[Value, ...]
    result: Optional[ResultBytes]
    elapsed_ms: float
    trace: tuple[TraceStep, ...] = ()
    dumps: tuple[MemoryDump, ...] = ()
    warnings: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()


def plan_call(compiled: CompiledModule, request: CallRequest, facts: ModuleFacts = NO_FACTS) -> Plan:
    """Check the request against the module; raise a UsageError subclass for anything that cannot work."""
    signature = marshallable_signature(request.export, find_function(compiled, request.export).signature)
    arguments = typed_arguments(request, signature)
    detection = detect_convention(compiled, request.convention)
    managed = detection.convention is Convention.ASSEMBLYSCRIPT
    allocator = None
    if not managed and (request.alloc or detection.alloc_name):
        allocator = make_allocator(
            compiled, request.alloc or detection.alloc_name or "", request.free or detection.free_name
        )
    if allocator is None and not managed:
        require_runtime_exports(compiled, arguments)
    types = result_types(request, facts, signature) if managed else None
    post_return = f"cabi_post_{request.export}"
    has_post_return = compiled.function(post_return) is not None
    spec = request.result
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
    spec = resolve_length(spec, kind, arguments, request.result_length_of)
    reserved = 1 if kind is ResultKind.OUT else 0
    memory = plan_host_memory(
        compiled, arguments, spec, request.dumps, fits(request.export, signature, arguments, reserved, managed),
        managed,
    )
    style = plan_buffers(request.export, signature, memory.filling(arguments), reserved, managed)
    return Plan(
        request.export, signature, arguments, detection, allocator, kind, spec, style,
        post_return if has_post_return else None, request.free_inputs, request.keep_result, request.trace,
        memory, facts, types,
    )


def fits(
    name: str, signature: Signature, arguments: Sequence[TypedArgument], reserved: int, managed: bool
) -> bool:
    """Whether every argument, placed ones included, fills params (else placed ones are only written)."""
    try:
        plan_buffers(name, signature, arguments, reserved, managed)
    except SignatureMismatchError:
        return False
    return True


def marshallable_signature(export: str, signature: Optional[Signature]) -> Signature:
    """The export's signature, or a UsageError naming the types wasmcall cannot pass or read (v128, references)."""
    if signature is None:
        raise UsageError(f"export {export!r} has a function type wasmcall cannot read")
    unknown = unmarshallable(signature)
    if unknown:
        raise UsageError(
            f"export {export!r} has the signature {signature}: wasmcall cannot pass or read "
            f"{' or '.join(unknown)} values (only i32, i64, f32 and f64)"
        )
    return signature


def typed_arguments(request: CallRequest, signature: Signature) -> tuple[TypedArgument, ...]:
    """The request's arguments with plain values typed by the params they land on."""
    if request.untyped:
        texts = [a.text for a in request.arguments if isinstance(a, PlainValue)]
        return tuple(type_plain_values(request.export, signature, texts))
    return tuple(a for a in request.arguments if not isinstance(a, PlainValue))


def execute(instance: Instance, plan: Plan) -> Execution:
    """Run the plan; a traced plan records every step it takes on the instance."""
    if not plan.trace:
        return execute_steps(instance, plan)
    from wasmcall.trace import tracing  # only traced calls need the recorder

    with tracing(instance, trace_roles(plan)) as traced:
        execution = execute_steps(traced, plan)
        return replace(execution, trace=tuple(traced.log.steps))


def trace_roles(plan: Plan) -> dict[str, str]:
    """What each export wasmcall may call stands for in this call, to name the trace's steps."""
    roles = {BINDGEN_STACK: "stack", "__new": "alloc", "__pin": "pin", "__unpin": "unpin",
             "__alloc": "alloc", "__retain": "pin", "__release": "unpin"}
    if plan.allocator is not None:
        roles[plan.allocator.alloc_name] = "alloc"
        if plan.allocator.free_name is not None:
            roles[plan.allocator.free_name] = "free"
    if plan.post_return is not None:
        roles[plan.post_return] = "post-return"
    roles[plan.export] = "call"
    return roles


def execute_steps(instance: Instance, plan: Plan) -> Execution:
    """Write the arguments, call the export, read the result and free what the host owns."""
    if plan.style is BufferStyle.MANAGED:
        return execute_managed(instance, plan)
    scratch = OutPointer(instance, plan.allocator) if plan.kind is ResultKind.OUT else None
    params, written, buffers = write_all(instance, plan)
    if scratch is not None:
        params.insert(0, to_i32(scratch.ptr))
    values, elapsed_ms = timed_call(instance, plan.export, params)
    host_words = plan.kind in (ResultKind.ARG, ResultKind.FROM)  # the host's buffer, or the guest's static
    if host_words:
        location: Optional[Location] = locate_host_result(
            instance, plan.result, plan.memory, plan.signature, values, buffers
        )
    else:
        location = locate_result(plan.kind, plan.result, values, instance, scratch.ptr if scratch else None)
    data = None
    warnings: tuple[str, ...] = ()
    if location is not None:
        data = ResultBytes(location.ptr, instance.read(location.ptr, location.length))
    dumps = take_dumps(instance, plan.memory)
    if location is not None and not host_words and not plan.keep_result:
        found = location
        warnings = free_or_warn(lambda: free_result(instance, plan, found.ptr, found.allocated, values),
                                plan.facts.producers)
    if scratch is not None:
        scratch.release()
    if plan.free_inputs:
        release_inputs(instance, plan.allocator, written)
    hints = result_hints(instance, plan, values) if plan.result.kind is ResultKind.AUTO and data is None else ()
    return Execution(values, data, elapsed_ms, dumps=dumps, warnings=warnings, hints=hints)


def write_all(instance: Instance, plan: Plan) -> tuple[list[Value], list[Written], dict[int, Written]]:
    """Write every buffer: placed ones that fill no params first, then the rest in order.

    Returns the params, the buffers that fill params, and every buffer by argument index.
    """
    placed = resolve_placements(instance, plan.memory)
    buffers = write_placed_only(instance, plan.memory, plan.arguments, placed)
    filling = [i for i in range(len(plan.arguments)) if i not in buffers]
    params, written = write_arguments(
        instance, plan.allocator, [plan.arguments[i] for i in filling], plan.style, [placed[i] for i in filling],
        plan.result.packed_order,
    )
    buffer_indexes = [i for i in filling if not isinstance(plan.arguments[i], ScalarArg)]
    buffers.update(zip(buffer_indexes, written, strict=True))
    return params, written, buffers


def execute_managed(instance: Instance, plan: Plan) -> Execution:
    """AssemblyScript: pinned managed objects in, a string or ArrayBuffer (or a number) out."""
    from wasmcall.conventions import assemblyscript  # its runtime tables load only for AssemblyScript guests

    runtime = assemblyscript.runtime_named(plan.detection.alloc_name)
    objects = assemblyscript.ManagedObjects(
        runtime, lambda: assemblyscript.runtime_types(instance, plan.facts, runtime)
    )
    params = objects.write(instance, plan.arguments, plan.types, plan.export)
    values, elapsed_ms = timed_call(instance, plan.export, params)
    data = None
    if plan.result.kind is not ResultKind.VALUE:
        data = assemblyscript.read_object(instance, values, runtime, lambda: objects.rtti, plan.types)
    dumps = take_dumps(instance, plan.memory)
    objects.release(instance)
    if data is not None and runtime.results_are_held and not plan.keep_result:
        assemblyscript.let_go(instance, runtime, values[0])
    return Execution(values, data, elapsed_ms, dumps=dumps, warnings=tuple(objects.warnings))


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
        bindgen = allocator is not None and allocator.alloc_name.startswith(BINDGEN_PREFIX)
        self.on_stack = bindgen and instance.has_function(BINDGEN_STACK)
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
        if not buffer.placed:  # --at memory was never the allocator's to give back
            allocator.free(instance, buffer.ptr, buffer.allocated)


def find_function(compiled: CompiledModule, name: str) -> ExportInfo:
    """The function export ``name``, or an error naming the closest match and a few exports."""
    function = compiled.function(name)
    if function is not None:
        return function
    import difflib  # only a wrong name needs it

    names = [e.name for e in compiled.exports if e.kind == "func"]
    close = difflib.get_close_matches(name, names, n=1) if len(names) <= CLOSE_MATCH_LIMIT else []
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listing = count_list(names) if names else "none"
    raise UnknownExportError(f"no function export {name!r}{hint} (exports: {listing})")


def resolve_length(
    spec: ResultSpec, kind: ResultKind, arguments: Sequence[TypedArgument], length_of: Optional[int]
) -> ResultSpec:
    """Fix ``--ret ptr``'s length: given, the length of argument K, or of the only buffer."""
    if kind is ResultKind.FROM and length_of is None:
        return spec  # --ret-len N, or else the call's integer result
    if kind not in (ResultKind.PTR, ResultKind.FROM):
        if spec.length is not None or length_of is not None:
            raise UsageError(f"--ret-len applies only to --ret ptr and --ret from:NAME, not --ret {kind.value}")
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
        return replace(spec, length=target.size)
    if kind is ResultKind.FROM:
        return spec
    buffers = [a for a in arguments if not isinstance(a, ScalarArg)]
    if len(buffers) != 1:
        raise SignatureMismatchError(
            "--ret ptr needs the result's length: give --ret-len N or --ret-len @K "
            "(the length of argument K)"
        )
    return ResultSpec(spec.kind, buffers[0].size, spec.packed_order)
