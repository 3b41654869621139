"""Component-model guests end to end: every WIT type kind through real components on wasmtime.

The guests are guests/components/*.wasm, built from the .wit and .wat next to
them (build.sh). Most exports of types.wasm echo their argument, so each row
below lowers a value of one type into the guest and lifts it back out; the
rest compute something (``greet`` builds a new string, ``mirror`` swaps x and
y, ``divide`` returns ``err`` on zero) so that the data really flows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wasmcall import api
from wasmcall.arguments import ArgKind, parse_argument
from wasmcall.components.detect import is_component, is_component_file
from wasmcall.components.session import ComponentSession, call_component, inspect_component
from wasmcall.components.wave import Case
from wasmcall.engines.base import Limits, WasiSettings
from wasmcall.errors import ArgumentValueError, LoadError, SessionClosedError, SignatureMismatchError, UsageError

ROOT = Path(__file__).resolve().parent.parent
TYPES = ROOT / "guests" / "components" / "types.wasm"
WASI = ROOT / "guests" / "components" / "wasi.wasm"
IMPORTS = ROOT / "guests" / "components" / "imports.wasm"
RUST_CORE = ROOT / "guests" / "rust" / "memory.wasm"
ERROR = "wasmcall: error: "


@pytest.fixture(scope="module")
def types_session() -> ComponentSession:
    """One live instance of types.wasm for the library-level rows (a session serves many calls)."""
    session = ComponentSession(str(TYPES), TYPES.read_bytes())
    yield session
    session.close()


# ---------------------------------------------------------------- every type kind, in and out

ECHOES = [
    # export, WAVE argument, the Python value lifted back
    ("echo-bool", "true", True),
    ("echo-bool", "false", False),
    ("echo-u8", "255", 255),
    ("echo-s8", "-128", -128),
    ("echo-u16", "65535", 65535),
    ("echo-s16", "-32768", -32768),
    ("echo-u32", "4294967295", 4294967295),
    ("echo-s32", "-2147483648", -2147483648),
    ("echo-u64", "18446744073709551615", 2**64 - 1),
    ("echo-s64", "-9223372036854775808", -(2**63)),
    ("echo-f64", "-0.5", -0.5),
    ("echo-f64", "1e300", 1e300),
    ("echo-char", "'x'", "x"),
    ("echo-char", "'\\u{1f600}'", "\U0001f600"),
    ("echo-char", "'\\''", "'"),
    ("echo-string", '"Hello, wörld"', "Hello, wörld"),
    ("echo-string", '""', ""),
    ("echo-string", '"tab\\tquote\\"back\\\\slash\\n"', 'tab\tquote"back\\slash\n'),
    ("echo-bytes", "[0, 1, 255]", b"\x00\x01\xff"),
    ("echo-bytes", "[]", b""),
    ("echo-strings", '["a", "", "ü"]', ["a", "", "ü"]),
    ("echo-points", "[{x: 1, y: -1}, {x: 2, y: 3}]", [{"x": 1, "y": -1}, {"x": 2, "y": 3}]),
    ("echo-point", "{x: -7, y: 9}", {"x": -7, "y": 9}),
    ("echo-point", "{y: 9, x: -7}", {"x": -7, "y": 9}),
    ("echo-user", '{name: "Ada", age: 36, tags: ["x", "y"]}', {"name": "Ada", "age": 36, "tags": ["x", "y"]}),
    ("echo-pair", '(7, "seven")', (7, "seven")),
    ("echo-color", "green", "green"),
    ("echo-perms", "{read, exec}", frozenset({"read", "exec"})),
    ("echo-perms", "{}", frozenset()),
    ("echo-shape", "circle(1.5)", Case("circle", 1.5)),
    ("echo-shape", "rect({x: 1, y: 2})", Case("rect", {"x": 1, "y": 2})),
    ("echo-shape", "empty", Case("empty")),
    ("echo-maybe", "some(0)", Case("some", 0)),
    ("echo-maybe", "none", Case("none")),
    ("echo-nested", "some(some(7))", Case("some", Case("some", 7))),
    ("echo-nested", "some(none)", Case("some", Case("none"))),
    ("echo-nested", "none", Case("none")),
    ("echo-outcome", 'ok("fine")', Case("ok", "fine")),
    ("echo-outcome", "err(404)", Case("err", 404)),
]


@pytest.mark.parametrize(("export", "text", "expected"), ECHOES, ids=[f"{e}-{t}" for e, t, _ in ECHOES])
def test_each_type_goes_in_and_comes_back(
    types_session: ComponentSession, export: str, text: str, expected: object
) -> None:
    result = types_session.call(export, values=[text])
    assert result.value == expected


def test_f32_comes_back_as_the_same_f32_and_prints_as_written(types_session: ComponentSession) -> None:
    result = types_session.call("echo-f32", values=["0.1"])
    assert result.value == pytest.approx(0.1, abs=1e-8)
    assert result.wave == "0.1"


COMPUTED = [
    # export, WAVE arguments, WAVE result
    ("add", ["2", "40"], "42"),
    ("add", ["-7", "2"], "-5"),
    ("greet", ['"Ada"'], '"Hello, Ada!"'),
    ("byte-sum", ["[1, 2, 3, 250]"], "256"),
    ("divide", ["9", "2"], "ok(4)"),
    ("divide", ["1", "0"], 'err("division by zero")'),
    ("mirror", ["{x: 1, y: 2}"], "{x: 2, y: 1}"),
]


@pytest.mark.parametrize(
    ("export", "values", "wave"), COMPUTED, ids=[f"{e}-{' '.join(v)}" for e, v, _ in COMPUTED]
)
def test_computing_exports(cli, export: str, values: list[str], wave: str) -> None:
    outcome = cli("call", TYPES, export, *values)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, wave + "\n", "")


def test_a_function_without_result_prints_nothing(cli) -> None:
    outcome = cli("call", TYPES, "nothing")
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "", "")


# ---------------------------------------------------------------- typed options onto WIT params

TYPED = [
    # export, options, WAVE result
    ("greet", ["--str", "Ada"], '"Hello, Ada!"'),
    ("greet", ["--hex", "416461"], '"Hello, Ada!"'),
    ("byte-sum", ["--bytes", "1,2,0xff"], "258"),
    ("byte-sum", ["--b64", "AQID"], "6"),
    ("echo-bytes", ["--str", "hi"], "[104, 105]"),
    ("add", ["--i32", "2", "--i64", "40"], "42"),
    ("echo-u64", ["--i64", "0xFFFFFFFFFFFFFFFF"], "18446744073709551615"),
    ("echo-s8", ["--i32", "-128"], "-128"),
    ("echo-f64", ["--f64", "-0.0"], "-0.0"),
    ("echo-f32", ["--f32", "inf"], "inf"),
    ("echo-f64", ["--f32", "nan"], "nan"),
]


@pytest.mark.parametrize(("export", "options", "wave"), TYPED, ids=[f"{e}-{' '.join(o)}" for e, o, _ in TYPED])
def test_typed_options_fill_wit_params(cli, export: str, options: list[str], wave: str) -> None:
    outcome = cli("call", TYPES, export, *options)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, wave + "\n", "")


def test_file_fills_a_list_of_bytes(cli, tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(10)))
    outcome = cli("call", TYPES, "byte-sum", "--file", path)
    assert (outcome.code, outcome.stdout) == (0, "45\n")


def test_library_call_with_parsed_arguments() -> None:
    result = call_component(TYPES, "greet", [parse_argument(ArgKind.STR, "Bo")])
    assert (result.value, result.wave, str(result.signature)) == (
        "Hello, Bo!", '"Hello, Bo!"', "func(name: string) -> string"
    )


# ---------------------------------------------------------------- range and type errors (exit 2)

USAGE_ERRORS = [
    ("echo-u8", ["256"], "argument 0 (v: u8) '256': 256 is out of range for u8 (0..255)"),
    ("echo-u8", ["-1"], "argument 0 (v: u8) '-1': -1 is out of range for u8 (0..255)"),
    ("echo-s16", ["32768"], "argument 0 (v: s16) '32768': 32768 is out of range for s16 (-32768..32767)"),
    ("echo-u64", ["18446744073709551616"],
     "argument 0 (v: u64) '18446744073709551616': 18446744073709551616 is out of range for u64 "
     "(0..18446744073709551615)"),
    ("echo-f32", ["1e39"], "argument 0 (v: f32) '1e39': 1e39 is out of range for f32"),
    ("echo-u8", ["--i32", "256"], "--i32 '256': out of range for argument 0 (v: u8) (0..255)"),
    ("echo-s8", ["--i64", "-129"], "--i64 '-129': out of range for argument 0 (v: s8) (-128..127)"),
    ("echo-u8", ["--f64", "1"], "--f64 '1' does not fit argument 0 (v: u8)"),
    ("echo-f64", ["--i32", "1"], "--i32 '1' does not fit argument 0 (v: f64)"),
    ("echo-u8", ["--str", "x"],
     "--str 'x' gives bytes, but argument 0 (v: u8) is not a string or list<u8>; give it as a WAVE value instead"),
    ("greet", ["--hex", "ff"], "--hex 'ff': argument 0 (name: string) is a string, but the bytes are not UTF-8"),
    ("greet", ["Ada"],
     "argument 0 (name: string) 'Ada': expected '\"', found 'A'; "
     "WAVE strings are quoted ('\"Ada\"'), or use --str"),
    ("echo-color", ["purple"],
     "argument 0 (v: enum { red, green, blue }) 'purple': 'purple' is not a case (cases: red, green, blue)"),
    ("echo-point", ["{x: 1}"], "argument 0 (v: record { x: s32, y: s32 }) '{x: 1}': missing field 'y'"),
    ("add", ["1"], "add takes 2 arguments func(a: s32, b: s32) -> s32, 1 was given"),
    ("nothing", ["1"], "nothing takes 0 arguments func(), 1 was given"),
    ("greet", ["--str", "x", "--ret", "ptr"],
     "result, convention, allocator and freeing options do not apply to components "
     "(their WIT types say how values are passed)"),
    ("nosuch", [], None),
]


@pytest.mark.parametrize(
    ("export", "argv", "message"), USAGE_ERRORS, ids=[f"{e}-{' '.join(a)}" for e, a, _ in USAGE_ERRORS]
)
def test_usage_errors(cli, export: str, argv: list[str], message: str | None) -> None:
    outcome = cli("call", TYPES, export, *argv)
    assert (outcome.code, outcome.stdout) == (2, "")
    if message is None:
        assert outcome.stderr.startswith(f"{ERROR}no function export 'nosuch' (exports: echo-bool, ")
    else:
        assert outcome.stderr == f"{ERROR}{message}\n"


def test_library_errors_are_typed() -> None:
    with pytest.raises(ArgumentValueError):
        call_component(TYPES, "echo-u8", values=["256"])
    with pytest.raises(SignatureMismatchError):
        call_component(TYPES, "add", values=["1"])


# ---------------------------------------------------------------- output modes and checks

def test_json_maps_values_by_wit_type(cli) -> None:
    outcome = cli("call", TYPES, "echo-user", '{name: "Ada", age: 36, tags: ["x"]}', "--json")
    document = json.loads(outcome.stdout)
    del document["elapsed_ms"]
    assert outcome.code == 0
    assert document == {
        "wasmcall": 1, "module": str(TYPES), "export": "echo-user", "engine": "wasmtime", "component": True,
        "signature": "func(v: record { name: string, age: u8, tags: list<string> }) -> "
                     "record { name: string, age: u8, tags: list<string> }",
        "value": {"name": "Ada", "age": 36, "tags": ["x"]},
        "wave": '{name: "Ada", age: 36, tags: ["x"]}',
    }


JSON_VALUES = [
    ("echo-u64", "18446744073709551615", 18446744073709551615),
    ("echo-f64", "nan", "nan"),
    ("echo-f64", "-inf", "-inf"),
    ("echo-shape", "rect({x: 1, y: 2})", {"case": "rect", "value": {"x": 1, "y": 2}}),
    ("echo-shape", "empty", {"case": "empty"}),
    ("echo-maybe", "none", {"case": "none"}),
    ("echo-nested", "some(some(3))", {"case": "some", "value": {"case": "some", "value": 3}}),
    ("echo-outcome", "err(1)", {"case": "err", "value": 1}),
    ("echo-perms", "{exec, read}", ["read", "exec"]),
    ("echo-color", "blue", "blue"),
    ("echo-pair", '(1, "a")', [1, "a"]),
    ("echo-bytes", "[1, 2]", [1, 2]),
    ("echo-char", "'z'", "z"),
]


@pytest.mark.parametrize(("export", "text", "value"), JSON_VALUES, ids=[f"{e}-{t}" for e, t, _ in JSON_VALUES])
def test_json_value_mapping(cli, export: str, text: str, value: object) -> None:
    outcome = cli("call", TYPES, export, text, "--json")
    assert (outcome.code, json.loads(outcome.stdout)["value"]) == (0, value)


def test_json_value_is_null_without_a_result(cli) -> None:
    document = json.loads(cli("call", TYPES, "nothing", "--json").stdout)
    assert (document["value"], document["wave"]) == (None, None)


RAW = [
    ("greet", ["--str", "Ada"], b"Hello, Ada!"),
    ("echo-bytes", ["--hex", "ff00"], b"\xff\x00"),
    ("add", ["1", "2"], b"3\n"),
]


@pytest.mark.parametrize(("export", "argv", "raw"), RAW, ids=[r[0] for r in RAW])
def test_raw_writes_string_and_byte_results_as_bytes(cli, export: str, argv: list[str], raw: bytes) -> None:
    outcome = cli("call", TYPES, export, *argv, "--raw")
    assert (outcome.code, outcome.raw, outcome.stderr) == (0, raw, "")


EXPECTS = [
    (["greet", "--str", "Ada", "--expect", '"Hello, Ada!"'], 0, ""),
    (["divide", "1", "0", "--expect", 'err("division by zero")'], 0, ""),
    (["greet", "--str", "Ada", "--expect-hex", "48656c6c6f2c2041646121"], 0, ""),
    (["add", "1", "2", "--expect", "4"],
     1, f"{ERROR}--expect failed: results differ at character 0 (expected 1 character, got 1)\n"
        "  expected: '4'\n  actual:   '3'\n             ^\n"),
    (["add", "1", "2", "--expect-hex", "03"],
     1, f"{ERROR}--expect-hex: the result is not a string or list<u8>\n"
        "  expected: '03'\n  actual:   '3'\n             ^\n"),
]


@pytest.mark.parametrize(("argv", "code", "stderr"), EXPECTS, ids=[" ".join(a) for a, _, _ in EXPECTS])
def test_expect_compares_wave_text(cli, argv: list[str], code: int, stderr: str) -> None:
    outcome = cli("call", TYPES, *argv)
    assert (outcome.code, outcome.stderr) == (code, stderr)


def test_rich_view_shows_text_and_a_summary() -> None:
    import io

    from wasmcall.components.render import show_component_result

    result = call_component(TYPES, "greet", values=['"Ada"'])
    out, err = io.StringIO(), io.StringIO()
    show_component_result(result, "rich", out, err)
    assert out.getvalue() == "Hello, Ada!\n"
    assert err.getvalue().startswith("greet: func(name: string) -> string · wasmtime · component · ")


# ---------------------------------------------------------------- traps, limits and the session

GUEST_FAILURES = [
    (["crash"],
     "guest trapped in wasm function 'func[17]' while running 'crash': unreachable instruction executed"),
    (["spin", "--fuel", "10000"], "ran out of fuel (10000)"),
    (["spin", "--timeout", "0.2"], "timed out after 0.2 s"),
]


@pytest.mark.parametrize(("argv", "message"), GUEST_FAILURES, ids=["trap", "fuel", "timeout"])
def test_traps_and_limits_exit_3(cli, argv: list[str], message: str) -> None:
    outcome = cli("call", TYPES, *argv)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (3, "", f"{ERROR}{message}\n")


def test_trap_in_json_envelope(cli) -> None:
    outcome = cli("call", TYPES, "crash", "--json")
    assert outcome.code == 3
    assert json.loads(outcome.stdout)["error"]["kind"] == "trap"


def test_max_memory_makes_growth_fail_inside_the_guest(cli) -> None:
    assert cli("call", TYPES, "grow", "1").stdout == "1\n"
    assert cli("call", TYPES, "grow", "1", "--max-memory", "64KiB").stdout == "-1\n"


def test_session_serves_many_calls_and_recovers_from_a_trap() -> None:
    with ComponentSession(str(TYPES), TYPES.read_bytes(), Limits(fuel=100_000)) as session:
        assert [session.call("add", values=["1", str(n)]).value for n in range(3)] == [1, 2, 3]
        with pytest.raises(Exception, match="unreachable"):
            session.call("crash")
        assert session.call("greet", values=['"again"']).value == "Hello, again!"
    with pytest.raises(SessionClosedError, match=r"the session on .*types.wasm is closed"):
        session.call("add", values=["1", "2"])


# ---------------------------------------------------------------- imports, WASI, engines, unsupported types

def test_wasi_gets_nothing_unless_granted(cli) -> None:
    assert cli("call", WASI, "env").stdout == "[]\n"
    assert cli("call", WASI, "env", "--env", "A=1", "--env", "B=two").stdout == '[("A", "1"), ("B", "two")]\n'
    assert cli("call", WASI, "args").stdout == '["wasi.wasm"]\n'


def test_wasi_directory_grants(cli, tmp_path: Path) -> None:
    assert cli("call", WASI, "dirs").stdout == "[]\n"
    outcome = cli("call", WASI, "dirs", "--dir", f"{tmp_path}::/data", "--dir-rw", tmp_path)
    assert (outcome.code, outcome.stdout) == (0, f'["/data", "{tmp_path}"]\n')


def test_wasi_stdout_is_captured(cli) -> None:
    outcome = cli("call", WASI, "say", '"hello\\nworld"', "--guest-stdout", "stderr")
    assert (outcome.code, outcome.stdout) == (0, "")
    assert outcome.stderr == "[guest stdout] hello\n[guest stdout] world\n"
    document = json.loads(cli("call", WASI, "say", '"hi"', "--json").stdout)
    assert (document["stdout"], document["stderr"]) == ("hi", "")


def test_library_wasi_settings() -> None:
    result = call_component(WASI, "env", wasi=WasiSettings(env=(("K", "v"),)))
    assert result.value == [("K", "v")]


def test_unknown_imports_are_a_load_error(cli) -> None:
    outcome = cli("call", IMPORTS, "answer")
    assert (outcome.code, outcome.stderr) == (
        4, f"{ERROR}{IMPORTS}: imports nobody provides: wasmcall:imports/host (only WASI preview 2 is linked)\n"
    )


def test_stub_imports_link_traps(cli) -> None:
    assert cli("call", IMPORTS, "answer", "--stub-imports").stdout == "42\n"
    outcome = cli("call", IMPORTS, "log-twice", '"x"', "--stub-imports")
    assert (outcome.code, outcome.stderr) == (
        3, f"{ERROR}guest trapped in wasm function 'indirect-wasmcall:imports/host-log' while running "
           "'log-twice': unknown import: `wasmcall:imports/host#log` has not been defined\n"
    )


def test_functions_of_an_exported_interface_are_called_by_interface_and_name(cli) -> None:
    assert cli("call", IMPORTS, "tools#double", "21", "--stub-imports").stdout == "42\n"
    outcome = cli("call", IMPORTS, "double", "21")
    assert (outcome.code, outcome.stderr) == (
        2, f"{ERROR}no function export 'double'; did you mean 'tools#double'? "
           "(exports: answer, log-twice, peek, tools#double)\n"
    )


def test_a_component_written_in_wat(cli, wat_file) -> None:
    path = wat_file("component", """\
