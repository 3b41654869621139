"""The installed program: one run of the console script, one of ``python -m wasmcall``, and the
promise that importing wasmcall or asking for help loads neither WebAssembly runtime."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import wasmcall

RUNTIMES = ("wasmtime", "wasmer", "wasmer_compiler_cranelift")


def console_script() -> str:
    """The ``wasmcall`` script installed next to this interpreter."""
    found = shutil.which("wasmcall", path=str(Path(sys.executable).parent))
    assert found is not None, f"no wasmcall console script next to {sys.executable}"
    return found


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def test_console_script_calls_the_rust_guest(rust_guest):
    completed = run([console_script(), "call", str(rust_guest), "upper", "--str", "abc", "--ret", "ptr"])
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "ABC\n", "")


def test_python_dash_m_version():
    completed = run([sys.executable, "-m", "wasmcall", "--version"])
    expected = (0, f"wasmcall {wasmcall.__version__}\n", "")
    assert (completed.returncode, completed.stdout, completed.stderr) == expected


LOADED = f"import json, sys; json.dump(sorted(m for m in {RUNTIMES!r} if m in sys.modules), sys.stderr)"


@pytest.mark.parametrize(
    ("program", "code"),
    [
        ("import wasmcall", 0),
        ("from wasmcall.cli import main; code = main(['--help'])", 0),
        ("from wasmcall.cli import main; code = main(['call', '--help'])", 0),
    ],
    ids=["import", "help", "call-help"],
)
def test_no_runtime_is_imported_until_a_module_is_loaded(program, code):
    completed = run([sys.executable, "-c", f"{program}\n{LOADED}"])
    assert completed.returncode == code, completed.stderr
    assert json.loads(completed.stderr) == []


def test_a_call_does_import_the_runtime(rust_guest):
    """The check above can fail: a call that runs a guest does load wasmtime."""
    program = f"from wasmcall.cli import main; main(['call', {str(rust_guest)!r}, 'add', '1', '2'])\n{LOADED}"
    completed = run([sys.executable, "-c", program])
    assert (completed.returncode, completed.stdout) == (0, "3\n")
    assert json.loads(completed.stderr) == ["wasmtime"]
