"""Nothing a module or guest says reaches a terminal raw (issue 7, item 2).

One test per channel runs the real program on a pseudo-terminal and reads
what the terminal would receive: export, import and module names in
``inspect``; error lines carrying module-derived names (an unknown export's
listing, an AssemblyScript abort's file name, a stubbed import's name); text
results; the hexdump's ASCII column; a WASI guest's output; JSON. The guests
are inline WAT whose names and strings hold ESC sequences (screen clear, an
OSC window title, a BEL), a C1 CSI and U+202E (right-to-left override).
Where bytes are meant for programs (``--raw``, a pipe) they stay exact.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import data_segment
from wasmcall.terminal import FORMATS, escape_controls, escape_json, escape_line

RUN_SECONDS = 60
SGR = re.compile(r"\x1b\[[0-9;]*m")
HOSTILE = "\x1b[2J\x1b]0;owned\x07\u202etxt.exe\x9b1m"
HOSTILE_SHOWN = "\\x1b[2J\\x1b]0;owned\\x07\\u202etxt.exe\\x9b1m"


def wat_string(text: str) -> str:
    """``text`` as a WAT string literal, every byte escaped."""
    return "".join(f"\\{byte:02x}" for byte in text.encode())


def run_on_terminal(*argv: object, rows: int = 24, columns: int = 80) -> tuple[int, str]:
    """Run ``python -m wasmcall`` with stdout and stderr on a fresh pseudo-terminal; return what it drew.

    The terminal's own CR LF line ends are folded back to LF, so any CR left
    in the output came from the program.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    environment["TERM"] = "xterm-256color"
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "wasmcall", *map(str, argv)],
            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=environment,
        )
    finally:
        os.close(slave)
    try:
        output = read_until_closed(master)
        code = process.wait(timeout=RUN_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return code, output.replace(b"\r\n", b"\n").decode("utf-8")


def read_until_closed(master: int) -> bytes:
    output = bytearray()
    deadline = time.monotonic() + RUN_SECONDS
    while True:
        ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"no end of output after {RUN_SECONDS} s"
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: every writer closed the terminal
            return bytes(output)
        if not chunk:
            return bytes(output)
        output += chunk


def assert_terminal_safe(drawn: str) -> None:
    """Only colour (SGR) sequences, newlines (CR LF too) and tabs: nothing that moves, clears, retitles
    or reorders."""
    for char in SGR.sub("", drawn).replace("\r\n", "\n"):
        assert char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp"), (
            f"{char!r} reached the terminal in {drawn!r}"
        )


# ---------------------------------------------------------------- the escaping rule itself

@pytest.mark.parametrize(
    ("text", "line", "text_view"),
    [
        ("\x1b[2J", "\\x1b[2J", "\\x1b[2J"),
        ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07", "\\x1b]0;owned\\x07"),
        ("a\tb\nc", "a\\tb\\nc", "a\tb\nc"),
        ("dos\r\nline", "dos\\r\\nline", "dos\r\nline"),
        ("over\rwrite", "over\\rwrite", "over\\rwrite"),
        ("\x7f\x85\x9b", "\\x7f\\x85\\x9b", "\\x7f\\x85\\x9b"),
        ("invoice_\u202efdp.exe", "invoice_\\u202efdp.exe", "invoice_\\u202efdp.exe"),
        ("\u2066x\u2069\u200b\ufeff", "\\u2066x\\u2069\\u200b\\ufeff", "\\u2066x\\u2069\\u200b\\ufeff"),
        ("tag\U000e0041", "tag\\U000e0041", "tag\\U000e0041"),
        ("line\u2028sep", "line\\u2028sep", "line\\u2028sep"),
        ("héllo wörld 中文 🙂", "héllo wörld 中文 🙂", "héllo wörld 中文 🙂"),
        ("argv\udcffbyte", "argv\\udcffbyte", "argv\\udcffbyte"),
    ],
    ids=["csi", "osc-title", "tab-newline", "crlf", "lone-cr", "del-c1", "rlo", "isolates-zwsp-bom",
         "tag-character", "line-separator", "ordinary-unicode", "lone-surrogate"],
)
def test_escaping(text: str, line: str, text_view: str) -> None:
    assert (escape_line(text), escape_controls(text)) == (line, text_view)


