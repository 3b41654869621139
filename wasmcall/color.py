"""Whether output is coloured: ``--color auto|always|never``, ``NO_COLOR`` and ``FORCE_COLOR``.

One rule for every channel that can carry colour (results on stdout, the
summary line and the checks report on stderr), so a CI log and a terminal
agree: ``--color always`` or ``never`` wins; otherwise a non-empty ``NO_COLOR``
turns colour off (https://no-color.org), a non-empty ``FORCE_COLOR`` turns it
on (CI systems set it for their log viewers), and else a stream is coloured
when it is a terminal. rich is told the decision outright, so its own reading
of the environment never disagrees with ours.

Colour never changes what is shown, only how: a piped text result stays its
exact bytes, and error lines stay plain so that logs can be grepped.
"""

from __future__ import annotations

import os
from enum import Enum
from typing import IO, Any

from wasmcall.terminal import is_terminal


class ColorChoice(str, Enum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


_choice = ColorChoice.AUTO


def set_color(choice: ColorChoice) -> None:
    """What the command line asked for; the library's default is ``auto``."""
    global _choice
    _choice = ColorChoice(choice)


def wants_color(stream: Any) -> bool:
    """Whether to colour what goes to ``stream``, by the rule in this module's docstring."""
    if _choice is not ColorChoice.AUTO:
        return _choice is ColorChoice.ALWAYS
    if os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("FORCE_COLOR", ""):
        return True
    return is_terminal(stream)


def make_console(stream: IO[str]) -> Any:
    """A rich Console on ``stream`` that colours exactly when ``wants_color`` says so."""
    from rich.console import Console

    if wants_color(stream):
        return Console(file=stream, highlight=False, force_terminal=True, no_color=False)
    return Console(file=stream, highlight=False, color_system=None, no_color=True,
                   force_terminal=is_terminal(stream))
