"""Forking the wasmer child and isolating it; stdlib only, so that importing it costs the launcher nothing.

``wasmcall.isolation`` runs wasmer sessions in a child process and explains
why (deadlines, Ctrl-C, crashing guests). This module is the part of it that
makes the child: fork, isolate, hand over to ``isolation.serve``. It imports
nothing but the standard library's always-loaded modules, so that the
launcher (``wasmcall.launch``) can import it at no cost on every run:

- Prestarting (issue 10). A cold ``wasmcall call --engine wasmer`` used to do
  everything one step after another: the parent loaded the CLI, parsed, read
  the module, then forked the child, which only then imported the calling
  code and wasmer and made the engine. When the command line says ``--engine
  wasmer``, the launcher forks the child before it imports Typer
  (``prestart_child``): it warms up on another core while the parent imports
  the CLI, builds the command and parses. The first wasmer session then adopts that child
  (``adopt_prestarted``) instead of forking; later sessions fork as before.
  A wrong guess costs one idle fork, which ends with the parent (below).
- The fork-after-compile hang stays impossible by construction: wasmer is
  imported only ever in children, and ``fork_child`` refuses to fork a
  process that has imported it (checked right before every fork), the
  launcher's fork included.
- Isolation, in this order (``isolate_forked_child``): SIGINT ignored first
  (the parent decides what Ctrl-C does), SIGTERM/SIGHUP back to their
  defaults; ``sys.path`` cut to what ``python -I`` has, before the child's
  first import (``python -m wasmcall`` puts the working directory first, and
  a ``wasmer.py`` or ``ctypes/`` there must never be imported); then
  ``PR_SET_PDEATHSIG``, the first thing that imports (ctypes, from the
  isolated path): the child is SIGKILLed when the thread that forked it
  ends, and exits at once if its parent is already gone; then every
  inherited descriptor it was not given is closed (a copy of another
  session's request pipe would keep that session's child from seeing EOF)
  and stdin reads /dev/null. It leaves with ``os._exit``: no atexit
  handlers, no second flush of the parent's buffers, no traceback on the
  parent's stderr.
- An unused prestarted child ends with its parent: the parent leaves with
  ``os._exit``, which fires ``PR_SET_PDEATHSIG`` (SIGKILL) and closes the
  request pipe (EOF); a parent killed by SIGKILL fires it as well.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from typing import NoReturn, Optional

PR_SET_PDEATHSIG = 1
CHILD_BUG_EXIT = 70
WASMER_MODULES = ("wasmer", "wasmer_compiler_cranelift")
WARM_UP_MODULES = ("wasmcall.isolation", "wasmcall.local_session", "wasmcall.engines.wasmer_engine")
PACKAGE_HOME = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


class ForkedChild:
    """A forked child's pid, the pipe requests go to, and the pipe answers come from.

    A plain class: a NamedTuple costs more to define than this whole module, on every launch.
    """

    __slots__ = ("answers", "pid", "requests")

    def __init__(self, pid: int, requests: int, answers: int) -> None:
        self.pid = pid
        self.requests = requests
        self.answers = answers


prestarted: list[tuple[int, ForkedChild]] = []  # (the pid that forked it, the child); popped once, atomically


def wasmer_loaded() -> bool:
    return any(name in sys.modules for name in WASMER_MODULES)


def can_fork() -> bool:
    """Forking is how children are made on Linux, while this process has not imported wasmer."""
    return sys.platform.startswith("linux") and not wasmer_loaded()


def prestart_child() -> None:
    """Fork a child that warms up (wasmer, the session core, the engine) for the first session to adopt."""
    if can_fork() and not prestarted:
        prestarted.append((os.getpid(), fork_child(warm_up=True)))


def adopt_prestarted() -> Optional[ForkedChild]:
    """The prestarted child, once, if this process forked it and it is still running; else None."""
    try:
        forked_by, child = prestarted.pop()
    except IndexError:
        return None
    if forked_by != os.getpid():
        return None  # a fork of the launcher: the child is its parent's, not ours
    if os.waitpid(child.pid, os.WNOHANG)[0] == 0:
        return child
    os.close(child.requests)  # it ended (reaped just now): the session forks a fresh one
    os.close(child.answers)
    return None


def fork_child(warm_up: bool = False) -> ForkedChild:
    """Fork a child that serves requests; only ever called with no wasmer in this process."""
    if wasmer_loaded():  # the construction that makes the fork-after-compile hang impossible
        from wasmcall.errors import InternalError

        raise InternalError("refusing to fork a wasmer child from a process that has imported wasmer")
    request_read, request_write = os.pipe()
    answer_read, answer_write = os.pipe()
    parent_pid = os.getpid()
    flush_standard_streams()  # else the child could write the parent's buffered output again
    try:
        pid = os.fork()
    except BaseException:
        for descriptor in (request_read, request_write, answer_read, answer_write):
            os.close(descriptor)
        raise
    if pid == 0:
        run_forked_child(request_read, answer_write, parent_pid, warm_up)
    os.close(request_read)
    os.close(answer_write)
    return ForkedChild(pid, request_write, answer_read)


def flush_standard_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


def run_forked_child(request_fd: int, answer_fd: int, parent_pid: int, warm_up: bool) -> NoReturn:
    """The forked child's whole life: isolate it, warm up, serve, and ``_exit`` (never return into the parent)."""
    code = CHILD_BUG_EXIT
    try:
        isolate_forked_child(request_fd, answer_fd, parent_pid)
        if warm_up:
            import_session_core()
        from wasmcall.isolation import serve

        serve(request_fd, answer_fd)
        code = 0
    finally:
        os._exit(code)


