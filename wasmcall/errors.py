"""Typed errors, each carrying the exit code the CLI promises for it.

The library raises these and never prints; ``cli.py`` is the single place that
turns one into a message line and an exit code (see docs/exit-codes.md).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """The exit codes documented in docs/exit-codes.md; scripts depend on them."""

    OK = 0
    EXPECTATION_FAILED = 1
    USAGE = 2
    GUEST_FAILED = 3
    LOAD_FAILED = 4
    INTERNAL_ERROR = 70
    HANGUP = 129
    INTERRUPTED = 130
    TERMINATED = 143


class WasmcallError(Exception):
    """Base of every error wasmcall raises on purpose.

    ``kind`` is the stable machine-readable name used in the JSON error envelope.
    """

    exit_code: ExitCode = ExitCode.USAGE
    kind: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(WasmcallError):
    """The command line or the library call asked for something impossible."""

    kind = "usage"


class ArgumentValueError(UsageError):
    """A value given for an argument does not parse or is out of range."""

    kind = "argument"


class SignatureMismatchError(UsageError):
    """The arguments do not fit the export's parameters."""

    kind = "signature"


class UnknownExportError(UsageError):
    """The module has no function export of the requested name."""

    kind = "unknown-export"


class EngineUnavailableError(UsageError):
    """The requested engine cannot be imported on this Python."""

    kind = "engine-unavailable"


class ConventionError(UsageError):
    """The guest lacks what the requested marshalling needs (e.g. an allocator)."""

    kind = "convention"


class SessionClosedError(UsageError):
    """The session was closed, or lost its instance (a wasmer child killed at a deadline)."""

    kind = "session-closed"


class LoadError(WasmcallError):
    """The module could not be read, validated, compiled or linked."""

    exit_code = ExitCode.LOAD_FAILED
    kind = "load"


class GuestError(WasmcallError):
    """The guest failed while wasmcall ran it.

    ``guest_stderr`` holds the last lines a WASI guest wrote to stderr before
    failing, which usually say why; ``guest_stdout`` what it printed before
    failing (a guest that prints its answer, then exits non-zero); ``frames``
    the wasm backtrace of a trap.
    """

    exit_code = ExitCode.GUEST_FAILED
    kind = "guest"
    guest_stderr: tuple[str, ...] = ()
    frames: tuple[Any, ...] = ()
    """The wasm backtrace when the engine gave one (``engines.traps.Frame``, innermost first, capped)."""
    frame_count: int = 0
    """How many frames the backtrace had in all, counting those beyond the cap."""
    guest_stdout: bytes = b""


class TrapError(GuestError):
    """The guest trapped (unreachable, division by zero, stack overflow, ...)."""

    kind = "trap"


class GuestAbortError(GuestError):
    """AssemblyScript's ``abort`` or wasm-bindgen's ``__wbindgen_throw`` was called."""

    kind = "abort"


class LimitExceededError(GuestError):
    """The guest hit a limit wasmcall imposed: fuel, time or memory."""

    kind = "limit"


class GuestExitError(GuestError):
    """The guest called WASI ``proc_exit`` during the call."""

    kind = "exit"

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class OutOfBoundsError(GuestError):
    """The guest handed back a pointer/length that lies outside its memory."""

    kind = "bounds"


class InternalError(WasmcallError):
    """An exception wasmcall did not foresee: a bug in wasmcall, wrapped by the CLI."""

    exit_code = ExitCode.INTERNAL_ERROR
    kind = "internal"


class CallInterruptedError(WasmcallError):
    """Ctrl-C (or SIGTERM, SIGHUP) arrived while the guest ran; the guest was stopped.

    The exit code is 128 plus the signal's number, as shells report it.
    """

    exit_code = ExitCode.INTERRUPTED
    kind = "interrupted"

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.INTERRUPTED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class StopSignal(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread like Ctrl-C so the same paths stop the guest."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


STOP_NAMES = {ExitCode.INTERRUPTED: "interrupted", ExitCode.TERMINATED: "terminated", ExitCode.HANGUP: "hung up"}


def interrupted(stop: BaseException) -> CallInterruptedError:
    """The error for a Ctrl-C or a stop signal that ended a run: exit 130, 143 or 129."""
    code = ExitCode(128 + stop.signum) if isinstance(stop, StopSignal) else ExitCode.INTERRUPTED
    return CallInterruptedError(f"{STOP_NAMES[code]}: the guest was stopped", code)


class ExpectationError(WasmcallError):
    """An ``--expect`` check did not hold; ``detail`` shows what differs."""

    exit_code = ExitCode.EXPECTATION_FAILED
    kind = "expect"
    windowed = True
    """Whether a diff window with a caret helps; False for verdicts such as a leak check's."""

    def __init__(self, message: str, expected: str, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual
