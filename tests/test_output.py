"""How results reach people and programs: the text-or-binary rule, shortened terminal views,
windowed --expect diffs, stdout before stderr, streamed JSON, and memory that stays flat for
big results (issues 10 and 12)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import wasmcall
from tests.conftest import data_segment
from tests.test_terminal_safety import SGR, run_on_terminal
from wasmcall.dump import FULL_HINT, hexdump_lines
from wasmcall.jsonstream import StreamedString, write_document
from wasmcall.records import is_readable_text
from wasmcall.render import show_result

MIB = 1 << 20
LINES = "".join(f"line {i:04d}\n" for i in range(1000)).encode()
BIG_GUEST = f"""(module
  (memory (export "memory") 257)
  {data_segment(LINES, 0)}
  (func (export "lines") (result i32 i32) (i32.const 0) (i32.const {len(LINES)}))
  (func (export "text") (param $n i32) (result i32 i32)
    (memory.fill (i32.const 0) (i32.const 0x61) (local.get $n))
    (i32.const 0) (local.get $n))
  (func (export "binary") (param $n i32) (result i32 i32)
    (memory.fill (i32.const 0) (i32.const 0xff) (local.get $n))
    (i32.const 0) (local.get $n))
  (func (export "counting") (param $n i32) (result i32 i32) (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store8 (local.get $i) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.const 0) (local.get $n))
)"""


@pytest.fixture
def big_guest(wasm_file: Callable[[str, str], Path]) -> Path:
    return wasm_file("big_results", BIG_GUEST)


def console_script() -> str:
    found = shutil.which("wasmcall", path=str(Path(sys.executable).parent))
    assert found is not None, f"no wasmcall console script next to {sys.executable}"
    return found


# ---------------------------------------------------------------- stdout before stderr

def test_the_value_comes_before_the_error_in_a_shared_pipe(rust_guest: Path) -> None:
    """``2>&1 | cat`` in a CI log: the result is flushed before the --expect failure is reported."""
    completed = subprocess.run(
        [console_script(), "call", str(rust_guest), "add", "2", "40", "--expect", "41"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, check=False,
    )
    assert completed.returncode == 1
    assert completed.stdout.decode() == (
        "42\n"
        "wasmcall: error: --expect failed: results differ at character 1 (expected 2 characters, got 2)\n"
        "  expected: '41'\n"
        "  actual:   '42'\n"
        "              ^\n"
    )


# ---------------------------------------------------------------- text or binary

@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", True), (b"hello", True), ("héllo 中文 🙂".encode(), True), (b"tab\tcr\rlf\n", True),
        ("bidi \u202e stays text".encode(), True), (b"\x00\x01\x02\x03", False), (b"\x1b[2J", False),
        (b"\x7f", False), ("c1 \x85".encode(), False), (b"\xff\xfe", False), ("é".encode()[:1], False),
    ],
    ids=["empty", "ascii", "unicode", "whitespace", "format-character", "nul-bytes", "escape", "del", "c1",
         "not-utf8", "cut-character"],
)
def test_text_is_what_a_person_can_read(data: bytes, text: bool) -> None:
    assert is_readable_text(data) is text


def reference_rule(data: bytes) -> bool:
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(
        (ord(c) < 0x20 and c not in "\t\n\r") or 0x7F <= ord(c) <= 0x9F for c in decoded
    )


@given(st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_the_text_rule_matches_its_definition(data: bytes) -> None:
    assert is_readable_text(data) is reference_rule(data)


def test_the_text_rule_reads_across_chunk_boundaries() -> None:
    """A character cut by the 1 MiB chunking is still one character; a control at the end still counts."""
    data = b"a" * (MIB - 1) + "é".encode() + b"b" * 10
    assert is_readable_text(data)
    assert not is_readable_text(data + b"\x00")


# ---------------------------------------------------------------- windowed diffs

def test_a_diff_on_a_large_result_is_a_window(cli: Callable, big_guest: Path, engine: str) -> None:
    size = 100_000
    expected = "a" * 50_000 + "b" + "a" * (size - 50_001)
    outcome = cli("call", big_guest, "text", "--i32", size, "--expect", expected, "--raw", "--engine", engine)
    assert outcome.code == 1
    window = "a" * 24
    assert outcome.stderr == (
        "wasmcall: error: --expect failed: results differ at character 50000 "
        "(expected 100000 characters, got 100000)\n"
        f"  expected: …'{window}b{window}'…\n"
        f"  actual:   …'{window}a{window}'…\n"
        f"{' ' * 38}^\n"
    )


def test_a_hex_diff_points_at_the_byte(cli: Callable, big_guest: Path, engine: str) -> None:
    expected = bytes(range(40)).hex().replace("1e", "ff")
    outcome = cli("call", big_guest, "counting", "--i32", 40, "--expect-hex", expected, "--engine", engine)
    assert outcome.code == 1
    assert outcome.stderr.splitlines()[1:] == [
        "  expected: …'12 13 14 15 16 17 18 19 1a 1b 1c 1d ff 1f 20 21 22 23 24 25 26 27'",
        "  actual:   …'12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27'",
        f"{' ' * 50}^",
    ]
    assert outcome.stderr.splitlines()[0].endswith("results differ at byte 30 (expected 40 bytes, got 40)")


def test_diff_windows_show_invisible_differences(cli: Callable, rust_guest: Path, engine: str) -> None:
    outcome = cli(
        "call", rust_guest, "upper_pair", "--str", "a b\u202e", "--expect", "A\tB\u202e", "--engine", engine,
    )
    assert outcome.code == 1
    assert outcome.stderr.splitlines()[1:] == [
        "  expected: 'A\\tB\\u202e'", "  actual:   'A B\\u202e'", "              ^",
    ]


def test_expected_text_that_is_not_utf8(cli: Callable, rust_guest: Path, engine: str) -> None:
    """Bytes in argv that are not UTF-8 arrive as lone surrogates: compared as those bytes, shown escaped."""
    outcome = cli("call", rust_guest, "upper_pair", "--str", "abc", "--expect", "AB\udcff", "--engine", engine)
    assert outcome.code == 1
    assert outcome.stderr.splitlines()[1:] == ["  expected: 'AB\\udcff'", "  actual:   'ABC'", "               ^"]
    document = cli("call", rust_guest, "upper_pair", "--str", "abc", "--expect", "AB\udcff", "--json").stdout
    assert '"expected": "AB\\udcff"' in document


def test_a_failed_expect_in_json_keeps_the_result(cli: Callable, rust_guest: Path, engine: str) -> None:
    outcome = cli(
        "call", rust_guest, "upper_pair", "--str", "abc", "--expect", "ABD", "--json", "--engine", engine,
    )
    assert outcome.code == 1
    document = json.loads(outcome.stdout)
    assert document["values"][1] == 3
    result = {k: v for k, v in document["result"].items() if k != "ptr"}
    assert result == {"len": 3, "hex": "414243", "text": "ABC"}
    assert document["error"] == {
        "kind": "expect", "exit_code": 1, "expected": "ABD", "actual": "ABC",
        "message": "--expect failed: results differ at character 2 (expected 3 characters, got 3)",
    }


# ---------------------------------------------------------------- shortened on a terminal

@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A 24-row, 80-column screen for renderers writing to a StringIO."""
    monkeypatch.setenv("LINES", "24")
    monkeypatch.setenv("COLUMNS", "80")
    yield


