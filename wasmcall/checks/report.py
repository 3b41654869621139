"""Checks outcomes for programs and logs: plain lines, the JSON envelope, JUnit XML, GitHub annotations.

Each writer reads the runner's records and nothing else. The plain format is
a contract (CI systems grep it): ``PASS name 0.3 ms``, ``FAIL name: why``,
``SKIP name: why``, and last the closing line ``N passed, M failed`` (plus
``, K skipped``). The JSON envelope is documented in docs/json-output.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from wasmcall.checks.outcome import CheckOutcome, ChecksReport, EngineRun, Status
from wasmcall.records import CallResult
from wasmcall.render import ENVELOPE_VERSION, envelope, error_envelope


def plain_line(outcome: CheckOutcome) -> str:
    """One line per check; a name or message never spans lines."""
    name = one_line(outcome.check.name)
    if outcome.status is Status.PASS:
        return f"PASS {name} {outcome.elapsed_ms:.1f} ms"
    return f"{outcome.status.name} {name}: {one_line(outcome.message or '')}"


def one_line(text: str) -> str:
    return " ".join(text.split())


def engine_notes(report: ChecksReport) -> list[str]:
    return [f"engine {s.engine} skipped: {s.reason}" for s in report.skipped_engines]


# --- JSON -------------------------------------------------------------------------------------------


def checks_envelope(report: ChecksReport) -> dict[str, Any]:
    """``wasmcall check --json``: every check with its engines' results, and the counts."""
    return {
        "wasmcall": ENVELOPE_VERSION,
        "checks": [check_document(outcome) for outcome in report.outcomes],
        "skipped_engines": [{"engine": s.engine, "reason": s.reason} for s in report.skipped_engines],
        "summary": {
            "passed": report.passed, "failed": report.failed, "skipped": report.skipped,
            "total": len(report.outcomes),
        },
    }


def check_document(outcome: CheckOutcome) -> dict[str, Any]:
    check = outcome.check
    return {
        "name": check.name,
        "file": str(check.file),
        "line": check.line,
        "status": outcome.status.value,
        "message": outcome.message,
        "elapsed_ms": round(outcome.elapsed_ms, 3),
        "runs": [run_document(run) for run in outcome.runs],
    }


def run_document(run: EngineRun) -> dict[str, Any]:
    """One engine's run: the call envelope's fields (without ``wasmcall``) or its error, and its verdict."""
    document: dict[str, Any] = {"engine": run.engine, "elapsed_ms": round(run.elapsed_ms, 3)}
    if isinstance(run.result, CallResult):
        call = envelope(run.result)
        del call["wasmcall"]
        document["call"] = call
    elif run.result is not None:
        from wasmcall.components.render import call_envelope

        call = call_envelope(run.result)
        del call["wasmcall"]
        document["call"] = call
    else:
        document["call"] = None
    document["error"] = error_envelope(run.error)["error"] if run.error is not None else None
    document["failure"] = run.failure
    return document


# --- JUnit XML --------------------------------------------------------------------------------------


def junit_xml(report: ChecksReport) -> bytes:
    """One ``<testsuite>`` per checks file, one ``<testcase>`` per check, as CI systems read them."""
    root = ElementTree.Element("testsuites", name="wasmcall check")
    suites: dict[Path, ElementTree.Element] = {}
    for outcome in report.outcomes:
        path = outcome.check.file
        if path not in suites:
            suites[path] = ElementTree.SubElement(root, "testsuite", name=str(path))
        add_testcase(suites[path], outcome)
    for suite in [root, *suites.values()]:
        count_cases(suite)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def add_testcase(suite: ElementTree.Element, outcome: CheckOutcome) -> None:
    check = outcome.check
    case = ElementTree.SubElement(
        suite, "testcase", name=check.name, classname=check.file.stem, file=str(check.file),
        line=str(check.line), time=f"{outcome.elapsed_ms / 1000:.6f}",
    )
    if outcome.status is Status.FAIL:
        failure = ElementTree.SubElement(
            case, "failure", message=outcome.message or "", type=failure_type(outcome)
        )
        failure.text = failure_details(outcome)
    elif outcome.status is Status.SKIP:
        ElementTree.SubElement(case, "skipped", message=outcome.message or "")


def failure_type(outcome: CheckOutcome) -> str:
    """The error kind when a call failed unexpectedly, ``expect`` for a wrong result."""
    kinds = {run.error.kind for run in outcome.runs if run.failure and run.error is not None}
    return kinds.pop() if len(kinds) == 1 else "expect"


def failure_details(outcome: CheckOutcome) -> str:
    check = outcome.check
    lines = [f"{check.file}:{check.line}: {outcome.message}", f"module: {check.module}"]
    lines += [f"{run.engine}: {run.failure or 'held'}" for run in outcome.runs]
    return "\n".join(lines)


def count_cases(suite: ElementTree.Element) -> None:
    cases = list(suite.iter("testcase"))
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    suite.set("errors", "0")
    suite.set("skipped", str(sum(1 for case in cases if case.find("skipped") is not None)))
    total = sum(float(case.get("time", "0")) for case in cases)
    suite.set("time", f"{total:.6f}")


def write_junit(report: ChecksReport, path: Path) -> None:
    """Write the JUnit report; an unwritable path is a usage error."""
    from wasmcall.errors import UsageError

    try:
        path.write_bytes(junit_xml(report))
    except OSError as error:
        raise UsageError(f"cannot write the JUnit report to {str(path)!r}: {error.strerror}") from None


# --- GitHub Actions ---------------------------------------------------------------------------------


def on_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def github_annotation(outcome: CheckOutcome) -> str:
    """``::error file=...,line=...,title=...::message`` pointing at the check's line in its TOML file."""
    check = outcome.check
    properties = {
        "file": annotation_path(check.file), "line": str(check.line), "title": f"check {one_line(check.name)}",
    }
    fields = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::error {fields}::{escape_data(outcome.message or 'failed')}"


def annotation_path(path: Path) -> str:
    """Relative to the workspace (what GitHub resolves against) when the file is inside it."""
    workspace = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    absolute = path.resolve()
    try:
        return absolute.relative_to(Path(workspace).resolve()).as_posix()
    except ValueError:
        return str(path)


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write_annotations(report: ChecksReport, stream: IO[str]) -> None:
    """One annotation per failed check (the plain format writes each right after its FAIL line instead)."""
    for outcome in report.outcomes:
        if outcome.status is Status.FAIL:
            stream.write(github_annotation(outcome) + "\n")
