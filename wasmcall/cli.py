"""The command line: a thin Typer layer over ``wasmcall.api``.

This module is the one error boundary: library errors arrive as typed
exceptions and leave as one line on stderr (or the JSON error envelope) with
the exit code documented in docs/exit-codes.md.
"""

import functools
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer
from msgspec import Struct
from typer.core import TyperCommand

from wasmcall import __version__
from wasmcall.arguments import ArgKind, TypedArgument, parse_argument, parse_hex, place_buffers, read_stdin
from wasmcall.color import ColorChoice, set_color
from wasmcall.completion import complete_export, complete_result_kind
from wasmcall.conventions.detect import Convention
from wasmcall.conventions.results import PackedOrder, ResultKind, ResultSpec, parse_result_kind
from wasmcall.engines import DEFAULT_ENGINE
from wasmcall.engines.base import CallLimits, DirGrant, Limits, WasiSettings
from wasmcall.errors import (
    ExitCode,
    ExpectationError,
    GuestError,
    GuestExitError,
    InternalError,
    StopSignal,
    UsageError,
    WasmcallError,
    interrupted,
)
from wasmcall.limits import check_fuel, parse_size, parse_timeout
from wasmcall.request import CallRequest, SessionOptions, plain_values

T = TypeVar("T")
WORKER_POLL_SECONDS = 0.05
STOP_GRACE_SECONDS = 2.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
PARSE_ONLY = "wasmcall.parse-only"
ORDER_KEY = "wasmcall.argument_order"
ARGUMENT_PANEL = "Arguments, in order"
RESULT_PANEL = "Result"
OUTPUT_PANEL = "Output and checks"
GUEST_PANEL = "Guest and engine"
WASI_PANEL = "WASI capabilities (none unless granted)"
REQUIRED_BRACES = re.compile(r"\{([A-Z_.]+)\}")


class EngineName(str, Enum):
    WASMTIME = "wasmtime"
    WASMER = "wasmer"


class GuestStdout(str, Enum):
    STDOUT = "stdout"
    STDERR = "stderr"


DEFAULT_ENGINE_NAME = EngineName(DEFAULT_ENGINE)


class PlainUsageCommand(TyperCommand):
    """Usage lines without the braces Typer puts around required arguments (``{MODULE}``):
    the convention everywhere else, and in our docs, is a bare MODULE for required, [VALUES] for optional."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [REQUIRED_BRACES.sub(r"\1", piece) for piece in super().collect_usage_pieces(ctx)]


class OrderedCommand(PlainUsageCommand):
    """Remembers the order of argument options across kinds.

    Click groups values per option, losing ``--bytes 1 --i32 5 --str x``'s
    interleaving; its parser does record every occurrence in order, so that
    list is kept in ``ctx.meta`` for the command to replay.
    """

    def make_parser(self, ctx: Any) -> Any:
        parser = self.kept_parser(ctx)

        def parse_and_remember(args: list[str]) -> Any:
            opts, largs, order = type(parser).parse_args(parser, args)
            ctx.meta[ORDER_KEY] = [param.name for param in order]
            return opts, largs, order

        parser.parse_args = parse_and_remember
        return parser

    def kept_parser(self, ctx: Any) -> Any:
        """Click's parser for this command, built once per thread and context settings, bound to ``ctx``.

        Building it adds ~35 options one by one; a checks file parses a thousand
        call lines, and rebuilding it for each was a sixth of the run. Between
        parses a parser keeps nothing but its context, which is rebound here.
        """
        key = (
            threading.get_ident(), ctx.allow_interspersed_args, ctx.ignore_unknown_options,
            ctx.token_normalize_func, ctx.resilient_parsing, tuple(ctx.help_option_names),
        )
        kept: dict[Any, Any] = self.__dict__.setdefault("parsers", {})
        if key not in kept:
            kept[key] = super().make_parser(ctx)
        kept[key].ctx = ctx
        return kept[key]


app = typer.Typer(
    name="wasmcall",
    help="Call WebAssembly exports with bytes, strings and numbers.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh and fish
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"wasmcall {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Call WebAssembly exports with bytes, strings and numbers."""


def ordered_arguments(ctx: typer.Context, given: dict[str, list[str]]) -> list[tuple[ArgKind, str]]:
    """Replay the argument options in command-line order."""
    queues = {name: list(values) for name, values in given.items()}
    ordered = []
    for name in ctx.meta.get(ORDER_KEY, []):
        if queues.get(name):
            ordered.append((ArgKind(name.removesuffix("_values")), queues[name].pop(0)))
    return ordered


