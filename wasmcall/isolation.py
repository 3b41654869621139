"""wasmer sessions: one child Python process per session, kept alive across calls.

wasmer's Python API has no fuel, deadline or memory limit and holds the GIL
while a guest runs, so nothing in the same process can stop a looping guest.
A child process can be stopped: the parent waits for each answer with a
deadline and kills the child when it passes (or on Ctrl-C), and the session
then says it is closed.

How the child is started, and why:
- A fresh interpreter, not a fork: wasmer compiles with a global thread pool,
  and a forked child of a process that had already used wasmer waited forever
  for pool threads that fork does not copy.
- Isolated (``python -I``): neither the working directory nor the user's
  site-packages is on its ``sys.path``, so a ``pickle.py`` or a ``wasmcall/``
  in the directory where the user runs wasmcall is never imported. wasmcall's
  own location is appended explicitly, after the standard library.
- It dies with its parent (``PR_SET_PDEATHSIG``, and EOF on its request pipe),
  ignores SIGINT (the parent decides what Ctrl-C does), and answers every
  request, turning any exception into a typed error: a bug is exit 70 with one
  line, never a traceback.

Requests and answers are length-prefixed pickles on two pipes; only the
parent writes requests, and an answer's error is rebuilt only as a
WasmcallError subclass.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional, Union

import wasmcall
from wasmcall import errors
from wasmcall.engines.base import ExportInfo, GlobalValue, Limits
from wasmcall.engines.traps import limit_message
from wasmcall.errors import (
    GuestError,
    InternalError,
    LimitExceededError,
    SessionClosedError,
    WasmcallError,
    interrupted,
)
from wasmcall.records import CallResult
from wasmcall.request import CallRequest
from wasmcall.session import LocalSession, Session, SessionOptions

FRAME = struct.Struct("<Q")
READ_CHUNK = 1 << 20
STARTUP_SECONDS = 60.0
PR_SET_PDEATHSIG = 1
BOOT = (
    "import sys; sys.path.append(sys.argv[1]); "
    "from wasmcall.isolation import serve; serve(int(sys.argv[2]), int(sys.argv[3]))"
)


class ChildSession(Session):
    """A wasmer session whose instance lives in a child process."""

    def __init__(self, label: str, source: Union[bytes, str], options: SessionOptions) -> None:
        self.label = label
        self.options = options
        self.child: Optional[subprocess.Popen[bytes]] = spawn_child()
        try:
            self.wait_until_ready()
            opened = self.ask(("open", label, source, options), options.limits.timeout)
            self.exports: tuple[ExportInfo, ...] = opened
        except BaseException:
            self.close()
            raise

    def wait_until_ready(self) -> None:
        """The child's interpreter start-up is wasmcall's own cost, not the guest's: it gets a fixed
        allowance, and the user's timeout starts with compiling."""
        child = self.child
        assert child is not None and child.stdout is not None
        try:
            unpack(read_answer(child.stdout.fileno(), STARTUP_SECONDS))
        except KeyboardInterrupt as stop:
            self.kill()
            raise interrupted(stop) from None
        except (TimeoutError, EOFError):
            status = self.kill()
            raise GuestError(f"the engine's child process did not start ({describe_status(status)})") from None

    def run(self, request: CallRequest) -> CallResult:
        limits = request.limits or self.options.limits.per_call
        result: CallResult = self.ask(("run", request), limits.timeout)
        return result

    def memory_size(self) -> int:
        size: int = self.ask(("memory_size",), None)
        return size

    def read(self, ptr: int, length: int) -> bytes:
        data: bytes = self.ask(("read", ptr, length), None)
        return data

    def globals(self) -> tuple[GlobalValue, ...]:
        found: tuple[GlobalValue, ...] = self.ask(("globals",), None)
        return found

    def reset(self) -> None:
        self.ask(("reset",), self.options.limits.timeout)

    def close(self) -> None:
        child, self.child = self.child, None
        if child is None:
            return
        try:
            if child.stdin is not None:
                child.stdin.close()  # EOF: the child returns from serve()
            child.wait(timeout=1)
        except (OSError, subprocess.TimeoutExpired):
            child.kill()
            child.wait()
        finally:
            if child.stdout is not None:
                child.stdout.close()

    @property
    def closed(self) -> bool:
        return self.child is None

    def ask(self, message: tuple[Any, ...], timeout: Optional[float]) -> Any:
        """Send one request and wait for its answer; a deadline, Ctrl-C or a dead child closes the session."""
        child = self.child
        if child is None or child.stdin is None or child.stdout is None:
            raise SessionClosedError(f"the session on {self.label} is closed")
        try:
            write_frame(child.stdin.fileno(), message)
            payload = read_answer(child.stdout.fileno(), timeout)
        except KeyboardInterrupt as stop:
            self.kill()
            raise interrupted(stop) from None
        except TimeoutError:
            self.kill()
            raise LimitExceededError(limit_message("timeout", Limits(timeout=timeout))) from None
        except (BrokenPipeError, EOFError):
            status = self.kill()
            raise GuestError(f"the engine's child process died ({describe_status(status)})") from None
        return unpack(payload)

    def kill(self) -> int:
        """Stop the child at once; the session is closed from now on."""
        child, self.child = self.child, None
        if child is None:
            return 0
        child.kill()
        status = child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
        return status


