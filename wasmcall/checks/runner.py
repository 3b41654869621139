"""Run checks: each on a fresh instance of a module compiled once, every check even after failures.

One session is kept per (module, engine, settings) and reset between checks
(a new instance of the already compiled module, as independent as separate
processes but without their start-up), unless a check continues the previous
one's instance (``same_instance``). A wasmer session killed at a deadline is
reopened for the next check. Nothing here prints: each outcome goes to the
caller's ``on_outcome`` as it is decided, and all of them come back in a
``ChecksReport``.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Optional

from msgspec.structs import replace

from wasmcall.checks.judge import disagreement, judge
from wasmcall.checks.outcome import CheckOutcome, ChecksReport, EngineRun, SkippedEngine, Status
from wasmcall.checks.spec import Check
from wasmcall.engines import ENGINE_NAMES
from wasmcall.errors import CallInterruptedError, EngineUnavailableError, LoadError, WasmcallError
from wasmcall.modules import read_module
from wasmcall.session import AnyResult, Session, SessionOptions, open_source

SESSIONS_KEPT = 8
FAIL_FAST_REASON = "not run: stopped at the first failure (fail fast)"

SessionKey = tuple[Path, SessionOptions]
OutcomeHook = Callable[[CheckOutcome], None]


def select_checks(checks: Sequence[Check], pattern: Optional[str]) -> list[Check]:
    """Checks whose name contains ``pattern``, or matches it as a glob (``upper*``); case-insensitive."""
    if not pattern:
        return list(checks)
    wanted = pattern.lower()
    globbing = any(char in wanted for char in "*?[")
    return [
        check for check in checks
        if (fnmatch.fnmatchcase(check.name.lower(), wanted) if globbing else wanted in check.name.lower())
    ]


def engines_of(check: Check, override: Optional[str]) -> tuple[str, ...]:
    name = override or check.engine
    return ENGINE_NAMES if name == "all" else (name,)


class SessionPool:
    """Open sessions by (module, settings), the few most recent kept; failures to load remembered."""

    def __init__(self) -> None:
        self.sessions: OrderedDict[SessionKey, Session] = OrderedDict()
        self.used: set[SessionKey] = set()
        self.load_errors: dict[SessionKey, WasmcallError] = {}
        self.unavailable: dict[str, WasmcallError] = {}

    def instance_for(self, module: Path, options: SessionOptions, continue_previous: bool) -> Session:
        """A session ready for a check: fresh (reset or newly opened) unless continuing the previous one."""
        key = (module, options)
        if options.engine in self.unavailable:
            raise self.unavailable[options.engine]
        if key in self.load_errors:
            raise self.load_errors[key]
        session = self.sessions.get(key)
        if session is not None and continue_previous:
            self.sessions.move_to_end(key)
            return session  # closed (a killed wasmer child) it says so when used: the state is gone
        if session is not None and not session.closed:
            self.sessions.move_to_end(key)
            if key in self.used:
                session.reset()
            self.used.add(key)
            return session
        return self.open(key)

    def open(self, key: SessionKey) -> Session:
        module, options = key
        self.drop(key)
        try:
            session = open_source(str(module), read_module(module), options)
        except EngineUnavailableError as error:
            self.unavailable[options.engine] = error
            raise
        except LoadError as error:
            self.load_errors[key] = error
            raise
        self.sessions[key] = session
        self.used.add(key)
        while len(self.sessions) > SESSIONS_KEPT:
            _, oldest = self.sessions.popitem(last=False)
            oldest.close()
        return session

    def drop(self, key: SessionKey) -> None:
        session = self.sessions.pop(key, None)
        self.used.discard(key)
        if session is not None:
            session.close()

    def close(self) -> None:
        while self.sessions:
            _, session = self.sessions.popitem()
            session.close()


class Runner:
    """Runs checks in order, handing each outcome to ``on_outcome`` as soon as it is decided."""

    def __init__(
        self, engine: Optional[str], fail_fast: bool, on_outcome: Optional[OutcomeHook],
        stop: Optional[threading.Event],
    ) -> None:
        self.engine = engine
        self.fail_fast = fail_fast
        self.on_outcome = on_outcome or (lambda outcome: None)
        self.stop = stop or threading.Event()
        self.pool = SessionPool()
        self.skipped_engines: dict[str, str] = {}

    def run(self, checks: Sequence[Check]) -> ChecksReport:
        outcomes: list[CheckOutcome] = []
        try:
            for check in checks:
                if self.stop.is_set():
                    break
                stopped = self.fail_fast and any(o.status is Status.FAIL for o in outcomes)
                outcome = skipped(check, FAIL_FAST_REASON) if stopped else self.run_check(check)
                outcomes.append(outcome)
                self.on_outcome(outcome)
        finally:
            self.pool.close()
        skipped_engines = tuple(SkippedEngine(name, why) for name, why in self.skipped_engines.items())
        return ChecksReport(tuple(outcomes), skipped_engines)

    def run_check(self, check: Check) -> CheckOutcome:
        if check.skip is not None:
            return skipped(check, check.skip)
        started = time.perf_counter()
        wanted = engines_of(check, self.engine)
        runs = [run for run in (self.run_on(check, name, len(wanted) > 1) for name in wanted) if run]
        elapsed = (time.perf_counter() - started) * 1000
        if not runs:
            return CheckOutcome(check, Status.SKIP, "no engine can run here", (), elapsed)
        failures = [f"{run.engine}: {run.failure}" if len(runs) > 1 else run.failure
                    for run in runs if run.failure is not None]
        message = "; ".join(f for f in failures if f) or disagreement(runs)
        return CheckOutcome(check, Status.FAIL if message else Status.PASS, message, tuple(runs), elapsed)

    def run_on(self, check: Check, engine: str, optional: bool) -> Optional[EngineRun]:
        """One engine's run; None when the engine is optional (``all``) and cannot run here."""
        if optional and engine in self.skipped_engines:
            return None
        started = time.perf_counter()
        result: Optional[AnyResult] = None
        error: Optional[WasmcallError] = None
        try:
            options = replace(check.options, engine=engine)
            session = self.pool.instance_for(check.module, options, check.same_instance)
            result = session.run(check.request)
        except CallInterruptedError:
            raise
        except EngineUnavailableError as unavailable:
            if optional:
                self.skipped_engines[engine] = unavailable.message
                return None
            error = unavailable
        except WasmcallError as failed:
            error = failed
        elapsed = (time.perf_counter() - started) * 1000
        return EngineRun(engine, result, error, elapsed, judge(check, result, error))


def skipped(check: Check, reason: str) -> CheckOutcome:
    return CheckOutcome(check, Status.SKIP, reason, (), 0.0)


def run_checks(
    checks: Sequence[Check],
    *,
    engine: Optional[str] = None,
    fail_fast: bool = False,
    on_outcome: Optional[OutcomeHook] = None,
    stop: Optional[threading.Event] = None,
) -> ChecksReport:
    """Run ``checks`` in order and return every outcome.

    ``engine`` ("wasmtime", "wasmer" or "all") overrides each check's own;
    ``fail_fast`` skips the checks after the first failure; setting ``stop``
    ends the run before the next check (Ctrl-C).
    """
    return Runner(engine, fail_fast, on_outcome, stop).run(checks)
