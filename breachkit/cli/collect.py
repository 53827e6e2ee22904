"""``breachkit collect``: an evidence bundle of a root, optionally journalled in a case."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from breachkit.host.cli import add_collect_arguments, run_collect
from breachkit.host.textsafe import printable


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "collect",
        help="collect an evidence bundle (file walk, logs, configuration) without changing the root",
        description=(
            "Collect an evidence bundle from a root: the metadata of every file (all four times, "
            "to the nanosecond), copies of logs, configuration, crontabs, keys and histories, a "
            "SHA-256 manifest and an acquisition log. The same code runs from breachkit-collect.pyz."
        ),
    )
    add_collect_arguments(parser)
    parser.add_argument(
        "--case", type=Path, help="case folder: journal the collection and store the bundle as evidence"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    status = run_collect(args)
    if args.case is not None:
        from breachkit.case import open_or_init

        case = open_or_init(args.case, examiner=args.examiner)
        stored = case.add_bundle(Path(args.out))
        print(f"stored in case: {printable(str(stored.stored_at))}")
    return status
