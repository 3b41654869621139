"""Recognise a guest's toolchain convention from its export names alone.

Users point wasmcall at whatever their toolchain produced, so the common
shapes must work with no flags; ``--convention``, ``--alloc`` and ``--free``
override what is found here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional

from wasmcall.engines.base import CompiledModule
from wasmcall.errors import ConventionError


class Convention(str, Enum):
    """Guest conventions, most specific first: detection takes the first match."""

    ASSEMBLYSCRIPT = "assemblyscript"
    WASM_BINDGEN = "wasm-bindgen"
    CANONICAL = "canonical"
    ALLOC = "alloc"
    MALLOC = "malloc"
    NONE = "none"


@dataclass(frozen=True)
class Rule:
    """Export names that identify a convention: any one allocator name, any one free name."""

    alloc_names: tuple[str, ...]
    free_names: tuple[str, ...]


RULES = {
    Convention.ASSEMBLYSCRIPT: Rule(("__new",), ("__unpin",)),
    Convention.WASM_BINDGEN: Rule(("__wbindgen_malloc",), ("__wbindgen_free",)),
    Convention.CANONICAL: Rule(("cabi_realloc", "cm32p2_realloc"), ()),
    Convention.ALLOC: Rule(("alloc", "allocate"), ("dealloc", "deallocate")),
    Convention.MALLOC: Rule(("malloc",), ("free",)),
}


@dataclass(frozen=True)
class Detection:
    """What was found: the convention, its allocator names and the exports that prove it."""

    convention: Convention
    alloc_name: Optional[str]
    free_name: Optional[str]

    @property
    def evidence(self) -> tuple[str, ...]:
        return tuple(name for name in (self.alloc_name, self.free_name) if name)


def first_function(module: CompiledModule, names: tuple[str, ...]) -> Optional[str]:
    return next((name for name in names if module.function(name) is not None), None)


def match_rule(module: CompiledModule, convention: Convention) -> Optional[Detection]:
    rule = RULES[convention]
    alloc_name = first_function(module, rule.alloc_names)
    if alloc_name is None:
        return None
    if convention is Convention.ASSEMBLYSCRIPT and not all(
        module.function(name) for name in ("__new", "__pin", "__unpin")
    ):
        return None
    return Detection(convention, alloc_name, first_function(module, rule.free_names))


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