def parse_arguments(pairs: list[tuple[ArgKind, str]], wait: Optional[float] = None) -> list[TypedArgument]:
    stdin_uses = sum(1 for kind, text in pairs if kind is ArgKind.FILE and text == "-")
    if stdin_uses > 1:
        raise UsageError("--file - (standard input) can be given only once")
    stdin = read_stdin(wait) if stdin_uses else None
    return place_buffers(
        [(kind, text) if kind is ArgKind.AT else parse_argument(kind, text, stdin, wait) for kind, text in pairs]
    )


def result_spec(ret: str, length: Optional[int], packed_order: PackedOrder) -> ResultSpec:
    """``--ret KIND`` (``arg:K`` and ``from:NAME`` included) with its length and packed order."""
    kind, argument, source = parse_result_kind(ret)
    return ResultSpec(kind, length, packed_order, argument, source)


def parse_ret_len(text: Optional[str]) -> tuple[Optional[int], Optional[int]]:
    """``--ret-len 12`` is a byte count; ``--ret-len @1`` is argument 1's length."""
    if text is None:
        return None, None
    target = text[1:] if text.startswith("@") else text
    if not target.isdigit():
        raise UsageError(f"--ret-len {text!r}: expected a byte count N or @K (argument K's length)")
    return (None, int(target)) if text.startswith("@") else (int(target), None)


def parse_wasi_grants(dirs: list[str], rw_dirs: list[str], env: list[str]) -> WasiSettings:
    """``--dir HOST[::GUEST]``, ``--dir-rw ...`` and ``--env KEY=VALUE`` into WASI settings."""
    grants = []
    for text, writable in [(d, False) for d in dirs] + [(d, True) for d in rw_dirs]:
        host, _, guest = text.partition("::")
        flag = "--dir-rw" if writable else "--dir"
        if not os.path.isdir(host):
            raise UsageError(f"{flag} {text!r}: {host!r} is not a directory")
        grants.append(DirGrant(host, guest or host, writable))
    pairs = []
    for text in env:
        key, sep, value = text.partition("=")
        if not sep or not key:
            raise UsageError(f"--env {text!r}: expected KEY=VALUE")
        pairs.append((key, value))
    return WasiSettings(env=tuple(pairs), dirs=tuple(grants))


def run_interruptibly(in_worker: bool, action: Callable[[], T], on_stop: Optional[Callable[[], None]] = None) -> T:
    """Run a guest so that Ctrl-C (or SIGTERM, SIGHUP) stops it at once.

    wasmtime runs the guest in native code on the calling thread, where a
    KeyboardInterrupt waits until the guest returns; on a worker thread the
    main thread stays free to take it, interrupts the engine and waits for
    the worker to unwind (so temporary files are removed). wasmer calls
    already wait in an interruptible select on their child process, which
    they kill, so they run here. ``on_stop`` runs first on Ctrl-C (the checks
    runner uses it to start no further check).
    """
    if not in_worker:
        return action()
    outcome: dict[str, Any] = {}
    done = threading.Event()  # not Thread.join: a Ctrl-C inside join() marks a running thread stopped

    def work() -> None:
        try:
            outcome["value"] = action()
        except BaseException as error:
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=work, name="wasmcall-guest", daemon=True).start()
    try:
        while not done.wait(WORKER_POLL_SECONDS):
            pass
    except KeyboardInterrupt as stop:
        from wasmcall.engines import interrupt_guests

        if on_stop is not None:
            on_stop()
        interrupt_guests()
        done.wait(STOP_GRACE_SECONDS)  # let the guest unwind and its session remove its files
        raise interrupted(stop) from None
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def output_mode(json_output: bool, raw: bool, full: bool = False) -> str:
    """``json``, ``raw``, ``plain`` for a pipe, or a terminal view: ``rich`` (shortened) or ``full``."""
    if json_output and raw:
        raise UsageError("--json and --raw cannot be used together")
    if json_output:
        return "json"
    if raw:
        return "raw"
    if not sys.stdout.isatty():
        return "plain"
    return "full" if full else "rich"


def wants_traceback(flag: bool) -> bool:
    return flag or os.environ.get("WASMCALL_TRACEBACK", "") not in ("", "0")


@contextmanager
def error_boundary(json_output: bool, traceback: bool, reraise: bool = False) -> Iterator[None]:
    """Turn a WasmcallError into one stderr line (or a JSON envelope) and its exit code.

    ``reraise`` lets parse-only callers (checks, REPL) handle the error themselves.
    """
    try:
        yield
    except WasmcallError as error:
        if reraise:
            raise
        if wants_traceback(traceback):
            print_traceback()
        report_error(error, json_output)
        raise typer.Exit(int(error.exit_code)) from None