(component
  (core module $m (func (export "f") (result i32) i32.const 7))
  (core instance $i (instantiate $m))
  (func (export "seven") (result u32) (canon lift (core func $i "f")))
)
""")
    outcome = cli("call", path, "seven")
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "7\n", "")


def test_resources_are_not_supported_yet(cli) -> None:
    outcome = cli("call", IMPORTS, "peek", "1")
    assert (outcome.code, outcome.stderr) == (
        2, f"{ERROR}peek: borrow<counter> types are not supported yet (func(c: borrow<counter>) -> u32)\n"
    )


def test_wasmer_refuses_components_in_one_line(cli) -> None:
    outcome = cli("call", TYPES, "add", "1", "2", "--engine", "wasmer")
    assert (outcome.code, outcome.stdout, outcome.stderr) == (
        2, "", f"{ERROR}engine 'wasmer' cannot run components (no component model support); use wasmtime\n"
    )
    with pytest.raises(UsageError):
        api.inspect(TYPES, engine="wasmer")


def test_a_broken_component_is_a_load_error(tmp_path: Path, cli) -> None:
    broken = tmp_path / "broken.wasm"
    broken.write_bytes(TYPES.read_bytes()[:200])
    outcome = cli("call", broken, "add", "1", "2")
    assert outcome.code == 4
    assert outcome.stderr.startswith(f"{ERROR}{broken}: not a valid component: ")
    with pytest.raises(LoadError):
        inspect_component(broken)


# ---------------------------------------------------------------- detection and inspect

def test_detection_by_header_and_wat() -> None:
    assert is_component(TYPES.read_bytes()[:8])
    assert not is_component(RUST_CORE.read_bytes())
    assert is_component(";; a comment\n(component)")
    assert not is_component("(module)")
    assert is_component_file(TYPES) and not is_component_file(RUST_CORE)
    assert not is_component_file(ROOT / "no-such-file.wasm")


def test_inspect_plain_prints_the_world_as_wit(cli) -> None:
    outcome = cli("inspect", IMPORTS)
    assert (outcome.code, outcome.stderr) == (0, "")
    assert outcome.stdout == f"""\
