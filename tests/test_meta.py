"""Conventions that keep the project honest: docs match the code, every command explains itself."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

from breachkit.cli.reference import commands, render

REPO = Path(__file__).resolve().parent.parent


def test_cli_reference_is_current() -> None:
    current = (REPO / "docs/cli-reference.md").read_text(encoding="utf-8")
    assert current == render(), "run: python3 scripts/cli_reference.py"


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, parser in commands():
        assert parser.description or parser.format_usage(), name
        if name.count(" ") == 1:  # top-level commands are introduced in the README
            assert f"`{name}" in readme, f"{name} is missing from the README's command table"
        for action in parser._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"{name} {action.option_strings} has no help text"


def test_host_half_imports_only_the_standard_library() -> None:
    allowed_prefixes = ("breachkit.host", ".")
    for path in (REPO / "breachkit/host").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                assert not node.module.startswith("breachkit") or node.module.startswith(allowed_prefixes), path
                assert node.module.split(".")[0] not in {"rich", "cryptography", "duckdb", "jinja2"}, path
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in {"rich", "cryptography", "duckdb", "jinja2"}, path


def test_every_module_has_a_docstring() -> None:
    for path in (REPO / "breachkit").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if path.name == "__main__.py":
            continue
        assert ast.get_docstring(tree), f"{path.relative_to(REPO)} has no module docstring"


def test_each_command_module_registers_the_command_its_name_says() -> None:
    """``main`` imports only the module of the command it runs, found by this name."""
    from breachkit.cli.main import COMMAND_MODULES, build_parser, command_name

    for module in COMMAND_MODULES:
        parser = build_parser(only=command_name(module))
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        assert list(commands.choices) == [command_name(module)], module
