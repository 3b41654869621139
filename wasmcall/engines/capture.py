"""Catch a WASI guest's stdout and stderr through pipes, keeping a bounded head of each.

A guest may write gigabytes; holding that in memory (or on disk) is how
wasmcall once passed 6 GiB of RSS. So each stream goes into a pipe that a
drainer empties while the guest runs: it keeps the first ``CAPTURE_LIMIT``
bytes and only counts the rest, and what is shown ends with a line saying
how many bytes were left out. Nothing touches the disk, so nothing can be
left behind in ``$TMPDIR`` by a timeout, a trap or Ctrl-C.

The drainer is a thread for wasmtime, which releases the GIL while a guest
runs. wasmer holds the GIL for the whole call, so a thread would never run,
the pipe would fill and the guest would block forever: under wasmer the
drainer is a forked process (a fork that never touches wasmer, so the
compiler's thread pool that fork does not copy is never missed).

Not callbacks (``stdout_custom``): those were seen to panic at interpreter
exit. wasmtime is given the pipe as a path (``/dev/fd/N``); wasmer writes to
the process's own descriptors 1 and 2, which are pointed at the pipes.
"""

from __future__ import annotations

import os
import select
import signal
import struct
import sys
import threading
from typing import Optional

from wasmcall.engines.base import GuestOutput

CAPTURE_LIMIT = 4 * 2**20
READ_CHUNK = 1 << 20
HEADER = struct.Struct("<QQQQ")
SNAPSHOT = b"?"


class Sink:
    """The first ``limit`` bytes of a stream, and a count of the bytes after them."""

    def __init__(self, limit: int) -> None:
        self.head = bytearray()
        self.limit = limit
        self.omitted = 0

    def clear(self) -> None:
        """Start afresh after a snapshot: each call of a session gets its own head and count."""
        self.head = bytearray()
        self.omitted = 0

    def take(self, data: bytes) -> None:
        room = self.limit - len(self.head)
        self.head += data[:room]
        self.omitted += max(len(data) - room, 0)


def drain_ready(descriptor: int, sink: Sink) -> bool:
    """Read everything available now into ``sink``; True at end of file."""
    while True:
        try:
            chunk = os.read(descriptor, READ_CHUNK)
        except BlockingIOError:
            return False
        if not chunk:
            return True
        sink.take(chunk)


def serve(readers: list[int], control: int, reply: int, limit: int) -> None:
    """The drainer: empty the pipes as data comes, and answer each snapshot request with what
    came since the previous one.

    A request arrives only while the guest is stopped, so every byte it wrote
    is already in a pipe: reading until EAGAIN gets all of it. Ends when the
    control pipe closes.
    """
    sinks = [Sink(limit) for _ in readers]
    open_readers = dict(zip(readers, sinks, strict=True))
    while True:
        ready, _, _ = select.select([*open_readers, control], [], [])
        for descriptor in ready:
            if descriptor in open_readers and drain_ready(descriptor, open_readers[descriptor]):
                del open_readers[descriptor]
        if control not in ready:
            continue
        if not os.read(control, 1):
            return
        for descriptor, sink in list(open_readers.items()):
            drain_ready(descriptor, sink)
        write_all(reply, encode(sinks))
        for sink in sinks:
            sink.clear()


def encode(sinks: list[Sink]) -> bytes:
    out, err = sinks
    header = HEADER.pack(len(out.head), out.omitted, len(err.head), err.omitted)
    return header + bytes(out.head) + bytes(err.head)


def write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def read_exactly(descriptor: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(descriptor, min(size, READ_CHUNK))
        if not chunk:
            raise EOFError("the output drainer ended early")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def with_note(head: bytes, omitted: int, limit: int) -> bytes:
    """The kept bytes, followed by a line saying how much was left out (if anything)."""
    if not omitted:
        return head
    separator = b"" if head.endswith(b"\n") else b"\n"
    note = f"… {omitted:,} more bytes not shown (wasmcall keeps the first {limit // 2**20} MiB)\n"
    return head + separator + note.encode("utf-8")


class OutputCapture:
    """Pipes for one run's guest stdout and stderr, and the drainer that empties them."""

    def __init__(self, limit: int = CAPTURE_LIMIT) -> None:
        self.limit = limit
        out_read, self.out_write = os.pipe()
        err_read, self.err_write = os.pipe()
        self.readers = [out_read, err_read]
        for descriptor in self.readers:
            os.set_blocking(descriptor, False)
        self.control_read, self.control = os.pipe()
        self.reply, self.reply_write = os.pipe()
        self.stdout = f"/dev/fd/{self.out_write}"
        self.stderr = f"/dev/fd/{self.err_write}"
        self.saved: list[int] = []
        self.thread: Optional[threading.Thread] = None
        self.child: Optional[int] = None

    def start(self) -> None:
        """Drain on a thread, once the engine has opened ``self.stdout``/``self.stderr`` (wasmtime)."""
        self.close_writers()
        self.thread = threading.Thread(
            target=serve, args=(self.readers, self.control_read, self.reply_write, self.limit),
            name="wasmcall-output", daemon=True,
        )
        self.thread.start()

    def redirect_descriptors(self) -> None:
        """Point descriptors 1 and 2 at the pipes until ``restore_descriptors`` (wasmer).

        wasmer's WASI binds the process's descriptors when its environment is
        built, so the redirection must span the instance's whole life.
        """
        sys.stdout.flush()
        sys.stderr.flush()
        self.child = os.fork()
        if self.child == 0:
            self.run_drainer_process()
        self.saved = [os.dup(1), os.dup(2)]
        os.dup2(self.out_write, 1)
        os.dup2(self.err_write, 2)
        self.close_writers()

    def run_drainer_process(self) -> None:
        """The forked drainer: only pipes and plain Python, then ``_exit`` (no atexit, no flush)."""
        status = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and tells us to stop
            for descriptor in (self.out_write, self.err_write, self.control, self.reply):
                os.close(descriptor)
            serve(self.readers, self.control_read, self.reply_write, self.limit)
        except BaseException:
            status = 1
        finally:
            os._exit(status)

    def read(self) -> GuestOutput:
        """What the guest wrote since the last read: each stream's head, with a note of what was left out."""
        os.write(self.control, SNAPSHOT)
        out_size, out_omitted, err_size, err_omitted = HEADER.unpack(read_exactly(self.reply, HEADER.size))
        stdout = read_exactly(self.reply, out_size)
        stderr = read_exactly(self.reply, err_size)
        return GuestOutput(
            with_note(stdout, out_omitted, self.limit), with_note(stderr, err_omitted, self.limit)
        )

    def restore_descriptors(self) -> None:
        if not self.saved:
            return
        sys.stdout.flush()
        sys.stderr.flush()
        for descriptor, saved in zip((1, 2), self.saved, strict=True):
            os.dup2(saved, descriptor)
            os.close(saved)
        self.saved = []

    def remove(self) -> None:
        """Stop the drainer and close every descriptor; safe to call more than once."""
        if self.control < 0:
            return
        os.close(self.control)
        self.control = -1
        if self.thread is not None:
            self.thread.join()
        if self.child:
            os.waitpid(self.child, 0)
        self.close_writers()
        for descriptor in (*self.readers, self.control_read, self.reply, self.reply_write):
            os.close(descriptor)

    def close_writers(self) -> None:
        for name in ("out_write", "err_write"):
            descriptor = getattr(self, name)
            if descriptor >= 0:
                os.close(descriptor)
                setattr(self, name, -1)
