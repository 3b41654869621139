"""Did a check hold? One engine's run against the check's expectations, and engines against each other.

Messages are one line, for the ``FAIL name: ...`` report, a JUnit failure
and a GitHub annotation alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from wasmcall.checks.outcome import EngineRun
from wasmcall.checks.spec import Check
from wasmcall.errors import ExpectationError, WasmcallError
from wasmcall.expect import actual_text, check_expectations
from wasmcall.records import CallResult
from wasmcall.session import AnyResult

SHOWN_CHARACTERS = 200


def judge(check: Check, result: Optional[AnyResult], error: Optional[WasmcallError]) -> Optional[str]:
    """Why this run fails ``check``, or None when it holds."""
    if error is not None:
        return judge_error(check, error)
    assert result is not None
    if check.expects_failure:
        return f"expected {wanted_failure(check)}, but the call succeeded and returned {describe(result)}"
    try:
        check_expectations(result, check.expect, check.expect_hex)
    except ExpectationError as mismatch:
        no_bytes = isinstance(result, CallResult) and result.result is None
        if no_bytes and mismatch.message.startswith("--expect-hex"):
            return f"expected hex {shown(mismatch.expected)}, got no bytes (the call returned {describe(result)})"
        what = "hex " if check.expect is None or check.expect == mismatch.actual else ""
        return f"expected {what}{shown(mismatch.expected)}, got {shown(mismatch.actual)}"
    return None


def judge_error(check: Check, error: WasmcallError) -> Optional[str]:
    """An error holds only when the check expects a failure of that exit code and wording."""
    got = failure_text(error)
    if not check.expects_failure:
        return got
    wrong_code = check.expect_exit is not None and int(error.exit_code) != check.expect_exit
    wrong_text = check.expect_error is not None and check.expect_error not in error.message
    if wrong_code or wrong_text:
        return f"expected {wanted_failure(check)}, got {got}"
    return None


def wanted_failure(check: Check) -> str:
    parts = []
    if check.expect_exit is not None:
        parts.append(f"exit {check.expect_exit}")
    if check.expect_error is not None:
        parts.append(f"an error containing {check.expect_error!r}")
    return " with ".join(parts)


def failure_text(error: WasmcallError) -> str:
    return f"{error.kind} (exit {int(error.exit_code)}): {error.message}"


def describe(result: AnyResult) -> str:
    """What a successful call gave, as people compare it: its text, hex or numbers."""
    return shown(actual_text(result))


def shown(text: str) -> str:
    if len(text) > SHOWN_CHARACTERS:
        text = f"{text[:SHOWN_CHARACTERS]}… ({len(text) - SHOWN_CHARACTERS} more)"
    return repr(text)


def fingerprint(run: EngineRun) -> tuple[object, ...]:
    """What must be equal across engines: the values and result bytes, or the error's kind and exit code.

    Values are compared in their printed form, so NaN equals NaN (and -0.0
    differs from 0.0), as a person comparing the outputs would see them.
    """
    if run.error is not None:
        return ("error", run.error.kind, int(run.error.exit_code))
    assert run.result is not None
    if not isinstance(run.result, CallResult):
        return ("ok", actual_text(run.result), None)
    data = run.result.result.data if run.result.result is not None else None
    return ("ok", actual_text_of_values(run.result), data)


def actual_text_of_values(result: AnyResult) -> str:
    from wasmcall.values import format_value, typed_values

    if not isinstance(result, CallResult):
        return actual_text(result)
    return " ".join(format_value(v, t) for v, t in typed_values(result))


def outcome_text(run: EngineRun) -> str:
    if run.error is not None:
        return f"failed with {run.error.kind} (exit {int(run.error.exit_code)})"
    assert run.result is not None
    data = run.result.result if isinstance(run.result, CallResult) else None
    if data is not None:
        return f"returned {describe(run.result)} ({data.length} bytes)"
    return f"returned {describe(run.result)}"


def disagreement(runs: Sequence[EngineRun]) -> Optional[str]:
    """None when every engine gave the same outcome; else a line saying what each one did."""
    if len({fingerprint(run) for run in runs}) <= 1:
        return None
    texts = [outcome_text(run) for run in runs]
    if len(set(texts)) == 1:  # the same text, different bytes or values underneath
        texts = [f"{text}, values {actual_text_of_values(r.result)!r}" if r.result else text
                 for text, r in zip(texts, runs, strict=True)]
    return "engines disagree: " + ", ".join(f"{run.engine} {text}" for run, text in zip(runs, texts, strict=True))
