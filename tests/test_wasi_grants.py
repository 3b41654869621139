"""The read-only promise of ``--dir`` against the 2026 WASI filesystem advisories.

wasmtime releases before 48.0.0 (46.0.3 and 47.0.4 on their lines) let a
guest open a file with ``TRUNCATE`` through a read-only grant, reach write
access through a read-write sibling, and escape with a trailing slash;
pyproject.toml's floor excludes them. These cases pin the behaviour with the
C guest's ``truncate_file``, which opens ``O_WRONLY | O_TRUNC`` (WASI
``path_open`` with the ``TRUNCATE`` flag) and returns 0 or the WASI errno.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import WASMER_SKIP_REASON, wasmer_works

ROOT = Path(__file__).resolve().parent.parent
C = ROOT / "guests" / "c" / "wasi_guest.wasm"
CONTENT = "keep me\n"
WASI_EPERM = 63


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """``top/f.txt`` and ``top/inner/g.txt``, each holding CONTENT."""
    (tmp_path / "inner").mkdir()
    for path in (tmp_path / "f.txt", tmp_path / "inner" / "g.txt"):
        path.write_text(CONTENT)
    return tmp_path


def truncate(cli: Callable, path: str, *grants: str) -> tuple[int, str]:
    outcome = cli("call", C, "truncate_file", "--str", path, *grants)
    return outcome.code, outcome.stdout


def test_truncate_through_a_read_only_grant_is_refused(cli: Callable, tree: Path) -> None:
    assert truncate(cli, "/d/f.txt", "--dir", f"{tree}::/d") == (0, f"{WASI_EPERM}\n")
    assert (tree / "f.txt").read_text() == CONTENT


def test_truncate_through_a_read_write_grant_works(cli: Callable, tree: Path) -> None:
    assert truncate(cli, "/d/f.txt", "--dir-rw", f"{tree}::/d") == (0, "0\n")
    assert (tree / "f.txt").read_text() == ""


@pytest.mark.parametrize("path", ["/ro/g.txt", "/ro/g.txt/", "/ro/../ro/g.txt"], ids=["plain", "slash", "dotdot"])
def test_a_read_only_grant_inside_a_read_write_grant_stays_read_only(cli: Callable, tree: Path, path: str) -> None:
    """The read-write grant of the parent must not lend write access to its read-only sibling grant."""
    grants = ("--dir-rw", f"{tree}::/rw", "--dir", f"{tree / 'inner'}::/ro")
    code, stdout = truncate(cli, path, *grants)
    assert code == 0 and stdout != "0\n", stdout
    assert (tree / "inner" / "g.txt").read_text() == CONTENT


def test_the_trailing_slash_does_not_escape_a_read_only_grant(cli: Callable, tree: Path) -> None:
    assert truncate(cli, "/d/f.txt/", "--dir", f"{tree}::/d")[1] != "0\n"
    assert truncate(cli, "/d/../f.txt", "--dir", f"{tree / 'inner'}::/d")[1] != "0\n"
    assert (tree / "f.txt").read_text() == CONTENT


@pytest.mark.skipif(not wasmer_works(), reason=WASMER_SKIP_REASON)
def test_wasmer_refuses_the_grant(cli: Callable, tree: Path) -> None:
    outcome = cli("call", C, "truncate_file", "--str", "/d/f.txt", "--dir", f"{tree}::/d", "--engine", "wasmer")
    assert outcome.code == 2
    assert "cannot grant directories safely" in outcome.stderr
    assert (tree / "f.txt").read_text() == CONTENT
