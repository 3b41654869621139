"""Write a result's bytes as a hexdump or as text, a chunk at a time, whole or shortened.

A result can be as large as guest memory (4 GiB). Everything here works on
slices of it: nothing builds the whole hexdump, the whole decoded text or
the whole hex string, so showing a result costs at most a chunk more memory
than the result itself. On a terminal, anything longer than a screenful is
cut to its head and tail (a person cannot read 64 MiB scrolling past, and
drawing it took minutes); ``--full``, ``--raw`` or a pipe give everything.
"""

from __future__ import annotations

import codecs
import struct
from collections.abc import Iterator
from typing import IO

from msgspec import Struct

from wasmcall.terminal import escape_controls

HEX_WIDTH = 16
HEX_COLUMN = HEX_WIDTH * 3 - 1
HEXDUMP_CHUNK = HEX_WIDTH * 4096
TEXT_CHUNK = 1 << 18
PRINTABLE = bytes(b if 0x20 <= b < 0x7F else ord(".") for b in range(256))
MAX_UTF8_WIDTH = 4
MIN_SHOWN_ROWS = 4
RESERVED_ROWS = 4  # the omission line, the summary line, the prompt and a spare
FULL_HINT = "--full shows everything; --raw or a pipe gives the bytes"


class Styles(Struct, frozen=True):
    """ANSI (prefix, suffix) pairs for the parts of a hexdump; empty strings when colour is off."""

    offset: tuple[str, str] = ("", "")
    ascii: tuple[str, str] = ("", "")
    note: tuple[str, str] = ("", "")
    number: tuple[str, str] = ("", "")


PLAIN = Styles()


def hexdump_lines(data: bytes, start: int = 0, end: int = -1, styles: Styles = PLAIN) -> Iterator[str]:
    """Hexdump text for ``data[start:end]`` (``start`` a multiple of 16), a chunk of lines at a time.

    Each line is ``offset  hex bytes  |ascii|``; only printable ASCII appears in
    the right-hand column, so a hexdump can never carry a control sequence.
    """
    end = len(data) if end < 0 else end
    view = memoryview(data)
    for base in range(start, end, HEXDUMP_CHUNK):
        chunk = view[base:min(base + HEXDUMP_CHUNK, end)]
        whole = len(chunk) - len(chunk) % HEX_WIDTH
        yield whole_lines(chunk[:whole], base, styles) + short_line(chunk[whole:], base + whole, styles)


def whole_lines(chunk: memoryview, base: int, styles: Styles) -> str:
    """Lines of exactly 16 bytes, built column by column: every line has the same layout, so each
    column is one strided copy into a buffer of blank lines (2-4x faster than formatting lines)."""
    count = len(chunk) // HEX_WIDTH
    (o1, o2), (a1, a2) = styles.offset, styles.ascii
    blank = f"{o1}{'0' * 8}{o2}  {' ' * HEX_COLUMN}  {a1}|{' ' * HEX_WIDTH}|{a2}\n".encode()
    width = len(blank)
    offset_at = len(o1)
    hex_at = offset_at + 8 + len(o2) + 2
    ascii_at = hex_at + HEX_COLUMN + 2 + len(a1) + 1
    lines = bytearray(blank * count)
    offsets = struct.pack(f">{count}I", *range(base, base + HEX_WIDTH * count, HEX_WIDTH)).hex().encode()
    digits = chunk.hex(" ").encode()
    shown = chunk.tobytes().translate(PRINTABLE)
    for column in range(8):
        lines[offset_at + column::width] = offsets[column::8]
    for column in range(HEX_COLUMN):
        lines[hex_at + column::width] = digits[column::HEX_WIDTH * 3]
    for column in range(HEX_WIDTH):
        lines[ascii_at + column::width] = shown[column::HEX_WIDTH]
    return lines.decode("ascii")


def short_line(chunk: memoryview, base: int, styles: Styles) -> str:
    """The last line, when it holds fewer than 16 bytes."""
    if not chunk:
        return ""
    (o1, o2), (a1, a2) = styles.offset, styles.ascii
    shown = chunk.tobytes().translate(PRINTABLE).decode("ascii")
    return f"{o1}{base:08x}{o2}  {chunk.hex(' '):<{HEX_COLUMN}}  {a1}|{shown}|{a2}\n"


def text_chunks(data: bytes, chunk_size: int = TEXT_CHUNK) -> Iterator[str]:
    """``data`` (valid UTF-8) decoded a chunk at a time; no code point is split across chunks."""
    view = memoryview(data)
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), chunk_size):
        yield decoder.decode(view[start:start + chunk_size])
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def write_chunks(chunks: Iterator[str], stream: IO[str]) -> None:
    for chunk in chunks:
        stream.write(chunk)


