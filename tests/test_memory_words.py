"""Memory words for hosts that use guest memory directly: --at, --out, --ret arg:K, --ret from:NAME, --dump.

One inline guest has each shape a real host meets: an input buffer at a
fixed address published by a global and a getter, with only the length
passed (hash-wasm's Hash_GetBuffer/Hash_Update); a function writing into a
caller-supplied buffer and returning how much it wrote; a result whose
pointer comes from a second export while the call returns only its length.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

ERROR = "wasmcall: error: "
HOST = """(module
  (memory (export "memory") 1)
  (global (export "INPUT") i32 (i32.const 1024))
  (global (export "RESULT") i32 (i32.const 2048))
  (global (export "RATIO") f64 (f64.const 0.5))
  (global $sum (mut i32) (i32.const 0))
  (global $next (mut i32) (i32.const 8192))
  (data (i32.const 2048) "result!")
  ;; a bump allocator that never frees
  (func (export "alloc") (param $size i32) (result i32)
    (global.get $next)
    (global.set $next (i32.add (global.get $next) (local.get $size))))
  (func (export "get_buffer") (result i32) (i32.const 1024))
  ;; the input is at the buffer; only its length is passed. Adds its bytes to a running sum.
  (func (export "update") (param $len i32) (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (global.set $sum (i32.add (global.get $sum) (i32.load8_u (i32.add (i32.const 1024) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  (func (export "digest") (result i32) (global.get $sum))
  ;; a (ptr, len) input at the place given; returns its first byte
  (func (export "first") (param $ptr i32) (param $len i32) (result i32) (i32.load8_u (local.get $ptr)))
  ;; writes up to 5 bytes of "hello" into the caller's buffer and returns how many it wrote
  (func (export "fill") (param $ptr i32) (param $len i32) (result i32) (local $n i32)
    (local.set $n (select (local.get $len) (i32.const 5) (i32.lt_u (local.get $len) (i32.const 5))))
    (i64.store (i32.const 4000) (i64.const 0x6f6c6c6568))
    (memory.copy (local.get $ptr) (i32.const 4000) (local.get $n))
    (local.get $n))
  ;; writes one byte and returns nothing: the whole buffer is the result
  (func (export "stamp") (param $ptr i32) (param $len i32) (i32.store8 (local.get $ptr) (i32.const 42)))
  (func (export "liar") (param i32 i32) (result i32) (i32.const 99))
  ;; returns only the result's length; the pointer comes from result_ptr() or the RESULT global
  (func (export "render") (result i32) (i32.const 7))
  (func (export "result_ptr") (result i32) (i32.const 2048)))
"""


@pytest.fixture
def host(wat_file: Callable[[str, str], Path]) -> Path:
    return wat_file("memory-words", HOST)


@pytest.mark.parametrize(
    ("argv", "stdout"),
    [
        (["update", "--at", "INPUT", "--str", "abc", "--i32", "3"], ""),  # only written: update(len) has 1 param
        (["first", "--at", "INPUT", "--str", "abc"], "97\n"),  # placed, and passed as (ptr, len) as usual
        (["first", "--at", "get_buffer", "--str", "b"], "98\n"),
        (["first", "--at", "0x500", "--hex", "63"], "99\n"),
        (["fill", "--out", "16", "--ret", "arg:0"], "hello\n"),  # 5 bytes written, 5 read back
        (["fill", "--out", "3", "--ret", "arg:0"], "hel\n"),
        # returns nothing: the whole buffer, and its NUL makes it binary (a hexdump)
        (["stamp", "--out", "2", "--ret", "arg:0"], "00000000  2a 00" + " " * 44 + "|*.|\n"),
        (["fill", "--at", "RESULT", "--out", "8", "--ret", "arg:0"], "hello\n"),
        (["render", "--ret", "from:result_ptr"], "result!\n"),
        (["render", "--ret", "from:RESULT"], "result!\n"),
        (["render", "--ret", "from:2048"], "result!\n"),
        (["render", "--ret", "from:RESULT", "--ret-len", "3"], "res\n"),
        (["fill", "--out", "4", "--ret", "from:RESULT"], "resu\n"),  # the length is fill's result
    ],
    ids=["at-global-written-only", "at-global-ptr-len", "at-getter", "at-number", "out-arg", "out-arg-short",
         "out-whole-buffer", "at-and-out", "from-getter", "from-global", "from-number", "from-ret-len",
         "from-with-out"],
)
def test_memory_words(cli, host, engine, argv, stdout):
    outcome = cli("call", host, *argv, "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, stdout, "")


def test_a_placed_input_reaches_the_guest_across_calls(cli, host, engine, monkeypatch):
    """The hash-wasm sequence, in the REPL: write at the buffer, update with the length, read the digest."""
    import io
    import sys

    script = "update --at get_buffer --str abc --i32 3\nupdate --at INPUT --hex 01 --i32 1\ndigest\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(script))
    outcome = cli("repl", host, "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, f"{97 + 98 + 99 + 1}\n", "")


def test_dump_shows_memory_after_the_call(cli, host, engine):
    outcome = cli(
        "call", host, "update", "--at", "INPUT", "--str", "abc", "--i32", "3", "--dump", "INPUT:4",
        "--dump", "0x800:7", "--engine", engine,
    )
    assert (outcome.code, outcome.stdout) == (0, "")
    assert outcome.stderr.splitlines() == [
        "[dump INPUT = 0x400, 4 bytes]",
        "00000400  61 62 63 00" + " " * 36 + "  |abc.|",
        "[dump 0x800, 7 bytes]",
        "00000800  72 65 73 75 6c 74 21" + " " * 27 + "  |result!|",
    ]


def test_dump_and_out_in_json(cli, host, engine):
    outcome = cli(
        "call", host, "fill", "--at", "get_buffer", "--str", "abcdefgh", "--ret", "arg:0", "--dump",
        "get_buffer:8", "--json", "--engine", engine,
    )
    document = json.loads(outcome.stdout)
    assert document["result"] == {"ptr": 1024, "len": 5, "hex": "68656c6c6f", "text": "hello"}
    assert document["dumps"] == [{"address": "get_buffer", "ptr": 1024, "len": 8, "hex": b"hellofgh".hex()}]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["update", "--at", "65534", "--str", "abc", "--i32", "3"], 3,
         "--at 65534: 3 bytes at 0xfffe do not fit in guest memory (65536 bytes)"),
        (["first", "--at", "nope", "--str", "a"], 2,
         "--at 'nope': not a number, an exported i32 global or an export () -> i32 returning an address"),
        (["first", "--at", "RATIO", "--str", "a"], 2, "--at 'RATIO': the global is f64, not an i32 address"),
        (["first", "--at", "1", "--at", "2", "--str", "a"], 2,
         "--at '1' is followed by another --at, not by a buffer"),
        (["first", "--str", "a", "--at", "3"], 2,
         "--at '3' must come before a buffer argument (--str, --out, ...)"),
        (["liar", "--out", "4", "--ret", "arg:0"], 3,
         "the export says it wrote 99 bytes into argument 0, whose buffer holds 4"),
        (["fill", "--out", "4", "--ret", "arg:1"], 2,
         "--ret arg:1: no argument 1 (they count from 0; 1 was given)"),
        (["fill", "--out", "4", "--ret", "arg:x"], 2,
         "Invalid value for '--ret': 'arg:x' is not one of 'auto', 'value', 'ptr-len', 'packed', 'out', 'area', "
         "'cstr', 'ptr', 'arg:K', 'from:NAME'."),
        (["render", "--ret", "from:nothing"], 2,
         "--ret from 'nothing': not a number, an exported i32 global or an export () -> i32 returning an address"),
        (["stamp", "--out", "4", "--ret", "from:RESULT"], 2,
         "--ret from:RESULT takes the result's length from the export's one integer result, but it is "
         "(i32, i32) -> (); give the length with --ret-len N"),
        (["render", "--ret", "from:RESULT", "--ret-len", "100000"], 3,
         "result at 0x800 with length 100000 lies outside guest memory (65536 bytes)"),
        (["fill", "--out", "-1"], 2, "--out '-1': out of range 0..4294967295"),
        (["fill", "--out", "lots"], 2, "--out 'lots': not a byte count"),
        (["update", "--i32", "1", "--dump", "INPUT"], 2,
         "--dump 'INPUT': expected ADDR:LEN (a number or export name, a byte count)"),
        (["update", "--i32", "1", "--dump", "65530:10"], 3,
         "--dump 65530 at 0xfffa with length 10 lies outside guest memory (65536 bytes)"),
    ],
    ids=["at-out-of-bounds", "at-unknown-name", "at-f64-global", "at-twice", "at-at-the-end",
         "arg-wrote-too-much", "arg-no-such-argument", "arg-not-a-number", "from-unknown", "from-no-length",
         "from-out-of-bounds",
         "out-negative", "out-not-a-number", "dump-no-length", "dump-out-of-bounds"],
)
def test_memory_word_errors(cli, host, engine, argv, code, message):
    outcome = cli("call", host, *argv, "--engine", engine)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (code, "", f"{ERROR}{message}\n")


def test_trace_shows_placed_writes_without_allocation(cli, host, engine):
    outcome = cli("call", host, "first", "--at", "INPUT", "--str", "ab", "--trace", "--engine", engine)
    assert (outcome.code, outcome.stdout) == (0, "97\n")
    steps = [line.split("] ", 1)[1] for line in outcome.stderr.splitlines()]
    assert steps == [
        "write       2 bytes at 0x400 (argument): 61 62",
        "call        first(1024, 2) -> 97",
    ]


def test_free_inputs_leaves_placed_buffers_alone(cli, rust_guest, engine):
    """A buffer at an address given by hand was never the allocator's: --free-inputs must not free it."""
    outcome = cli(
        "call", rust_guest, "upper", "--at", "__heap_base", "--str", "abc", "--ret", "ptr", "--free-inputs",
        "--trace", "--engine", engine,
    )
    assert (outcome.code, outcome.stdout) == (0, "ABC\n"), outcome.stderr
    steps = [line.split("] ", 1)[1].split()[0] for line in outcome.stderr.splitlines()]
    assert steps == ["write", "call", "read", "free"]  # the one free is the result's
