"""A session whose instance lives in this process: plan, execute and report each call.

wasmtime sessions are these; so is the session a wasmer child serves
(``wasmcall.isolation``). Its own module, apart from ``wasmcall.session``, so
that a process which only talks to a wasmer child never imports the calling
code (``conventions``, ``linking``, the engines' caches).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

from msgspec.structs import replace

from wasmcall.conventions.calling import execute, plan_call
from wasmcall.conventions.facts import ModuleFacts, module_facts
from wasmcall.engines import compile_cached, load_engine
from wasmcall.engines.base import CompiledModule, GlobalValue, Instance, WasiSettings
from wasmcall.errors import GuestError, SessionClosedError
from wasmcall.linking import ImportOptions, build_linking
from wasmcall.records import CallResult
from wasmcall.request import CallRequest, SessionOptions
from wasmcall.session import Session

GUEST_STDERR_LINES = 5


class LocalSession(Session):
    """A session whose instance lives in this process."""

    def __init__(self, label: str, source: Union[bytes, str], options: SessionOptions) -> None:
        self.label = label
        self.options = options
        engine = load_engine(options.engine, fuel=options.limits.fuel is not None)
        self.compiled: CompiledModule = compile_cached(
            engine, engine.prepare(source, options.limits, label), label
        )
        self.exports = self.compiled.exports
        wasi = guest_wasi(options.wasi, label)
        self.linking = build_linking(self.compiled, ImportOptions(wasi, options.stub_imports))
        self.instance: Optional[Instance] = None
        self.facts: ModuleFacts = module_facts(label, source)
        self.start()

    def start(self) -> None:
        """Instantiate (running the start function) and run a reactor's ``_initialize``, each under the limits."""
        self.instance = self.compiled.instantiate(self.linking, self.options.limits)
        if self.compiled.function("_initialize") is not None:
            try:
                with self.instance.budget(self.options.limits.per_call):
                    self.instance.call("_initialize", [])
            except BaseException:
                self.close()
                raise

    def live(self) -> Instance:
        if self.instance is None:
            raise SessionClosedError(f"the session on {self.label} is closed")
        return self.instance

    def run(self, request: CallRequest) -> CallResult:
        instance = self.live()
        plan = plan_call(self.compiled, request, self.facts)
        limits = request.limits or self.options.limits.per_call
        instance.exit_status = None
        try:
            with instance.budget(limits):
                execution = execute(instance, plan)
        except GuestError as error:
            error.guest_stdout, error.guest_stderr = self.output_before_failure()
            raise
        stdout, stderr = self.new_output()
        return CallResult(
            module=self.label,
            export=request.export,
            engine=self.options.engine,
            signature=plan.signature,
            convention=plan.detection.convention.value,
            values=execution.values,
            result=execution.result,
            elapsed_ms=execution.elapsed_ms,
            stdout=stdout,
            stderr=stderr,
            warnings=execution.warnings,
            hints=execution.hints,
            trace=execution.trace,
            dumps=execution.dumps,
            guest_exit=instance.exit_status,
        )

    def new_output(self) -> tuple[Optional[bytes], Optional[bytes]]:
        """What the guest wrote since the last call (start-up output goes with the first call)."""
        output = self.live().output()
        if output is None:
            return None, None
        return output.stdout, output.stderr

    def output_before_failure(self) -> tuple[bytes, tuple[str, ...]]:
        """What the guest printed before failing (a guest that prints, then exits non-zero, still
        showed something), and the last few lines of its stderr: usually the reason."""
        if self.instance is None:
            return b"", ()
        stdout, stderr = self.new_output()
        lines = (stderr or b"").decode("utf-8", errors="replace").splitlines()
        return stdout or b"", tuple(lines[-GUEST_STDERR_LINES:])

    def memory_size(self) -> int:
        return self.live().memory_size()

    def read(self, ptr: int, length: int) -> bytes:
        return self.live().read(ptr, length, "read")

    def globals(self) -> tuple[GlobalValue, ...]:
        return self.live().globals()

    def reset(self) -> None:
        self.live().close()
        self.instance = None
        self.start()

    def close(self) -> None:
        if self.instance is not None:
            self.instance.close()
            self.instance = None

    @property
    def closed(self) -> bool:
        return self.instance is None


def guest_wasi(granted: WasiSettings, label: str) -> WasiSettings:
    """The guest's argv is just the module's name unless the caller set it."""
    if granted.args:
        return granted
    return replace(granted, args=(Path(label).name,))