def report_error(error: WasmcallError, json_output: bool) -> None:
    """One line on stderr, then an --expect diff, a trap's backtrace and the guest's last stderr
    lines; or the JSON error envelope.

    stdout is flushed first, so where both go to one pipe (a CI log) the value
    comes before the error. Messages embed module-derived names and guest text,
    so they are escaped (wasmcall.terminal) whatever stderr is.
    """
    from wasmcall.debug_output import backtrace_lines, error_document, guest_stderr_lines, write_error_prelude
    from wasmcall.render import expectation_lines, write_json
    from wasmcall.terminal import escape_line

    if json_output:
        write_json(error_document(error), sys.stdout)
        return
    with suppress(OSError):  # a closed pipe must not hide the error
        sys.stdout.flush()
    write_error_prelude(error, sys.stderr)
    lines = [f"wasmcall: error: {escape_line(error.message)}"]
    lines.extend(backtrace_lines(error))
    lines.extend(guest_stderr_lines(error))
    if isinstance(error, ExpectationError):
        lines.extend(expectation_lines(error))
    typer.echo("\n".join(lines), err=True)


def print_traceback() -> None:
    """The real Python traceback, for --traceback; the exit code stays the documented one."""
    import traceback

    traceback.print_exc()


def option(flag: str, help: str, panel: str, metavar: Optional[str] = None, **extra: Any) -> Any:
    """A Typer option in one of the help panels; no default is shown for optional values."""
    return typer.Option(flag, metavar=metavar, help=help, rich_help_panel=panel, **extra)


def one_of(help: str, choices: type[Enum]) -> str:
    """A choice option's help naming its choices in words, which wrap between words at any width
    (a ``<a|b|c>`` metavar was cut mid-word at 80 columns)."""
    names = [str(member.value) for member in choices]
    return f"{help} {', '.join(names[:-1])} or {names[-1]}."


def argument_option(flag: str, metavar: str, help: str) -> Any:
    return option(flag, help, ARGUMENT_PANEL, metavar, show_default=False)


Values = Optional[list[str]]
Text = Optional[str]
ModuleArg = Annotated[str, typer.Argument(metavar="MODULE", help="A .wasm or .wat file.", show_default=False)]
EngineOpt = Annotated[EngineName, option(
    "--engine", one_of("The WebAssembly runtime:", EngineName), GUEST_PANEL, "NAME",
)]
JsonOpt = Annotated[bool, option("--json", "Print one JSON document (docs/json-output.md).", OUTPUT_PANEL)]
TracebackOpt = Annotated[bool, option(
    "--traceback", "Show the Python traceback of an error (or set WASMCALL_TRACEBACK=1).", OUTPUT_PANEL,
)]
ColorOpt = Annotated[ColorChoice, option(
    "--color", "Colour: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it), always or never.",
    OUTPUT_PANEL, "WHEN",
)]


# The options that set up an instance, shared by `call` and `repl`.
TimeoutOpt = Annotated[Text, option(
    "--timeout", "Stop each call (and start-up) after this wall-clock time: 1.5, 500ms, 2s, 1m.", GUEST_PANEL,
    "DURATION", show_default=False,
)]
FuelOpt = Annotated[Optional[int], option(
    "--fuel", "Instruction budget of each call (wasmtime only).", GUEST_PANEL, "N", min=1, show_default=False,
)]
MaxMemoryOpt = Annotated[Text, option(
    "--max-memory", "Cap guest memory, e.g. 64MiB.", GUEST_PANEL, "SIZE", show_default=False,
)]
DirsOpt = Annotated[Values, option(
    "--dir", "WASI: let the guest read HOST as GUEST (default: the same path).", WASI_PANEL,
    "HOST[::GUEST]", show_default=False,
)]
RwDirsOpt = Annotated[Values, option(
    "--dir-rw", "WASI: like --dir, but the guest may also write.", WASI_PANEL, "HOST[::GUEST]",
    show_default=False,
)]
EnvOpt = Annotated[Values, option(
    "--env", "WASI: set an environment variable for the guest.", WASI_PANEL, "KEY=VALUE", show_default=False,
)]
StubImportsOpt = Annotated[bool, option(
    "--stub-imports", "Link imports nobody provides to stubs that trap when called.", GUEST_PANEL,
)]


def session_limits(timeout: Optional[str], fuel: Optional[int], max_memory: Optional[str]) -> Limits:
    """The limit options, parsed and range-checked, for `call` and `repl` alike."""
    return Limits(
        timeout=parse_timeout(timeout) if timeout is not None else None,
        fuel=check_fuel(fuel) if fuel is not None else None,
        max_memory=parse_size(max_memory) if max_memory is not None else None,
    )


def looks_like_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        try:
            int(token, 0)
        except ValueError:
            return False
    return True


def reject_unknown_options(tokens: list[str]) -> None:
    """Negative numbers are values (``add -7 2``), so click lets unknown dashes through; catch the rest."""
    for token in tokens:
        if token.startswith("-") and not looks_like_number(token):
            raise UsageError(f"No such option: {token} (see 'wasmcall call --help')")