def write_hexdump(data: bytes, stream: IO[str], rows: int, styles: Styles = PLAIN) -> None:
    """The whole hexdump when it fits in ``rows`` lines (or rows is 0), else its head and tail."""
    lines = -(-len(data) // HEX_WIDTH)
    keep = shown_rows(rows)
    if rows <= 0 or lines <= rows - RESERVED_ROWS or lines <= 2 * keep:
        write_chunks(hexdump_lines(data, styles=styles), stream)
        return
    head_end = keep * HEX_WIDTH
    tail_start = ((len(data) - 1) // HEX_WIDTH - keep + 1) * HEX_WIDTH
    write_chunks(hexdump_lines(data, 0, head_end, styles), stream)
    write_note(stream, tail_start - head_end, styles)
    write_chunks(hexdump_lines(data, tail_start, styles=styles), stream)


def shown_rows(rows: int) -> int:
    """How many rows the head (and the tail) of a shortened result get."""
    return max(MIN_SHOWN_ROWS, (rows - RESERVED_ROWS) // 2)


def write_note(stream: IO[str], left_out: int, styles: Styles) -> None:
    plural = "" if left_out == 1 else "s"
    before, after = styles.note
    stream.write(f"{before}… {left_out:,} byte{plural} not shown ({FULL_HINT}) …{after}\n")


def write_text(data: bytes, stream: IO[str], columns: int, rows: int, styles: Styles = PLAIN) -> None:
    """Text (valid UTF-8), escaped for a terminal; whole when it fits in ``rows`` (or rows is 0)."""
    keep = shown_rows(rows)
    budget = keep * columns * MAX_UTF8_WIDTH
    if rows <= 0 or (len(data) <= 2 * budget and screen_rows(data.decode("utf-8"), columns) <= rows - 2):
        write_chunks(escaped_chunks(data), stream)
        stream.write("\n")
        return
    head = head_of(data[:budget].decode("utf-8", errors="ignore"), keep, columns)
    end = skip_continuation(data[-budget:]).decode("utf-8")
    tail = tail_of(end.removesuffix("\n"), keep, columns) + ("\n" if end.endswith("\n") else "")
    stream.write(escape_controls(head) + "\n")
    write_note(stream, len(data) - len(head.encode()) - len(tail.encode()), styles)
    stream.write(escape_controls(tail) + "\n")


def escaped_chunks(data: bytes, chunk_size: int = TEXT_CHUNK) -> Iterator[str]:
    """text_chunks, escaped; a CR ending one chunk waits for the next, in case it starts with LF."""
    pending = ""
    for chunk in text_chunks(data, chunk_size):
        chunk = pending + chunk
        pending = "\r" if chunk.endswith("\r") else ""
        yield escape_controls(chunk.removesuffix(pending) if pending else chunk)
    yield escape_controls(pending)


def screen_rows(text: str, columns: int) -> int:
    """Rows ``text`` takes once escaped and wrapped at ``columns``."""
    return sum(max(1, -(-len(escape_controls(line)) // columns)) for line in text.split("\n"))


def head_of(text: str, rows: int, columns: int) -> str:
    """The start of ``text`` that fills at most ``rows`` rows of ``columns`` (escaped widths)."""
    kept: list[str] = []
    for line in text.split("\n"):
        needed = screen_rows(line, columns)
        if needed > rows:
            kept.append(fit_prefix(line, rows * columns))
            break
        kept.append(line)
        rows -= needed
        if rows == 0:
            break
    return "\n".join(kept)


def tail_of(text: str, rows: int, columns: int) -> str:
    """The end of ``text`` that fills at most ``rows`` rows: head_of, read backwards."""
    reversed_lines = [line[::-1] for line in reversed(text.split("\n"))]
    return head_of("\n".join(reversed_lines), rows, columns)[::-1]


def fit_prefix(line: str, width: int) -> str:
    """The longest prefix of ``line`` whose escaped form is at most ``width`` characters."""
    low, high = 0, len(line)
    while low < high:
        middle = (low + high + 1) // 2
        if len(escape_controls(line[:middle])) <= width:
            low = middle
        else:
            high = middle - 1
    return line[:low]


def skip_continuation(data: bytes) -> bytes:
    """Drop the UTF-8 continuation bytes a slice may start with (the rest of a cut character)."""
    start = 0
    while start < min(len(data), MAX_UTF8_WIDTH) and 0x80 <= data[start] < 0xC0:
        start += 1
    return data[start:]
