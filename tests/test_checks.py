"""``wasmcall check``: checks files run against real guests on both engines.

One table of checks covers every expectation kind and every failure kind;
the file is run once per engine and each row asserts its own output line.
Bad checks files are a second table: exit 2, ``file:line: what is wrong``,
and nothing run. The JUnit report is read back with junitparser, as a CI
system would read it.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Outcome, wasmer_works
from hypothesis import given
from hypothesis import strategies as st

from wasmcall.checks.locate import locate_tables
from wasmcall.cli import main

COUNTER = """(module
  (global $n (mut i32) (i32.const 0))
  (func (export "next") (result i32)
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (global.get $n)))
"""
SPIN = '(module (func (export "spin") (loop br 0)) (func (export "one") (result i32) (i32.const 1)))'
NOISE = """(module
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "noise") (result i32 i32)
    (drop (call $random (i32.const 0) (i32.const 16)))
    (i32.const 0) (i32.const 16)))
"""
TIME = re.compile(r" \d+\.\d ms$", re.M)
RUST_TRAP = "guest trapped in wasm function 'rust_panic' while running 'upper': unreachable instruction executed"

# (id, the [[check]] table's body, the line it must print). The module defaults to the Rust guest.
CASES = [
    ("expect-text", 'call = "upper --str hello --ret ptr"\nexpect = "HELLO"', "PASS expect-text"),
    ("expect-text-wrong", 'call = "upper --str hello --ret ptr"\nexpect = "HELLO!"',
     "FAIL expect-text-wrong: expected 'HELLO!', got 'HELLO'"),
    ("expect-scalar", 'call = "add 2 40"\nexpect = "42"', "PASS expect-scalar"),
    ("expect-in-call-line", 'call = "add 2 40 --expect 42"', "PASS expect-in-call-line"),
    ("expect-args-list", 'args = ["upper", "--str", "two words", "--ret", "ptr"]\nexpect = "TWO WORDS"',
     "PASS expect-args-list"),
    ("expect-hex", 'call = "upper_pair --hex ff00"\nexpect_hex = "ff00"', "PASS expect-hex"),
    ("expect-hex-wrong", 'call = "upper_pair --hex ff00"\nexpect_hex = "ff01"',
     "FAIL expect-hex-wrong: expected hex 'ff01', got 'ff00'"),
    ("expect-hex-no-bytes", 'call = "add 2 40"\nexpect_hex = "2a"',
     "FAIL expect-hex-no-bytes: expected hex '2a', got no bytes (the call returned '42')"),
    ("trap-expected", 'call = "upper --hex ff --ret ptr"\nexpect_exit = 3\nexpect_error = "unreachable"',
     "PASS trap-expected"),
    ("trap-unexpected", 'call = "upper --hex ff --ret ptr"', f"FAIL trap-unexpected: trap (exit 3): {RUST_TRAP}"),
    ("failure-expected-but-ok", 'call = "add 2 40"\nexpect_exit = 3',
     "FAIL failure-expected-but-ok: expected exit 3, but the call succeeded and returned '42'"),
    ("wrong-exit", 'call = "upper --hex ff --ret ptr"\nexpect_exit = 2',
     f"FAIL wrong-exit: expected exit 2, got trap (exit 3): {RUST_TRAP}"),
    ("wrong-error-text", 'call = "upper --hex ff --ret ptr"\nexpect_error = "overflow"',
     f"FAIL wrong-error-text: expected an error containing 'overflow', got trap (exit 3): {RUST_TRAP}"),
    ("unknown-export-expected", 'call = "uper --str hi"\nexpect_exit = 2\nexpect_error = "did you mean \'upper\'"',
     "PASS unknown-export-expected"),
    ("signature-mismatch", 'call = "add 2"',
     "FAIL signature-mismatch: signature (exit 2): wrong number of values: export 'add' is (i32, i32) -> i32; "
     "given 1"),
    ("timeout", 'module = "{spin}"\ncall = "spin"\ntimeout = 0.3',
     "FAIL timeout: limit (exit 3): timed out after 0.3 s"),
    ("after-timeout", 'module = "{spin}"\ncall = "one"\nexpect = "1"', "PASS after-timeout"),
    ("not-a-module", 'module = "{junk}"\ncall = "f"',
     "FAIL not-a-module: load (exit 4): {junk}: not a wasm module (no \\0asm header) and not WAT text"),
    ("load-failure-expected", 'module = "{junk}"\ncall = "f"\nexpect_exit = 4', "PASS load-failure-expected"),
    ("skipped", 'call = "add 2 40"\nskip = "waiting for issue 12"', "SKIP skipped: waiting for issue 12"),
]


def run_main(*argv: object) -> Outcome:
    """Run the CLI in-process with stdout and stderr captured (not a terminal, so plain output)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in argv])
    return Outcome(code, out.getvalue(), err.getvalue(), out.getvalue().encode())


