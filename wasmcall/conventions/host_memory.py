"""Hosts that use guest memory directly: the ``--at``, ``--out``, ``--ret arg:K``, ``--ret from:NAME``
and ``--dump`` words.

Some published modules cannot be driven through an allocator alone, because
their hosts do one of these:
- write the input at a fixed address the guest publishes (hash-wasm's
  ``Hash_GetBuffer()``), often passing only its length (``--at``);
- hand the guest a buffer to write into and take back as many bytes as it
  says it wrote (``--out N`` with ``--ret arg:K``);
- take the result's pointer from a second export, the call returning only
  its length (``--ret from:NAME``).
Planning checks the names against the module; executing resolves addresses
on the live instance (a global's value, a getter's result) when the call runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Optional

from msgspec import Struct

from wasmcall.arguments import ScalarArg, TypedArgument
from wasmcall.conventions.allocators import unsigned32
from wasmcall.conventions.marshal import Written, fill_buffer, place_buffer
from wasmcall.conventions.results import INTEGER_RESULTS, Location, ResultKind, ResultSpec, sized
from wasmcall.engines.base import CompiledModule, Instance, Signature, Value
from wasmcall.errors import OutOfBoundsError, SignatureMismatchError, UsageError
from wasmcall.records import MemoryDump

if TYPE_CHECKING:
    from wasmcall.memory_view import Address


class HostMemory(Struct, frozen=True):
    """What the memory words decided: where buffers go, where the result is, what to dump.

    ``placements`` runs parallel to the arguments. ``written_only`` placed
    buffers fill no params: the guest already knows where they are and takes
    only what the other arguments give (hash-wasm's ``Hash_Update(length)``).
    """

    placements: tuple[Optional[Address], ...] = ()
    written_only: bool = False
    source: Optional[Address] = None
    dumps: tuple[tuple[Address, int], ...] = ()

    def placed(self, index: int) -> bool:
        return index < len(self.placements) and self.placements[index] is not None

    def filling(self, arguments: Sequence[TypedArgument]) -> list[TypedArgument]:
        """The arguments that fill the export's params."""
        return [a for i, a in enumerate(arguments) if not (self.written_only and self.placed(i))]


def plan_host_memory(
    compiled: CompiledModule,
    arguments: Sequence[TypedArgument],
    spec: ResultSpec,
    dumps: Sequence[tuple[str, int]],
    fits: bool,
    managed: bool,
) -> HostMemory:
    """Check the memory words against the module; ``fits`` says whether every argument fits a param."""
    placements = tuple(
        None if isinstance(a, ScalarArg) or a.at is None else resolve_word(compiled, a.at, "--at")
        for a in arguments
    )
    if managed and (any(placements) or spec.kind in (ResultKind.ARG, ResultKind.FROM)):
        raise UsageError("--at, --ret arg:K and --ret from:NAME do not apply to AssemblyScript objects")
    if spec.kind is ResultKind.ARG:
        check_argument_buffer(arguments, spec.argument)
    source = resolve_word(compiled, spec.source, "--ret from") if spec.source is not None else None
    planned = tuple((resolve_word(compiled, text, "--dump"), length) for text, length in dumps)
    return HostMemory(placements, any(placements) and not fits, source, planned)


def resolve_word(compiled: CompiledModule, text: str, word: str) -> Address:
    """A memory word's address; the parser loads only when a call has one (most calls have none)."""
    from wasmcall.memory_view import plan_address

    return plan_address(compiled, text, word)


def check_argument_buffer(arguments: Sequence[TypedArgument], index: Optional[int]) -> None:
    """``--ret arg:K`` needs argument K, and it must be a buffer."""
    assert index is not None
    if not 0 <= index < len(arguments):
        given = f"{len(arguments)} {'was' if len(arguments) == 1 else 'were'} given"
        raise UsageError(f"--ret arg:{index}: no argument {index} (they count from 0; {given})")
    if isinstance(arguments[index], ScalarArg):
        raise UsageError(f"--ret arg:{index}: argument {index} is a number, not a buffer")


def resolve_placements(instance: Instance, memory: HostMemory) -> list[Optional[int]]:
    return [None if p is None else p.resolve(instance, "--at") for p in memory.placements]


def write_placed_only(
    instance: Instance, memory: HostMemory, arguments: Sequence[TypedArgument], placed: Sequence[Optional[int]]
) -> dict[int, Written]:
    """Write the buffers that fill no params (the guest knows where they are); by argument index."""
    written: dict[int, Written] = {}
    if not memory.written_only:
        return written
    for index, argument in enumerate(arguments):
        at = placed[index]
        if at is None or isinstance(argument, ScalarArg):
            continue
        fill_buffer(instance, place_buffer(instance, at, argument.size, argument), argument)
        written[index] = Written(at, argument.size, 0, placed=True)
    return written


def locate_host_result(
    instance: Instance,
    spec: ResultSpec,
    memory: HostMemory,
    signature: Signature,
    values: Sequence[Value],
    buffers: dict[int, Written],
) -> Location:
    """Where ``--ret arg:K`` or ``--ret from:NAME`` finds the result, bounds-checked."""
    count = written_count(signature, values)
    if spec.kind is ResultKind.ARG:
        assert spec.argument is not None
        buffer = buffers[spec.argument]
        if count is None:
            return Location(buffer.ptr, buffer.length, 0)
        if count > buffer.length:
            raise OutOfBoundsError(
                f"the export says it wrote {count} bytes into argument {spec.argument}, "
                f"whose buffer holds {buffer.length}"
            )
        return Location(buffer.ptr, count, 0)
    assert memory.source is not None
    ptr = memory.source.resolve(instance, "--ret from")
    length = spec.length if spec.length is not None else count
    if length is None:
        raise SignatureMismatchError(
            f"--ret from:{memory.source.text} needs the result's length: give --ret-len N"
        )
    location = sized(ptr, length, instance)
    return Location(location.ptr, location.length, 0)


def written_count(signature: Signature, values: Sequence[Value]) -> Optional[int]:
    """The call's one integer result read as a byte count, or None when it returns none."""
    if signature.results not in INTEGER_RESULTS:
        return None
    count = int(values[0])
    if count < 0 or count >= 2**32:
        raise OutOfBoundsError(f"the export returned {count} as a byte count")
    return count if signature.results == ("i64",) else unsigned32(count)


def take_dumps(instance: Instance, memory: HostMemory) -> tuple[MemoryDump, ...]:
    """``--dump ADDR:LEN``: copies of guest memory right after the call, before anything is freed."""
    dumps = []
    for address, length in memory.dumps:
        ptr = address.resolve(instance, "--dump")
        dumps.append(MemoryDump(address.text, ptr, instance.read(ptr, length, f"--dump {address.text}")))
    return tuple(dumps)
