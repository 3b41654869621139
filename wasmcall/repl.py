"""``wasmcall repl``: one live instance, many calls typed by hand or replayed from a file.

Each line is a call in exactly ``wasmcall call``'s grammar after MODULE,
parsed by the same parser (``cli.parse_call_words``), so what works in a
shell works here and errors read the same. Lines starting with ``:`` are
meta-commands, which can never clash with an export name.

A failed line prints one error and the REPL goes on; Ctrl-C stops the
running call, not the REPL. Piped input gets no prompt and no colours, one
output block per line, and exit status 1 if any line failed, so a script of
calls can be replayed and diffed.
"""

from __future__ import annotations

import itertools
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Optional, Union

from msgspec.structs import replace

from wasmcall.engines.base import CallLimits
from wasmcall.errors import CallInterruptedError, ExitCode, UsageError, WasmcallError
from wasmcall.memory_view import describe_global, hexdump_lines, resolve_address
from wasmcall.session import Session, SessionOptions, open_source

PROMPT = "wasmcall> "
DEFAULT_DUMP = 64
SESSION_FLAGS = ("--engine", "--max-memory", "--dir", "--dir-rw", "--env", "--stub-imports")
META_HELP = (
    (":exports", "list the module's exports and their signatures"),
    (":mem ADDR [LEN]", f"hexdump LEN bytes (default {DEFAULT_DUMP}) at ADDR, a number or an i32 global"),
    (":globals", "list the exported globals and their values"),
    (":trace on|off", "show every step of each call (allocations, writes, reads, frees)"),
    (":reset", "throw the instance away and start a fresh one"),
    (":help", "show this help"),
    (":quit", "leave (Ctrl-D too)"),
)
META_COMMANDS = tuple(usage.split()[0] for usage, _ in META_HELP)
STOP_CODES = (ExitCode.HANGUP, ExitCode.TERMINATED)


