"""Show a result to people (on a terminal, or plain text when piped) or to
programs (the versioned JSON envelope, or the raw bytes).

rich is imported only for a terminal, so piped and ``--json`` runs do not pay
for it. Guest text is never interpreted as rich markup, and whatever a person
will read (a terminal, a diagnostic) has control and invisible characters
escaped (wasmcall.terminal) so a module or guest cannot drive the terminal.
A result is written in chunks (wasmcall.dump, wasmcall.jsonstream): showing
it costs a chunk of memory beyond the result, never another copy of it.
"""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING, Any, Optional, TextIO, Union

from wasmcall.color import make_console, wants_color
from wasmcall.dump import Styles, hexdump_lines, text_chunks, write_chunks, write_hexdump, write_text
from wasmcall.errors import ExpectationError, GuestExitError, WasmcallError
from wasmcall.records import CallResult, ModuleReport, ResultBytes
from wasmcall.terminal import escape_controls, escape_line, is_terminal, screen_size
from wasmcall.values import format_value, json_value, typed_values

if TYPE_CHECKING:  # expect, jsonstream and suggest load only when an output needs them
    from wasmcall.components.records import ComponentCallResult, ComponentReport
    from wasmcall.expect import ResultExpectationError
    from wasmcall.jsonstream import StreamedString

ENVELOPE_VERSION = 1
HEX_CHUNK = 1 << 19
MODES = ("json", "raw", "rich", "full", "plain")
"""``rich``: a terminal, long results shortened; ``full``: a terminal, nothing shortened."""


def envelope(result: CallResult) -> dict[str, Any]:
    """The JSON envelope, version 1 (docs/json-output.md is its contract); big fields are streamed."""
    data = result.result
    return {
        "wasmcall": ENVELOPE_VERSION,
        "module": result.module,
        "export": result.export,
        "engine": result.engine,
        "values": [json_value(v, t) for v, t in typed_values(result)],
        "result": None if data is None else {
            "ptr": data.ptr, "len": data.length, "hex": streamed_hex(data),
            "text": streamed_text(data) if data.is_text else None,
        },
        "elapsed_ms": round(result.elapsed_ms, 3),
        **guest_output_fields(result),
        **notes_fields(result),
    }


def notes_fields(result: CallResult) -> dict[str, list[str]]:
    """``warnings`` and ``hints``, each present only when there is something to say."""
    fields = {"warnings": list(result.warnings), "hints": list(result.hints)}
    return {key: value for key, value in fields.items() if value}


def write_notes(result: CallResult, stream: IO[str]) -> None:
    """Warnings and hints for a person, one escaped line each, after the result."""
    for warning in result.warnings:
        stream.write(f"wasmcall: warning: {escape_line(warning)}\n")
    for hint in result.hints:
        stream.write(f"hint: {escape_line(hint)}\n")
    stream.flush()


def streamed_hex(data: ResultBytes) -> StreamedString:
    from wasmcall.jsonstream import StreamedString

    view = memoryview(data.data)
    return StreamedString(
        lambda: (view[start:start + HEX_CHUNK].hex() for start in range(0, len(view), HEX_CHUNK)),
        plain=True,
    )


def streamed_text(data: ResultBytes) -> StreamedString:
    from wasmcall.jsonstream import StreamedString

    return StreamedString(lambda: text_chunks(data.data))


def guest_output_fields(result: CallResult) -> dict[str, Any]:
    """A WASI guest's stdout and stderr, decoded leniently, and its exit status (null unless it
    called ``proc_exit``); absent for guests without WASI."""
    if result.stdout is None or result.stderr is None:
        return {}
    return {
        "stdout": result.stdout.decode("utf-8", errors="replace"),
        "stderr": result.stderr.decode("utf-8", errors="replace"),
        "guest_exit": result.guest_exit,
    }


def write_guest_output(
    guest_stdout: Optional[bytes], guest_stderr: Optional[bytes], stderr: IO[str],
    stdout: Optional[IO[str]] = None,
) -> None:
    """Show what a WASI guest printed, before the result.

    Its stderr goes to wasmcall's stderr, each line labelled ``[guest stderr]``.
    Its stdout goes to wasmcall's stdout as the guest wrote it when ``stdout``
    is given (``--guest-stdout stdout``), else labelled ``[guest stdout]`` on
    stderr. Escaped where the stream is a terminal; exact bytes in a file or pipe.
    """
    if guest_stdout and stdout is not None:
        write_guest_bytes(guest_stdout, stdout)
    streams = ([] if stdout is not None else [("stdout", guest_stdout)]) + [("stderr", guest_stderr)]
    escape = is_terminal(stderr)
    for name, data in streams:
        for line in (data or b"").decode("utf-8", errors="replace").splitlines():
            stderr.write(f"[guest {name}] {escape_controls(line) if escape else line}\n")


