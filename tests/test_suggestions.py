"""``inspect``'s suggested call lines run: every one offered for every bundled guest, on each engine.

A suggestion that traps, fails to link or misreads a result is worse than
none, so the rule is absolute: each line inspect prints must succeed as it
is (plus the engine and a timeout), or inspect must not print it.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from test_terminal_safety import HOSTILE, HOSTILE_SHOWN, wat_string

from wasmcall.conventions.detect import Convention
from wasmcall.engines.base import Signature
from wasmcall.suggest import ModuleFacts, command_line, suggest_arguments

ROOT = Path(__file__).resolve().parent.parent
GUESTS = sorted(
    str(path.relative_to(ROOT)) for path in (ROOT / "guests").rglob("*.wasm")
    if "node_modules" not in path.parts and "components" not in path.parts
)


def suggested_lines(cli: Callable, guest: str, engine: str) -> list[str]:
    outcome = cli("inspect", ROOT / guest, "--json", "--engine", engine)
    if (engine, guest) == ("wasmer", "guests/wat/two_memories.wasm"):
        assert outcome.code == 4  # wasmer 1.1 cannot load two memories: no module, no suggestions
        return []
    assert outcome.code == 0, outcome.stderr
    return [export["call"] for export in json.loads(outcome.stdout)["exports"] if "call" in export]


def collected_lines() -> list[tuple[str, str]]:
    """(guest, line) for every suggestion, read once at collection (suggestions do not depend on the engine)."""
    from wasmcall.api import inspect

    return [(guest, command_line(guest, name, words))
            for guest in GUESTS for name, words in inspect(ROOT / guest).suggestions]


LINES = collected_lines()


@pytest.mark.parametrize("guest", GUESTS)
def test_inspect_shows_the_same_lines_on_each_engine(guest: str, engine: str, cli: Callable) -> None:
    expected = [line for owner, line in LINES if owner == guest]
    lines = [line.replace(str(ROOT / guest), guest) for line in suggested_lines(cli, guest, engine)]
    assert lines == ([] if (engine, guest) == ("wasmer", "guests/wat/two_memories.wasm") else expected)


@pytest.mark.parametrize(("guest", "line"), LINES, ids=[line.split(" ", 2)[2] for _, line in LINES])
def test_every_suggested_line_runs(guest: str, line: str, engine: str, cli: Callable) -> None:
    if (engine, guest) == ("wasmer", "guests/wat/two_memories.wasm"):
        pytest.skip("wasmer 1.1 cannot load two memories, so inspect offers no lines there")
    words = shlex.split(line)
    assert words[:2] == ["wasmcall", "call"]
    outcome = cli("call", ROOT / words[2], *words[3:], "--engine", engine, "--timeout", "20")
    assert outcome.code == 0, f"{line}: {outcome.stderr}"


def test_the_bundled_guests_get_suggestions(cli: Callable) -> None:
    """Omitting is allowed, not omitting everything: most guests keep a line for most exports."""
    counts = {guest: len(suggested_lines(cli, guest, "wasmtime")) for guest in GUESTS}
    assert sum(counts.values()) >= 50, counts
    assert counts["guests/rust/memory.wasm"] == 10


def signature(params: str, results: str) -> Signature:
    return Signature(tuple(params.split()), tuple(results.split()))


FACTS = ModuleFacts(Convention.MALLOC, frozenset({"malloc", "free", "cabi_post_upper"}))


@pytest.mark.parametrize(
    ("name", "params", "results", "facts", "words"),
    [
        ("add", "i32 i32", "i32", FACTS, ["--i32 0", "--i32 0"]),
        ("upper_pair", "i32 i32", "i32 i32", FACTS, ["--str TEXT"]),
        ("upper_packed", "i32 i32", "i64", FACTS, ["--str TEXT", "--ret packed"]),
        ("reverse", "i32 i32 i32", "", FACTS, ["--str TEXT", "--ret out"]),
        ("upper", "i32 i32", "i32", FACTS, ["--str TEXT"]),
        ("greet", "i32 i32 i32", "", ModuleFacts(Convention.WASM_BINDGEN, stubbed_imports=True), ["--str TEXT"]),
        ("log_it", "i32 i32", "", ModuleFacts(Convention.WASM_BINDGEN, stubbed_imports=True), None),
        ("shout", "i32", "i32", ModuleFacts(Convention.ASSEMBLYSCRIPT), None),
        ("average", "f64 f64", "f64", ModuleFacts(Convention.ASSEMBLYSCRIPT), ["--f64 0.0", "--f64 0.0"]),
        ("greet", "i32 i32 i32", "", ModuleFacts(Convention.MALLOC, garbage_collected=True),
         ["--str TEXT", "--ret out", "--keep-result"]),
        ("is_null", "externref", "i32", FACTS, None),
        ("add", "i32 i32", "i32", ModuleFacts(Convention.NONE), ["--i32 0", "--i32 0"]),
    ],
    ids=["two-numbers", "ptr-len-result", "packed-result", "c-struct-out-pointer", "canonical-return-area",
         "bindgen-out-pointer", "bindgen-void-calls-glue", "assemblyscript-pointer", "assemblyscript-floats",
         "tinygo-result-stays-owned", "reference-param", "no-allocator"],
)
def test_suggestion_rules(name: str, params: str, results: str, facts: ModuleFacts, words: list[str]) -> None:
    assert suggest_arguments(name, signature(params, results), facts) == words


def test_suggestion_lines_are_escaped(cli: Callable, wat_file: Callable[[str, str], Path]) -> None:
    """Export names come from the module: the suggested line shows them escaped, and quoted for a shell."""
    module = wat_file("hostile-export", f'(module (func (export "{wat_string("fn" + HOSTILE)}") (result i32) '
                                        "(i32.const 1)))")
    outcome = cli("inspect", module)
    assert outcome.code == 0
    assert outcome.stdout.endswith(
        f"try (arguments guessed from the signatures):\n  wasmcall call {module} 'fn{HOSTILE_SHOWN}'\n"
    )
