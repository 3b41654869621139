"""Recognise a guest's toolchain convention from its export names alone.

Users point wasmcall at whatever their toolchain produced, so the common
shapes must work with no flags; ``--convention``, ``--alloc`` and ``--free``
override what is found here.
"""

from __future__ import annotations

from enum import Enum
from typing import Optional

from msgspec import Struct

from wasmcall.engines.base import CompiledModule, Signature
from wasmcall.errors import ConventionError


class Convention(str, Enum):
    """Guest conventions, most specific first: detection takes the first match."""

    ASSEMBLYSCRIPT = "assemblyscript"
    WASM_BINDGEN = "wasm-bindgen"
    CANONICAL = "canonical"
    ALLOC = "alloc"
    MALLOC = "malloc"
    NONE = "none"


class Rule(Struct, frozen=True):
    """Export names that identify a convention: any one allocator name, any one free name."""

    alloc_names: tuple[str, ...]
    free_names: tuple[str, ...]


RULES = {
    Convention.ASSEMBLYSCRIPT: Rule(("__new", "__alloc"), ("__unpin", "__release")),
    Convention.WASM_BINDGEN: Rule(("__wbindgen_malloc",), ("__wbindgen_free",)),
    Convention.CANONICAL: Rule(("cabi_realloc", "cm32p2_realloc"), ()),
    Convention.ALLOC: Rule(("alloc", "allocate"), ("dealloc", "deallocate")),
    Convention.MALLOC: Rule(("malloc",), ("free",)),
}


class Detection(Struct, frozen=True):
    """What was found: the convention, its allocator names and the exports that prove it."""

    convention: Convention
    alloc_name: Optional[str]
    free_name: Optional[str]

    @property
    def evidence(self) -> tuple[str, ...]:
        return tuple(name for name in (self.alloc_name, self.free_name) if name)


def first_function(module: CompiledModule, names: tuple[str, ...]) -> Optional[str]:
    return next((name for name in names if module.function(name) is not None), None)


# An AssemblyScript runtime is all three of its exports: since 0.18, then before it.
AS_RUNTIMES = (("__new", "__pin", "__unpin"), ("__alloc", "__retain", "__release"))
# wasm-bindgen 0.2.100+ numbers its exports (__wbindgen_export_0, ...); their shapes say which is which.
BINDGEN_PREFIX = "__wbindgen_"
BINDGEN_MALLOC = Signature(("i32", "i32"), ("i32",))
BINDGEN_FREE = Signature(("i32", "i32", "i32"), ())
# Zig and Rust-style allocators free with (ptr, len): a free of that shape pairs with alloc.
SIZED_FREE = Signature(("i32", "i32"), ())


def match_rule(module: CompiledModule, convention: Convention) -> Optional[Detection]:
    rule = RULES[convention]
    if convention is Convention.ASSEMBLYSCRIPT:
        return match_assemblyscript(module)
    alloc_name = first_function(module, rule.alloc_names)
    if alloc_name is None:
        return match_bindgen_shapes(module) if convention is Convention.WASM_BINDGEN else None
    free_name = first_function(module, rule.free_names)
    if convention is Convention.ALLOC and free_name is None and has_signature(module, "free", SIZED_FREE):
        free_name = "free"
    return Detection(convention, alloc_name, free_name)


def match_assemblyscript(module: CompiledModule) -> Optional[Detection]:
    for new, _, let_go in (r for r in AS_RUNTIMES if all(module.function(name) for name in r)):
        return Detection(Convention.ASSEMBLYSCRIPT, new, let_go)
    return None


def has_signature(module: CompiledModule, name: str, signature: Signature) -> bool:
    function = module.function(name)
    return function is not None and function.signature == signature


def match_bindgen_shapes(module: CompiledModule) -> Optional[Detection]:
    """wasm-bindgen 0.2.100+: a shadow-stack export plus numbered malloc(size, align) and free(ptr, len, align)."""
    if module.function(BINDGEN_PREFIX + "add_to_stack_pointer") is None:
        return None
    numbered = sorted(
        (name for name in module.functions if name.startswith(BINDGEN_PREFIX + "export_")),
        key=lambda name: (len(name), name),
    )
    malloc = next((n for n in numbered if has_signature(module, n, BINDGEN_MALLOC)), None)
    free = next((n for n in numbered if has_signature(module, n, BINDGEN_FREE)), None)
    return Detection(Convention.WASM_BINDGEN, malloc, free) if malloc else None


def detect_convention(module: CompiledModule, requested: Optional[str] = None) -> Detection:
    """The requested convention (checked against the exports), else the first that matches."""
    if requested is not None:
        convention = Convention(requested)
        if convention is Convention.NONE:
            return Detection(convention, None, None)
        found = match_rule(module, convention)
        if found is None:
            wanted = " or ".join(RULES[convention].alloc_names)
            raise ConventionError(
                f"--convention {requested}: the module does not export {wanted}"
            )
        return found
    for convention in RULES:
        found = match_rule(module, convention)
        if found is not None:
            return found
    return Detection(Convention.NONE, None, None)


def searched_names() -> str:
    """Every allocator name detection looks for, for error messages."""
    return ", ".join(name for rule in RULES.values() for name in rule.alloc_names)
