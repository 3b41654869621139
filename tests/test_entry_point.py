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


# What a call loads is what it pays for at start-up (issue 10): each row is a call and the optional
# modules it must leave alone; the `--trace`, `--json`, `--expect`, `--dump`, AssemblyScript and
# Emscripten rows prove that those same modules do load when a call needs them (any guest with host
# imports loads Emscripten's helpers, which are asked first whether they provide each import).
OPTIONAL_MODULES = (
    "rich",
    "wasmcall.conventions.assemblyscript",
    "wasmcall.emscripten",
    "wasmcall.expect",
    "wasmcall.jsonstream",
    "wasmcall.memory_view",
    "wasmcall.suggest",
    "wasmcall.trace",
)
GUESTS = Path(__file__).resolve().parent.parent / "guests"
PLAIN_CALL = [str(GUESTS / "rust" / "memory.wasm"), "upper", "--str", "abc", "--ret", "ptr"]


@pytest.mark.parametrize(
    ("words", "loaded"),
    [
        (PLAIN_CALL, []),
        ([*PLAIN_CALL, "--trace"], ["wasmcall.trace"]),
        ([*PLAIN_CALL, "--json"], ["wasmcall.jsonstream"]),
        ([*PLAIN_CALL, "--expect", "ABC"], ["wasmcall.expect"]),
        ([*PLAIN_CALL, "--dump", "0:4"], ["wasmcall.memory_view"]),
        ([str(GUESTS / "assemblyscript" / "strings.wasm"), "shout", "--str", "hi"],
         ["wasmcall.conventions.assemblyscript", "wasmcall.emscripten"]),  # env.abort: host imports
        ([str(GUESTS / "emscripten" / "glue.wasm"), "upper", "--str", "hi", "--ret", "ptr"],
         ["wasmcall.emscripten"]),
    ],
    ids=["plain", "trace", "json", "expect", "dump", "assemblyscript", "emscripten"],
)
def test_a_call_loads_only_the_optional_modules_it_uses(words, loaded):
    check = f"json.dump(sorted(m for m in {OPTIONAL_MODULES!r} if m in sys.modules), sys.stderr)"
    program = f"import json, sys\nfrom wasmcall.cli import main\ncode = main(['call', *{words!r}])\n{check}"
    completed = run([sys.executable, "-c", program])
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stderr.splitlines()[-1]) == loaded


CALLING_CODE = ("wasmcall.conventions.calling", "wasmcall.local_session", "wasmer")


def test_a_wasmer_calls_parent_leaves_the_calling_code_to_its_child(engine):
    """The wasmer child plans and runs the call; the parent only sends the request (and the wasmtime
    row shows that the same check sees the calling code when it does run in this process)."""
    check = f"json.dump(sorted(m for m in {CALLING_CODE!r} if m in sys.modules), sys.stderr)"
    words = ["call", "--engine", engine, *PLAIN_CALL]
    program = f"import json, sys\nfrom wasmcall.cli import main\ncode = main({words!r})\n{check}"
    completed = run([sys.executable, "-c", program])
    assert (completed.returncode, completed.stdout) == (0, "ABC\n"), completed.stderr
    expected = [] if engine == "wasmer" else ["wasmcall.conventions.calling", "wasmcall.local_session"]
    assert json.loads(completed.stderr.splitlines()[-1]) == expected
