"""The console script's entry point: ``wasmcall.cli.main`` run as a short-lived process.

``main`` is also called in-process (tests, the REPL, library users), so it
returns its exit code and leaves the interpreter alone. Only here, where the
process is about to end anyway, two start-up and tear-down costs that buy
nothing in a one-shot command are cut (issue 10, measured on this machine):

- The cyclic garbage collector is off while the modules load and Typer builds
  the command (~6 ms): start-up allocates thousands of long-lived objects
  and nothing cyclic worth collecting. Those objects are then frozen out of
  the collector's view and it is switched back on before any guest runs, so a
  long ``wasmcall check`` still collects its garbage.
- At the end, the process leaves with ``os._exit`` once stdout and stderr are
  flushed (~21 ms of interpreter teardown: module dicts, wasmtime's
  finalizers, thread-state clean-up). Nothing is lost by skipping it:
  every session (and with it a wasmer child and a WASI output drainer) is
  closed in a ``with``/``finally`` before ``main`` returns, temporary files
  are removed the same way, and cached engines and modules hold no state
  outside the process. The flush below is the one thing teardown did that
  matters, so it is done by hand, with the same outcome for a closed pipe
  (``wasmcall ... | head``) as Python's own: exit 120 if nothing else failed.

One start-up cost is overlapped instead of cut: a wasmer session runs in a
child process (``wasmcall.isolation``), which used to be forked only when the
session opened, and then imported the calling code and wasmer and made the
engine while this process waited. When the command line says the run will
most likely open a wasmer session (``call`` or ``repl`` with ``--engine
wasmer``, ``check`` with ``--engine wasmer`` or ``all``), the child is forked
once the records both processes use have loaded (``wasmcall.request`` and
what it imports, msgspec included) and before Typer, which only this process
needs: the child inherits the first and never loads the second, and warms up
on another core while this process imports Typer, builds the command and
parses. The first wasmer session adopts it. Measured against the other
places to fork (interleaved medians, this machine): forked first thing, the
child imported the shared modules a second time (~30 ms more CPU, slower on
a busy machine); forked after the whole CLI had loaded, it was still warming
up when the session opened (~3 ms slower than here, same CPU). The guess is
read from the words alone, cheaply: there is no environment variable
choosing the engine, and a wrong guess costs one idle child that ends with
this process (``os._exit`` below fires its ``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Optional

from wasmcall import forking

BROKEN_PIPE_EXIT = 120  # what CPython exits with when flushing stdout fails at shutdown
WASMER_ENGINE_CHOICES = {"call": ("wasmer",), "repl": ("wasmer",), "check": ("wasmer", "all")}
HELP_WORDS = ("-h", "--help")


def run() -> None:
    """Run the command line, flush, and end the process with its exit code (never returns)."""
    gc.disable()
    try:
        if opens_wasmer_session(sys.argv[1:]):
            import wasmcall.request  # noqa: F401  # the records both processes use: loaded once, inherited

            forking.prestart_child()
        from wasmcall.cli import main
    finally:
        gc.freeze()
        gc.enable()
    code = main()
    os._exit(flushed(code))


def flushed(code: int) -> int:
    """Flush both standard streams; a stream that cannot take its output turns success into 120."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            code = code or BROKEN_PIPE_EXIT
    return code


def opens_wasmer_session(words: list[str]) -> bool:
    """Will this command line most likely open a wasmer session? A guess from the words alone."""
    if not words or words[0] not in WASMER_ENGINE_CHOICES or any(word in HELP_WORDS for word in words):
        return False
    return engine_named(words[1:]) in WASMER_ENGINE_CHOICES[words[0]]


def engine_named(words: list[str]) -> Optional[str]:
    """The value of the last ``--engine NAME`` or ``--engine=NAME`` before any ``--``."""
    named = None
    for index, word in enumerate(words):
        if word == "--":
            break
        if word == "--engine" and index + 1 < len(words):
            named = words[index + 1]
        elif word.startswith("--engine="):
            named = word.partition("=")[2]
    return named
