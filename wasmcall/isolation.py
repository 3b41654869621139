"""wasmer sessions: one child process per session, kept alive across calls.

wasmer's Python API has no fuel, deadline or memory limit and holds the GIL
while a guest runs, so nothing in the same process can stop a looping guest.
A child process can be stopped: the parent waits for each answer with a
deadline and kills the child when it passes (or on Ctrl-C), and the session
then says it is closed.

How the child is started, and why (the forking and isolating itself is in
``wasmcall.forking``, which imports only the standard library):
- Forked from this process, which has already imported wasmcall: the child
  only imports wasmer and compiles, instead of starting an interpreter and
  importing everything again (~100 ms of a cold ``--engine wasmer`` call).
- Or forked even earlier: when the command line says ``--engine wasmer``,
  the console script forks a child before it imports Typer or wasmcall's
  modules (``wasmcall.launch``). That child imports wasmer and the session
  core and makes the engine on the second core while the parent starts up,
  and the first ``ChildSession`` adopts it (``spawn_child``) instead of
  forking, so its start-up overlaps the parent's instead of following it.
  Later sessions fork as below; an unused prestarted child ends with the
  parent.
- The fork-after-compile hang cannot happen, by construction. wasmer compiles
  with a global thread pool, and a forked child of a process that had already
  used wasmer waited forever for pool threads that fork does not copy. In
  wasmcall only children ever import wasmer (``LocalSession`` with wasmer is
  made only by ``serve``, in a child; a prestarted child imports it after the
  fork); ``forking.fork_child`` checks that wasmer is not in ``sys.modules``
  right before every fork, so a pool can never exist in the process being
  forked. A host program that imported wasmer itself gets the old way
  instead: a fresh ``python -I`` interpreter.
- Forked from a thread that lives as long as the process: the main thread,
  or else one long-lived ``Spawner`` thread, never a caller's other thread.
  ``PR_SET_PDEATHSIG`` fires when the *thread* that forked the child ends, so
  a child forked by a short-lived worker thread would be killed with it.
- Isolated like ``python -I`` (``forking.isolate_forked_child``): SIGINT
  ignored at once, then before importing anything the child drops the
  working directory, the script's directory, ``PYTHONPATH`` and the user's
  site-packages from ``sys.path`` (a ``wasmer.py`` or ``pickle.py`` where the
  user runs wasmcall is never imported), closes every descriptor it did not
  get on purpose (a copy of another session's request pipe would keep that
  session's child from seeing EOF), reads /dev/null as stdin, and leaves with
  ``os._exit`` (no atexit handlers, no second flush of the parent's buffers).
- It dies with its parent (``PR_SET_PDEATHSIG``, and EOF on its request pipe),
  ignores SIGINT (the parent decides what Ctrl-C does), and answers every
  request, turning any exception into a typed error: a bug is exit 70 with one
  line, never a traceback.

Requests and answers are length-prefixed pickles on two pipes; only the
parent writes requests, and an answer's error is rebuilt only as a
WasmcallError subclass.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Optional, Union

from wasmcall import errors, forking
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
from wasmcall.session import Session, SessionOptions

if TYPE_CHECKING:  # only the child runs a LocalSession: the parent never loads the calling code
    from wasmcall.local_session import LocalSession

FRAME = struct.Struct("<Q")
READ_CHUNK = 1 << 20
STARTUP_SECONDS = 60.0
CLOSE_WAIT_SECONDS = 1.0
BOOT = (
    "import sys; sys.path.append(sys.argv[1]); from wasmcall.forking import serve_in_interpreter; "
    "serve_in_interpreter(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))"
)


class ChildSession(Session):
    """A wasmer session whose instance lives in a child process."""

    def __init__(self, label: str, source: Union[bytes, str], options: SessionOptions) -> None:
        self.label = label
        self.options = options
        self.child: Optional[Child] = spawn_child()
        try:
            self.wait_until_ready()
            opened = self.ask(("open", label, source, options), options.limits.timeout)
            self.exports: tuple[ExportInfo, ...] = opened
        except BaseException:
            self.close()
            raise

    def wait_until_ready(self) -> None:
        """The child's start-up is wasmcall's own cost, not the guest's: it gets a fixed allowance,
        and the user's timeout starts with compiling."""
        child = self.child
        assert child is not None
        try:
            unpack(read_answer(child.answers, STARTUP_SECONDS))
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
        if child is not None:
            child.finish()

    @property
    def closed(self) -> bool:
        return self.child is None

    def ask(self, message: tuple[Any, ...], timeout: Optional[float]) -> Any:
        """Send one request and wait for its answer; a deadline, Ctrl-C or a dead child closes the session."""
        child = self.child
        if child is None:
            raise SessionClosedError(f"the session on {self.label} is closed")
        try:
            write_frame(child.requests, message)
            payload = read_answer(child.answers, timeout)
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
        return child.kill()