def reject_repeated_checks(ctx: typer.Context) -> None:
    """One call has one result, so ``--expect`` and ``--expect-hex`` each check it once.

    click would keep only the last of two, silently dropping a check; a second
    is a usage error instead. Several result values are one expectation too:
    ``--expect "2 5 3"``.
    """
    seen = ctx.meta.get(ORDER_KEY, [])
    for name, flag, hint in (("expect", "--expect", ' (several result values are one: --expect "2 5 3")'),
                             ("expect_hex", "--expect-hex", "")):
        count = seen.count(name)
        if count > 1:
            raise UsageError(f"{flag} given {count} times; a call has one result, so give it once{hint}")


class CallInvocation(Struct, frozen=True):
    """A parsed ``wasmcall call`` line: the module, the request, how to open the session, how to show it."""

    module: str
    request: CallRequest
    options: SessionOptions
    mode: str
    expect: Optional[str]
    expect_hex: Optional[str]
    repeat: int = 1
    expect_no_leak: bool = False
    guest_stdout: str = GuestStdout.STDERR.value
    exit_with_guest: bool = False


CALL_EXAMPLES = """Examples:
  wasmcall call guests/rust/memory.wasm add 2 40
  wasmcall call guests/rust/memory.wasm upper --str hello --ret ptr
  wasmcall call guests/rust/memory.wasm array_sum --bytes 1,2,3 --expect 6
  wasmcall call guests/rust/memory.wasm upper_pair --file in.bin --raw > out.bin
  wasmcall call guests/c/wasi_guest.wasm file_size --str /d/f.txt --dir data::/d"""