def checks_file(directory: Path, body: str, defaults: str = "", name: str = "checks.toml") -> Path:
    path = directory / name
    path.write_text((f"[defaults]\n{defaults}\n\n" if defaults else "") + body, encoding="utf-8")
    return path


def table(name: str, body: str) -> str:
    return f'[[check]]\nname = "{name}"\n{body}\n\n'


@pytest.fixture(scope="module")
def case_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, wat_file: Callable[[str, str], Path],
) -> Callable[[str], tuple[Outcome, Path]]:
    """The whole CASES file, run once per engine; keyed by engine."""
    runs: dict[str, tuple[Outcome, Path]] = {}
    directory = tmp_path_factory.mktemp("checks-cases")
    junk = directory / "junk.wasm"
    junk.write_bytes(b"not wasm at all")
    spin = wat_file("checks-spin", SPIN)
    rust = Path(__file__).resolve().parent.parent / "guests" / "rust" / "memory.wasm"
    body = "".join(table(name, text.format(spin=spin, junk=junk)) for name, text, _ in CASES)

    def run(engine: str) -> tuple[Outcome, Path]:
        if engine not in runs:
            path = checks_file(directory, body, f'module = "{rust}"\nengine = "{engine}"', f"{engine}.toml")
            runs[engine] = (run_main("check", path), path)
        return runs[engine]

    return run


