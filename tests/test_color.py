"""--color, NO_COLOR and FORCE_COLOR: one rule for results (stdout) and diagnostics (stderr) alike."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from test_terminal_safety import run_on_terminal

from wasmcall.color import ColorChoice, set_color, wants_color
from wasmcall.engines.base import Signature
from wasmcall.records import CallResult, ResultBytes
from wasmcall.render import show_result

ROOT = Path(__file__).resolve().parent.parent
RUST = ROOT / "guests" / "rust" / "memory.wasm"
ESC = "\x1b["


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def fresh_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each case starts from ``auto`` and an environment without either variable."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    set_color(ColorChoice.AUTO)
    yield
    set_color(ColorChoice.AUTO)


@pytest.mark.parametrize(
    ("choice", "environment", "terminal", "coloured"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
    ids=["terminal", "pipe", "no-color", "empty-no-color-is-unset", "force-color", "no-color-wins",
         "always-beats-no-color", "never-beats-force-color"],
)
def test_the_rule(
    choice: str, environment: dict[str, str], terminal: bool, coloured: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    set_color(ColorChoice(choice))
    assert wants_color(FakeTerminal() if terminal else io.StringIO()) is coloured


@pytest.mark.parametrize(
    ("options", "environment", "coloured"),
    [
        ((), {}, False),
        (("--color", "always"), {}, True),
        ((), {"FORCE_COLOR": "1"}, True),
        (("--color", "never"), {"FORCE_COLOR": "1"}, False),
    ],
    ids=["piped-plain", "always", "force-color", "never"],
)
def test_a_piped_result(
    options: tuple[str, ...], environment: dict[str, str], coloured: bool, cli: Callable,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Piped, a hexdump and numbers take colour only when it is forced; text stays its exact bytes."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    dump = cli("call", RUST, "upper_pair", "--hex", "00 01 41", *options)
    number = cli("call", RUST, "add", "2", "40", *options)
    text = cli("call", RUST, "upper_pair", "--str", "hi", *options)
    assert (ESC in dump.stdout, ESC in number.stdout) == (coloured, coloured)
    assert text.stdout == "HI\n"
    plain = dump.stdout.replace("\x1b[2m", "").replace("\x1b[36m", "").replace("\x1b[0m", "")
    assert plain == "00000000  00 01 41                                         |..A|\n"


def test_results_and_the_summary_follow_the_same_choice() -> None:
    """On a terminal, ``never`` leaves both the result (stdout) and the summary line (stderr) plain."""
    result = CallResult("m.wasm", "f", "wasmtime", Signature(("i32", "i32"), ("i32", "i32")), "alloc", (16, 3),
                        ResultBytes(16, b"\x00\x01A"), 0.5)
    for choice, coloured in ((ColorChoice.ALWAYS, True), (ColorChoice.NEVER, False)):
        set_color(choice)
        stdout, stderr = FakeTerminal(), FakeTerminal()
        show_result(result, "rich", stdout, stderr)
        assert (ESC in stdout.getvalue(), ESC in stderr.getvalue()) == (coloured, coloured)


@pytest.mark.parametrize(
    ("options", "coloured"), [((), True), (("--color", "never"), False)], ids=["auto", "never"]
)
def test_on_a_real_terminal(options: tuple[str, ...], coloured: bool) -> None:
    code, drawn = run_on_terminal("call", RUST, "upper_pair", "--hex", "00 01 41", *options)
    assert code == 0
    assert (ESC in drawn) is coloured