def write_guest_bytes(data: bytes, stdout: IO[str]) -> None:
    """The guest's stdout on wasmcall's: exact bytes to a pipe, escaped text on a terminal; a newline
    is added when the guest's last line lacks one, so the result never starts on that line."""
    if is_terminal(stdout):
        stdout.write(escape_controls(data.decode("utf-8", errors="replace")))
    else:
        write_bytes(data, stdout)
    if not data.endswith(b"\n"):
        stdout.write("\n")
    stdout.flush()


def error_envelope(error: WasmcallError) -> dict[str, Any]:
    """The error document; a failed check on a result also keeps the call's own fields."""
    from wasmcall.expect import ResultExpectationError

    body: dict[str, Any] = {
        "kind": error.kind, "message": error.message, "exit_code": int(error.exit_code),
    }
    if isinstance(error, ResultExpectationError):
        body.update(expected=error.expected, actual=streamed_actual(error))
        return {**envelope(error.result), "error": body}
    if isinstance(error, ExpectationError):
        body.update(expected=error.expected, actual=error.actual)
    if isinstance(error, GuestExitError):
        stdout = error.guest_stdout.decode("utf-8", errors="replace")
        return {"wasmcall": ENVELOPE_VERSION, "guest_exit": error.code, "stdout": stdout, "error": body}
    return {"wasmcall": ENVELOPE_VERSION, "error": body}


def streamed_actual(error: ResultExpectationError) -> Union[str, StreamedString]:
    """What a failed check compared against, written from the result rather than copied."""
    data = error.result.result
    if data is None:
        return error.actual
    return streamed_text(data) if data.is_text else streamed_hex(data)


def expectation_lines(error: ExpectationError) -> list[str]:
    """Under the error line: a window of both values around the first difference, and a caret."""
    from wasmcall.expect import ResultExpectationError, string_difference

    if not error.windowed:
        return [
            f"  expected: {escape_line(repr(error.expected))}",
            f"  actual:   {escape_line(repr(error.actual))}",
        ]
    if isinstance(error, ResultExpectationError):
        difference = error.difference
    else:
        difference = string_difference(error.expected, error.actual)
    indent = "  actual:   "
    return [
        f"  expected: {difference.expected_window}",
        f"{indent}{difference.actual_window}",
        " " * (len(indent) + difference.caret) + "^",
    ]


def report_envelope(report: ModuleReport) -> dict[str, Any]:
    """``inspect --json``: DESIGN.md's shape plus evidence, start and suggested calls."""
    from wasmcall.suggest import command_line

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
    """One line of JSON; ``StreamedString`` fields are written a chunk at a time."""
    from wasmcall.jsonstream import write_document

    write_document(document, stream)


def write_plain(result: CallResult, stream: IO[str]) -> None:
    """What a pipe gets: the text byte for byte, a hexdump of binary, or the values.

    With colour forced (``--color always``, ``FORCE_COLOR``) numbers are bold
    and the hexdump is styled as on a terminal; text is never touched.
    """
    data = result.result
    styles = ansi_styles() if wants_color(stream) else Styles()
    if data is None:
        bold, plain = styles.number
        text = " ".join(f"{bold}{format_value(v, t)}{plain}" for v, t in typed_values(result))
        if text:
            stream.write(text + "\n")
    elif data.is_text:
        write_bytes(data.data, stream)
        stream.write("\n")
    else:
        write_chunks(hexdump_lines(data.data, styles=styles), stream)


def write_bytes(data: bytes, stream: IO[str]) -> None:
    """``data`` as is, straight to the byte stream under ``stream`` when there is one (no copy)."""
    binary = getattr(stream, "buffer", None)
    if binary is None:
        write_chunks(text_chunks(data), stream)
        return
    stream.flush()
    binary.write(data)
    binary.flush()


def write_raw(result: CallResult, stream: IO[bytes]) -> None:
    """Exactly the result's bytes; for a scalar result, its decimal text."""
    if result.result is not None:
        stream.write(result.result.data)
    elif result.values:
        text = " ".join(format_value(v, t) for v, t in typed_values(result))
        stream.write(text.encode() + b"\n")
    stream.flush()


def show_terminal(result: CallResult, stdout: IO[str], stderr: IO[str], full: bool) -> None:
    """A terminal view: the result on stdout (shortened past a screenful unless ``full``), a quiet
    one-line summary on stderr. Lines are written directly: rich's Table took 16.9 s for 1 MiB."""
    from rich.text import Text

    out = make_console(stdout)
    data = result.result
    columns, rows = screen_size(stdout)
    styles = terminal_styles(out)
    if data is None:
        for value, valtype in typed_values(result):
            out.print(Text(format_value(value, valtype), style="bold"))
    elif data.is_text:
        write_text(data.data, stdout, columns, 0 if full else rows, styles)
    else:
        write_hexdump(data.data, stdout, 0 if full else rows, styles)
    stdout.flush()
    print_summary(summary(result), stderr)


def print_summary(text: str, stderr: IO[str]) -> None:
    """The dim summary line, wrapped by rich between words: a terminal's own wrapping (soft wrap)
    cut ``0x110018`` in two at the last column."""
    from rich.text import Text

    make_console(stderr).print(Text(text, style="dim"))


