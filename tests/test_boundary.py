"""The CLI's one error boundary: whatever goes wrong, one line and a documented exit code."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from wasmcall import session
from wasmcall.errors import ExitCode


def broken_call(*args: object, **kwargs: object) -> None:
    raise RuntimeError("something nobody foresaw")


def test_a_bug_in_wasmcall_is_one_line_and_exit_70(
    cli: Callable, rust_guest: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "open_session", broken_call)
    outcome = cli("call", rust_guest, "add", "1", "2")
    assert outcome.code == ExitCode.INTERNAL_ERROR == 70
    assert outcome.stderr == (
        "wasmcall: internal error: RuntimeError: something nobody foresaw "
        "(a bug in wasmcall; --traceback or WASMCALL_TRACEBACK=1 shows where)\n"
    )


def test_traceback_flag_shows_the_real_error_and_keeps_the_exit_code(
    cli: Callable, rust_guest: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "open_session", broken_call)
    outcome = cli("call", rust_guest, "add", "1", "2", "--traceback")
    assert outcome.code == 70
    assert outcome.stderr.startswith("Traceback (most recent call last):\n")
    assert 'in broken_call\n    raise RuntimeError("something nobody foresaw")' in outcome.stderr
    assert outcome.stderr.endswith("(a bug in wasmcall; --traceback or WASMCALL_TRACEBACK=1 shows where)\n")


def test_traceback_variable_shows_a_library_error(
    cli: Callable, rust_guest: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WASMCALL_TRACEBACK", "1")
    outcome = cli("call", rust_guest, "nope")
    assert outcome.code == 2
    assert "wasmcall.errors.UnknownExportError: no function export 'nope'" in outcome.stderr
    assert outcome.stderr.splitlines()[-1].startswith("wasmcall: error: no function export 'nope'")


def test_internal_error_with_json_is_an_envelope(
    cli: Callable, rust_guest: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "open_session", broken_call)
    outcome = cli("call", rust_guest, "add", "1", "2", "--json")
    assert outcome.code == 70
    assert json.loads(outcome.stdout) == {
        "wasmcall": 1,
        "error": {"kind": "internal", "message": "RuntimeError: something nobody foresaw", "exit_code": 70},
    }


def test_parse_errors_with_json_are_envelopes(cli: Callable, rust_guest: object) -> None:
    outcome = cli("call", rust_guest, "add", "--ret", "sideways", "--json")
    assert outcome.code == 2
    error = json.loads(outcome.stdout)["error"]
    assert (error["kind"], error["exit_code"]) == ("usage", 2)
    assert error["message"].startswith("Invalid value for '--ret': 'sideways' is not one of")