def test_the_format_list_covers_this_pythons_unicode() -> None:
    """The written-out list holds every Cf, Zl and Zp character this Python's unicodedata knows."""
    unsafe = re.compile(f"[{FORMATS}]")
    missing = [
        f"U+{code:04X}" for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Cf", "Zl", "Zp") and not unsafe.match(chr(code))
    ]
    assert missing == []


@given(st.text())
def test_escaped_text_is_safe_and_json_escaping_keeps_the_value(text: str) -> None:
    assert_terminal_safe(escape_line(text).replace("\n", ""))
    assert_terminal_safe(escape_controls(text))
    encoded = escape_json(json.dumps(text, ensure_ascii=False))
    assert json.loads(encoded) == text
    assert_terminal_safe(encoded)


# ---------------------------------------------------------------- one channel at a time, on a terminal

NAMES_GUEST = f"""(module
  (import "{wat_string(HOSTILE)}" "{wat_string("imp" + HOSTILE)}" (func (param i32)))
  (memory (export "memory") 1)
  (global (export "{wat_string("glob" + HOSTILE)}") i32 (i32.const 7))
  (func (export "{wat_string("fn" + HOSTILE)}") (result i32) (i32.const 1))
)"""


def test_inspect_names(engine: str, wat_file: Callable[[str, str], Path]) -> None:
    module = wat_file("hostile_names", NAMES_GUEST)
    code, drawn = run_on_terminal("inspect", module, "--engine", engine, columns=400)
    assert code == 0, drawn
    assert_terminal_safe(drawn)
    for shown in ("fn" + HOSTILE_SHOWN, "glob" + HOSTILE_SHOWN, f"{HOSTILE_SHOWN} ", "imp" + HOSTILE_SHOWN):
        assert shown in drawn, drawn


def test_inspect_names_plain_when_piped(cli: Callable, engine: str, wat_file: Callable[[str, str], Path]) -> None:
    """Plain inspect is a report for people too: names escaped whatever the destination (--json is exact)."""
    module = wat_file("hostile_names", NAMES_GUEST)
    outcome = cli("inspect", module, "--engine", engine)
    assert outcome.code == 0
    assert_terminal_safe(outcome.stdout)
    assert outcome.stdout.split("exports:\n")[1] == (
        f"  memory{' ' * 42}memory\n"
        f"  glob{HOSTILE_SHOWN}  global\n"
        f"  fn{HOSTILE_SHOWN}    func () -> i32\n"
        f"imports:\n  {HOSTILE_SHOWN}.imp{HOSTILE_SHOWN} (func (i32) -> ())\n"
    )  # no "try" line: nobody provides the import (tests/test_suggestions.py checks suggestions are escaped)
    exports = json.loads(cli("inspect", module, "--json", "--engine", engine).stdout)["exports"]
    assert [e["name"] for e in exports] == ["memory", "glob" + HOSTILE, "fn" + HOSTILE]


def as_string(text: str, at: int) -> str:
    """An AssemblyScript string object at ``at``: its byte length at ``at - 4``, then UTF-16LE."""
    data = text.encode("utf-16-le")
    return data_segment(struct.pack("<I", len(data)) + data, at - 4)


ABORT_GUEST = f"""(module
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (import "env" "{wat_string("missing" + HOSTILE)}" (func $missing))
  (memory (export "memory") 1)
  {as_string("bad " + HOSTILE, 16)}
  {as_string("file" + HOSTILE + ".ts", 256)}
  (func (export "fail") (call $abort (i32.const 16) (i32.const 256) (i32.const 3) (i32.const 4)))
  (func (export "stubbed") (call $missing))
  (func (export "{wat_string("fn" + HOSTILE)}"))
)"""


@pytest.mark.parametrize(
    ("arguments", "shown"),
    [
        (["nope"], f"no function export 'nope' (exports: fail, stubbed, fn{HOSTILE_SHOWN})"),
        (["fail"], f"guest aborted: 'bad {HOSTILE_SHOWN}' at file{HOSTILE_SHOWN}.ts:3:4"),
        (["stubbed"], f"env.missing{HOSTILE_SHOWN}"),
    ],
    ids=["unknown-export-listing", "abort-message-and-file", "stubbed-import-name"],
)
def test_error_lines(engine: str, wat_file: Callable[[str, str], Path], arguments: list[str], shown: str) -> None:
    module = wat_file("hostile_abort", ABORT_GUEST)
    code, drawn = run_on_terminal("call", module, *arguments, "--stub-imports", "--engine", engine, columns=400)
    assert code in (2, 3), drawn
    assert_terminal_safe(drawn)
    assert drawn.startswith("wasmcall: error: ") and shown in drawn, drawn