@app.command(
    cls=OrderedCommand, no_args_is_help=True, context_settings={"ignore_unknown_options": True},
    epilog=CALL_EXAMPLES,
)
def call(
    ctx: typer.Context,
    module: ModuleArg,
    export: Annotated[str, typer.Argument(
        metavar="EXPORT", help="The function export to call.", show_default=False, autocompletion=complete_export,
    )],
    values: Annotated[Values, typer.Argument(
        metavar="VALUES",
        help="Plain values typed by the export's signature: numbers, or WAVE values for a component.",
        show_default=False,
    )] = None,
    bytes_values: Annotated[Values, argument_option("--bytes", "1,2,0xff", "Bytes, 0-255 each.")] = None,
    str_values: Annotated[Values, argument_option("--str", "TEXT", "UTF-8 text.")] = None,
    hex_values: Annotated[Values, argument_option("--hex", "HEX", "Bytes as hex digits.")] = None,
    b64_values: Annotated[Values, argument_option("--b64", "BASE64", "Bytes as base64.")] = None,
    file_values: Annotated[Values, argument_option("--file", "PATH", "A file's bytes (- for stdin).")] = None,
    i32_values: Annotated[Values, argument_option("--i32", "N", "A 32-bit integer, signed or unsigned.")] = None,
    i64_values: Annotated[Values, argument_option("--i64", "N", "A 64-bit integer, signed or unsigned.")] = None,
    f32_values: Annotated[Values, argument_option("--f32", "X", "A 32-bit float (nan, inf, -0.0 too).")] = None,
    f64_values: Annotated[Values, argument_option("--f64", "X", "A 64-bit float (nan, inf, -0.0 too).")] = None,
    out_values: Annotated[Values, argument_option(
        "--out", "N", "N zero bytes for the guest to write into, passed as (ptr, len) like any buffer.",
    )] = None,
    at_values: Annotated[Values, argument_option(
        "--at", "ADDR", "Put the next buffer at ADDR (a number, or an export giving an address) instead of "
        "allocating it.",
    )] = None,
    ret: Annotated[str, option(
        "--ret", "How the export returns its result: auto, value, ptr-len, packed, out, area, cstr, ptr, "
        "arg:K (argument K's buffer) or from:NAME (at the address export NAME gives).", RESULT_PANEL, "KIND",
        autocompletion=complete_result_kind,
    )] = ResultKind.AUTO.value,
    ret_len: Annotated[Text, option(
        "--ret-len", "With --ret ptr: the length N, or @K for argument K's length.", RESULT_PANEL, "N|@K",
        show_default=False,
    )] = None,
    packed_order: Annotated[PackedOrder, option(
        "--packed-order", one_of(
            "Which half of a packed i64 (--ret packed, i64 buffer params) holds the pointer:", PackedOrder,
        ), RESULT_PANEL, "ORDER",
    )] = PackedOrder.PTR_HIGH,
    free_inputs: Annotated[bool, option(
        "--free-inputs", "Free input buffers after the call (for guests that only borrow).", RESULT_PANEL,
    )] = False,
    keep_result: Annotated[bool, option("--keep-result", "Do not free the result buffer.", RESULT_PANEL)] = False,
    json_output: JsonOpt = False,
    raw: Annotated[bool, option("--raw", "Print the result bytes only.", OUTPUT_PANEL)] = False,
    full: Annotated[bool, option(
        "--full", "On a terminal, show a long result whole instead of its head and tail.", OUTPUT_PANEL,
    )] = False,
    dumps: Annotated[Values, option(
        "--dump", "After the call, hexdump LEN bytes at ADDR (a number or an export's name) on stderr.",
        OUTPUT_PANEL, "ADDR:LEN", show_default=False,
    )] = None,
    expect: Annotated[Text, option(
        "--expect", "Exit 1 unless the result text (or scalar) equals TEXT.", OUTPUT_PANEL, "TEXT",
        show_default=False,
    )] = None,
    expect_hex: Annotated[Text, option(
        "--expect-hex", "Exit 1 unless the result bytes equal HEX.", OUTPUT_PANEL, "HEX", show_default=False,
    )] = None,
    traceback: TracebackOpt = False,
    trace: Annotated[bool, option(
        "--trace", "Show every step on stderr: allocations, writes, the call, reads, frees, imports.",
        OUTPUT_PANEL,
    )] = False,
    repeat: Annotated[int, option(
        "--repeat", "Call N times on one instance: time it and report whether the guest leaks.",
        OUTPUT_PANEL, "N", min=1,
    )] = 1,
    expect_no_leak: Annotated[bool, option(
        "--expect-no-leak", "With --repeat: exit 1 if the guest leaks.", OUTPUT_PANEL,
    )] = False,
    color: ColorOpt = ColorChoice.AUTO,
    engine: EngineOpt = DEFAULT_ENGINE_NAME,
    convention: Annotated[Optional[Convention], option(
        "--convention", one_of("Override the detected guest convention:", Convention), GUEST_PANEL, "NAME",
        show_default=False,
    )] = None,
    alloc: Annotated[Text, option(
        "--alloc", "The guest's allocator export.", GUEST_PANEL, "NAME", show_default=False,
    )] = None,
    free: Annotated[Text, option(
        "--free", "The guest's free export.", GUEST_PANEL, "NAME", show_default=False,
    )] = None,
    as_types: Annotated[Text, option(
        "--as-types", "AssemblyScript: the params' classes and the result's, when no bindings say: "
        "'Uint8Array, i32 -> Int32Array'.", GUEST_PANEL, "TYPES", show_default=False,
    )] = None,
    timeout: TimeoutOpt = None,
    fuel: FuelOpt = None,
    max_memory: MaxMemoryOpt = None,
    dirs: DirsOpt = None,
    rw_dirs: RwDirsOpt = None,
    env: EnvOpt = None,
    stub_imports: StubImportsOpt = False,
    guest_stdout: Annotated[Optional[GuestStdout], option(
        "--guest-stdout", "WASI: where the guest's stdout goes, stdout or stderr (default: stdout; stderr "
        "with --json or --raw).", WASI_PANEL, "WHERE", show_default=False,
    )] = None,
    exit_with_guest: Annotated[bool, option(
        "--exit-with-guest", "WASI: exit with the status the guest gives proc_exit (instead of 3).", WASI_PANEL,
    )] = False,
) -> Optional[CallInvocation]:
    """Call EXPORT in MODULE and show its result.

    Argument options fill the export's parameters in command-line order;
    each buffer is copied into guest memory through the guest's allocator.
    """
    with error_boundary(json_output, traceback, reraise=ctx.obj == PARSE_ONLY):
        if ctx.obj != PARSE_ONLY:
            set_color(color)
        reject_unknown_options([export, *(values or [])])
        reject_repeated_checks(ctx)
        if expect_hex is not None:
            parse_hex(expect_hex, "--expect-hex")  # a bad check is a usage error before the guest runs
        given = {
            "bytes_values": bytes_values, "str_values": str_values, "hex_values": hex_values,
            "b64_values": b64_values, "file_values": file_values, "i32_values": i32_values,
            "i64_values": i64_values, "f32_values": f32_values, "f64_values": f64_values,
            "out_values": out_values, "at_values": at_values,
        }
        pairs = ordered_arguments(ctx, {k: v for k, v in given.items() if v})
        if values and pairs:
            raise UsageError("plain VALUES cannot be mixed with typed argument options")
        length, length_of = parse_ret_len(ret_len)
        limits = session_limits(timeout, fuel, max_memory)
        invocation = CallInvocation(
            module=module,
            request=CallRequest(
                export,
                (*parse_arguments(pairs, limits.timeout), *plain_values(values or ())),
                result=result_spec(ret, length, packed_order),
                result_length_of=length_of,
                convention=convention.value if convention else None,
                alloc=alloc,
                free=free,
                free_inputs=free_inputs,
                keep_result=keep_result,
                limits=CallLimits(limits.timeout, limits.fuel),
                assemblyscript_types=as_types,
                trace=trace,
                dumps=parse_dumps(dumps or ()),
            ),
            options=SessionOptions(
                engine=engine.value,
                limits=limits,
                wasi=parse_wasi_grants(dirs or [], rw_dirs or [], env or []),
                stub_imports=stub_imports,
            ),
            mode=output_mode(json_output, raw, full),
            expect=expect,
            expect_hex=expect_hex,
            repeat=repeat,
            expect_no_leak=expect_no_leak,
            guest_stdout=guest_output_channel(guest_stdout, json_output, raw),
            exit_with_guest=exit_with_guest,
        )
        if expect_no_leak and repeat < 2:
            raise UsageError("--expect-no-leak needs --repeat N with N of 2 or more (a leak shows across calls)")
        if ctx.obj == PARSE_ONLY:
            return invocation
        run_invocation(invocation)
    return None


