"""Read inputs that are not regular files (FIFOs, pipes, devices) without hanging or running out of memory.

A regular file has a size we can check before reading. Anything else — a
FIFO, ``<(cmd)``, a pipe on standard input, ``/dev/zero`` — may never end and
may never start: its reader could wait forever for a writer, or read until
memory runs out. So such inputs are read with two bounds, both documented in
docs/safety.md: at most ``STREAM_LIMIT`` bytes, and at most ``wait`` seconds
(the run's timeout, or ``DEFAULT_WAIT``). A terminal is refused outright:
nobody means to type a module or a binary argument.
"""

from __future__ import annotations

import os
import select
import stat
import sys
import time
from typing import BinaryIO, Optional

STREAM_LIMIT = 64 * 2**20
DEFAULT_WAIT = 30.0
CHUNK = 1 << 20
CLOSED_STDIN = "standard input is closed; pipe or redirect the data in (e.g. < data.bin)"


class InputError(Exception):
    """Why an input could not be read; callers wrap it in their own typed error."""


def too_much(limit: int) -> str:
    return (
        f"more than {limit // 2**20} MiB from a pipe or device "
        "(the limit for inputs that are not regular files; save it to a file first)"
    )


def describe_wait(wait: float) -> str:
    return f"{wait:g} s"


def read_stream(path: str, wait: Optional[float], limit: int = STREAM_LIMIT) -> bytes:
    """Read a FIFO, pipe or device at ``path`` within ``wait`` seconds and ``limit`` bytes.

    Opened non-blocking: a plain open of a FIFO blocks until a writer appears.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise InputError(error.strerror or str(error)) from None
    try:
        if os.isatty(descriptor):
            raise InputError("is a terminal; give a file, or pipe the data in")
        return read_descriptor(descriptor, wait, limit)
    finally:
        os.close(descriptor)


def read_standard_input(wait: Optional[float], limit: int = STREAM_LIMIT) -> bytes:
    """Standard input, refused when closed or a terminal, bounded when a pipe.

    A ``sys.stdin`` replaced by an in-memory stream (a test, an embedding
    program) is read as it is: it cannot block or be endless by surprise.
    """
    stream = sys.stdin
    if stream is None:  # descriptor 0 was closed when Python started
        raise InputError(CLOSED_STDIN)
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return read_limited(stream.buffer, limit)
    try:
        info = os.fstat(descriptor)
    except OSError:
        raise InputError(CLOSED_STDIN) from None
    if os.isatty(descriptor):
        raise InputError("standard input is a terminal; pipe or redirect the data in (e.g. < data.bin)")
    if stat.S_ISREG(info.st_mode):
        return read_regular(descriptor, info.st_size - os.lseek(descriptor, 0, os.SEEK_CUR))
    return read_descriptor(descriptor, wait, limit)


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(too_much(limit))
    return data


def read_regular(descriptor: int, size: int) -> bytes:
    """A regular file's remaining bytes, read in one allocation of the known size."""
    data = bytearray(max(size, 0))
    view = memoryview(data)
    done = 0
    while done < len(data):
        count = os.readv(descriptor, [view[done:]])
        if count == 0:
            break
        done += count
    return bytes(data[:done]) if done < len(data) else bytes(data)


def read_descriptor(descriptor: int, wait: Optional[float], limit: int) -> bytes:
    """Read until end of file, waiting with ``select`` so that a silent writer cannot block us.

    On Linux a FIFO opened non-blocking is not readable until a writer has
    written or come and gone, so ``select`` waits correctly even with no
    writer at all.
    """
    seconds = DEFAULT_WAIT if wait is None else wait
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    total = 0
    while True:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([descriptor], [], [], max(remaining, 0.0))
        if not ready:
            raise InputError(
                f"waited {describe_wait(seconds)} and the writer has not finished "
                f"({total} bytes so far; is anything writing to it?)"
            )
        try:
            chunk = os.read(descriptor, CHUNK)
        except BlockingIOError:
            continue
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise InputError(too_much(limit))
        chunks.append(chunk)