class QuitRepl(Exception):
    """``:quit``, Ctrl-D, or a stop signal: leave the loop with ``code``."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)
        self.code = code


class Repl:
    """The state of one REPL: the session, the output mode, tracing, and whether any line failed."""

    def __init__(self, label: str, source: Union[bytes, str], options: SessionOptions, interactive: bool) -> None:
        self.label = label
        self.source = source
        self.options = options
        self.interactive = interactive
        self.mode = "rich" if interactive and sys.stdout.isatty() else "plain"
        self.trace = False
        self.failed = False
        self.session: Session = open_source(label, source, options)

    def close(self) -> None:
        self.session.close()

    def export_names(self) -> list[str]:
        return [export.name for export in self.session.exports if export.kind == "func"]

    def global_names(self) -> list[str]:
        return [export.name for export in self.session.exports if export.kind == "global"]

    def handle(self, line: str) -> None:
        """Run one line; any wasmcall error is one line on stderr and the REPL goes on."""
        from wasmcall.cli import report_error

        words: list[str] = []
        try:
            words = split_line(line)
            if not words:
                return
            if words[0].startswith(":"):
                self.meta(words)
            else:
                self.call(words)
        except WasmcallError as error:
            self.failed = True
            report_error(error, json_output="--json" in words and not words[0].startswith(":"))
            if isinstance(error, CallInterruptedError) and error.exit_code in STOP_CODES:
                raise QuitRepl(int(error.exit_code)) from None
            self.revive()
        sys.stdout.flush()

    def revive(self) -> None:
        """A wasmer child killed (Ctrl-C, a deadline) takes the instance with it: start a fresh one."""
        if self.session.closed:
            print("wasmcall: the engine's child process was stopped; starting a fresh instance", file=sys.stderr)
            self.session = open_source(self.label, self.source, self.options)

    def call(self, words: list[str]) -> None:
        from wasmcall.cli import EngineName, parse_call_words, run_interruptibly
        from wasmcall.debug_output import show_call
        from wasmcall.expect import check_expectations

        refuse_session_flags(words)
        invocation = parse_call_words(words)
        request = invocation.request
        if request.limits == CallLimits():
            request = replace(request, limits=None)  # no --timeout/--fuel on the line: the session's own
        if self.trace:
            request = replace(request, trace=True)
        in_worker = self.options.engine == EngineName.WASMTIME.value
        mode = invocation.mode if invocation.mode in ("json", "raw") else self.mode
        if invocation.repeat > 1:  # the leak check on the live instance
            from wasmcall.leak import repeat_call
            from wasmcall.repeat_output import show_repeated

            count = invocation.repeat
            show_repeated(run_interruptibly(in_worker, lambda: repeat_call(self.session, request, count)),
                          invocation, mode)
            return
        result = run_interruptibly(in_worker, lambda: self.session.run(request))
        show_call(result, mode)
        check_expectations(result, invocation.expect, invocation.expect_hex)

    def meta(self, words: list[str]) -> None:
        command, arguments = words[0], words[1:]
        handlers: dict[str, Callable[[list[str]], None]] = {
            ":exports": self.show_exports, ":mem": self.show_memory, ":globals": self.show_globals,
            ":trace": self.set_trace, ":reset": self.reset, ":help": self.show_help, ":quit": self.quit,
        }
        handler = handlers.get(command)
        if handler is None:
            raise UsageError(f"unknown command {command!r} (:help lists the commands)")
        handler(arguments)

    def show_exports(self, arguments: list[str]) -> None:
        expect_arguments(":exports", arguments, 0, 0)
        width = max((len(e.name) for e in self.session.exports), default=0)
        for export in self.session.exports:
            shape = f" {export.signature}" if export.signature else ""
            print(f"{export.name:<{width}}  {export.kind}{shape}")

    def show_memory(self, arguments: list[str]) -> None:
        expect_arguments(":mem", arguments, 1, 2)
        address = resolve_address(arguments[0], self.session.globals(), ":mem")
        if len(arguments) == 2:
            length = parse_length(arguments[1])
        else:
            length = max(0, min(DEFAULT_DUMP, self.session.memory_size() - address))
        data = self.session.read(address, length)
        for line in hexdump_lines(data, address):
            print(line)

    def show_globals(self, arguments: list[str]) -> None:
        expect_arguments(":globals", arguments, 0, 0)
        found = self.session.globals()
        width = max((len(item.name) for item in found), default=0)
        for item in found:
            print(f"{item.name:<{width}}  {describe_global(item)}")

    def set_trace(self, arguments: list[str]) -> None:
        if arguments not in (["on"], ["off"]):
            raise UsageError(":trace expects 'on' or 'off'")
        self.trace = arguments == ["on"]

    def reset(self, arguments: list[str]) -> None:
        expect_arguments(":reset", arguments, 0, 0)
        if self.session.closed:
            self.revive()
        else:
            self.session.reset()

    def show_help(self, arguments: list[str]) -> None:
        print("Type a call as after 'wasmcall call MODULE', e.g.: add 2 40 | upper --str hi --ret ptr")
        for usage, meaning in META_HELP:
            print(f"  {usage:<16}  {meaning}")

    def quit(self, arguments: list[str]) -> None:
        raise QuitRepl(0)


def split_line(line: str) -> list[str]:
    """Shell-like words, so ``--str 'two words'`` works as it does in a shell."""
    try:
        return shlex.split(line, comments=False)
    except ValueError as error:
        raise UsageError(f"cannot split the line into words: {error}") from None


def refuse_session_flags(words: list[str]) -> None:
    """Engine, memory cap and WASI grants belong to the instance, set when the REPL starts."""
    for word in words:
        flag = word.split("=", 1)[0]
        if flag in SESSION_FLAGS:
            raise UsageError(f"{flag} is fixed for the whole REPL: give it to 'wasmcall repl MODULE {flag} ...'")
    for word, following in itertools.pairwise(words):
        if word == "--file" and following == "-":
            raise UsageError("--file - (standard input) cannot be used in the REPL: stdin holds the lines")


def expect_arguments(command: str, arguments: list[str], least: int, most: int) -> None:
    if not least <= len(arguments) <= most:
        usage = next(u for u, _ in META_HELP if u.split()[0] == command)
        raise UsageError(f"usage: {usage}")


def parse_length(text: str) -> int:
    try:
        length = int(text, 0)
    except ValueError:
        length = -1
    if length < 0:
        raise UsageError(f":mem length {text!r}: expected a byte count")
    return length


@contextmanager
def line_source(stdin: IO[str], repl: Repl) -> Iterator[Iterator[str]]:
    """Lines typed at a terminal (history, completion) or read from a pipe."""
    if not repl.interactive:
        yield (line.rstrip("\n") for line in stdin)
        return
    from wasmcall.repl_editing import terminal_editing

    with terminal_editing(repl) as lines:
        yield lines


def run_repl(
    label: str, source: Union[bytes, str], options: SessionOptions, stdin: Optional[IO[str]] = None
) -> int:
    """Run the loop until :quit or the end of input; return the exit status."""
    stdin = stdin or sys.stdin
    repl = Repl(label, source, options, interactive=stdin.isatty())
    try:
        with line_source(stdin, repl) as lines:
            for line in lines:
                repl.handle(line)
    except QuitRepl as stop:
        if stop.code:
            return stop.code
    finally:
        repl.close()
    return 1 if repl.failed and not repl.interactive else 0