def guest_output_channel(choice: Optional[GuestStdout], json_output: bool, raw: bool) -> str:
    """Where a WASI guest's stdout goes: wasmcall's stdout, as with any program run from a shell,
    unless stdout is kept for the result alone (``--json``, ``--raw``): then stderr, labelled."""
    reserved = "--json" if json_output else "--raw" if raw else None
    if choice is GuestStdout.STDOUT and reserved:
        raise UsageError(f"--guest-stdout stdout cannot be used with {reserved}, "
                         "which keeps stdout for the result alone")
    if choice is not None:
        return choice.value
    return GuestStdout.STDERR.value if reserved else GuestStdout.STDOUT.value


def parse_dumps(texts: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """Each ``--dump ADDR:LEN``; the memory-view module loads only when one is given."""
    if not texts:
        return ()
    from wasmcall.memory_view import parse_dump

    return tuple(parse_dump(text) for text in texts)


def run_invocation(invocation: CallInvocation) -> None:
    """Call, show the result, then check the expectations (JSON checks first, to print one document)."""
    from wasmcall.debug_output import show_call
    from wasmcall.session import open_session

    def one_call() -> Any:
        options = invocation.options
        with open_session(
            invocation.module, engine=options.engine, limits=options.limits, wasi=options.wasi,
            stub_imports=options.stub_imports,
        ) as session:
            return session.run(invocation.request)

    if invocation.repeat > 1:
        from wasmcall.repeat_output import run_repeated

        run_repeated(invocation, run_interruptibly)
        return
    try:
        result = run_interruptibly(invocation.options.engine == EngineName.WASMTIME.value, one_call)
    except GuestError as error:
        show_output_before_failure(error, invocation)
        raise
    if invocation.expect is None and invocation.expect_hex is None:
        show_call(result, invocation.mode, guest_stdout=invocation.guest_stdout)
        return
    from wasmcall.expect import check_expectations

    if invocation.mode == "json":
        check_expectations(result, invocation.expect, invocation.expect_hex)
    show_call(result, invocation.mode, guest_stdout=invocation.guest_stdout)
    check_expectations(result, invocation.expect, invocation.expect_hex)


def show_output_before_failure(error: GuestError, invocation: CallInvocation) -> None:
    """What a guest printed before it failed, where its output goes; with ``--exit-with-guest``,
    a guest's ``proc_exit`` status becomes wasmcall's own (and the JSON envelope's)."""
    from wasmcall.render import write_guest_output

    if isinstance(error, GuestExitError) and invocation.exit_with_guest:
        error.exit_code = error.code  # type: ignore[assignment]  # any status 1..125, not only ExitCode's
    if invocation.mode == "json":
        return
    stderr_tail = "\n".join(error.guest_stderr).encode()
    to_stdout = sys.stdout if invocation.guest_stdout == GuestStdout.STDOUT.value else None
    write_guest_output(error.guest_stdout, stderr_tail, sys.stderr, to_stdout)


def parse_call_words(words: list[str], command: Any = None) -> CallInvocation:
    """Parse the words that follow MODULE in ``wasmcall call`` with the command line's own parser.

    The checks file and the REPL use this, so there is one grammar and one set
    of error messages. A click usage error becomes a UsageError. ``command``
    is the ``call`` command of an app already built (by default, one is built
    once and kept).
    """
    command = command or call_command()
    try:
        outcome = command.main(
            ["MODULE", *words], prog_name="wasmcall call", standalone_mode=False, obj=PARSE_ONLY
        )
    except WasmcallError:
        raise
    except Exception as error:
        if not hasattr(error, "format_message"):
            raise
        raise UsageError(error.format_message()) from None
    if not isinstance(outcome, CallInvocation):
        raise UsageError("expected an export name and its arguments")
    return outcome


@functools.cache
def call_command() -> Any:
    """The click command behind ``wasmcall call``, built once (~45 ms), used directly (no group to parse).

    A checks file parses a thousand call lines; rebuilding it each time cost 45 s.
    """
    import typer.main

    group: Any = typer.main.get_command(app)
    return group.commands["call"]


@app.command(cls=PlainUsageCommand, epilog="""Examples:
  wasmcall inspect guests/rust/memory.wasm
  wasmcall inspect guests/rust/memory.wasm --json""")
def inspect(
    module: ModuleArg,
    json_output: JsonOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE_NAME,
    traceback: TracebackOpt = False,
    color: ColorOpt = ColorChoice.AUTO,
) -> None:
    """Show a module's exports, imports, memories and guest convention."""
    set_color(color)
    with error_boundary(json_output, traceback):
        from wasmcall import api
        from wasmcall.render import show_report

        report = api.inspect(module, engine=engine.value)
        show_report(report, "json" if json_output else ("rich" if sys.stdout.isatty() else "plain"))


# --- wasmcall check ------------------------------------------------------------------------------------
CHECKS_PANEL = "Checks"


class CheckEngineName(str, Enum):
    WASMTIME = "wasmtime"
    WASMER = "wasmer"
    ALL = "all"


@app.command(cls=PlainUsageCommand, no_args_is_help=True, epilog="""Examples:
  wasmcall check checks.toml
  wasmcall check checks.toml --junit report.xml
  wasmcall check checks.toml --engine all -k upper""")
def check(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(
        metavar="FILE", help="Checks files (TOML; the format is in docs/checks.md).", show_default=False,
    )],
    junit: Annotated[Text, option(
        "--junit", "Also write a JUnit XML report to PATH.", CHECKS_PANEL, "PATH", show_default=False,
    )] = None,
    json_output: JsonOpt = False,
    engine: Annotated[Optional[CheckEngineName], option(
        "--engine", "Run every check on this engine (wasmtime or wasmer) instead of its own; all: on each "
        "installed engine, and fail checks whose engines disagree.", CHECKS_PANEL, "NAME", show_default=False,
    )] = None,
    pattern: Annotated[Text, option(
        "-k", "Run only the checks whose name contains PATTERN (or matches it as a glob).", CHECKS_PANEL,
        "PATTERN", show_default=False,
    )] = None,
    fail_fast: Annotated[bool, option(
        "--fail-fast", "Stop at the first failing check (the rest count as skipped).", CHECKS_PANEL,
    )] = False,
    traceback: TracebackOpt = False,
    color: ColorOpt = ColorChoice.AUTO,
) -> None:
    """Run the checks in checks FILEs (TOML) in one process; exit 1 if any failed.

    Each check calls an export like 'wasmcall call' and compares what comes
    back; every check runs, on a fresh instance of its module.
    """
    set_color(color)
    with error_boundary(json_output, traceback):
        from wasmcall.checks import load_checks, run_checks, select_checks

        group: Any = ctx.find_root().command
        running = group.commands["call"]  # parsing with it saves building the app a second time (~45 ms)
        checks = load_checks([Path(name) for name in files], functools.partial(parse_call_words, command=running))
        selected = select_checks(checks, pattern)
        if not selected:
            raise UsageError(f"-k {pattern!r} matches none of the {len(checks)} checks")
        override = engine.value if engine else None
        mode = "json" if json_output else ("rich" if sys.stdout.isatty() else "plain")
        stop = threading.Event()
        in_worker = any((override or c.engine) != EngineName.WASMER.value for c in selected)
        with checks_output(mode, len(selected)) as on_outcome:
            report = run_interruptibly(
                in_worker, lambda: run_checks(
                    selected, engine=override, fail_fast=fail_fast, on_outcome=on_outcome, stop=stop,
                ),
                on_stop=stop.set,
            )
        show_checks_report(report, mode, Path(junit) if junit else None)
    raise typer.Exit(ExitCode.OK if report.ok else ExitCode.EXPECTATION_FAILED)


