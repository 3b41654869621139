"""Run the WebAssembly spec testsuite's numeric assertions through wasmcall's numeric path.

Usage:
    python tests/conformance/spec_numeric.py TESTSUITE_DIR [--engine wasmtime|wasmer|both] [--show N]
    (or set WASMCALL_SPEC_TESTSUITE and omit TESTSUITE_DIR)

TESTSUITE_DIR is a checkout of github.com/WebAssembly/testsuite; nothing from it is
stored in this repository. Each .wast file is split by wabt's ``wast2json`` into
modules and commands; every ``assert_return`` and ``assert_trap`` (and bare
``action``) is then run the way ``wasmcall call MODULE EXPORT VALUE...`` runs it:
each argument is spelled with wasmcall's own printer (so ``nan:0x200000``,
``-0.0``, ``0x1p-149``-sized decimals), parsed back by the positional-value
parser typed by the export's signature, called on a session, and the results are
compared bit for bit (``nan:canonical``/``nan:arithmetic`` as the spec defines them).
A wrong answer that only the printer hid would still fail here, because the
printed text is parsed back and compared as bits too.

Prints one line per file and engine: assertions, passed, failed; exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wasmcall.arguments import ArgKind, parse_argument
from wasmcall.engines.base import Value
from wasmcall.errors import TrapError, WasmcallError
from wasmcall.request import plain_values
from wasmcall.session import Session, open_session
from wasmcall.values import (
    F32_CANONICAL,
    F64_CANONICAL,
    f32_bits,
    f32_from_bits,
    f64_bits,
    f64_from_bits,
    format_value,
)

FILES = (
    "i32", "i64", "f32", "f64", "conversions", "f32_bitwise", "f64_bitwise",
    "f32_cmp", "f64_cmp", "float_exprs", "float_misc",
)
KINDS = {"i32": ArgKind.I32, "i64": ArgKind.I64, "f32": ArgKind.F32, "f64": ArgKind.F64}


@dataclass
class Tally:
    total: int = 0
    passed: int = 0
    failures: list[str] = field(default_factory=list)

    def record(self, ok: bool, what: str) -> None:
        self.total += 1
        self.passed += ok
        if not ok:
            self.failures.append(what)


def value_of(typed: dict[str, str]) -> Value:
    """A spec JSON value (unsigned decimal bits) as the Python value wasmcall uses."""
    bits = int(typed["value"])
    kind = typed["type"]
    if kind == "f32":
        return f32_from_bits(bits)
    if kind == "f64":
        return f64_from_bits(bits)
    width = 32 if kind == "i32" else 64
    return bits - (1 << width) if bits >= 1 << (width - 1) else bits


def bits_of(value: Value, kind: str) -> int:
    if kind == "f32":
        return f32_bits(float(value))
    if kind == "f64":
        return f64_bits(float(value))
    return int(value) & ((1 << (32 if kind == "i32" else 64)) - 1)


def matches(expected: dict[str, str], got: Value) -> bool:
    """The spec's comparison: exact bits, or any NaN of the named class."""
    kind, wanted = expected["type"], expected["value"]
    bits = bits_of(got, kind)
    if wanted.startswith("nan:"):
        payload_mask, quiet, exponent = (
            ((1 << 23) - 1, F32_CANONICAL, 0x7F80_0000) if kind == "f32"
            else ((1 << 52) - 1, F64_CANONICAL, 0x7FF0_0000_0000_0000)
        )
        if bits & exponent != exponent or not bits & payload_mask:
            return False
        payload = bits & payload_mask
        return payload == quiet if wanted == "nan:canonical" else bool(payload & quiet)
    return bits == int(wanted)


def printed_and_parsed_back(value: Value, kind: str) -> Value:
    """What the user sees, read back by the same parser: the round trip must keep the bits."""
    argument = parse_argument(KINDS[kind], format_value(value, kind))
    return argument.value  # type: ignore[union-attr]


def run_command(session: Session, command: dict[str, Any]) -> tuple[bool, str]:
    action = command["action"]
    args = [value_of(arg) for arg in action["args"]]
    texts = [format_value(value, arg["type"]) for value, arg in zip(args, action["args"], strict=True)]
    label = f"line {command['line']}: {action['field']}({', '.join(texts)})"
    try:
        result = session.call(action["field"], plain_values(texts))
    except TrapError as error:
        if command["type"] == "assert_trap":
            return True, label
        return False, f"{label}: trapped: {error.message}"
    if command["type"] == "assert_trap":
        return False, f"{label}: expected a trap ({command['text']}), got {result.values}"
    expected = command.get("expected", [])
    kinds = [e["type"] for e in expected]
    shown = [format_value(v, k) for v, k in zip(result.values, kinds, strict=False)]
    ok = len(result.values) == len(expected) and all(
        matches(e, v) and bits_of(printed_and_parsed_back(v, e["type"]), e["type"]) == bits_of(v, e["type"])
        for e, v in zip(expected, result.values, strict=False)
    )
    return ok, f"{label} = {' '.join(shown)}, expected {[e['value'] for e in expected]}"


def run_file(wast: Path, engine: str, scratch: Path) -> Tally:
    out = scratch / wast.stem
    out.mkdir(exist_ok=True)
    subprocess.run(["wast2json", str(wast), "-o", str(out / "spec.json")], check=True)
    commands = json.loads((out / "spec.json").read_text())["commands"]
    tally = Tally()
    session = None
    try:
        for command in commands:
            if command["type"] == "module":
                if session is not None:
                    session.close()
                session = open_session(out / command["filename"], engine=engine)
            elif command["type"] in ("assert_return", "assert_trap", "action"):
                assert session is not None, "an assertion before any module"
                try:
                    ok, what = run_command(session, command)
                except WasmcallError as error:
                    ok, what = False, f"line {command['line']}: {type(error).__name__}: {error.message}"
                tally.record(ok, f"{wast.name} {what}")
    finally:
        if session is not None:
            session.close()
    return tally


def testsuite_path(given: str | None) -> Path:
    path = given or os.environ.get("WASMCALL_SPEC_TESTSUITE")
    if not path:
        sys.exit("give the testsuite checkout as an argument or in WASMCALL_SPEC_TESTSUITE")
    return Path(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("testsuite", nargs="?")
    parser.add_argument("--engine", default="both", choices=("wasmtime", "wasmer", "both"))
    parser.add_argument("--show", type=int, default=5, help="failures to print per file")
    options = parser.parse_args()
    if shutil.which("wast2json") is None:
        sys.exit("wast2json (wabt) is needed to read .wast files")
    suite = testsuite_path(options.testsuite)
    engines = ("wasmtime", "wasmer") if options.engine == "both" else (options.engine,)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="wasmcall-spec-") as scratch:
        for engine in engines:
            for name in FILES:
                tally = run_file(suite / f"{name}.wast", engine, Path(scratch))
                failed += tally.total - tally.passed
                print(f"{engine:8} {name:12} assertions {tally.total:5}  passed {tally.passed:5}  "
                      f"failed {tally.total - tally.passed:4}")
                for failure in tally.failures[: options.show]:
                    print(f"    {failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
