"""docs/cli-reference.md, generated from the parsers' own ``--help``.

The docs cannot drift from the code: ``python3 scripts/cli_reference.py``
rewrites the file and a test fails when it is out of date.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator

from breachkit.cli.main import build_parser

WIDTH = "100"


def _commands(parser: argparse.ArgumentParser, prefix: str) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, f"{prefix} {name}")


def commands() -> list[tuple[str, argparse.ArgumentParser]]:
    """Every command and sub-command, with its parser, in ``--help`` order."""
    return list(_commands(build_parser(), "breachkit"))


def render() -> str:
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        parts = [
            "# Command reference\n",
            "Generated from `--help` by `python3 scripts/cli_reference.py`; do not edit by hand.\n",
        ]
        for name, parser in commands():
            parts.append(f"## `{name}`\n\n```\n{parser.format_help().rstrip()}\n```\n")
        return "\n".join(parts)
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
