"""Line editing for the REPL on a terminal: history across runs and tab completion.

The standard library's ``readline`` (GNU readline, or libedit on macOS) gives
both with no new dependency; ``prompt_toolkit`` would add syntax colouring
and pop-up menus, which a one-line call grammar does not need. History lives
in the user's XDG state directory (``$XDG_STATE_HOME/wasmcall/history``,
``~/.local/state`` by default), the place the XDG spec names for history.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from wasmcall.repl import Repl

HISTORY_LENGTH = 1000
VALUE_CHOICES = {
    "--ret": ("auto", "value", "ptr-len", "packed", "out", "area", "cstr", "ptr", "arg:", "from:"),
    "--packed-order": ("ptr-high", "ptr-low"),
    "--convention": ("alloc", "malloc", "canonical", "wasm-bindgen", "assemblyscript", "none"),
}


def history_path() -> Path:
    """``$XDG_STATE_HOME/wasmcall/history``, or ``~/.local/state/wasmcall/history``."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "wasmcall" / "history"


def call_options() -> list[str]:
    """Every option ``wasmcall call`` takes, except those fixed when the REPL starts."""
    import typer.main

    from wasmcall.cli import app
    from wasmcall.repl import SESSION_FLAGS

    command = typer.main.get_command(app).commands["call"]  # type: ignore[attr-defined]
    flags = [flag for param in command.params for flag in getattr(param, "opts", ()) if flag.startswith("--")]
    return sorted(flag for flag in flags if flag not in SESSION_FLAGS)


class Completer:
    """Completes export names and meta-commands first, then options, then option values."""

    def __init__(self, repl: Repl) -> None:
        self.repl = repl
        self.options = call_options()
        self.matches: list[str] = []

    def candidates(self, before: list[str]) -> list[str]:
        """What may come next after the words ``before`` the one being completed."""
        from wasmcall.repl import META_COMMANDS

        if not before:
            return [*META_COMMANDS, *self.repl.export_names()]
        if before[0] == ":mem" and len(before) == 1:
            return self.repl.global_names()
        if before[0] == ":trace" and len(before) == 1:
            return ["on", "off"]
        if before[0].startswith(":"):
            return []
        choices = VALUE_CHOICES.get(before[-1])
        return list(choices) if choices is not None else self.options

    def complete(self, text: str, state: int) -> Optional[str]:
        """readline's completer protocol: called with state 0, 1, 2 ... until it returns None."""
        import readline

        if state == 0:
            before = readline.get_line_buffer()[: readline.get_begidx()].split()
            self.matches = [c for c in self.candidates(before) if c.startswith(text)]
        return self.matches[state] if state < len(self.matches) else None


@contextmanager
def terminal_editing(repl: Repl) -> Iterator[Iterator[str]]:
    """Set up readline (history, completion) for the loop, and save the history after it."""
    from wasmcall.repl import PROMPT

    try:
        import readline
    except ImportError:  # a Python built without it (Windows): plain lines, no history
        yield typed_lines(PROMPT)
        return

    path = history_path()
    readline.set_history_length(HISTORY_LENGTH)
    with suppress(OSError):  # no history yet
        readline.read_history_file(path)
    readline.set_completer(Completer(repl).complete)
    readline.set_completer_delims(" \t\n")
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
        readline.parse_and_bind("set enable-bracketed-paste off")
    try:
        yield typed_lines(PROMPT)
    finally:
        save_history(path)


def typed_lines(prompt: str) -> Iterator[str]:
    """Lines from the terminal; Ctrl-C at the prompt clears the line, Ctrl-D ends."""
    while True:
        try:
            yield input(prompt)
        except KeyboardInterrupt:
            print()
        except EOFError:
            print()
            return


def save_history(path: Path) -> None:
    import readline

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        readline.write_history_file(path)
    except OSError as error:
        print(f"wasmcall: warning: could not save the REPL history to {path}: {error.strerror}", file=sys.stderr)
