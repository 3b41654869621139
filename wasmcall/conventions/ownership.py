"""Who owns what a call leaves in guest memory, and what to do when the guest disagrees.

The host owns a result it was handed in a buffer the convention says came
from the guest's allocator (malloc/alloc, wasm-bindgen, the canonical ABI's
post-return), and frees it after reading. It does not own results a garbage
collector owns: AssemblyScript objects (unpinned, never freed) and results
of a TinyGo module (its ``free`` only takes what ``malloc`` returned). When a
free traps anyway the result has already been read, so it is still shown,
with a warning instead of an error: losing an answer to a failed clean-up
helps nobody. A guest trapped in ``free`` may be left in a broken state, so
the warning says how to avoid the free altogether.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Optional

from wasmcall.arguments import ScalarArg, TypedArgument
from wasmcall.conventions.facts import ModuleFacts, Producers
from wasmcall.engines.base import CompiledModule, Signature
from wasmcall.errors import ConventionError, GuestAbortError, TrapError
from wasmcall.request import CallRequest

if TYPE_CHECKING:
    from wasmcall.conventions.asbindings import ExportTypes

KEEP_RESULT = "--keep-result"


def free_or_warn(free: Callable[[], None], producers: Producers) -> tuple[str, ...]:
    """Free a result the host owns; if the convention or the guest says otherwise, warn instead."""
    if producers.mentions("TinyGo"):
        return (f"the result was not freed: TinyGo's garbage collector owns it ({KEEP_RESULT} says so)",)
    try:
        free()
    except (TrapError, GuestAbortError) as error:
        return (
            f"the result was shown but could not be freed ({error}); the guest probably owns it "
            f"(a garbage-collected heap, for instance): pass {KEEP_RESULT} to leave it alone",
        )
    return ()


def looks_like_assemblyscript(compiled: CompiledModule) -> bool:
    """AssemblyScript modules import ``env.abort(message, file, line, column)`` (unless given another abort)."""
    return any(
        imp.module == "env" and imp.name == "abort" and imp.signature == Signature(("i32",) * 4, ())
        for imp in compiled.imports
    )


def require_runtime_exports(compiled: CompiledModule, arguments: Sequence[TypedArgument]) -> None:
    """An AssemblyScript build without its runtime exports cannot take buffers: say how to rebuild it."""
    needing_memory = [a for a in arguments if not isinstance(a, ScalarArg) and a.at is None]
    if not needing_memory or not looks_like_assemblyscript(compiled):
        return
    raise ConventionError(
        "the module looks like AssemblyScript built without its runtime exports (it imports env.abort "
        "but exports no __new/__pin/__unpin), so strings and buffers cannot be passed to it; rebuild it "
        "with asc --exportRuntime (or --bindings esm, which also writes the types beside it)"
    )


def result_types(request: CallRequest, facts: ModuleFacts, signature: Signature) -> Optional[ExportTypes]:
    """The AssemblyScript classes of this export: given with the request, else from the bindings."""
    from wasmcall.conventions.asbindings import parse_given_types  # AssemblyScript calls only

    types: Optional[ExportTypes]
    if request.assemblyscript_types is not None:
        types = parse_given_types(request.assemblyscript_types)
    elif facts.bindings is not None:
        types = facts.bindings.types_of(request.export)
    else:
        return None
    if types is not None and types.params and len(types.params) != len(signature.params):
        raise ConventionError(
            f"{len(types.params)} param types for {request.export!r} (from {types.source}), "
            f"but it is {signature}"
        )
    return types
