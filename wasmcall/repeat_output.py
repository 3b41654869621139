"""``wasmcall call --repeat N``: run the leak check and show it (a progress bar on a terminal).

The last call's result is shown as ``call`` shows any result (stdout stays the
result); the report goes to stderr, or into the JSON envelope as
``"repeat"``. ``--expect-no-leak`` turns a leak into exit 1 for CI.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Optional

from wasmcall.errors import ExpectationError
from wasmcall.leak import RepeatReport, repeat_call, report_json, report_lines

if TYPE_CHECKING:
    from wasmcall.cli import CallInvocation

PROGRESS_FROM = 200
"""Fewer calls than this finish too fast for a progress bar to help."""


def run_repeated(
    invocation: CallInvocation, run_interruptibly: Callable[[bool, Callable[[], RepeatReport]], RepeatReport]
) -> None:
    """Call ``invocation.repeat`` times on one session, show the last result and the report, then check."""
    from wasmcall.session import open_session

    options = invocation.options

    def work() -> RepeatReport:
        with open_session(
            invocation.module, engine=options.engine, limits=options.limits, wasi=options.wasi,
            stub_imports=options.stub_imports,
        ) as session, progress(invocation.repeat) as advance:
            return repeat_call(session, invocation.request, invocation.repeat, advance)

    show_repeated(run_interruptibly(options.engine == "wasmtime", work), invocation, invocation.mode)


def show_repeated(report: RepeatReport, invocation: CallInvocation, mode: str) -> None:
    """The last result as ``call`` shows it, the report on stderr (or in JSON), then the checks."""
    from wasmcall.debug_output import show_call
    from wasmcall.expect import check_expectations

    if mode == "json":  # one document: a failed check is the error envelope instead
        check_expectations(report.last, invocation.expect, invocation.expect_hex)
        check_leak(report, invocation.expect_no_leak)
    show_call(report.last, mode, more={"repeat": report_json(report)})
    if mode != "json":
        sys.stderr.write("".join(f"{line}\n" for line in report_lines(report)))
        sys.stderr.flush()
    check_expectations(report.last, invocation.expect, invocation.expect_hex)
    check_leak(report, invocation.expect_no_leak)


def check_leak(report: RepeatReport, expected_none: bool) -> None:
    if expected_none and report.leak is not None:
        failure = ExpectationError(f"--expect-no-leak failed: {report.leak}", "no leak", report.leak)
        failure.windowed = False  # a verdict, not two values to diff
        raise failure


@contextmanager
def progress(total: int) -> Iterator[Optional[Callable[[], Any]]]:
    """A transient rich progress bar on stderr for long runs on a terminal; nothing otherwise."""
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task("calling", total=total)
        yield lambda: bar.advance(task)
