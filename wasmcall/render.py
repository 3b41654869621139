"""Show a result to people (rich on a terminal, plain text when piped) or to
programs (the versioned JSON envelope, or the raw bytes).

rich is imported only for a terminal, so piped and ``--json`` runs do not pay
for it. Guest text is never interpreted as rich markup, and on a terminal its
control characters are shown escaped so a guest cannot drive the terminal.
"""

from __future__ import annotations

import json
import re
import sys
from typing import IO, TYPE_CHECKING, Any, Optional, Union

from wasmcall.errors import ExpectationError, WasmcallError
from wasmcall.records import CallResult, ModuleReport
from wasmcall.suggest import command_line
from wasmcall.values import format_value, json_value, typed_values

if TYPE_CHECKING:
    from wasmcall.components.records import ComponentCallResult, ComponentReport

ENVELOPE_VERSION = 1
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HEX_WIDTH = 16


def envelope(result: CallResult) -> dict[str, Any]:
    """The JSON envelope, version 1 (docs/json-output.md is its contract)."""
    data = result.result
    return {
        "wasmcall": ENVELOPE_VERSION,
        "module": result.module,
        "export": result.export,
        "engine": result.engine,
        "values": [json_value(v, t) for v, t in typed_values(result)],
        "result": None if data is None else {
            "ptr": data.ptr, "len": data.length, "hex": data.data.hex(), "text": data.text,
        },
        "elapsed_ms": round(result.elapsed_ms, 3),
        **guest_output_fields(result),
    }


def guest_output_fields(result: CallResult) -> dict[str, str]:
    """A WASI guest's stdout and stderr, decoded leniently; absent for guests without WASI."""
    if result.stdout is None or result.stderr is None:
        return {}
    return {
        "stdout": result.stdout.decode("utf-8", errors="replace"),
        "stderr": result.stderr.decode("utf-8", errors="replace"),
    }


def write_guest_output(result: CallResult, stream: IO[str], escape: bool) -> None:
    """Show what a WASI guest printed on wasmcall's stderr, labelled, never mixed with the result."""
    for name, text in guest_output_fields(result).items():
        for line in text.splitlines():
            stream.write(f"[guest {name}] {escape_controls(line) if escape else line}\n")


def error_envelope(error: WasmcallError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": error.kind, "message": error.message, "exit_code": int(error.exit_code),
    }
    if isinstance(error, ExpectationError):
        body.update(expected=error.expected, actual=error.actual)
    return {"wasmcall": ENVELOPE_VERSION, "error": body}


def report_envelope(report: ModuleReport) -> dict[str, Any]:
    """``inspect --json``: DESIGN.md's shape plus evidence, start and suggested calls."""
    suggestions = dict(report.suggestions)
    return {
        "wasmcall": ENVELOPE_VERSION,
        "module": report.module,
        "engine": report.engine,
        "exports": [
            {
                "name": e.name, "kind": e.kind,
                "params": list(e.signature.params) if e.signature else [],
                "results": list(e.signature.results) if e.signature else [],
                **({"call": command_line(report.module, e.name, suggestions[e.name])}
                   if e.name in suggestions else {}),
            }
            for e in report.exports
        ],
        "imports": [
            {"module": i.module, "name": i.name, "kind": i.kind,
             **({"params": list(i.signature.params), "results": list(i.signature.results)}
                if i.signature else {})}
            for i in report.imports
        ],
        "memories": [{"min": m.minimum, "max": m.maximum} for m in report.memories],
        "globals": [e.name for e in report.exports if e.kind == "global"],
        "convention": report.convention,
        "evidence": list(report.evidence),
        "wasi": report.wasi,
        "start": report.start,
        "initialize": report.initialize,
    }


def write_json(document: dict[str, Any], stream: IO[str]) -> None:
    stream.write(json.dumps(document, ensure_ascii=False) + "\n")


def hexdump_rows(data: bytes) -> list[tuple[str, str, str]]:
    """Rows of (offset, hex bytes, printable ASCII), 16 bytes each."""
    rows = []
    for start in range(0, len(data), HEX_WIDTH):
        chunk = data[start:start + HEX_WIDTH]
        hex_part = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        rows.append((f"{start:08x}", hex_part, text))
    return rows


def plain_text(result: CallResult) -> str:
    """What a pipe gets: the text, a hexdump for non-UTF-8 bytes, or the values."""
    data = result.result
    if data is None:
        return " ".join(format_value(v, t) for v, t in typed_values(result))
    if data.text is not None:
        return data.text
    width = HEX_WIDTH * 3 - 1
    return "\n".join(f"{o}  {h:<{width}}  |{t}|" for o, h, t in hexdump_rows(data.data))


def write_plain(result: CallResult, stream: IO[str]) -> None:
    text = plain_text(result)
    if text or result.result is not None:
        stream.write(text + "\n")