def draw(result: wasmcall.CallResult, mode: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    show_result(result, mode, out, err)
    return out.getvalue()


def test_a_long_hexdump_shows_head_and_tail(big_guest: Path, engine: str, screen: None) -> None:
    result = wasmcall.call(big_guest, "counting", untyped=["4096"], engine=engine)
    lines = draw(result, "rich").splitlines()
    assert len(lines) == 21
    assert lines[0] == "00000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  |................|"
    assert lines[9].startswith("00000090  90 91")
    assert lines[10] == f"… 3,776 bytes not shown ({FULL_HINT}) …"
    assert lines[11].startswith("00000f60  60 61")
    assert lines[20] == "00000ff0  f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff  |................|"
    assert len(draw(result, "full").splitlines()) == 256


def test_long_text_shows_head_and_tail(big_guest: Path, engine: str, screen: None) -> None:
    result = wasmcall.call(big_guest, "lines", engine=engine)
    shown = draw(result, "rich")
    left_out = len(LINES) - len(b"line 0000\n") * 20 + 1  # the newline after the head is not shown
    assert shown == (
        "".join(f"line {i:04d}\n" for i in range(10))
        + f"… {left_out:,} bytes not shown ({FULL_HINT}) …\n"
        + "".join(f"line {i:04d}\n" for i in range(990, 1000))
        + "\n"  # a text is followed by a newline, as when it is whole
    )
    assert draw(result, "full") == LINES.decode() + "\n"


def test_one_long_line_is_cut_by_screen_rows(big_guest: Path, engine: str, screen: None) -> None:
    result = wasmcall.call(big_guest, "text", untyped=[str(MIB)], engine=engine)
    assert draw(result, "rich") == f"{'a' * 800}\n… {MIB - 1600:,} bytes not shown ({FULL_HINT}) …\n{'a' * 800}\n"


def test_a_short_result_is_whole(big_guest: Path, engine: str, screen: None) -> None:
    result = wasmcall.call(big_guest, "counting", untyped=["32"], engine=engine)
    assert len(draw(result, "rich").splitlines()) == 2


def test_a_megabyte_on_a_real_terminal_is_shortened(big_guest: Path, engine: str) -> None:
    """On a pseudo-terminal of 30 rows: 13 rows of head, the note, 13 rows of tail, the summary."""
    code, drawn = run_on_terminal("call", big_guest, "binary", "--i32", MIB, "--engine", engine, rows=30)
    assert code == 0, drawn
    lines = SGR.sub("", drawn).splitlines()
    assert len(lines) == 28
    assert lines[13] == f"… {MIB - 26 * 16:,} bytes not shown ({FULL_HINT}) …"
    assert lines[26] == "000ffff0  ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff  |................|"
    assert lines[27].startswith("binary(i32) -> (i32, i32) · ")


def test_piped_output_is_never_shortened(cli: Callable, big_guest: Path, engine: str) -> None:
    outcome = cli("call", big_guest, "lines", "--engine", engine)
    assert outcome.raw == LINES + b"\n"
    assert len(cli("call", big_guest, "counting", "--i32", 4096, "--engine", engine).stdout.splitlines()) == 256


# ---------------------------------------------------------------- streamed JSON

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_streamed_json_is_json_dumps(document: object) -> None:
    stream = io.StringIO()
    write_document(document, stream)
    assert json.loads(stream.getvalue()) == document
    plain = json.dumps(document, ensure_ascii=False)
    if plain.isascii():
        assert stream.getvalue() == plain + "\n"


@given(st.lists(st.text(), max_size=5))
def test_streamed_strings_are_one_string(pieces: list[str]) -> None:
    stream = io.StringIO()
    write_document({"s": StreamedString(lambda: iter(pieces))}, stream)
    assert json.loads(stream.getvalue()) == {"s": "".join(pieces)}


def test_the_envelope_of_a_big_result(cli: Callable, big_guest: Path, engine: str) -> None:
    size = 3 * MIB + 5  # more than one chunk, and not a whole number of them
    document = json.loads(cli("call", big_guest, "text", "--i32", size, "--json", "--engine", engine).stdout)
    assert document["result"] == {"ptr": 0, "len": size, "hex": "61" * size, "text": "a" * size}


# ---------------------------------------------------------------- memory stays flat

# What a renderer may allocate beyond the result itself: a few chunks of a few hundred KiB,
# never a copy of the whole result (16 MiB; 32 MiB as hex) or of its whole hexdump
# (4.9 MiB for 1 MiB: hexdumps are slow under tracemalloc, so those results are smaller).
PEAK_ALLOWANCE = 3 * MIB
RESULT_SIZES = {"text": 16 * MIB, "binary": 16 * MIB, "hexdump": MIB}


@pytest.mark.parametrize(
    ("mode", "export", "size"),
    [
        ("json", "text", "text"), ("plain", "text", "text"), ("raw", "text", "text"), ("rich", "text", "text"),
        ("full", "text", "text"), ("json", "binary", "binary"), ("raw", "binary", "binary"),
        ("rich", "binary", "binary"), ("plain", "binary", "hexdump"), ("full", "binary", "hexdump"),
    ],
    ids=lambda value: str(value),
)
def test_showing_a_big_result_copies_only_chunks(
    big_guest: Path, engine: str, mode: str, export: str, size: str
) -> None:
    """tracemalloc sees every Python allocation: rendering a result costs a few chunks beyond it."""
    import rich.console  # noqa: F401  - imported before measuring: its own start-up is not a copy

    result = wasmcall.call(big_guest, export, untyped=[str(RESULT_SIZES[size])], engine=engine)
    with open(os.devnull, "w", encoding="utf-8") as sink:
        tracemalloc.start()
        try:
            show_result(result, mode, sink, io.StringIO())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < PEAK_ALLOWANCE, f"{mode} {export}: {peak / MIB:.1f} MiB"


def test_checking_a_big_result_copies_nothing(cli: Callable, big_guest: Path, engine: str) -> None:
    from wasmcall.errors import ExpectationError
    from wasmcall.expect import check_expectations

    result = wasmcall.call(big_guest, "text", untyped=[str(RESULT_SIZES["text"])], engine=engine)
    tracemalloc.start()
    try:
        with pytest.raises(ExpectationError):
            check_expectations(result, "a" * 100 + "b", None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < PEAK_ALLOWANCE


# ---------------------------------------------------------------- the hexdump writer

def reference_hexdump(data: bytes, start: int) -> str:
    """One formatted line per 16 bytes, the obvious way."""
    lines = []
    for offset in range(start, len(data), 16):
        chunk = data[offset:offset + 16]
        shown = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{offset:08x}  {chunk.hex(' '):<47}  |{shown}|\n")
    return "".join(lines)


@given(st.binary(max_size=200), st.integers(0, 12))
def test_hexdump_lines_are_the_obvious_hexdump(data: bytes, start_line: int) -> None:
    start = min(start_line * 16, len(data) - len(data) % 16)
    assert "".join(hexdump_lines(data, start)) == reference_hexdump(data, start)


def test_hexdump_lines_across_chunks() -> None:
    data = bytes(range(256)) * 300 + b"tail"  # more than one 64 KiB chunk, a short last line
    assert "".join(hexdump_lines(data)) == reference_hexdump(data, 0)


@pytest.mark.parametrize("size", [1, 3, 4, 7], ids=lambda size: f"chunks-of-{size}")
def test_escaped_chunks_keep_crlf_across_a_cut(size: int) -> None:
    from wasmcall.dump import escaped_chunks

    text = "ab\r\ncd\ref\r\n\r\x1b"
    assert "".join(escaped_chunks(text.encode(), size)) == "ab\r\ncd\\ref\r\n\\r\\x1b"
