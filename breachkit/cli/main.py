"""Entry point of the ``breachkit`` command."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from breachkit import __version__
from breachkit.errors import BreachkitError
from breachkit.host.textsafe import printable

#: Sub-command modules, in the order ``--help`` lists them. A static list, not
#: discovery: adding a command is one line here and one module.
COMMAND_MODULES = (
    "breachkit.cli.triage",
    "breachkit.cli.case",
    "breachkit.cli.collect",
    "breachkit.cli.live",
    "breachkit.cli.timeline",
    "breachkit.cli.correlate",
    "breachkit.cli.logs",
    "breachkit.cli.packages",
    "breachkit.cli.baseline",
    "breachkit.cli.scan",
    "breachkit.cli.allowlist",
    "breachkit.cli.indicators",
    "breachkit.cli.hunt",
    "breachkit.cli.playbook",
    "breachkit.cli.report",
    "breachkit.cli.build_collector",
    "breachkit.cli.demo",
)


def command_name(module: str) -> str:
    """The command a module registers: ``breachkit.cli.build_collector`` -> ``build-collector``."""
    return module.rsplit(".", 1)[-1].replace("_", "-")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of the one command ``only`` (the others are not imported)."""
    parser = argparse.ArgumentParser(
        prog="breachkit",
        description=(
            "Incident response for a hacked Linux server. Start with "
            "'breachkit triage' (this machine) or 'breachkit demo' (a built-in example)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"breachkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        if only is None or command_name(name) == only:
            importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    # Importing every command costs a few tenths of a second (the analyses behind them); a run of
    # one command imports only that one. Help and errors without a command get the full parser.
    first = args_in[0] if args_in else ""
    known = {command_name(name) for name in COMMAND_MODULES}
    parser = build_parser(only=first if first in known else None)
    args = parser.parse_args(args_in)
    func = getattr(args, "func", None)
    if func is None:
        build_parser().print_help()
        return 2
    try:
        return int(func(args) or 0)
    except BreachkitError as exc:
        # Messages can quote names from the evidence: escape them like everything else.
        print(f"breachkit: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("breachkit: interrupted", file=sys.stderr)
        return 130
