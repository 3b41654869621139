"""Make text from modules and guests harmless to show a person.

Export and import names, abort messages, trap messages, text results and a
WASI guest's output all come from code nobody vetted. Printed raw, an ESC
starts a control sequence (clear the screen, retitle the window, fake a
hyperlink) and a U+202E turns ``invoice_\\u202efdp.exe`` into what reads as
``invoice_exe.pdf``. Everything wasmcall shows a person goes through this
module, so those characters appear as visible escapes (``\\x1b``,
``\\u202e``) instead of acting. Bytes meant for programs (``--raw``, a result
piped to another program) are left alone; JSON gets the same characters as
JSON ``\\uXXXX`` escapes, which decode to the very same string.
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import IO, Any

# C0, DEL and C1: the control characters (Unicode category Cc).
CONTROLS = "\x00-\x1f\x7f-\x9f"
# Invisible format characters (category Cf: bidi overrides and isolates, zero-width
# characters, the BOM, tag characters) and the line and paragraph separators (Zl, Zp),
# as of Unicode 15.1. Written out rather than computed: scanning unicodedata for them
# costs ~0.3 s at every start-up. tests/test_terminal_safety.py checks the list against
# the running Python's unicodedata.
FORMATS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# Lone surrogates: what Python makes of bytes in argv or a file name that are not UTF-8.
# No terminal can show them and no UTF-8 stream can encode them.
SURROGATES = "\ud800-\udfff"
# The patterns below are kept as text: re compiles each on first use and keeps it (its own cache),
# so a call that escapes nothing does not pay ~1 ms at start-up for their large character classes.
UNSAFE_IN_LINE = f"[{CONTROLS}{FORMATS}{SURROGATES}]"
# In multi-line text, tab and newline keep their meaning, and so does CR before LF
# (Windows line ends); a lone CR would let a guest overwrite what is already shown.
UNSAFE_IN_TEXT = f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{FORMATS}{SURROGATES}]|\r(?!\n)"
# json.dumps already escapes C0; these are the rest, for JSON written to any stream.
UNSAFE_IN_JSON = f"[\x7f-\x9f{FORMATS}{SURROGATES}]"
NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
DEFAULT_SIZE = (80, 24)


def escape_char(char: str) -> str:
    """One character as Python would spell it in a string literal: ``\\x1b``, ``\\u202e``, ``\\U000e0001``."""
    code = ord(char)
    if char in NAMED:
        return NAMED[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape_line(text: str) -> str:
    """For one-line contexts (names, error messages): every unsafe character escaped, newlines too."""
    return re.sub(UNSAFE_IN_LINE, lambda match: escape_char(match.group()), text)


def escape_controls(text: str) -> str:
    """For text shown as text (results, guest output): like escape_line, but tabs and line ends stay."""
    return re.sub(UNSAFE_IN_TEXT, lambda match: escape_char(match.group()), text)


def json_escape(code: int) -> str:
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_json(encoded: str) -> str:
    """JSON text with the remaining unsafe characters as ``\\uXXXX`` escapes (same value once parsed).

    ``encoded`` must be json.dumps output: these characters can then only occur
    inside strings, where an escape means exactly the character it replaces.
    """
    if encoded.isascii() and "\x7f" not in encoded:
        return encoded
    return re.sub(UNSAFE_IN_JSON, lambda match: json_escape(ord(match.group())), encoded)


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal; False for anything without ``isatty`` (a StringIO, say)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def screen_size(stream: IO[str]) -> tuple[int, int]:
    """(columns, rows) of the terminal behind ``stream``; COLUMNS and LINES win, as in shutil."""
    columns, rows = DEFAULT_SIZE
    with contextlib.suppress(AttributeError, ValueError, OSError):
        columns, rows = os.get_terminal_size(stream.fileno())
    columns = env_size("COLUMNS", columns)
    rows = env_size("LINES", rows)
    return (columns if columns > 0 else DEFAULT_SIZE[0]), (rows if rows > 0 else DEFAULT_SIZE[1])


def env_size(name: str, fallback: int) -> int:
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        return fallback
