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
"""

import gc
import os
import sys

BROKEN_PIPE_EXIT = 120  # what CPython exits with when flushing stdout fails at shutdown


def run() -> None:
    """Run the command line, flush, and end the process with its exit code (never returns)."""
    gc.disable()
    try:
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
