"""No code from the working directory, ever.

A freshly cloned repository is the working directory of many CI runs; a
``pickle.py``, ``select.py`` or ``wasmcall/`` package in it must never be
imported by wasmcall or by the child process that runs wasmer guests.
These run the installed console script, as a user does, in a directory
holding such files, each of which would leave a marker file if imported.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PLANTED = ("pickle.py", "select.py", "struct.py", "signal.py", "wasmcall/__init__.py", "wasmer.py")


def console_script() -> str:
    found = shutil.which("wasmcall", path=str(Path(sys.executable).parent))
    assert found is not None, f"no wasmcall console script next to {sys.executable}"
    return found


@pytest.fixture
def hostile_directory(tmp_path: Path) -> Path:
    """A working directory whose every planted module writes a marker when imported."""
    marker = tmp_path / "IMPORTED"
    for name in PLANTED:
        path = tmp_path / "cwd" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n", encoding="utf-8")
    return tmp_path / "cwd"


@pytest.mark.parametrize(
    "argv",
    [["call", "{guest}", "add", "2", "40"], ["inspect", "{guest}"]],
    ids=["call", "inspect"],
)
def test_planted_modules_in_the_working_directory_are_never_imported(
    hostile_directory: Path, rust_guest: Path, engine: str, argv: list[str]
) -> None:
    command = [console_script(), *(word.format(guest=rust_guest) for word in argv), "--engine", engine]
    done = subprocess.run(command, cwd=hostile_directory, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("42\n" if argv[0] == "call" else "module:")
    marker = hostile_directory.parent / "IMPORTED"
    assert not marker.exists(), f"imported from the working directory: {marker.read_text()}"


def test_the_check_can_fail(hostile_directory: Path) -> None:
    """The planted files do write their marker when something does import from that directory."""
    subprocess.run([sys.executable, "-c", "import pickle"], cwd=hostile_directory, check=True, timeout=60)
    assert (hostile_directory.parent / "IMPORTED").read_text() == "pickle.py\n"
