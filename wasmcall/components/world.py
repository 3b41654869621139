"""Read a compiled component's world (imports and exports) into WorldItem records."""

from __future__ import annotations

from typing import Any

from wasmcall.components.records import ComponentFunction, WorldItem
from wasmcall.components.types import signature_from_wasmtime

INTERFACE_SEPARATOR = "#"


def read_world(component: Any, engine: Any) -> tuple[tuple[WorldItem, ...], tuple[WorldItem, ...]]:
    """(imports, exports) of a ``wasmtime.component.Component``."""
    component_type = component.type
    imports = tuple(world_item(name, extern.ty, engine) for name, extern in component_type.imports(engine).items())
    exports = tuple(world_item(name, extern.ty, engine) for name, extern in component_type.exports(engine).items())
    return imports, exports


def world_item(name: str, item: Any, engine: Any) -> WorldItem:
    from wasmtime import component as c

    if isinstance(item, c.FuncType):
        return WorldItem(name, "func", (ComponentFunction(name, signature_from_wasmtime(item)),))
    if isinstance(item, c.ComponentInstanceType):
        members = {member: extern.ty for member, extern in item.exports(engine).items()}
        functions = tuple(
            ComponentFunction(member, signature_from_wasmtime(ty))
            for member, ty in members.items() if isinstance(ty, c.FuncType)
        )
        resources = tuple(member for member, ty in members.items() if isinstance(ty, c.ResourceType))
        return WorldItem(name, "interface", functions, resources)
    kinds = {c.ResourceType: "resource", c.ComponentType: "component", c.ModuleType: "module"}
    return WorldItem(name, next((k for cls, k in kinds.items() if isinstance(item, cls)), "type"))


def exported_functions(exports: tuple[WorldItem, ...]) -> dict[str, ComponentFunction]:
    """Every callable export by the name it is called with: ``func`` or ``interface#func``."""
    found: dict[str, ComponentFunction] = {}
    for item in exports:
        for function in item.functions:
            name = function.name if item.kind == "func" else f"{item.name}{INTERFACE_SEPARATOR}{function.name}"
            found[name] = ComponentFunction(name, function.signature)
    return found
