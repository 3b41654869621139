"""The documentation cannot drift from the code.

- docs/cli.md is exactly what docs/generate_cli_reference.py builds from the Typer app;
- every command and option is in docs/cli.md and explained in docs/guide.md or README.md;
- every exit code is in docs/exit-codes.md, every JSON error kind in docs/json-output.md,
  every WASMCALL_* environment variable in docs/guide.md;
- relative links between the documents point at files and headings that exist.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import wasmcall
from wasmcall.errors import ExitCode, WasmcallError

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GENERATOR = DOCS / "generate_cli_reference.py"
CLI_MD = DOCS / "cli.md"
GUIDE = DOCS / "guide.md"
README = ROOT / "README.md"
EXIT_CODES = DOCS / "exit-codes.md"
JSON_OUTPUT = DOCS / "json-output.md"
LINKED_DOCS = [README, ROOT / "guests" / "README.md", *sorted(DOCS.glob("*.md"))]


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_cli_reference", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator()


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def mentions(text: str, word: str) -> bool:
    """``--dir`` is mentioned only by ``--dir`` itself, not by ``--dir-rw``."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def commands_and_options() -> list[tuple[str, list[str]]]:
    """(command path, its option names) for the top-level group and every command."""
    import typer.main

    from wasmcall.cli import app

    group = typer.main.get_command(app)
    root = group.context_class(group, info_name="wasmcall", **group.context_settings)
    found = [("wasmcall", option_names(group, root))]
    for name in group.list_commands(root):
        command = group.commands[name]
        ctx = group.context_class(command, parent=root, info_name=name, **command.context_settings)
        found.append((f"wasmcall {name}", option_names(command, ctx)))
    return found


def option_names(command: Any, ctx: Any) -> list[str]:
    return [
        name
        for param in command.get_params(ctx)
        if param.param_type_name == "option"
        for name in [*param.opts, *param.secondary_opts]
    ]


def error_kinds() -> dict[str, str]:
    """Every ``kind`` of every WasmcallError subclass in the package: kind -> class name."""
    for info in pkgutil.walk_packages(wasmcall.__path__, "wasmcall."):
        if info.name.endswith(".__main__"):
            continue  # importing it would run the CLI
        # the wasmer engine refuses to import where wasmer has no wheels
        with contextlib.suppress(ImportError, WasmcallError):
            importlib.import_module(info.name)
    kinds: dict[str, str] = {}
    pending: list[type] = [WasmcallError]
    while pending:
        cls = pending.pop()
        kinds.setdefault(cls.kind, cls.__name__)
        pending.extend(cls.__subclasses__())
    return kinds


def first_column(text: str, heading: str) -> list[str]:
    """The first cell of every row of the first table after ``heading``, backticks removed."""
    section = text.split(heading, 1)[1]
    cells = []
    in_table = False
    for line in section.splitlines():
        if line.startswith("|"):
            in_table = True
            cell = line.strip("|").split("|")[0].strip().strip("`")
            if cell and not set(cell) <= set("-: "):
                cells.append(cell)
        elif in_table:
            break
    return cells[1:]  # drop the header row


def test_cli_reference_is_generated_from_the_app(generator: ModuleType) -> None:
    assert read(CLI_MD) == generator.render(), (
        "docs/cli.md is stale: run python docs/generate_cli_reference.py"
    )


def test_generator_check_fails_on_a_stale_reference(tmp_path: Path) -> None:
    stale = tmp_path / "cli.md"
    stale.write_text(read(CLI_MD).replace("--expect-hex", "--expect-bytes"), encoding="utf-8")
    outcome = subprocess.run(
        [sys.executable, str(GENERATOR), "--check", "--output", str(stale)],
        capture_output=True, text=True, check=False,
    )
    assert outcome.returncode == 1
    assert "out of date" in outcome.stderr
    current = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, check=False
    )
    assert current.returncode == 0, current.stderr


def test_generator_output_is_deterministic(generator: ModuleType) -> None:
    assert generator.render() == generator.render()


def test_every_command_and_option_is_documented() -> None:
    reference = read(CLI_MD)
    explained = read(GUIDE) + read(README)
    missing = []
    for command, options in commands_and_options():
        if f"## `{command}`" not in reference:
            missing.append(f"{command}: no section in docs/cli.md")
        if command != "wasmcall" and not mentions(explained, command):
            missing.append(f"{command}: not mentioned in docs/guide.md or README.md")
        for option in options:
            if f"`{option}`" not in reference:
                missing.append(f"{command} {option}: not in docs/cli.md")
            if not mentions(explained, option):
                missing.append(f"{command} {option}: not mentioned in docs/guide.md or README.md")
    assert not missing, "undocumented:\n" + "\n".join(missing)


def test_every_exit_code_is_documented() -> None:
    documented = first_column(read(EXIT_CODES), "## Exit codes")
    expected = [str(int(code)) for code in ExitCode]
    missing = [code for code in expected if code not in documented]
    unknown = [code for code in documented if code not in expected]
    assert not missing, f"exit codes missing from docs/exit-codes.md: {missing}"
    assert not unknown, f"docs/exit-codes.md documents codes ExitCode does not have: {unknown}"


def test_every_exit_code_has_its_own_section() -> None:
    text = read(EXIT_CODES)
    missing = [int(code) for code in ExitCode if not re.search(rf"^### {int(code)}\b", text, re.M)]
    assert not missing, f"no '### N' section with an example for exit codes {missing}"


def test_every_error_kind_is_documented() -> None:
    kinds = error_kinds()
    assert {"usage", "trap", "abort", "expect"} <= set(kinds), kinds
    documented = first_column(read(JSON_OUTPUT), "## Error kinds")
    missing = [f"{kind} ({name})" for kind, name in sorted(kinds.items()) if kind not in documented]
    unknown = [kind for kind in documented if kind not in kinds]
    assert not missing, f"error kinds missing from docs/json-output.md: {missing}"
    assert not unknown, f"docs/json-output.md lists kinds no error class has: {unknown}"


def test_every_environment_variable_is_documented() -> None:
    source = "\n".join(read(path) for path in (ROOT / "wasmcall").rglob("*.py"))
    variables = sorted(set(re.findall(r"\bWASMCALL_[A-Z_]+\b", source)))
    assert variables, "expected WASMCALL_* environment variables in the code"
    guide = read(GUIDE)
    missing = [name for name in variables if not mentions(guide, name)]
    assert not missing, f"environment variables missing from docs/guide.md: {missing}"


def without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def heading_anchors(path: Path) -> set[str]:
    """GitHub's anchors for a markdown file's headings: lower case, punctuation dropped, spaces to dashes."""
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", without_code_blocks(read(path)), flags=re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("document", LINKED_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(document: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", without_code_blocks(read(document))):
        if re.match(r"[a-z]+:", target):
            continue
        name, _, fragment = target.partition("#")
        path = (document.parent / name).resolve() if name else document
        if not path.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and path.suffix == ".md" and fragment not in heading_anchors(path):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{document.name} has broken links: {broken}"
