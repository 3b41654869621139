"""What running checks produced: frozen records the reporters read (the runner never prints)."""

from __future__ import annotations

from enum import Enum
from typing import Optional

from msgspec import Struct

from wasmcall.checks.spec import Check
from wasmcall.errors import WasmcallError
from wasmcall.session import AnyResult


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


class EngineRun(Struct, frozen=True):
    """One check on one engine: the call's result or error, and why it failed the check (None if it held)."""

    engine: str
    result: Optional[AnyResult]
    error: Optional[WasmcallError]
    elapsed_ms: float
    failure: Optional[str]


class CheckOutcome(Struct, frozen=True):
    """One check's verdict; ``message`` says why it failed or was skipped."""

    check: Check
    status: Status
    message: Optional[str]
    runs: tuple[EngineRun, ...]
    elapsed_ms: float


class SkippedEngine(Struct, frozen=True):
    """An engine that ``engine = "all"`` could not use here, and why."""

    engine: str
    reason: str


class ChecksReport(Struct, frozen=True):
    """Every check's outcome in file order, and the engines skipped under ``engine = "all"``."""

    outcomes: tuple[CheckOutcome, ...]
    skipped_engines: tuple[SkippedEngine, ...] = ()

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status is status)

    @property
    def passed(self) -> int:
        return self.count(Status.PASS)

    @property
    def failed(self) -> int:
        return self.count(Status.FAIL)

    @property
    def skipped(self) -> int:
        return self.count(Status.SKIP)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def summary(self) -> str:
        """The closing line CI systems parse: ``N passed, M failed`` (plus ``, K skipped``)."""
        line = f"{self.passed} passed, {self.failed} failed"
        return f"{line}, {self.skipped} skipped" if self.skipped else line
