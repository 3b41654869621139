"""The CLI's one error boundary: whatever goes wrong, one line and a documented exit code."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from wasmcall import api
from wasmcall.errors import ExitCode


def broken_call(*args: object, **kwargs: object) -> None:
    raise RuntimeError("something nobody foresaw")


def test_a_bug_in_wasmcall_is_one_line_and_exit_70(
    cli: Callable, rust_guest: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "call", broken_call)
    outcome = cli("call", rust_guest, "add", "1", "2")
    assert outcome.code == ExitCode.INTERNAL_ERROR == 70
    assert outcome.stderr == (
        "wasmcall: internal error: RuntimeError: something nobody foresaw "
        "(a bug in wasmcall; --traceback or WASMCALL_TRACEBACK=1 shows where)\n"
    )


def test_traceback_flag_shows_the_real_error(
    cli: Callable, rust_guest: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "call", broken_call)
    with pytest.raises(RuntimeError, match="something nobody foresaw"):
        cli("call", rust_guest, "add", "1", "2", "--traceback")


def test_traceback_variable_shows_a_library_error(
    cli: Callable, rust_guest: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WASMCALL_TRACEBACK", "1")
    from wasmcall.errors import UnknownExportError

    with pytest.raises(UnknownExportError):
        cli("call", rust_guest, "nope")
