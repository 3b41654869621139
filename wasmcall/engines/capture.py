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

from wasmcall.engines.base import GuestOutput


class OutputFiles:
    """A private directory holding ``stdout`` and ``stderr`` files for one run."""

    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="wasmcall-")
        self.stdout = os.path.join(self.directory, "stdout")
        self.stderr = os.path.join(self.directory, "stderr")
        for path in (self.stdout, self.stderr):
            open(path, "wb").close()
        self.saved: list[int] = []

    def read(self) -> GuestOutput:
        with open(self.stdout, "rb") as out, open(self.stderr, "rb") as err:
            return GuestOutput(out.read(), err.read())

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def redirect_descriptors(self) -> None:
        """Point file descriptors 1 and 2 at the files until ``restore_descriptors``.

        wasmer's WASI binds the process's descriptors when its environment is
        built, so the redirection must span the instance's whole life.
        """
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = [os.dup(1), os.dup(2)]
        for descriptor, path in ((1, self.stdout), (2, self.stderr)):
            target = os.open(path, os.O_WRONLY | os.O_APPEND)
            os.dup2(target, descriptor)
            os.close(target)

    def restore_descriptors(self) -> None:
        if not self.saved:
            return
        for descriptor, saved in zip((1, 2), self.saved, strict=True):
            os.dup2(saved, descriptor)
            os.close(saved)
        self.saved = []
