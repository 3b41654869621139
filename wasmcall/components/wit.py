"""Render a component's world as WIT text, the way ``inspect`` shows it.

Named types (records, variants, enums, flags) appear inline because the
component keeps their names only in a debug section wasmtime does not expose.
"""

from __future__ import annotations

from wasmcall.components.records import ComponentReport, WorldItem

INDENT = "  "


def world_lines(report: ComponentReport) -> list[str]:
    """``world component { import ...; export ...; }`` as lines of WIT."""
    lines = ["world component {"]
    for direction, items in (("import", report.imports), ("export", report.exports)):
        for item in items:
            lines.extend(INDENT + line for line in item_lines(direction, item))
    lines.append("}")
    return lines


def item_lines(direction: str, item: WorldItem) -> list[str]:
    if item.kind == "func":
        return [f"{direction} {item.name}: {item.functions[0].signature};"]
    if item.kind != "interface":
        return [f"{direction} {item.name}; // {item.kind}"]
    members = [f"resource {name};" for name in item.resources]
    members += [f"{function.name}: {function.signature};" for function in item.functions]
    if not members:
        return [f"{direction} {item.name}: interface {{}}"]
    return [f"{direction} {item.name}: interface {{", *(INDENT + m for m in members), "}"]


def world_text(report: ComponentReport) -> str:
    return "\n".join(world_lines(report)) + "\n"
