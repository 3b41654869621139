"""Sessions: one compiled module, one live instance, many calls, on both engines.

Guest state persists between calls, limits are each call's own, a closed or
killed session says so, and ``wasmcall.call`` is a one-call session that
reuses what earlier calls compiled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import wasmcall
from wasmcall import ArgKind, CallLimits, CallRequest, Limits, PlainValue, ResultKind, ResultSpec, parse_argument
from wasmcall.engines import compile_cached, load_engine
from wasmcall.errors import (
    LimitExceededError,
    OutOfBoundsError,
    SessionClosedError,
    UsageError,
)

COUNTER = """(module
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 0))
  (func (export "bump") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.get $count))
  (func (export "spin") (loop br 0))
  ;; burn(n): n turns of a loop, each costing a little fuel
  (func (export "burn") (param $n i32) (result i32)
    (block $done (loop $again
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $again)))
    (global.get $count)))"""


@pytest.fixture(scope="module")
def counter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("session") / "counter.wat"
    path.write_text(COUNTER, encoding="utf-8")
    return path


@pytest.fixture
def open_counter(counter: Path, engine: str) -> Iterator[Callable[..., wasmcall.Session]]:
    """Open sessions on the counter guest; every one is closed at teardown, whatever the test did."""
    opened: list[wasmcall.Session] = []

    def open_one(**options: object) -> wasmcall.Session:
        session = wasmcall.open_session(counter, engine=engine, **options)  # type: ignore[arg-type]
        opened.append(session)
        return session

    yield open_one
    for session in opened:
        session.close()


def bump(session: wasmcall.Session) -> int:
    result = session.call("bump")
    return int(result.values[0])  # type: ignore[union-attr]


def test_state_is_kept_between_calls(open_counter: Callable[..., wasmcall.Session]) -> None:
    with open_counter() as session:
        assert [bump(session) for _ in range(3)] == [1, 2, 3]


def test_reset_starts_a_fresh_instance(open_counter: Callable[..., wasmcall.Session]) -> None:
    session = open_counter()
    assert [bump(session), bump(session)] == [1, 2]
    session.reset()
    assert bump(session) == 1


def test_two_sessions_do_not_share_state(open_counter: Callable[..., wasmcall.Session]) -> None:
    first, second = open_counter(), open_counter()
    assert [bump(first), bump(first), bump(second)] == [1, 2, 1]


def test_a_closed_session_says_so(open_counter: Callable[..., wasmcall.Session]) -> None:
    session = open_counter()
    session.close()
    assert session.closed
    with pytest.raises(SessionClosedError, match=r"the session on .*counter\.wat is closed"):
        session.call("bump")
    session.close()  # closing twice is harmless


def test_memory_size_and_bounds_checked_reads(rust_guest: Path, engine: str) -> None:
    with wasmcall.open_session(rust_guest, engine=engine) as session:
        result = session.call("upper_pair", [parse_argument(ArgKind.STR, "hello")])
        assert result.result is not None  # type: ignore[union-attr]
        ptr = result.result.ptr  # type: ignore[union-attr]
        assert session.read(ptr, 5) == b"HELLO"
        size = session.memory_size()
        assert size % 65536 == 0 and size > ptr
        with pytest.raises(OutOfBoundsError, match="outside guest memory"):
            session.read(size - 2, 4)


def test_a_timeout_is_per_call_and_a_wasmtime_session_survives_it(
    open_counter: Callable[..., wasmcall.Session], engine: str
) -> None:
    session = open_counter(limits=Limits(timeout=0.3))
    assert bump(session) == 1
    with pytest.raises(LimitExceededError, match=r"timed out after 0\.3 s"):
        session.call("spin")
    if engine == "wasmtime":
        assert bump(session) == 2  # the instance is still there, with its state
        return
    assert session.closed  # wasmer: the child that ran the guest was killed
    with pytest.raises(SessionClosedError):
        session.call("bump")


def test_fuel_is_per_call_not_per_session(open_counter: Callable[..., wasmcall.Session], engine: str) -> None:
    if engine == "wasmer":
        with pytest.raises(UsageError, match="cannot meter fuel"):
            open_counter(limits=Limits(fuel=50_000))
        return
    session = open_counter(limits=Limits(fuel=50_000))
    burn = [PlainValue("4000")]
    # Each call fits the budget on its own; two together would not, so the budget must start afresh.
    assert session.call("burn", burn).values == (0,)  # type: ignore[union-attr]
    assert session.call("burn", burn).values == (0,)  # type: ignore[union-attr]
    with pytest.raises(LimitExceededError, match="ran out of fuel"):
        session.call("burn", [PlainValue("100000")])
    smaller = CallLimits(fuel=100)
    with pytest.raises(LimitExceededError, match=r"ran out of fuel \(100\)"):
        session.run(CallRequest("burn", tuple(burn), limits=smaller))


def test_a_call_may_override_the_sessions_timeout(open_counter: Callable[..., wasmcall.Session]) -> None:
    session = open_counter()
    with pytest.raises(LimitExceededError, match=r"timed out after 0\.2 s"):
        session.run(CallRequest("spin", limits=CallLimits(timeout=0.2)))


def test_requests_refuse_typed_arguments_and_plain_values_together() -> None:
    with pytest.raises(UsageError, match="plain values cannot be mixed with typed arguments"):
        CallRequest("add", (parse_argument(ArgKind.I32, "1"), PlainValue("2")))


def test_call_refuses_arguments_and_untyped_values_together(rust_guest: Path) -> None:
    with pytest.raises(UsageError, match="plain values cannot be mixed"):
        wasmcall.call(rust_guest, "add", [parse_argument(ArgKind.I32, "1")], untyped=["2"])


def test_call_is_a_one_call_session_with_the_same_result(rust_guest: Path, engine: str) -> None:
    arguments = [parse_argument(ArgKind.STR, "hello")]
    spec = ResultSpec(ResultKind.PTR)
    one = wasmcall.call(rust_guest, "upper", arguments, result=spec, engine=engine)
    with wasmcall.open_session(rust_guest, engine=engine) as session:
        many = [session.call("upper", arguments, result=spec) for _ in range(3)]
    assert {r.result.data for r in [one, *many]} == {b"HELLO"}  # type: ignore[union-attr]


def test_the_same_bytes_compile_once_per_engine(rust_guest: Path) -> None:
    engine = load_engine("wasmtime")
    source = rust_guest.read_bytes()
    assert compile_cached(engine, source, "a") is compile_cached(engine, bytes(source), "b")
    metered = load_engine("wasmtime", fuel=True)
    assert compile_cached(metered, source, "c") is not compile_cached(engine, source, "a")