def write_raw(result: CallResult, stream: IO[bytes]) -> None:
    """Exactly the result's bytes; for a scalar result, its decimal text."""
    if result.result is not None:
        stream.write(result.result.data)
    elif result.values:
        stream.write(plain_text(result).encode() + b"\n")
    stream.flush()


def escape_controls(text: str) -> str:
    """Make control characters visible (``\\x1b``) so guest output cannot drive the terminal."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def show_rich(result: CallResult, stdout: IO[str], stderr: IO[str]) -> None:
    """A terminal view: the result itself on stdout, a quiet one-line summary on stderr."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = Console(file=stdout, highlight=False)
    data = result.result
    if data is None:
        for value, valtype in typed_values(result):
            out.print(Text(format_value(value, valtype), style="bold"))
    elif data.text is not None:
        out.print(Text(escape_controls(data.text)), soft_wrap=True)
    else:
        table = Table.grid(padding=(0, 2))
        for offset, hex_part, text in hexdump_rows(data.data):
            table.add_row(Text(offset, style="dim"), Text(hex_part), Text(f"|{text}|", style="cyan"))
        out.print(table)
    Console(file=stderr, highlight=False).print(Text(summary(result), style="dim"), soft_wrap=True)


def summary(result: CallResult) -> str:
    parts = [f"{result.export}{result.signature}", result.engine]
    if result.convention != "none":
        parts.append(f"{result.convention} convention")
    if result.result is not None:
        parts.append(f"{result.result.length} bytes at {result.result.ptr:#x}")
    parts.append(f"{result.elapsed_ms:.3f} ms")
    return " · ".join(parts)


def show_result(
    result: Union[CallResult, ComponentCallResult], mode: str,
    stdout: Optional[IO[str]] = None, stderr: Optional[IO[str]] = None,
) -> None:
    """Render for ``mode``: ``json``, ``raw``, ``rich`` or ``plain``."""
    if not isinstance(result, CallResult):
        from wasmcall.components.render import show_component_result

        return show_component_result(result, mode, stdout, stderr)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if mode != "json":
        write_guest_output(result, stderr, escape=mode == "rich")
    if mode == "json":
        write_json(envelope(result), stdout)
    elif mode == "raw":
        stdout.flush()
        write_raw(result, stdout.buffer)  # type: ignore[attr-defined]
    elif mode == "rich":
        show_rich(result, stdout, stderr)
    else:
        write_plain(result, stdout)


def report_lines(report: ModuleReport) -> list[str]:
    """The plain-text view of ``inspect``: one fact per line, easy to grep."""
    evidence = f" ({', '.join(report.evidence)})" if report.evidence else ""
    memories = ", ".join(
        f"{m.minimum}..{m.maximum if m.maximum is not None else 'unbounded'} pages"
        for m in report.memories
    ) or "none"
    startup = [name for name, present in (("start function", report.start),
                                           ("_initialize", report.initialize)) if present]
    lines = [
        f"module:     {report.module}",
        f"engine:     {report.engine}",
        f"convention: {report.convention}{evidence}",
        f"wasi:       {'yes' if report.wasi else 'no'}",
        f"memories:   {memories}",
        f"startup:    {', '.join(startup) or 'nothing runs before a call'}",
        "exports:",
    ]
    width = max((len(e.name) for e in report.exports), default=0)
    for export in report.exports:
        shape = f" {export.signature}" if export.signature else ""
        lines.append(f"  {export.name:<{width}}  {export.kind}{shape}")
    lines.append("imports:" if report.imports else "imports:    none")
    lines.extend(f"  {item.describe()}" for item in report.imports)
    if report.suggestions:
        lines.append("try (arguments guessed from the signatures):")
        lines.extend(f"  {command_line(report.module, name, args)}" for name, args in report.suggestions)
    return lines


def show_report(
    report: Union[ModuleReport, ComponentReport], mode: str, stdout: Optional[IO[str]] = None
) -> None:
    """Render ``inspect``: JSON, plain lines, or rich tables on a terminal."""
    if not isinstance(report, ModuleReport):
        from wasmcall.components.render import show_component_report

        return show_component_report(report, mode, stdout)
    stdout = stdout or sys.stdout
    if mode == "json":
        write_json(report_envelope(report), stdout)
        return
    if mode == "plain":
        stdout.write("\n".join(report_lines(report)) + "\n")
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=stdout, highlight=False)
    for line in report_lines(report)[:6]:
        console.print(line, markup=False)
    suggestions = dict(report.suggestions)
    exports = Table(
        "export", "kind", "signature", "try (arguments guessed)", title="exports", title_justify="left"
    )
    for export in report.exports:
        exports.add_row(
            export.name, export.kind, str(export.signature or ""),
            Text(suggestions.get(export.name, ""), style="dim"),
        )
    console.print(exports)
    if report.imports:
        imports = Table("module", "name", "kind", title="imports", title_justify="left")
        for item in report.imports:
            imports.add_row(item.module, item.name, f"{item.kind} {item.signature or ''}".strip())
        console.print(imports)
