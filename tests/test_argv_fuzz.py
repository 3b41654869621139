"""argv fuzzing: whatever words follow ``wasmcall call MODULE``, the answer is a documented exit code
with a clean message, never a traceback or an internal error.

Every option is given values drawn from a pool of malformed and boundary
values (empty, huge, negative, non-numeric, non-UTF-8-ish, control
characters, units, hex). The run uses a fixed seed and a small budget so
the suite stays fast and repeatable; for a long run set
``WASMCALL_FUZZ_EXAMPLES`` and the hang detector's ``WASMCALL_HANG_SECONDS``
(``WASMCALL_FUZZ_EXAMPLES=20000 WASMCALL_HANG_SECONDS=3600 python -m pytest tests/test_argv_fuzz.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("WASMCALL_FUZZ_EXAMPLES", "120"))
DOCUMENTED = {0, 1, 2, 3, 4}
OPTIONS = [
    "--bytes", "--str", "--hex", "--b64", "--i32", "--i64", "--f32", "--f64", "--ret", "--ret-len",
    "--packed-order", "--expect", "--expect-hex", "--convention", "--alloc", "--free", "--timeout",
    "--fuel", "--max-memory", "--env", "--at", "--out", "--dump", "--repeat",
]
FLAGS = ["--free-inputs", "--keep-result", "--json", "--raw", "--stub-imports", "--trace", "--expect-no-leak"]
VALUES = [
    "", " ", "0", "-0", "1", "-1", "2", "42", "0x", "0xFFFFFFFF", "0xFFFFFFFFFFFFFFFFFF",
    "-9223372036854775809", "18446744073709551616", "1e10", "1e309", "-1e309", "nan", "-nan", "inf", "-inf",
    "nan:0x1", "1.5", "0x1p-149", "1,2,3", "256", "1,,2", "deadbeef", "abc", "zz", "SGk=", "SGk", "ptr",
    "packed", "cstr", "out", "area", "value", "arg:0", "arg:9", "from:upper", "from:nope", "@0", "@9", "@",
    "500ms", "2s", "1m", "-5", "0ms", "64MiB", "1GiB", "99999999999999999999", "K=V", "=", "memory", "upper",
    "add", "alloc", "0:16", "0x10:4", "9999999:1", "x:y", "\x1b[2J", "\u202e", "é", "a" * 300,
]
EXPORTS = ["add", "upper", "upper_pair", "array_sum", "hello_cstr", "nope", "", "memory", "--", "-5"]


def words() -> st.SearchStrategy[list[str]]:
    option = st.tuples(st.sampled_from(OPTIONS), st.sampled_from(VALUES)).map(list)
    flag = st.sampled_from(FLAGS).map(lambda f: [f])
    plain = st.sampled_from(VALUES).map(lambda v: [v])
    pieces = st.lists(st.one_of(option, option, flag, plain), max_size=6)
    return st.tuples(st.sampled_from(EXPORTS), pieces).map(lambda t: [t[0], *(w for p in t[1] for w in p)])


@settings(max_examples=EXAMPLES, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=words())
def test_any_call_line_gets_a_documented_answer(cli: Callable, rust_guest: Path, argv: list[str]) -> None:
    outcome = cli("call", rust_guest, *argv, "--timeout", "5")
    assert outcome.code in DOCUMENTED, (argv, outcome.code, outcome.stderr)
    assert "Traceback" not in outcome.stderr, argv
    if outcome.code in (2, 4):
        assert outcome.stderr.count("\n") == 1 or "--json" in argv, (argv, outcome.stderr)
    if outcome.code != 0 and "--json" not in argv:
        assert outcome.stderr.startswith("wasmcall: error: ") or "\nwasmcall: error: " in outcome.stderr, argv
