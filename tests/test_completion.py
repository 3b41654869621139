"""Shell completion through Typer's protocol (the ``_WASMCALL_COMPLETE`` variable), as the shells drive it.

Each case runs the real entry point in a fresh interpreter with the
environment bash, zsh or fish would set, and reads the candidates it prints.
The runtimes are made unimportable there, so a completion that compiled or
ran the module would fail instead of passing slowly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUST = ROOT / "guests" / "rust" / "memory.wasm"
CANONICAL_WAT = ROOT / "guests" / "wat" / "canonical.wat"
# The entry point with both runtimes blocked: importing either raises ImportError.
ENTRY = "import sys; sys.modules['wasmtime'] = sys.modules['wasmer'] = None; from wasmcall.cli import main; main()"
COMPLETION_SECONDS = 3.0
SPIN_AT_START = """(module
  (func $spin (loop (br 0)))
  (start $spin)
  (func (export "never_reached") (result i32) (i32.const 1))
  (func (export "nor_this") (param i32) (result i32) (local.get 0)))
"""


def complete(shell: str, line: str) -> subprocess.CompletedProcess[str]:
    """What ``wasmcall`` prints when ``shell`` asks for completions of ``line`` (cursor at its end)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("_TYPER", "COMP_"))}
    environment["_WASMCALL_COMPLETE"] = f"complete_{shell}"
    if shell == "bash":
        words = line.split(" ")
        environment.update(COMP_WORDS=" ".join(words), COMP_CWORD=str(len(words) - 1))
    else:
        environment["_TYPER_COMPLETE_ARGS"] = line
        environment["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    return subprocess.run(
        [sys.executable, "-c", ENTRY], env=environment, capture_output=True, text=True,
        timeout=COMPLETION_SECONDS * 3,
    )


@pytest.mark.parametrize(
    ("shell", "line", "candidates"),
    [
        ("bash", f"wasmcall call {RUST} up", "upper\nupper_pair\nupper_packed\nupper_out"),
        ("bash", f"wasmcall call {RUST} ", "alloc\ndealloc\narray_sum\nupper\nupper_pair\nupper_packed\n"
                                          "upper_out\nhello_cstr\nadd\nmul_i64\nscale\nnegate_f32"),
        ("fish", f"wasmcall call {RUST} a", "alloc\narray_sum\nadd"),
        ("fish", f"wasmcall call {CANONICAL_WAT} ", "upper\ncabi_post_upper\ncabi_realloc"),
        ("bash", "wasmcall call nosuch.wasm ", ""),
        ("fish", f"wasmcall call {RUST} add --engine ", "wasmtime\nwasmer"),
        ("fish", f"wasmcall call {RUST} add --ret p", "ptr-len\npacked\nptr"),
        ("fish", f"wasmcall call {RUST} add --convention a", "assemblyscript\nalloc"),
        ("fish", f"wasmcall call {RUST} add --color ", "auto\nalways\nnever"),
        ("zsh", f"wasmcall call {RUST} add --engine w", '_arguments \'*: :(("wasmtime"\n"wasmer"))\''),
        ("zsh", "wasmcall call gues", "_files"),
        ("zsh", f"wasmcall call {RUST} upper_pair --file ", "_files"),
        ("zsh", "wasmcall inspect ", "_files"),
    ],
    ids=["bash-exports-by-prefix", "bash-every-function-export", "fish-exports", "fish-exports-of-wat",
         "missing-module-offers-nothing", "engine", "ret", "convention", "color", "zsh-choices",
         "zsh-module-is-a-file", "zsh-file-is-a-file", "zsh-inspect-module"],
)
def test_completion_candidates(shell: str, line: str, candidates: str) -> None:
    done = complete(shell, line)
    assert (done.returncode, done.stdout.rstrip("\n"), done.stderr) == (0, candidates, "")


def test_completion_never_runs_guest_code(wasm_file: Callable[[str, str], Path]) -> None:
    """A start function that never returns: instantiating the module would hang; reading its exports does not."""
    module = wasm_file("spin-at-start", SPIN_AT_START)
    started = time.monotonic()
    done = complete("bash", f"wasmcall call {module} n")
    elapsed = time.monotonic() - started
    assert (done.returncode, done.stdout, done.stderr) == (0, "never_reached\nnor_this\n", "")
    assert elapsed < COMPLETION_SECONDS


def test_completion_does_not_wait_on_a_fifo(tmp_path: Path) -> None:
    """A named pipe given as MODULE would block a read forever; completion offers nothing instead."""
    fifo = tmp_path / "module.wasm"
    os.mkfifo(fifo)
    done = complete("bash", f"wasmcall call {fifo} ")
    assert (done.returncode, done.stdout, done.stderr) == (0, "\n", "")


def test_show_completion_prints_a_script_for_each_shell() -> None:
    # Typer's switch for naming the shell instead of detecting the one running the tests.
    environment = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    for shell, marker in (("bash", "complete -o default -F"), ("zsh", "compdef"), ("fish", "complete --command")):
        done = subprocess.run(
            [sys.executable, "-m", "wasmcall", "--show-completion", shell], capture_output=True, text=True,
            timeout=30, env=environment,
        )
        assert done.returncode == 0, done.stderr
        assert marker in done.stdout and "_WASMCALL_COMPLETE" in done.stdout