@pytest.mark.parametrize(("case", "line"), [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_each_case_prints_its_line(case_run, engine, wat_file, tmp_path, case, line) -> None:
    outcome, path = case_run(engine)
    junk = path.parent / "junk.wasm"
    lines = TIME.sub("", outcome.stdout).splitlines()
    printed = lines[[c[0] for c in CASES].index(case)]
    expected = line.format(junk=junk)
    assert printed == expected


def test_the_cases_file_closing_line_and_exit_code(case_run, engine) -> None:
    outcome, _ = case_run(engine)
    expected_fail = sum(1 for c in CASES if c[2].startswith("FAIL"))
    expected_pass = sum(1 for c in CASES if c[2].startswith("PASS"))
    assert outcome.stdout.splitlines()[-1] == f"{expected_pass} passed, {expected_fail} failed, 1 skipped"
    assert (outcome.code, outcome.stderr) == (1, "")
    assert len(outcome.stdout.splitlines()) == len(CASES) + 1


def test_piped_output_exactly(cli, engine, rust_guest, tmp_path) -> None:
    path = checks_file(
        tmp_path,
        '[[check]]\nname = "upper"\ncall = "upper --str \'hello\' --ret ptr"\nexpect = "HELLO"\n\n'
        '[[check]]\ncall = "add 2 40"\nexpect = "41"\n',
        f'module = "{rust_guest}"\nengine = "{engine}"\ntimeout = 2',
    )
    done = cli("check", path)
    assert TIME.sub(" T ms", done.stdout) == (
        "PASS upper T ms\n"
        "FAIL add 2 40: expected '41', got '42'\n"
        "1 passed, 1 failed\n"
    )
    assert (done.code, done.stderr) == (1, "")
    assert re.fullmatch(r"PASS upper \d+\.\d ms", done.stdout.splitlines()[0])


def test_all_passing_exits_0(cli, engine, rust_guest, tmp_path) -> None:
    path = checks_file(tmp_path, table("sum", 'call = "array_sum --bytes 1,2,3,4,5"\nexpect = "15"'),
                       f'module = "{rust_guest}"\nengine = "{engine}"')
    done = cli("check", path)
    assert (done.code, TIME.sub("", done.stdout), done.stderr) == (0, "PASS sum\n1 passed, 0 failed\n", "")


def test_same_instance_keeps_state_and_other_checks_start_fresh(cli, engine, wat_file, tmp_path) -> None:
    counter = wat_file("checks-counter", COUNTER)
    body = (
        table("first", 'call = "next"\nexpect = "1"')
        + table("continued", 'call = "next"\nexpect = "2"\nsame_instance = true')
        + table("continued again", 'call = "next"\nexpect = "3"\nsame_instance = true')
        + table("fresh", 'call = "next"\nexpect = "1"')
    )
    done = cli("check", checks_file(tmp_path, body, f'module = "{counter}"\nengine = "{engine}"'))
    assert TIME.sub("", done.stdout) == (
        "PASS first\nPASS continued\nPASS continued again\nPASS fresh\n4 passed, 0 failed\n"
    )
    assert done.code == 0


def test_module_and_files_are_relative_to_the_checks_file(cli, engine, rust_guest, tmp_path, monkeypatch) -> None:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "guest.wasm").write_bytes(rust_guest.read_bytes())
    (project / "data" / "input.txt").write_text("from a file", encoding="utf-8")
    path = checks_file(project, table("file", 'call = "upper_pair --file data/input.txt"\nexpect = "FROM A FILE"'),
                       f'module = "guest.wasm"\nengine = "{engine}"')
    monkeypatch.chdir(tmp_path)
    done = cli("check", path.relative_to(tmp_path))
    assert (done.code, TIME.sub("", done.stdout)) == (0, "PASS file\n1 passed, 0 failed\n")


# (id, checks file text, the message after 'wasmcall: error: FILE:')
BAD_FILES = [
    ("bad-toml", '[[check]]\ncall = "add 2 40\n', "2: not valid TOML: Illegal character '\\n'"),
    ("unknown-key", '[[check]]\ncall = "add 2 40"\n\n[[check]]\ncall = "add 1 1"\nexpected = "2"\n',
     "6: unknown key 'expected' (did you mean 'expect'?)"),
    ("check-key-in-defaults", '[defaults]\nmodule = "{rust}"\nexpect = "2"\n\n[[check]]\ncall = "add 1 1"\n',
     "3: unknown key 'expect' in [defaults] (only keys that say how to run: dir, dir_rw, engine, env, fuel, "
     "max_memory, module, stub_imports, timeout)"),
    ("unknown-table", '[check]\ncall = "add 1 1"\n', "1: 'check' must be an array of tables: [[check]]"),
    ("unknown-top-level", 'verbose = true\n[defaults]\nmodule = "{rust}"\n[[check]]\ncall = "add 1 1"\n',
     "1: unknown key 'verbose' (a checks file has [defaults] and [[check]])"),
    ("wrong-type", '[[check]]\ncall = "add 1 1"\ntimeout = "2"\n',
     "3: timeout must be a positive number of seconds, not '2'"),
    ("expect-exit-1", '[[check]]\ncall = "add 1 1"\nexpect_exit = 1\n',
     "3: expect_exit must be 2, 3 or 4 (the exit code of the failure that must happen), not 1"),
    ("expect-a-number", '[[check]]\ncall = "add 1 1"\nexpect = 2\n',
     "3: expect must be a string (write numbers as text: expect = \"42\"), not 2"),
    ("bad-engine", '[[check]]\ncall = "add 1 1"\nengine = "v8"\n',
     "3: engine must be one of \"wasmtime\", \"wasmer\" or \"all\", not 'v8'"),
    ("missing-module", '[[check]]\ncall = "add 1 1"\nmodule = "nowhere.wasm"\n', "3: module 'nowhere.wasm': "
     "no such file (looked for {dir}/nowhere.wasm; paths are relative to the checks file)"),
    ("no-module", '[[check]]\ncall = "add 1 1"\n', "1: no module: set module = \"...\" here or in [defaults]"),
    ("bad-option", '[[check]]\ncall = "add 1 1"\n\n[[check]]\n\ncall = "upper --strr hi"\n',
     "6: bad call line: No such option: --strr (see 'wasmcall call --help')"),
    ("bad-value", '[[check]]\ncall = "add --i32 1 --i32 2x"\n',
     "2: bad call line: --i32 '2x': not an integer"),
    ("unclosed-quote", '[[check]]\ncall = "upper --str \'hi"\n',
     "2: bad call line: No closing quotation in \"upper --str 'hi\""),
    ("engine-in-call-line", '[[check]]\ncall = "add 1 1 --engine wasmer"\n', "2: bad call line: --engine: "
     "set the engine with the engine key (or 'wasmcall check --engine'), not in the call line"),
    ("stdin", '[[check]]\ncall = "upper_pair --file -"\n', "2: bad call line: --file -: a check cannot read "
     "standard input; name a file (relative to the checks file)"),
    ("json-in-call-line", '[[check]]\ncall = "add 1 1 --json"\n',
     "2: --json has no meaning in a check (give it to 'wasmcall check' instead)"),
    ("call-and-args", '[[check]]\ncall = "add 1 1"\nargs = ["add"]\n', "1: both call and args: give one"),
    ("no-call", '[[check]]\nname = "nothing"\n', "1: no call: give call = \"EXPORT ...\" or args"),
    ("no-checks", '[defaults]\nmodule = "{rust}"\n', "1: no [[check]] tables: nothing to run"),
    ("same-instance-first", '[[check]]\ncall = "add 1 1"\nsame_instance = true\n',
     "3: same_instance = true on the first check: there is no instance to continue"),
    ("same-instance-other-settings", '[[check]]\ncall = "add 1 1"\n[[check]]\ncall = "add 1 1"\n'
     'timeout = 1\nsame_instance = true\n', "6: same_instance = true needs the previous check's module, engine "
     "and settings (timeout, fuel, max_memory, stub_imports, dir, env)"),
    ("expect-twice", '[[check]]\ncall = "add 1 1 --expect 2"\nexpect = "2"\n',
     "3: expect is given twice: as a key and as --expect in the call line"),
    ("result-and-failure", '[[check]]\ncall = "add 1 1"\nexpect = "2"\nexpect_exit = 3\n',
     "1: expect/expect_hex (a result) and expect_exit/expect_error (a failure) cannot both hold; keep one kind"),
    ("bad-size-key", '[[check]]\ncall = "add 1 1"\n\nmax_memory = "lots"\n',
     "4: --max-memory 'lots': expected a size like 65536, 64MiB or 1GiB"),
    ("bad-expect-hex", '[[check]]\ncall = "upper_pair --str a"\nexpect_hex = "zz"\n',
     "3: expect_hex 'zz': not hex"),
    ("multiline-string-is-not-a-table", '[[check]]\nname = """\n[[check]]\n"""\ncall = "add 1 1"\n[[check]]\n'
     'call = "add 1 1"\nexpcet = "2"\n', "8: unknown key 'expcet' (did you mean 'expect'?)"),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_checks_files_exit_2_with_file_and_line(cli, rust_guest, tmp_path, text, message) -> None:
    text = text.format(rust=rust_guest)
    if "module" not in text and "no-module" not in message and "no module" not in message:
        text = f'[defaults]\nmodule = "{rust_guest}"\n\n{text}'
        shift = 3
    else:
        shift = 0
    number, _, rest = message.partition(":")
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    done = cli("check", path)
    expected = f"wasmcall: error: {path}:{int(number) + shift}:{rest.format(dir=tmp_path)}\n"
    assert (done.code, done.stdout, done.stderr) == (2, "", expected)


def test_a_bad_check_late_in_the_file_stops_everything_before_it_runs(cli, wat_file, tmp_path) -> None:
    counter = wat_file("checks-counter", COUNTER)
    body = table("ok", 'call = "next"') * 3 + table("bad", 'call = "next --ret nope"')
    done = cli("check", checks_file(tmp_path, body, f'module = "{counter}"'))
    assert done.code == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"wasmcall: error: {tmp_path}/checks.toml:18: bad call line: Invalid value for")


def test_missing_checks_file(cli, tmp_path) -> None:
    done = cli("check", tmp_path / "nope.toml")
    assert (done.code, done.stderr) == (2, f"wasmcall: error: checks file '{tmp_path}/nope.toml': no such file\n")


@pytest.mark.parametrize(
    ("pattern", "names"),
    [("upper", ["upper one", "upper two"]), ("*two", ["upper two"]), ("ADD", ["add"]), ("?dd", ["add"])],
    ids=["substring", "glob", "case-insensitive", "glob-one-char"],
)
def test_k_selects_checks_by_name(cli, rust_guest, tmp_path, pattern, names) -> None:
    body = (table("upper one", 'call = "upper_pair --str a"') + table("upper two", 'call = "upper_pair --str b"')
            + table("add", 'call = "add 1 1"'))
    done = cli("check", checks_file(tmp_path, body, f'module = "{rust_guest}"'), "-k", pattern)
    printed = [line.split(" ")[:-2] for line in done.stdout.splitlines()[:-1]]
    assert [" ".join(words[1:]) for words in printed] == names
    assert done.stdout.splitlines()[-1] == f"{len(names)} passed, 0 failed"


def test_k_matching_nothing_is_a_usage_error(cli, rust_guest, tmp_path) -> None:
    done = cli("check", checks_file(tmp_path, table("add", 'call = "add 1 1"'), f'module = "{rust_guest}"'),
               "-k", "nothing")
    assert (done.code, done.stderr) == (2, "wasmcall: error: -k 'nothing' matches none of the 1 checks\n")


def test_fail_fast_skips_the_rest(cli, rust_guest, tmp_path) -> None:
    body = (table("good", 'call = "add 1 1"\nexpect = "2"') + table("bad", 'call = "add 1 1"\nexpect = "3"')
            + table("never", 'call = "add 1 1"\nexpect = "2"'))
    done = cli("check", checks_file(tmp_path, body, f'module = "{rust_guest}"'), "--fail-fast")
    assert TIME.sub("", done.stdout) == (
        "PASS good\nFAIL bad: expected '3', got '2'\n"
        "SKIP never: not run: stopped at the first failure (fail fast)\n1 passed, 1 failed, 1 skipped\n"
    )
    assert done.code == 1


def test_every_check_runs_after_failures(cli, rust_guest, tmp_path) -> None:
    body = "".join(table(f"c{i}", f'call = "add {i} 0"\nexpect = "{i % 2}"') for i in range(6))
    done = cli("check", checks_file(tmp_path, body, f'module = "{rust_guest}"'))
    assert done.stdout.splitlines()[-1] == "2 passed, 4 failed"


def test_junit_report_reads_back(cli, engine, rust_guest, tmp_path) -> None:
    from junitparser import Failure, JUnitXml, Skipped

    body = (table("ok", 'call = "add 1 1"\nexpect = "2"') + table("wrong", 'call = "add 1 1"\nexpect = "3"')
            + table("trap", 'call = "upper --hex ff --ret ptr"') + table("later", 'call = "add 1 1"\nskip = true'))
    path = checks_file(tmp_path, body, f'module = "{rust_guest}"\nengine = "{engine}"')
    report = tmp_path / "report.xml"
    done = cli("check", path, "--junit", report)
    assert done.code == 1
    xml = JUnitXml.fromfile(str(report))
    suites = list(xml)
    assert [suite.name for suite in suites] == [str(path)]
    suite = suites[0]
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (4, 2, 0, 1)
    cases = {case.name: case for case in suite}
    assert list(cases) == ["ok", "wrong", "trap", "later"]
    assert cases["ok"].is_passed and cases["ok"].time >= 0
    [wrong] = cases["wrong"].result
    assert isinstance(wrong, Failure) and wrong.message == "expected '3', got '2'" and wrong.type == "expect"
    [trap] = cases["trap"].result
    assert isinstance(trap, Failure) and trap.type == "trap" and trap.message == f"trap (exit 3): {RUST_TRAP}"
    assert isinstance(cases["later"].result[0], Skipped)
    assert [cases[name]._elem.get("line") for name in cases] == ["5", "10", "15", "19"]


def test_github_annotations_point_at_the_check_line(cli, rust_guest, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    (tmp_path / "ci").mkdir()
    body = table("ok", 'call = "add 1 1"\nexpect = "2"') + table("sum, wrong", 'call = "add 1 1"\nexpect = "3"')
    done = cli("check", checks_file(tmp_path / "ci", body, f'module = "{rust_guest}"'))
    assert TIME.sub("", done.stdout) == (
        "PASS ok\n"
        "FAIL sum, wrong: expected '3', got '2'\n"
        "::error file=ci/checks.toml,line=9,title=check sum%2C wrong::expected '3', got '2'\n"
        "1 passed, 1 failed\n"
    )


def test_no_annotations_outside_github_actions(cli, rust_guest, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    done = cli("check", checks_file(tmp_path, table("x", 'call = "add 1 1"\nexpect = "3"'),
                                    f'module = "{rust_guest}"'))
    assert "::error" not in done.stdout + done.stderr


def test_json_envelope(cli, engine, rust_guest, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    body = (table("ok", 'call = "upper_pair --str hi"\nexpect = "HI"')
            + table("trap", 'call = "upper --hex ff --ret ptr"'))
    path = checks_file(tmp_path, body, f'module = "{rust_guest}"\nengine = "{engine}"')
    done = cli("check", path, "--json")
    document = json.loads(done.stdout)
    assert done.stdout.count("\n") == 1 and done.code == 1
    assert document["wasmcall"] == 1
    assert document["summary"] == {"passed": 1, "failed": 1, "skipped": 0, "total": 2}
    ok, trap = document["checks"]
    assert (ok["name"], ok["file"], ok["line"], ok["status"], ok["message"]) == ("ok", str(path), 5, "pass", None)
    [run] = ok["runs"]
    assert run["engine"] == engine and run["error"] is None and run["failure"] is None
    assert run["call"]["result"]["text"] == "HI" and run["call"]["engine"] == engine
    assert trap["status"] == "fail" and trap["runs"][0]["call"] is None
    assert trap["runs"][0]["error"] == {"kind": "trap", "message": RUST_TRAP, "exit_code": 3}
    assert done.stderr == f"::error file={path},line=10,title=check trap::trap (exit 3): {RUST_TRAP}\n"


def test_bad_file_with_json_is_an_error_envelope(cli, tmp_path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[[check]]\nnope = 1\n", encoding="utf-8")
    done = cli("check", path, "--json")
    assert done.code == 2
    assert json.loads(done.stdout) == {"wasmcall": 1, "error": {
        "kind": "checks-file", "message": f"{path}:2: unknown key 'nope'", "exit_code": 2}}


def test_engine_all_runs_every_installed_engine(cli, rust_guest, tmp_path) -> None:
    path = checks_file(tmp_path, table("upper", 'call = "upper_pair --str hi"\nexpect = "HI"'),
                       f'module = "{rust_guest}"\nengine = "all"')
    done = cli("check", path, "--json")
    runs = json.loads(done.stdout)["checks"][0]["runs"]
    skipped = json.loads(done.stdout)["skipped_engines"]
    if wasmer_works():
        assert [run["engine"] for run in runs] == ["wasmtime", "wasmer"] and skipped == []
        assert done.stderr == ""
    else:
        assert [run["engine"] for run in runs] == ["wasmtime"]
        assert [s["engine"] for s in skipped] == ["wasmer"]
        assert done.stderr.startswith("wasmcall: note: engine wasmer skipped: engine 'wasmer' is not available")
    assert done.code == 0


@pytest.mark.skipif(not wasmer_works(), reason="needs both engines")
def test_engines_that_disagree_fail_the_check(cli, wat_file, tmp_path) -> None:
    """A guest reading WASI random_get legitimately returns different bytes on each engine (and each run):
    engine comparison is how a checks file catches output that depends on more than the input."""
    noise = wat_file("checks-noise", NOISE)
    done = cli("check", checks_file(tmp_path, table("noise", 'call = "noise"'), f'module = "{noise}"'),
               "--engine", "all")
    assert re.fullmatch(
        r"FAIL noise: engines disagree: wasmtime returned '[0-9a-f]{32}' \(16 bytes\), "
        r"wasmer returned '[0-9a-f]{32}' \(16 bytes\)\n0 passed, 1 failed\n", done.stdout,
    ), done.stdout
    assert done.code == 1


def test_disagreement_compares_values_bytes_and_errors(rust_guest) -> None:
    """Two real results that differ, and a real error, compared as engines' runs would be."""
    import wasmcall
    from wasmcall.arguments import ArgKind, parse_argument
    from wasmcall.checks.judge import disagreement
    from wasmcall.checks.outcome import EngineRun
    from wasmcall.errors import WasmcallError

    def run(engine: str, export: str, *texts: str) -> EngineRun:
        try:
            result = wasmcall.call(rust_guest, export, [parse_argument(ArgKind.STR, t) for t in texts]
                                   if export != "add" else (), untyped=texts if export == "add" else ())
            return EngineRun(engine, result, None, 0.0, None)
        except WasmcallError as error:
            return EngineRun(engine, None, error, 0.0, None)

    assert disagreement([run("wasmtime", "add", "2", "40"), run("wasmer", "add", "2", "40")]) is None
    assert disagreement([run("wasmtime", "add", "2", "40"), run("wasmer", "add", "2", "41")]) == (
        "engines disagree: wasmtime returned '42', wasmer returned '43'"
    )
    assert disagreement([run("wasmtime", "upper_pair", "ab"), run("wasmer", "upper_pair", "ac")]) == (
        "engines disagree: wasmtime returned 'AB' (2 bytes), wasmer returned 'AC' (2 bytes)"
    )
    assert disagreement([run("wasmtime", "add", "2", "40"), run("wasmer", "nope")]) == (
        "engines disagree: wasmtime returned '42', wasmer failed with unknown-export (exit 2)"
    )


def test_ctrl_c_stops_a_running_check(engine, wat_file, tmp_path) -> None:
    spin = wat_file("checks-spin", SPIN)
    path = checks_file(tmp_path, table("first", 'call = "one"') + table("spins", 'call = "spin"')
                       + table("never", 'call = "one"'), f'module = "{spin}"\nengine = "{engine}"')
    child = subprocess.Popen([sys.executable, "-m", "wasmcall", "check", str(path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.0)
    assert child.poll() is None, "the guest should still be spinning"
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=20)
    assert (child.returncode, TIME.sub("", stdout), stderr) == (
        130, "PASS first\n", "wasmcall: error: interrupted: the guest was stopped\n"
    )


KEY_NAMES = st.sampled_from(["name", "call", "expect", "timeout", '"expect_hex"'])
# The characters that could fool a line scanner: quotes, brackets, comments, escapes, newlines.
TEXT = st.text(alphabet=st.sampled_from(list("ab #[]=\"'\\\n{}é")), max_size=30)


@given(st.lists(st.lists(st.tuples(KEY_NAMES, TEXT, st.booleans()), max_size=4), min_size=1, max_size=5))
def test_locate_finds_the_line_of_every_table_and_key(tables) -> None:
    """Whatever the strings hold (quotes, '[[check]]', '#', newlines in multi-line strings), lines are right."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

    lines: list[str] = ["# a checks file", "[defaults]", 'module = "x.wasm"']
    expected: list[tuple[int, dict[str, int]]] = []
    for keys in tables:
        lines += ["", "[[check]]"]
        header = len(lines)
        where: dict[str, int] = {}
        for key, text, multiline in keys:
            if key.strip('"') in where:
                continue
            where[key.strip('"')] = len(lines) + 1
            if multiline:
                lines.append(f"{key} = '''\n{text.replace(chr(39) * 3, '')}'''")
            else:
                lines.append(f"{key} = {json.dumps(text)}  # [[check]] in a comment")
            lines[-1:] = lines[-1].split("\n")
        expected.append((header, where))
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # the generated file must be valid TOML for the property to mean anything
    found = locate_tables(text)
    assert found.defaults is not None and found.defaults.line == 2
    assert [(t.line, t.keys) for t in found.checks] == expected


def test_terminal_view_shows_progress_then_the_checks_that_did_not_pass(rust_guest, tmp_path, monkeypatch) -> None:
    """The rich view, drawn into a string: a table of failures and skips, then the closing line."""
    from wasmcall.checks import load_checks, run_checks
    from wasmcall.checks.terminal import ProgressView, show_report
    from wasmcall.cli import parse_call_words

    body = (table("good", 'call = "add 1 1"\nexpect = "2"') + table("bad", 'call = "add 1 1"\nexpect = "3"')
            + table("later", 'call = "add 1 1"\nskip = "not yet"'))
    checks_file(tmp_path, body, f'module = "{rust_guest}"')
    monkeypatch.chdir(tmp_path)
    checks = load_checks([Path("checks.toml")], parse_call_words)
    progress, screen = io.StringIO(), io.StringIO()
    with ProgressView(len(checks), progress) as view:
        report = run_checks(checks, on_outcome=view.advance)
    show_report(report, screen)
    rows = [" ".join(line.replace("│", " ").split()) for line in screen.getvalue().splitlines()]
    assert "FAIL bad checks.toml:9 expected '3', got '2'" in rows
    assert "SKIP later checks.toml:14 not yet" in rows
    assert not any(row.startswith("PASS") or " good " in f" {row} " for row in rows)
    assert rows[-1] == "1 passed, 1 failed, 1 skipped"
    assert view.failed == 1


def test_same_instance_after_a_timeout(cli, engine, wat_file, tmp_path) -> None:
    """wasmtime stops the guest and keeps its instance; wasmer's instance dies with its child process,
    so a check continuing it says the session is closed, and the next fresh check runs again."""
    spin = wat_file("checks-spin", SPIN)
    body = (table("spins", 'call = "spin"\ntimeout = 0.3') + table("continued", 'call = "one"\nexpect = "1"\n'
            'timeout = 0.3\nsame_instance = true') + table("fresh", 'call = "one"\nexpect = "1"\ntimeout = 0.3'))
    done = cli("check", checks_file(tmp_path, body, f'module = "{spin}"\nengine = "{engine}"'))
    continued = (
        "PASS continued" if engine == "wasmtime"
        else f"FAIL continued: session-closed (exit 2): the session on {spin} is closed"
    )
    assert TIME.sub("", done.stdout).splitlines() == [
        "FAIL spins: limit (exit 3): timed out after 0.3 s", continued, "PASS fresh",
        "2 passed, 1 failed" if engine == "wasmtime" else "1 passed, 2 failed",
    ]
