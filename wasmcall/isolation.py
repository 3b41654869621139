"""Run a call in a child Python process that can be killed.

wasmer's Python API has no fuel, deadline or memory limit and holds the GIL
while a guest runs, so nothing in the same process can stop a looping guest.
A child process can be: the parent waits with a deadline and kills it, and
Ctrl-C in the parent kills it at once.

The child is a fresh interpreter, not a fork: wasmer compiles with a global
thread pool, and a forked child of a process that had already used wasmer
waited forever for pool threads that fork does not copy.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

from wasmcall.engines.base import Limits
from wasmcall.engines.traps import limit_message
from wasmcall.errors import GuestError, LimitExceededError, WasmcallError

T = TypeVar("T")
READ_CHUNK = 1 << 20


def run_isolated(function: Callable[..., T], arguments: tuple[Any, ...], limits: Limits) -> T:
    """Run ``function(*arguments)`` in a child process under ``limits``; return or raise its outcome.

    ``function`` must be importable by name (pickled by reference).
    """
    read_end, write_end = os.pipe()
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "wasmcall.isolation", str(write_end)],
            stdin=subprocess.PIPE,
            pass_fds=(write_end,),
        )
    finally:
        os.close(write_end)
    try:
        assert child.stdin is not None
        with child.stdin:
            child.stdin.write(pickle.dumps((function, arguments)))
        payload = collect(read_end, child, limits)
    except BaseException:
        child.kill()
        child.wait()
        raise
    finally:
        os.close(read_end)
    return unpack(payload, child.wait())


def collect(read_end: int, child: subprocess.Popen[bytes], limits: Limits) -> bytes:
    """Read the child's answer, killing it if the deadline passes first."""
    deadline = None if limits.timeout is None else time.monotonic() + limits.timeout
    chunks = []
    while True:
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([read_end], [], [], remaining)
        if not ready:
            child.kill()
            child.wait()
            raise LimitExceededError(limit_message("timeout", limits))
        chunk = os.read(read_end, READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def unpack(payload: bytes, status: int) -> Any:
    """The child's result, or its error re-raised here with the same type and attributes."""
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
    if status < 0:
        return f"killed by signal {signal.Signals(-status).name}"
    return f"exit status {status}"


def serve(write_end: int) -> None:
    """The child's side: read the request from stdin, run it, send back the outcome."""
    function, arguments = pickle.loads(sys.stdin.buffer.read())
    try:
        outcome: tuple[str, Any] = ("ok", function(*arguments))
    except WasmcallError as error:
        outcome = ("error", (type(error), error.message, vars(error)))
    with os.fdopen(write_end, "wb") as stream:
        pickle.dump(outcome, stream)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