INVOICE = "invoice_\u202efdp.exe"
RESULTS_GUEST = f"""(module
  (memory (export "memory") 1)
  {data_segment(INVOICE.encode(), 0)}
  {data_segment(HOSTILE.encode(), 64)}
  (func (export "name") (result i32 i32) (i32.const 0) (i32.const {len(INVOICE.encode())}))
  (func (export "escapes") (result i32 i32) (i32.const 64) (i32.const {len(HOSTILE.encode())}))
)"""


def test_text_result(engine: str, wat_file: Callable[[str, str], Path]) -> None:
    code, drawn = run_on_terminal("call", wat_file("hostile_results", RESULTS_GUEST), "name", "--engine", engine)
    assert code == 0, drawn
    assert_terminal_safe(drawn)
    assert drawn.startswith("invoice_\\u202efdp.exe\n")


def test_binary_result_hexdump_ascii_column(engine: str, wat_file: Callable[[str, str], Path]) -> None:
    """Control bytes make a result binary; its hexdump shows only printable ASCII."""
    module = wat_file("hostile_results", RESULTS_GUEST)
    code, drawn = run_on_terminal("call", module, "escapes", "--engine", engine)
    assert code == 0, drawn
    assert_terminal_safe(drawn)
    plain = SGR.sub("", drawn)
    assert plain.startswith(
        "00000000  1b 5b 32 4a 1b 5d 30 3b 6f 77 6e 65 64 07 e2 80  |.[2J.]0;owned...|\n"
        "00000010  ae 74 78 74 2e 65 78 65 c2 9b 31 6d              |.txt.exe..1m|\n"
    ), plain


def test_results_stay_exact_for_programs(cli: Callable, engine: str, wat_file: Callable[[str, str], Path]) -> None:
    """Piped text and --raw are the guest's bytes; JSON has the same string, escaped the JSON way."""
    module = wat_file("hostile_results", RESULTS_GUEST)
    name = "invoice_\u202efdp.exe"
    assert cli("call", module, "name", "--engine", engine).raw == name.encode() + b"\n"
    assert cli("call", module, "escapes", "--raw", "--engine", engine).raw == HOSTILE.encode()
    document = cli("call", module, "name", "--json", "--engine", engine).stdout
    assert '"text": "invoice_\\u202efdp.exe"' in document
    assert json.loads(document)["result"]["text"] == name


def test_json_on_a_terminal(engine: str, wat_file: Callable[[str, str], Path]) -> None:
    code, drawn = run_on_terminal(
        "call", wat_file("hostile_results", RESULTS_GUEST), "name", "--json", "--engine", engine, columns=400,
    )
    assert code == 0, drawn
    assert_terminal_safe(drawn)
    assert json.loads(drawn)["result"]["text"] == "invoice_\u202efdp.exe"


WASI_TEXT = f"said: {HOSTILE}\n"
WASI_GUEST = f"""(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  {data_segment(struct.pack("<II", 16, len(WASI_TEXT.encode())), 0)}
  {data_segment(WASI_TEXT.encode(), 16)}
  (func (export "speak") (result i32)
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.const 0))
)"""


def test_wasi_output(engine: str, wat_file: Callable[[str, str], Path]) -> None:
    code, drawn = run_on_terminal(
        "call", wat_file("hostile_wasi", WASI_GUEST), "speak", "--engine", engine, "--guest-stdout", "stderr"
    )
    assert code == 0, drawn
    assert_terminal_safe(drawn)
    assert f"[guest stdout] said: {HOSTILE_SHOWN}\n" in drawn
    assert f"[guest stderr] said: {HOSTILE_SHOWN}\n" in drawn


def test_wasi_output_stays_exact_when_piped(
    cli: Callable, engine: str, wat_file: Callable[[str, str], Path]
) -> None:
    outcome = cli("call", wat_file("hostile_wasi", WASI_GUEST), "speak", "--engine", engine,
                  "--guest-stdout", "stderr")
    assert (outcome.code, outcome.stdout) == (0, "0\n")
    assert outcome.stderr == f"[guest stdout] said: {HOSTILE}\n[guest stderr] said: {HOSTILE}\n"
