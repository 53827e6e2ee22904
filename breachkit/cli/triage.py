"""``breachkit triage``: the main job — collect, analyse, summarise."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from breachkit import triage
from breachkit.cli.correlate import print_story
from breachkit.render import console as make_console
from breachkit.render import print_finding, safe

MAX_SHOWN = 12
MAX_INFO = 3


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "triage",
        help="the first picture of a suspect host: collect evidence into a case and rank what looks wrong",
        description=(
            "Collect an evidence bundle of the root into a case folder (hashed, journalled), run every "
            "analysis on it and print a short ranked summary. Reads the root only; writes only the case. "
            "On a live host put the case on external media: --case /mnt/usb/case."
        ),
    )
    parser.add_argument("--root", default="/", help="root to examine: / (this host) or a mounted image (default: /)")
    parser.add_argument("--case", type=Path, help="case folder (default: ./cases/<host>-<UTC time>)")
    parser.add_argument("--examiner", help="who is doing this (default: the login name)")
    parser.add_argument("--true-time", metavar="TIME", help="the correct time now, from a trusted clock (ISO 8601)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    err = make_console(stderr=True)

    def progress(message: str) -> None:
        err.print(f"[dim]triage: {safe(message)}[/]")

    result = triage.run(
        root=args.root,
        case_dir=args.case,
        examiner=args.examiner,
        true_time=args.true_time,
        progress=None if args.format == "json" else progress,
    )
    if args.format == "json":
        sys.stdout.write(result.report.read_text(encoding="ascii"))
        return 0
    print_summary(make_console(), result)
    return 0


def print_summary(out: Console, result: triage.TriageResult) -> None:
    collection = result.collection
    out.rule(f"breachkit triage of {safe(result.host)}")
    out.print(f"root:      {safe(result.root)}")
    out.print(
        f"collected: {collection.files_walked} entries walked, {collection.files_copied} files copied "
        f"({collection.bytes_copied / 1e6:.1f} MB), {collection.warnings} warnings"
    )
    if result.warning_kinds:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(result.warning_kinds.items()))
        out.print(f"           [dim]warnings: {safe(kinds)}[/]")
    out.print(f"manifest:  sha256 {collection.manifest_sha256}")
    for run in result.analyses:
        if not run.ok:
            out.print(f"[bold red]analysis failed:[/] {safe(run.name)}: {safe(run.error)} (details in db/errors.log)")
    out.print()
    shown = [f for f in result.findings if f.severity > 0][:MAX_SHOWN]
    info = [f for f in result.findings if f.severity == 0]
    if not shown:
        out.print(
            "[green]No quick check flagged anything.[/] That is not a clean bill of health: "
            "a rootkit can hide from every check run on a live system."
        )
    for index, finding in enumerate(shown, 1):
        print_finding(out, finding, index)
    hidden = len([f for f in result.findings if f.severity > 0]) - len(shown)
    if hidden > 0:
        out.print(f"    … {hidden} more findings in the JSON results")
    if info:
        out.print()
        out.print("[dim]For orientation:[/]")
    for number, finding in enumerate(info[:MAX_INFO], len(shown) + 1):
        print_finding(out, finding, number, max_evidence=8)  # the heat map is 8 lines
    if len(info) > MAX_INFO:
        out.print(f"    … {len(info) - MAX_INFO} more notes in the JSON results")
    out.print()
    print_story(result.case.root)
    out.rule("where the full results are")
    case_path = result.case.root
    out.print(f"case folder:  {safe(case_path)}")
    if result.html_report is not None:
        out.print(f"report:       {safe(result.html_report)}  (open it in a browser; prints to PDF)")
    out.print(f"findings:     {safe(result.report)}  (JSON, every finding with all its evidence)")
    out.print(f"evidence:     {safe(result.bundle)}")
    out.print(f"journal:      {safe(case_path / 'journal.jsonl')}  (check it: breachkit case verify {safe(case_path)})")
    out.print()
    out.print(
        "Next: do not delete or 'fix' anything yet. Keep the machine off the network (or block all "
        "outbound traffic), write down what you do (breachkit case note), and read the findings above "
        "from the top."
    )