class Child:
    """A running child: its pid, the pipe requests go to, the pipe answers come from."""

    def __init__(self, pid: int, requests: int, answers: int, process: Optional[subprocess.Popen[bytes]]) -> None:
        self.pid = pid
        self.requests = requests
        self.answers = answers
        self.process = process  # set for a fresh interpreter: Popen reaps it

    def finish(self) -> None:
        """Close the request pipe (EOF: the child returns from ``serve``) and reap it; kill it if it lingers."""
        answers, self.answers = self.answers, -1
        self.close_pipes()
        try:  # the child's exit closes its end of the answer pipe: wait for that EOF, not in a sleep loop
            ready, _, _ = select.select([answers], [], [], CLOSE_WAIT_SECONDS)
            exited = bool(ready) and not os.read(answers, 1)
        finally:
            os.close(answers)
        if exited:
            self.wait()
        else:
            self.kill()

    def kill(self) -> int:
        """SIGKILL, reap, close the pipes; the exit status (negative: the signal)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        status = self.wait()
        self.close_pipes()
        return status

    def wait(self) -> int:
        if self.process is not None:
            return self.process.wait()
        return os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])

    def close_pipes(self) -> None:
        for name in ("requests", "answers"):
            descriptor = getattr(self, name)
            if descriptor >= 0:
                os.close(descriptor)
                setattr(self, name, -1)


def spawn_child() -> Child:
    """The child the launcher prestarted, if there is one; else a forked child when forking is safe
    (no wasmer in this process), else a fresh isolated interpreter."""
    adopted = forking.adopt_prestarted()  # forked at launch, when wasmer was not loaded: safe to adopt
    if adopted is not None:
        return Child(adopted.pid, adopted.requests, adopted.answers, None)
    if forking.can_fork():
        if threading.current_thread() is threading.main_thread():
            return fork_child()  # the main thread lasts as long as the process; a hand-off costs ~3 ms
        return SPAWNER.fork()
    return start_interpreter()


def fork_child() -> Child:
    """Fork a child that serves requests (``wasmcall.forking``: it refuses if this process has wasmer)."""
    forked = forking.fork_child()
    return Child(forked.pid, forked.requests, forked.answers, None)


def start_interpreter() -> Child:
    """``python -I`` running ``serve``; requests and answers on two pipes passed by descriptor number."""
    request_read, request_write = os.pipe()
    answer_read, answer_write = os.pipe()
    try:
        descriptors = map(str, (request_read, answer_write, os.getpid()))
        process = subprocess.Popen(
            [sys.executable, "-I", "-c", BOOT, forking.PACKAGE_HOME, *descriptors],
            stdin=subprocess.DEVNULL,
            pass_fds=(request_read, answer_write),
        )
    except BaseException:
        os.close(request_write)
        os.close(answer_read)
        raise
    finally:
        os.close(request_read)
        os.close(answer_write)
    return Child(process.pid, request_write, answer_read, process)


class Spawner:
    """One long-lived daemon thread that forks every child (see the module docstring: PR_SET_PDEATHSIG)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.orders: queue.SimpleQueue[Order] = queue.SimpleQueue()
        self.thread: Optional[threading.Thread] = None

    def fork(self) -> Child:
        """Have the spawner thread fork a child; wait for it even through Ctrl-C, so none is left behind."""
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self.serve_orders, name="wasmcall-spawner", daemon=True)
                self.thread.start()
        order = Order()
        self.orders.put(order)
        try:
            while not order.done.wait(0.05):
                pass
        except BaseException:
            order.done.wait()
            if order.child is not None:
                order.child.kill()
            raise
        if order.child is None:
            raise order.error or InternalError("the wasmer child could not be started")
        return order.child

    def serve_orders(self) -> None:
        while True:
            order = self.orders.get()
            try:
                order.child = fork_child()
            except BaseException as error:
                order.error = error
            finally:
                order.done.set()


class Order:
    """One request to the spawner thread, and its outcome."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.child: Optional[Child] = None
        self.error: Optional[BaseException] = None


SPAWNER = Spawner()


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


def serve(request_fd: int, answer_fd: int) -> None:
    """The child's side, once isolated (``wasmcall.forking``): answer requests until EOF on
    ``request_fd``, one session at a time."""
    from wasmcall.local_session import LocalSession

    session: Optional[LocalSession] = None
    with os.fdopen(answer_fd, "wb", buffering=0) as answers:
        write_frame(answers.fileno(), ("ok", "ready"))
        while True:
            try:
                size = FRAME.unpack(read_exactly(request_fd, FRAME.size, None))[0]
                message = pickle.loads(read_exactly(request_fd, size, None))
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
