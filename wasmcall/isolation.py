"""Run a call in a forked child process that can be killed.

wasmer's Python API has no fuel, deadline or memory limit and holds the GIL
while a guest runs, so nothing in the same process can stop a looping guest.
A child process can be: the parent waits with a deadline and kills it, and
Ctrl-C in the parent kills it at once. (The memory cap is applied inside the
child by the wasmer engine, once the module is compiled.)
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import Any, Optional, TypeVar

from wasmcall.engines.base import Limits
from wasmcall.engines.traps import limit_message
from wasmcall.errors import GuestError, LimitExceededError, WasmcallError

T = TypeVar("T")
READ_CHUNK = 1 << 20


def run_isolated(action: Callable[[], T], limits: Limits) -> T:
    """Run ``action`` in a child process under ``limits``; return its result or raise its error."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        run_child(action, limits, write_end)
    os.close(write_end)
    try:
        payload = collect(read_end, pid, limits)
    except BaseException:
        kill(pid)
        raise
    finally:
        os.close(read_end)
    return unpack(payload, pid, limits)


def run_child(action: Callable[[], Any], limits: Limits, write_end: int) -> None:
    """The child's whole life: apply limits, run, send back the outcome, never return."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            outcome: tuple[str, Any] = ("ok", action())
        except WasmcallError as error:
            outcome = ("error", (type(error), error.message, vars(error)))
        except MemoryError:
            outcome = ("error", (LimitExceededError, limit_message("memory", limits), {}))
        with os.fdopen(write_end, "wb") as stream:
            pickle.dump(outcome, stream)
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def collect(read_end: int, pid: int, limits: Limits) -> bytes:
    """Read the child's answer, killing it if the deadline passes first."""
    deadline = None if limits.timeout is None else time.monotonic() + limits.timeout
    chunks = []
    while True:
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([read_end], [], [], remaining)
        if not ready:
            kill(pid)
            raise LimitExceededError(limit_message("timeout", limits))
        chunk = os.read(read_end, READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def unpack(payload: bytes, pid: int, limits: Limits) -> Any:
    _, status = os.waitpid(pid, 0)
    if not payload:
        raise GuestError(f"the engine's child process died ({describe_status(status)})")
    kind, value = pickle.loads(payload)
    if kind == "ok":
        return value
    error_type, message, attributes = value
    error = error_type.__new__(error_type)
    WasmcallError.__init__(error, message)
    error.__dict__.update(attributes)
    raise error


def describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.WEXITSTATUS(status)}"


def kill(pid: int) -> Optional[int]:
    try:
        os.kill(pid, signal.SIGKILL)
        return os.waitpid(pid, 0)[1]
    except (ProcessLookupError, ChildProcessError):
        return None