def terminal_styles(console: Any) -> Styles:
    """The hexdump's colours as ANSI prefixes and suffixes, or none when the console has colour off."""
    if console.color_system is None:
        return Styles()
    return ansi_styles()


def ansi_styles() -> Styles:
    """Standard colours and attributes only, so every colour system spells them the same."""
    from rich.style import Style

    def pair(name: str) -> tuple[str, str]:
        before, _, after = Style.parse(name).render("\0").partition("\0")
        return before, after

    return Styles(offset=pair("dim"), ascii=pair("cyan"), note=pair("dim"), number=pair("bold"))


def summary(result: CallResult) -> str:
    parts = [escape_line(f"{result.export}{result.signature}"), result.engine]
    if result.convention != "none":
        parts.append(f"{result.convention} convention")
    if result.result is not None:
        parts.append(f"{result.result.length} bytes at {result.result.ptr:#x}")
    if result.guest_exit is not None:
        parts.append(f"guest exited with {result.guest_exit}")
    parts.append(f"{result.elapsed_ms:.3f} ms")
    return " · ".join(parts)


def show_result(
    result: Union[CallResult, ComponentCallResult], mode: str,
    stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None, guest_stdout: str = "stderr",
) -> None:
    """Render for ``mode`` (one of MODES); a component's result has its own renderer.

    ``guest_stdout`` is where a WASI guest's stdout goes outside JSON:
    ``stdout`` (before the result) or ``stderr`` (labelled lines).
    """
    if not isinstance(result, CallResult):
        from wasmcall.components.render import show_component_result

        return show_component_result(result, mode, stdout, stderr, guest_stdout)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if mode != "json":
        write_guest_output(result.stdout, result.stderr, stderr, stdout if guest_stdout == "stdout" else None)
    if mode == "json":
        write_json(envelope(result), stdout)
    elif mode == "raw":
        stdout.flush()
        write_raw(result, stdout.buffer)
    elif mode in ("rich", "full"):
        show_terminal(result, stdout, stderr, full=mode == "full")
    else:
        write_plain(result, stdout)
    if mode != "json":
        stdout.flush()
        write_notes(result, stderr)


def report_lines(report: ModuleReport) -> list[str]:
    """The plain-text view of ``inspect``: one fact per line, easy to grep.

    Names come from the module, so every one is escaped (``--json`` has them exactly).
    """
    evidence = f" ({', '.join(map(escape_line, report.evidence))})" if report.evidence else ""
    memories = ", ".join(
        f"{m.minimum}..{m.maximum if m.maximum is not None else 'unbounded'} pages"
        for m in report.memories
    ) or "none"
    startup = [name for name, present in (("start function", report.start),
                                           ("_initialize", report.initialize)) if present]
    lines = [
        f"module:     {escape_line(report.module)}",
        f"engine:     {report.engine}",
        f"convention: {report.convention}{evidence}",
        f"wasi:       {'yes' if report.wasi else 'no'}",
        f"memories:   {memories}",
        f"startup:    {', '.join(startup) or 'nothing runs before a call'}",
        "exports:",
    ]
    names = [escape_line(e.name) for e in report.exports]
    width = max(map(len, names), default=0)
    for name, export in zip(names, report.exports, strict=True):
        shape = f" {export.signature}" if export.signature else ""
        lines.append(f"  {name:<{width}}  {export.kind}{shape}")
    lines.append("imports:" if report.imports else "imports:    none")
    lines.extend(f"  {escape_line(item.describe())}" for item in report.imports)
    if report.suggestions:
        lines.append("try (arguments guessed from the signatures):")
        lines.extend(f"  {suggestion(report, name, args)}" for name, args in report.suggestions)
    return lines


def suggestion(report: ModuleReport, export: str, arguments: str) -> str:
    from wasmcall.suggest import command_line

    return escape_line(command_line(report.module, export, arguments))


def show_report(
    report: Union[ModuleReport, ComponentReport], mode: str, stdout: Optional[IO[str]] = None
) -> None:
    """Render ``inspect``: JSON, plain lines, or rich tables on a terminal (names escaped, never markup).

    A component's world has its own renderer."""
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
    from rich.table import Table
    from rich.text import Text

    console = make_console(stdout)
    for line in report_lines(report)[:6]:
        console.print(Text(line), soft_wrap=True)
    suggestions = dict(report.suggestions)
    exports = Table(
        "export", "kind", "signature", "try (arguments guessed)", title="exports", title_justify="left"
    )
    for export in report.exports:
        exports.add_row(
            Text(escape_line(export.name)), export.kind, str(export.signature or ""),
            Text(suggestions.get(export.name, ""), style="dim"),
        )
    console.print(exports)
    if report.imports:
        imports = Table("module", "name", "kind", title="imports", title_justify="left")
        for item in report.imports:
            imports.add_row(
                Text(escape_line(item.module)), Text(escape_line(item.name)),
                f"{item.kind} {item.signature or ''}".strip(),
            )
        console.print(imports)
