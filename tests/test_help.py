"""Help that reads at 80 and 120 columns, a summary line that never splits a number,
and one --expect per call (a repeat is a usage error, never a silently dropped check)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from wasmcall.color import ColorChoice, set_color
from wasmcall.render import print_summary

ROOT = Path(__file__).resolve().parent.parent
RUST = ROOT / "guests" / "rust" / "memory.wasm"
BOX = re.compile(r"[│╭╮╰╯─]")
COMMANDS = ["call", "inspect", "check"]


def help_text(command: str, columns: int) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "LINES")}
    environment.update(COLUMNS=str(columns), TERM="dumb")
    done = subprocess.run(
        [sys.executable, "-m", "wasmcall", command, "--help"], capture_output=True, text=True, env=environment,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def help_words(command: str) -> set[str]:
    """Every word of every option's help text, metavar and choice: each must be shown whole."""
    import typer.main

    from wasmcall.cli import app

    group = typer.main.get_command(app)
    click_command = group.commands[command]
    words: set[str] = set()
    for param in click_command.params:
        words.update((getattr(param, "help", None) or "").split())
        words.update(getattr(getattr(param, "type", None), "choices", None) or [])
        if param.metavar:
            words.add(param.metavar)
    return {str(word).strip("().,;:") for word in words} - {""}


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", COMMANDS)
def test_help_breaks_no_word(command: str, columns: int) -> None:
    text = help_text(command, columns)
    assert max(map(len, text.splitlines())) <= columns
    shown = {word.strip("().,;:") for word in BOX.sub(" ", text).split()}
    assert sorted(help_words(command) - shown) == []
    assert "Examples:" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_usage_has_no_braces(command: str) -> None:
    usage = next(line for line in help_text(command, 80).splitlines() if "Usage:" in line)
    assert "{" not in usage and "}" not in usage
    assert {"call": "MODULE EXPORT [VALUES]", "inspect": "MODULE", "check": "FILE"}[command] in usage


@pytest.mark.parametrize("columns", [30, 40, 80])
def test_summary_line_never_splits_a_number(columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    set_color(ColorChoice.NEVER)
    try:
        stream = io.StringIO()
        summary = ("upper_pair(i32, i32) -> (i32, i32) · wasmtime · alloc convention · 11 bytes at 0x110018 · "
                   "0.099 ms")
        print_summary(summary, stream)
    finally:
        set_color(ColorChoice.AUTO)
    lines = stream.getvalue().splitlines()
    assert all(len(line) <= columns for line in lines)
    assert " ".join(line.strip() for line in lines) == summary
    for number in ("0x110018", "0.099", "11"):
        assert any(re.search(rf"(?<![\w.]){re.escape(number)}(?![\w.])", line) for line in lines), number


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--expect", "41", "--expect", "42"),
         "--expect given 2 times; a call has one result, so give it once "
         '(several result values are one: --expect "2 5 3")'),
        (("--expect-hex", "2a", "--expect-hex", "2b", "--expect-hex", "2c"),
         "--expect-hex given 3 times; a call has one result, so give it once"),
    ],
    ids=["expect", "expect-hex"],
)
def test_a_repeated_expectation_is_a_usage_error(options: tuple[str, ...], message: str, cli: Callable) -> None:
    outcome = cli("call", RUST, "add", "2", "40", *options)
    assert (outcome.code, outcome.stdout, outcome.stderr) == (2, "", f"wasmcall: error: {message}\n")


def test_one_of_each_expectation_still_checks_both(cli: Callable) -> None:
    outcome = cli("call", RUST, "upper_pair", "--hex", "ff00", "--expect", "ff00", "--expect-hex", "ff01")
    assert outcome.code == 1
    assert outcome.stderr.startswith("wasmcall: error: --expect-hex failed: results differ at byte 1")


def test_a_repeated_expectation_in_a_checks_file_is_refused(cli: Callable, tmp_path: Path) -> None:
    checks = tmp_path / "checks.toml"
    checks.write_text(f'[[check]]\nmodule = "{RUST}"\ncall = "add 2 40 --expect 41 --expect 42"\n')
    outcome = cli("check", checks)
    assert outcome.code == 2
    assert outcome.stderr.startswith(f"wasmcall: error: {checks}:3: bad call line: --expect given 2 times")
