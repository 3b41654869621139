"""Show component results and reports: WAVE text, rich on a terminal, JSON, raw bytes.

Piped output is the result's WAVE text, exactly what ``--expect`` compares.
On a terminal a ``string`` result is shown as its text and a ``list<u8>`` as a
hexdump, the way core modules' buffers are; everything else as WAVE.
"""

from __future__ import annotations

import sys
from typing import IO, Any, Optional

from wasmcall.color import make_console
from wasmcall.components.json_values import json_value
from wasmcall.components.records import ComponentCallResult, ComponentReport, WorldItem
from wasmcall.components.types import ListType, Primitive, render_type
from wasmcall.components.wit import world_lines, world_text
from wasmcall.dump import hexdump_lines
from wasmcall.render import ENVELOPE_VERSION, print_summary, write_guest_output, write_json
from wasmcall.terminal import escape_controls

STRING = Primitive("string")
BYTES = ListType(Primitive("u8"))


def call_envelope(result: ComponentCallResult) -> dict[str, Any]:
    """``call --json`` for a component (docs/components.md)."""
    result_type = result.signature.result
    document: dict[str, Any] = {
        "wasmcall": ENVELOPE_VERSION,
        "module": result.module,
        "export": result.export,
        "engine": result.engine,
        "component": True,
        "signature": str(result.signature),
        "value": None if result_type is None else json_value(result.value, result_type),
        "wave": result.wave,
        "elapsed_ms": round(result.elapsed_ms, 3),
    }
    document.update(guest_output(result))
    return document


def guest_output(result: ComponentCallResult) -> dict[str, str]:
    """What a WASI guest wrote, decoded leniently; absent for components without WASI."""
    if result.stdout is None or result.stderr is None:
        return {}
    return {
        "stdout": result.stdout.decode("utf-8", errors="replace"),
        "stderr": result.stderr.decode("utf-8", errors="replace"),
    }


def result_bytes(result: ComponentCallResult) -> Optional[bytes]:
    """The bytes of a ``string`` or ``list<u8>`` result, None for any other type."""
    if result.signature.result == STRING:
        return str(result.value).encode("utf-8")
    if result.signature.result == BYTES:
        return bytes(result.value)
    return None


def show_component_result(
    result: ComponentCallResult, mode: str, stdout: Optional[IO[str]] = None, stderr: Optional[IO[str]] = None,
    guest_stdout: str = "stderr",
) -> None:
    """Render for ``mode``: ``json``, ``raw``, ``rich`` or ``plain``; guest output as for a core module."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if mode == "json":
        write_json(call_envelope(result), stdout)
        return
    write_guest_output(result.stdout, result.stderr, stderr, stdout if guest_stdout == "stdout" else None)
    if mode == "raw":
        stdout.flush()
        write_raw(result, stdout.buffer)  # type: ignore[union-attr]
    elif mode == "rich":
        show_rich(result, stdout, stderr)
    elif result.wave is not None:
        stdout.write(result.wave + "\n")


def write_raw(result: ComponentCallResult, stream: IO[bytes]) -> None:
    """The bytes of a string or list<u8> result; any other result as its WAVE text."""
    data = result_bytes(result)
    if data is not None:
        stream.write(data)
    elif result.wave is not None:
        stream.write(result.wave.encode("utf-8") + b"\n")
    stream.flush()


def show_rich(result: ComponentCallResult, stdout: IO[str], stderr: IO[str]) -> None:
    from rich.text import Text

    out = make_console(stdout)
    if result.signature.result == STRING:
        out.print(Text(escape_controls(result.value)), soft_wrap=True)
    elif result.signature.result == BYTES:
        for lines in hexdump_lines(bytes(result.value)):
            stdout.write(lines)
    elif result.wave is not None:
        out.print(Text(escape_controls(result.wave), style="bold"), soft_wrap=True)
    summary = f"{result.export}: {result.signature} · {result.engine} · component · {result.elapsed_ms:.3f} ms"
    print_summary(summary, stderr)


def report_envelope(report: ComponentReport) -> dict[str, Any]:
    """``inspect --json`` for a component (docs/components.md)."""
    return {
        "wasmcall": ENVELOPE_VERSION,
        "module": report.module,
        "engine": report.engine,
        "component": True,
        "wasi": report.wasi,
        "imports": [item_json(item) for item in report.imports],
        "exports": [item_json(item) for item in report.exports],
        "wit": world_text(report),
    }


def item_json(item: WorldItem) -> dict[str, Any]:
    return {
        "name": item.name,
        "kind": item.kind,
        "functions": [
            {
                "name": function.name,
                "params": [{"name": p.name, "type": render_type(p.type)} for p in function.signature.params],
                "result": None if function.signature.result is None else render_type(function.signature.result),
            }
            for function in item.functions
        ],
        "resources": list(item.resources),
    }


def report_lines(report: ComponentReport) -> list[str]:
    """The plain view of ``inspect``: a few facts, then the world in WIT."""
    return [
        f"module:     {report.module}",
        f"engine:     {report.engine}",
        "kind:       component",
        f"wasi:       {'yes (preview 2)' if report.wasi else 'no'}",
        *world_lines(report),
    ]


def show_component_report(report: ComponentReport, mode: str, stdout: Optional[IO[str]] = None) -> None:
    stdout = stdout or sys.stdout
    if mode == "json":
        write_json(report_envelope(report), stdout)
        return
    lines = report_lines(report)
    if mode == "plain":
        stdout.write("\n".join(lines) + "\n")
        return
    from rich.text import Text

    console = make_console(stdout)
    for line in lines[:4]:
        console.print(line, markup=False)
    for line in lines[4:]:
        style = "bold" if line.startswith("world") else ""
        console.print(Text(escape_controls(line), style=style), soft_wrap=True)
