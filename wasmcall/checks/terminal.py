"""Checks on a terminal: a rich progress bar while they run, then a table of failures and the summary.

rich is imported here, lazily (only when stdout is a terminal). Check names
and messages come from files and guests: they are shown as plain text, never
as rich markup.
"""

from __future__ import annotations

from types import TracebackType
from typing import IO, Any, Optional

from wasmcall.checks.outcome import CheckOutcome, ChecksReport, Status
from wasmcall.checks.report import engine_notes
from wasmcall.color import make_console


class ProgressView:
    """A context manager showing a progress bar; ``advance`` is called from the runner's thread."""

    def __init__(self, total: int, stream: IO[str]) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = make_console(stream)
        self.progress = Progress(
            TextColumn("checks"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[failed]}"),
            TimeElapsedColumn(), console=self.console, transient=True,
        )
        self.task = self.progress.add_task("checks", total=total, failed="")
        self.failed = 0

    def advance(self, outcome: CheckOutcome) -> None:
        if outcome.status is Status.FAIL:
            self.failed += 1
        self.progress.update(self.task, advance=1, failed=f"[red]{self.failed} failed" if self.failed else "")

    def __enter__(self) -> ProgressView:
        self.progress.start()
        return self

    def __exit__(
        self, kind: Optional[type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        self.progress.stop()


def show_report(report: ChecksReport, stream: IO[str]) -> None:
    """The failures (and skips) as a table, then the closing line, green or red."""
    from rich.table import Table
    from rich.text import Text

    console = make_console(stream)
    for note in engine_notes(report):
        console.print(Text(note, style="yellow"))
    shown = [o for o in report.outcomes if o.status is not Status.PASS]
    if shown:
        table = Table("", "check", "where", "why", title="checks that did not pass", title_justify="left")
        table.columns[2].overflow = "fold"  # a path cut short with an ellipsis points nowhere
        for outcome in shown:
            table.add_row(*status_cells(outcome))
        console.print(table)
    console.print(Text(report.summary(), style="bold green" if report.ok else "bold red"))


def status_cells(outcome: CheckOutcome) -> list[Any]:
    from rich.text import Text

    style = "red" if outcome.status is Status.FAIL else "yellow"
    check = outcome.check
    return [
        Text(outcome.status.name, style=style), Text(check.name),
        Text(f"{check.file}:{check.line}", style="dim"), Text(outcome.message or ""),
    ]