@contextmanager
def checks_output(mode: str, total: int) -> Iterator[Callable[[Any], None]]:
    """What to do with each outcome as it arrives: a PASS/FAIL line, a progress step, or nothing (JSON)."""
    from wasmcall.checks.report import github_annotation, on_github_actions, plain_line

    if mode == "rich":
        from wasmcall.checks.terminal import ProgressView

        with ProgressView(total, sys.stdout) as view:
            yield view.advance
        return
    annotate = on_github_actions() and mode == "plain"

    def print_line(outcome: Any) -> None:
        lines = [plain_line(outcome)]
        if annotate and outcome.message and outcome.status.value == "fail":
            lines.append(github_annotation(outcome))
        sys.stdout.write("".join(f"{line}\n" for line in lines))
        sys.stdout.flush()

    yield (print_line if mode == "plain" else (lambda outcome: None))


def show_checks_report(report: Any, mode: str, junit: Optional[Path]) -> None:
    """After the run: the JUnit file, then the JSON document or the summary (and its notes)."""
    from wasmcall.checks import report as checks_report
    from wasmcall.render import write_json

    if junit is not None:
        checks_report.write_junit(report, junit)
    for note in checks_report.engine_notes(report) if mode != "rich" else []:
        typer.echo(f"wasmcall: note: {note}", err=True)
    if mode == "json":
        write_json(checks_report.checks_envelope(report), sys.stdout)
        if checks_report.on_github_actions():
            checks_report.write_annotations(report, sys.stderr)
    elif mode == "rich":
        from wasmcall.checks.terminal import show_report as show_checks_table

        show_checks_table(report, sys.stdout)
        if checks_report.on_github_actions():
            checks_report.write_annotations(report, sys.stdout)
    else:
        sys.stdout.write(report.summary() + "\n")


