"""Write a JSON document whose big strings are streamed, not built.

The call envelope holds a result's bytes twice, as ``hex`` and as ``text``;
for a 64 MiB result ``json.dumps`` built ~200 MiB of strings before writing
a byte (nine copies, 669 MiB peak, measured). Here those two fields are
``StreamedString`` values written a chunk at a time, and every other value
goes through ``json.dumps``, so the output is exactly what
``json.dumps(document, ensure_ascii=False)`` would print. Invisible and
bidi characters are written as ``\\uXXXX`` escapes (terminal.escape_json):
the parsed value is identical, and a terminal shows them harmlessly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import IO, Any

from msgspec import Struct

from wasmcall.terminal import escape_json


class StreamedString(Struct, frozen=True):
    """A JSON string given as a source of pieces, read only while it is written.

    ``plain`` promises the pieces need no JSON escaping (hex digits, say), which
    saves a pass over them.
    """

    pieces: Callable[[], Iterable[str]]
    plain: bool = False


def dumps(value: Any) -> str:
    return escape_json(json.dumps(value, ensure_ascii=False))


def write_document(document: Any, stream: IO[str]) -> None:
    """``document`` as one line of JSON on ``stream``."""
    write_value(document, stream)
    stream.write("\n")


def write_value(value: Any, stream: IO[str]) -> None:
    if isinstance(value, StreamedString):
        write_streamed(value, stream)
    elif isinstance(value, dict):
        stream.write("{")
        for index, (key, item) in enumerate(value.items()):
            stream.write(f"{', ' if index else ''}{dumps(str(key))}: ")
            write_value(item, stream)
        stream.write("}")
    elif isinstance(value, (list, tuple)):
        stream.write("[")
        for index, item in enumerate(value):
            if index:
                stream.write(", ")
            write_value(item, stream)
        stream.write("]")
    else:
        stream.write(dumps(value))


def write_streamed(value: StreamedString, stream: IO[str]) -> None:
    stream.write('"')
    for piece in value.pieces():
        stream.write(piece if value.plain else dumps(piece)[1:-1])
    stream.write('"')
