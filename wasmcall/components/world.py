"""Read a compiled component's world (imports and exports) into WorldItem records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

from wasmcall.components.records import ComponentFunction, WorldItem
from wasmcall.components.types import ResourceNamer, signature_from_wasmtime

INTERFACE_SEPARATOR = "#"


def read_world(component: Any, engine: Any) -> tuple[tuple[WorldItem, ...], tuple[WorldItem, ...]]:
    """(imports, exports) of a ``wasmtime.component.Component``."""
    component_type = component.type
    imports = [(name, extern.ty) for name, extern in component_type.imports(engine).items()]
    exports = [(name, extern.ty) for name, extern in component_type.exports(engine).items()]
    names = resource_namer(imports + exports, engine)
    return (
        tuple(world_item(name, item, engine, names) for name, item in imports),
        tuple(world_item(name, item, engine, names) for name, item in exports),
    )


def resource_namer(items: Sequence[tuple[str, Any]], engine: Any) -> ResourceNamer:
    """Name resource types after their declarations in the world (types carry no names themselves)."""
    from wasmtime import component as c

    declared: list[tuple[str, Any]] = []
    for name, item in items:
        if isinstance(item, c.ResourceType):
            declared.append((name, item))
        elif isinstance(item, c.ComponentInstanceType):
            declared.extend(
                (member, extern.ty) for member, extern in item.exports(engine).items()
                if isinstance(extern.ty, c.ResourceType)
            )

    def name_of(resource: Any) -> Optional[str]:
        return next((name for name, candidate in declared if candidate == resource), None)

    return name_of


def world_item(name: str, item: Any, engine: Any, names: ResourceNamer) -> WorldItem:
    from wasmtime import component as c

    if isinstance(item, c.FuncType):
        return WorldItem(name, "func", (ComponentFunction(name, signature_from_wasmtime(item, names)),))
    if isinstance(item, c.ComponentInstanceType):
        members = {member: extern.ty for member, extern in item.exports(engine).items()}
        functions = tuple(
            ComponentFunction(member, signature_from_wasmtime(ty, names))
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