# --- repl: one live instance, many calls (wasmcall/repl.py) -------------------------------------------


@app.command()
def repl(
    module: ModuleArg,
    engine: EngineOpt = DEFAULT_ENGINE_NAME,
    timeout: TimeoutOpt = None,
    fuel: FuelOpt = None,
    max_memory: MaxMemoryOpt = None,
    dirs: DirsOpt = None,
    rw_dirs: RwDirsOpt = None,
    env: EnvOpt = None,
    stub_imports: StubImportsOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """Keep one instance of MODULE alive and call its exports line by line.

    Each line is a call as after 'wasmcall call MODULE' (add 2 40); lines
    starting with ':' are commands (:help lists them). Piped input is
    replayed without a prompt; the exit status is 1 if any line failed.
    """
    with error_boundary(False, traceback):
        from wasmcall.modules import read_module
        from wasmcall.repl import run_repl

        options = SessionOptions(
            engine=engine.value,
            limits=session_limits(timeout, fuel, max_memory),
            wasi=parse_wasi_grants(dirs or [], rw_dirs or [], env or []),
            stub_imports=stub_imports,
        )
        raise typer.Exit(run_repl(module, read_module(module), options))


# --- end of repl ------------------------------------------------------------------------------------


def command_path(ctx: Any, argv: list[str]) -> str:
    """``wasmcall call`` for an error in the call command, even when click gives no context."""
    path = getattr(ctx, "command_path", None)
    if path and path != "wasmcall":
        return str(path)
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    return f"wasmcall {command}" if command in ("call", "inspect", "check", "repl") else "wasmcall"


def report_internal_error(error: Exception, argv: list[str], json_output: bool) -> int:
    """A bug in wasmcall, not in the guest or the input: one line, exit 70, traceback on request."""
    if wants_traceback("--traceback" in argv):
        print_traceback()
    message = f"{type(error).__name__}: {error}"
    if json_output:
        report_error(InternalError(message), json_output)
    else:
        from wasmcall.terminal import escape_line

        typer.echo(
            f"wasmcall: internal error: {escape_line(message)} "
            "(a bug in wasmcall; --traceback or WASMCALL_TRACEBACK=1 shows where)",
            err=True,
        )
    return ExitCode.INTERNAL_ERROR


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point: run the app and return its exit code.

    Click's own usage errors are caught here so they too are one line with
    exit code 2, instead of a usage block. SIGTERM and SIGHUP stop a running
    guest the way Ctrl-C does (exit 143, 129).
    """
    args = sys.argv[1:] if argv is None else argv
    json_output = "--json" in args
    with stop_signals_interrupt(), engine_warnings_shown():
        try:
            outcome = app(args=argv, prog_name="wasmcall", standalone_mode=False)
        except KeyboardInterrupt as stop:
            error = interrupted(stop)
            report_error(error, json_output)
            return int(error.exit_code)
        except Exception as error:
            if not hasattr(error, "format_message") or not hasattr(error, "exit_code"):
                return report_internal_error(error, args, json_output)
            message = error.format_message()
            if not message:
                return int(error.exit_code)  # click already showed the help (no arguments given)
            command = command_path(getattr(error, "ctx", None), args)
            report_error(UsageError(f"{message} (see '{command} --help')"), json_output)
            return int(error.exit_code)
    return outcome if isinstance(outcome, int) else ExitCode.OK


@contextmanager
def engine_warnings_shown() -> Iterator[None]:
    """Show what the engines noted without failing (e.g. compiling without the cache), once, on stderr."""
    try:
        yield
    finally:
        if "wasmcall.engines" in sys.modules:
            from wasmcall.engines import take_warnings
            from wasmcall.terminal import escape_line

            for warning in take_warnings():
                typer.echo(f"wasmcall: warning: {escape_line(warning)}", err=True)


@contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """Raise StopSignal in the main thread on SIGTERM/SIGHUP while wasmcall runs; restore the handlers after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise StopSignal(signum)

    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