module:     {IMPORTS}
engine:     wasmtime
kind:       component
wasi:       no
world component {{
  import wasmcall:imports/host: interface {{
    resource counter;
    log: func(message: string);
  }}
  import counter; // resource
  export answer: func() -> u32;
  export log-twice: func(message: string);
  export peek: func(c: borrow<counter>) -> u32;
  export tools: interface {{
    double: func(n: u32) -> u32;
  }}
}}
"""


def test_inspect_json(cli) -> None:
    outcome = cli("inspect", WASI, "--json")
    document = json.loads(outcome.stdout)
    assert outcome.code == 0
    assert {k: document[k] for k in ("wasmcall", "module", "engine", "component", "wasi")} == {
        "wasmcall": 1, "module": str(WASI), "engine": "wasmtime", "component": True, "wasi": True,
    }
    assert document["imports"][0] == {
        "name": "wasi:cli/environment@0.2.0", "kind": "interface",
        "functions": [
            {"name": "get-environment", "params": [], "result": "list<tuple<string, string>>"},
            {"name": "get-arguments", "params": [], "result": "list<string>"},
        ],
        "resources": [],
    }
    assert [item["name"] for item in document["exports"]] == ["env", "args", "say", "dirs"]
    assert document["exports"][2] == {
        "name": "say", "kind": "func",
        "functions": [{"name": "say", "params": [{"name": "text", "type": "string"}], "result": None}],
        "resources": [],
    }
    assert document["wit"].startswith("world component {\n  import wasi:cli/environment@0.2.0: interface {\n")
    assert document["wit"].endswith(
        "  export say: func(text: string);\n  export dirs: func() -> list<string>;\n}\n"
    )


def test_inspect_types_lists_every_export(cli) -> None:
    lines = cli("inspect", TYPES).stdout.splitlines()
    assert lines[4] == "world component {"
    assert "  export echo-shape: func(v: variant { circle(f32), rect(record { x: s32, y: s32 }), empty }) -> " \
           "variant { circle(f32), rect(record { x: s32, y: s32 }), empty };" in lines
    assert "  export echo-outcome: func(v: result<string, u32>) -> result<string, u32>;" in lines
    assert len([line for line in lines if line.startswith("  export ")]) == 34


# ---------------------------------------------------------------- sessions, checks and the REPL take components


def test_open_session_gives_a_component_session() -> None:
    import wasmcall

    with wasmcall.open_session(TYPES) as session:
        assert isinstance(session, ComponentSession)
        assert session.call("add", [wasmcall.PlainValue("2"), wasmcall.PlainValue("40")]).wave == "42"
        assert session.call("greet", [parse_argument(ArgKind.STR, "Ada")]).wave == '"Hello, Ada!"'


def test_a_checks_file_calls_a_component(cli, tmp_path: Path) -> None:
    checks = tmp_path / "checks.toml"
    checks.write_text(
        f'[defaults]\nmodule = "{TYPES}"\n\n'
        '[[check]]\nname = "greet"\ncall = "greet --str Ada"\nexpect = \'"Hello, Ada!"\'\n\n'
        '[[check]]\nname = "add"\ncall = "add 2 40"\nexpect = "41"\n',
        encoding="utf-8",
    )
    outcome = cli("check", checks)
    assert outcome.code == 1
    assert [line.split(" ")[0] for line in outcome.stdout.splitlines()] == ["PASS", "FAIL", "1"]
    assert outcome.stdout.splitlines()[1] == "FAIL add: expected '41', got '42'"
    assert outcome.stdout.splitlines()[-1] == "1 passed, 1 failed"


def test_the_repl_calls_a_component(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = 'greet --str Ada\nadd 2 40\nnope\n'
    done = subprocess.run(
        [sys.executable, "-m", "wasmcall", "repl", str(TYPES)], input=script, capture_output=True, text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (1, '"Hello, Ada!"\n42\n')
    assert done.stderr.startswith("wasmcall: error: no function export 'nope'")