def isolate_forked_child(request_fd: int, answer_fd: int, parent_pid: int) -> None:
    """Make a just-forked child what ``python -I`` with two pipes would be (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    gc.freeze()  # the parent's objects are not this process's to collect (or to close descriptors of)
    sys.path[:] = isolated_path(sys.path)
    die_with_parent(parent_pid)
    keep_only_descriptors(request_fd, answer_fd)


def serve_in_interpreter(request_fd: int, answer_fd: int, parent_pid: int) -> None:
    """A fresh ``python -I`` child's life: -I and Popen isolated it already; it still ignores Ctrl-C and
    dies with its parent, as a forked child does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)
    from wasmcall.isolation import serve

    serve(request_fd, answer_fd)


def import_session_core() -> None:
    """Import what serving a wasmer session needs and make the engine, before saying "ready".

    A failure here is left for the session to meet again and report as it
    always has (wasmer missing on this Python is EngineUnavailableError).
    The cyclic collector is off meanwhile, as in the launcher (``launch.py``):
    imports make thousands of long-lived objects and nothing to collect.
    """
    import importlib

    gc.disable()
    try:
        for name in WARM_UP_MODULES:
            importlib.import_module(name)
        from wasmcall.engines import load_engine

        load_engine("wasmer")
    except Exception:
        return
    finally:
        gc.freeze()
        gc.enable()


def keep_only_descriptors(*kept: int) -> None:
    """stdin from /dev/null; stdout, stderr and ``kept`` stay; every other inherited descriptor is closed."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    start = 3
    for descriptor in sorted(kept):
        os.closerange(start, descriptor)
        start = descriptor + 1
    os.closerange(start, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 65536)


def isolated_path(path: list[str]) -> list[str]:
    """``path`` as ``python -I`` has it (no script directory, cwd, PYTHONPATH, user site), plus wasmcall.

    It imports nothing: it runs before the child's first import.
    """
    entries = list(path)
    if entries and not (sys.flags.isolated or getattr(sys.flags, "safe_path", False)):
        entries = entries[1:]  # the script's directory (or '' / cwd for -c and -m), which -I leaves out
    dropped = {os.path.realpath(os.getcwd())}
    if not sys.flags.ignore_environment:
        dropped.update(os.path.realpath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)
    user_site = getattr(sys.modules.get("site"), "USER_SITE", None)
    if user_site:
        dropped.add(os.path.realpath(user_site))
    kept = [p for p in entries if p and os.path.realpath(p) not in dropped]
    return kept if PACKAGE_HOME in kept else [*kept, PACKAGE_HOME]


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this process when its parent dies, even by SIGKILL; exit if it already has."""
    if sys.platform.startswith("linux"):
        import ctypes  # here, not at the top: the parent never needs it (~3 ms of a cold call)

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
