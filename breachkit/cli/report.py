"""``breachkit report``: the incident report of a case, as one HTML file, Markdown or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="write the incident report of a case: one self-contained HTML file, Markdown or JSON",
        description=(
            "Write the report for management, lawyers and the next responder from a case folder: a summary in "
            "plain words, how the attacker got in, the attack step by step with exact times, the attack path, "
            "the activity around the incident and the host's weekly pattern, affected sites, accounts and "
            "secrets, every finding with its evidence, indicators, the actions taken (from the journal) and the "
            "open response steps, the evidence with its hashes, and the lessons. The HTML is one file with no "
            "script and no outside resources: it opens from a USB stick and prints to PDF. Everything from the "
            "evidence is escaped. The report is written to CASE/report/report.<ext> (or --out) and journaled."
        ),
    )
    parser.add_argument("case", type=Path, help="case folder (after 'breachkit triage')")
    parser.add_argument(
        "--format", choices=("html", "md", "json"), default="html", help="report format (default: html)"
    )
    parser.add_argument(
        "--out", type=Path, help="where to write it (default: CASE/report/report.<ext>); '-' for stdout"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from breachkit.host.textsafe import printable
    from breachkit.report import gather, render, write_report

    if args.out is not None and str(args.out) == "-":
        sys.stdout.write(render(gather(args.case), args.format))
        return 0
    path = write_report(args.case, args.format, args.out)
    sys.stdout.write(f"report: {printable(str(path))}\n")
    return 0
