"""Temporary files that catch a WASI guest's stdout and stderr.

Files rather than callbacks: wasmtime's custom-output callbacks have been
seen to panic at interpreter exit, and wasmer can only write to real file
descriptors. Either way the guest's output never mixes with wasmcall's.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from wasmcall.engines.base import GuestOutput


class OutputFiles:
    """A private directory holding ``stdout`` and ``stderr`` files for one run."""

    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="wasmcall-")
        self.stdout = os.path.join(self.directory, "stdout")
        self.stderr = os.path.join(self.directory, "stderr")
        for path in (self.stdout, self.stderr):
            open(path, "wb").close()

    def read(self) -> GuestOutput:
        with open(self.stdout, "rb") as out, open(self.stderr, "rb") as err:
            return GuestOutput(out.read(), err.read())

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    @contextmanager
    def redirect_descriptors(self) -> Iterator[None]:
        """Point file descriptors 1 and 2 at the files while native code writes to them."""
        sys.stdout.flush()
        sys.stderr.flush()
        saved = [os.dup(1), os.dup(2)]
        targets = [os.open(path, os.O_WRONLY | os.O_APPEND) for path in (self.stdout, self.stderr)]
        try:
            os.dup2(targets[0], 1)
            os.dup2(targets[1], 2)
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for descriptor in saved + targets:
                os.close(descriptor)