def spawn_child() -> subprocess.Popen[bytes]:
    """Start an isolated interpreter running ``serve``; requests go to its stdin, answers come on a pipe."""
    package_home = str(Path(wasmcall.__file__).resolve().parent.parent)
    read_end, write_end = os.pipe()
    try:
        child = subprocess.Popen(
            [sys.executable, "-I", "-c", BOOT, package_home, str(write_end), str(os.getpid())],
            stdin=subprocess.PIPE,
            pass_fds=(write_end,),
        )
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    child.stdout = os.fdopen(read_end, "rb", buffering=0)  # the answer pipe; the child's own stdout is ours
    return child


def write_frame(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(FRAME.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def read_answer(fd: int, timeout: Optional[float]) -> bytes:
    """One frame from the child, raising TimeoutError at the deadline and EOFError if it died."""
    deadline = None if timeout is None else time.monotonic() + timeout
    header = read_exactly(fd, FRAME.size, deadline)
    (length,) = FRAME.unpack(header)
    return read_exactly(fd, length, deadline)


def read_exactly(fd: int, length: int, deadline: Optional[float]) -> bytes:
    chunks: list[bytes] = []
    remaining = length
    while remaining:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, min(remaining, READ_CHUNK))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def unpack(payload: bytes) -> Any:
    """The child's answer, or its error re-raised here with the same type and attributes."""
    kind, value = pickle.loads(payload)
    if kind == "ok":
        return value
    type_name, message, attributes = value
    error_type = getattr(errors, type_name, None)
    if not (isinstance(error_type, type) and issubclass(error_type, WasmcallError)):
        error_type = InternalError
    error = error_type.__new__(error_type)
    WasmcallError.__init__(error, message)
    error.__dict__.update(attributes)
    raise error


def describe_status(status: int) -> str:
    if status < 0:
        return f"killed by signal {signal.Signals(-status).name}"
    return f"exit status {status}"


def serve(answer_fd: int, parent_pid: int) -> None:
    """The child's side: answer requests from stdin until EOF, one session at a time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)
    session: Optional[LocalSession] = None
    with os.fdopen(answer_fd, "wb", buffering=0) as answers:
        write_frame(answers.fileno(), ("ok", "ready"))
        while True:
            try:
                message = pickle.loads(read_exactly(0, FRAME.unpack(read_exactly(0, FRAME.size, None))[0], None))
            except EOFError:
                break
            try:
                if message[0] == "open":
                    session = LocalSession(message[1], message[2], message[3])
                    outcome: tuple[str, Any] = ("ok", session.exports)
                else:
                    outcome = ("ok", answer(session, message))
            except WasmcallError as error:
                outcome = ("error", (type(error).__name__, error.message, vars(error)))
            except Exception as error:  # a bug in wasmcall: still one typed answer, never a traceback
                outcome = ("error", ("InternalError", f"{type(error).__name__}: {error}", {}))
            write_frame(answers.fileno(), outcome)
    if session is not None:
        session.close()


def answer(session: Optional[LocalSession], message: tuple[Any, ...]) -> Any:
    if session is None:
        raise InternalError("the engine child got a request before its session was opened")
    verb, *arguments = message
    if verb == "run":
        return session.run(arguments[0])
    if verb == "memory_size":
        return session.memory_size()
    if verb == "read":
        return session.read(arguments[0], arguments[1])
    if verb == "globals":
        return session.globals()
    if verb == "reset":
        return session.reset()
    raise InternalError(f"the engine child got an unknown request {verb!r}")


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this process when its parent dies, even by SIGKILL; exit if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
