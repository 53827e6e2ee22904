"""``breachkit correlate CASE``: how they got in and what they did — the story, entry point, addresses, sites."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from breachkit.case import Case
from breachkit.correlate import REPORT_NAME, Correlation, correlate, write_report
from breachkit.correlate.links import DEFAULT_SKEW_S
from breachkit.errors import UsageError
from breachkit.render import console as make_console
from breachkit.render import safe
from breachkit.sources.root import RootSource


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "correlate",
        help="how they got in and what they did: the attack story, entry point, addresses and affected sites",
        description=(
            "Correlate a case after 'breachkit triage': tie each suspicious file to the web request that "
            "created it (a POST or PUT to a script of the same site, or a command sent through a dropped "
            "script, logged within --skew seconds before the file's birth time) and to the requests that "
            "used it later; follow the addresses involved across every site and log, list what the web "
            "server account wrote in the attack window, rank the likely entry point and tell the attack as "
            "a story with exact times in UTC and the host's zone. With missing logs, birth times or web "
            "configuration it says what it could not establish. Writes report/correlation.json and "
            "journals it."
        ),
    )
    parser.add_argument("case", type=Path, help="case folder (after 'breachkit triage')")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.add_argument(
        "--skew",
        type=float,
        default=DEFAULT_SKEW_S,
        metavar="SECONDS",
        help=f"how long before a file's time its creating request may be logged (default: {DEFAULT_SKEW_S:g})",
    )
    parser.add_argument(
        "--root",
        help="the examined root (mounted image, read-only): read the web server configuration from it "
        "instead of the case's bundle",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.skew <= 3600:
        raise UsageError("--skew must be between 0 and 3600 seconds")
    case = Case.open(args.case)
    source = RootSource(args.root) if args.root else None
    try:
        result = correlate(case.root, skew_s=args.skew, source=source)
    finally:
        if source is not None:
            source.close()
    report = write_report(case.root, result)
    case.journal.append(
        "correlate",
        {
            "skew_seconds": args.skew,
            "links": len(result.links),
            "linked": sum(1 for link in result.links if link.creator is not None),
            "addresses": list(result.attacker_addresses),
            "entry_point": result.entry_points[0].request.where if result.entry_points else None,
            "gaps": len(result.gaps),
        },
        outputs=[report],
    )
    if args.format == "json":
        data = result.to_json()
        data["report"] = str(report)
        sys.stdout.write(json.dumps(data, ensure_ascii=True, indent=2, sort_keys=True) + "\n")
    else:
        print_correlation(result, report)
    return 0


def print_correlation(result: Correlation, report: Path | None = None) -> None:
    out = make_console()
    out.print(f"[bold]The attack[/] (times in UTC and in the host's zone, {safe(result.zone)})")
    if not result.story:
        out.print("  no story could be told: see what could not be established below")
    for line in result.story:
        out.print(f"  {safe(line.utc)}  [dim]({safe(line.local)})[/]  {safe(line.text)}")
        if line.refs:
            out.print(f"      [dim]{safe(', '.join(line.refs))}[/]")
    out.print()
    out.print("[bold]Entry point[/]")
    if result.entry_points:
        for rank, candidate in enumerate(result.entry_points[:3], 1):
            request = candidate.request
            out.print(
                f"  {rank}. {safe(request.method)} {safe(request.target)} from {safe(request.ip)}"
                + (f" on {safe(request.site)}" if request.site else "")
                + f"  (score {candidate.score})"
            )
            out.print(f"     [dim]{safe(request.where)}[/]; created {safe(candidate.created)}")
            for reason in candidate.reasons:
                out.print(f"     - {safe(reason)}")
    else:
        out.print("  not established")
    out.print()
    out.print("[bold]Addresses[/]")
    for address in result.addresses:
        if address.role == "mentioned":
            out.print(f"  {safe(address.ip)}  named in {len(address.mentioned_in)} command(s) sent through a webshell")
            continue
        auth = ", ".join(f"{k} x{v}" for k, v in address.auth.items()) or "no auth-log events"
        out.print(
            f"  {safe(address.ip)}  {address.requests} web request(s) on {safe(', '.join(address.sites) or '-')}, "
            f"{address.errors} failed; {safe(auth)}; {'logged in' if address.logged_in else 'never logged in'}"
        )
    if not result.addresses:
        out.print("  none established")
    out.print()
    affected = result.affected_sites
    out.print("[bold]Affected sites[/]: " + (safe(", ".join(affected)) if affected else "none mapped"))
    out.print()
    out.print("[bold]Files of the attack[/]")
    attack = result.attack_links
    for link in attack:
        state = f"created by {safe(link.creator.where)}" if link.creator is not None else "no creating request found"
        out.print(f"  {safe(link.file.path)}  [dim]{state}; {link.later_count} later request(s)[/]")
    if not attack:
        out.print("  none")
    others = [link for link in result.links if link not in attack]
    if others:
        out.print(
            f"  [dim]{len(others)} more file(s) named by medium findings are not tied to the attack "
            "(see the JSON results)[/]"
        )
    if result.service_changes:
        out.print()
        out.print(f"[bold]Written by the web server account in the window[/] ({result.service_changes_total})")
        for change in result.service_changes[:20]:
            out.print(f"  {safe(change.path)}  [dim]{safe(change.what)}[/]")
    if result.gaps:
        out.print()
        out.print("[bold]Could not establish[/]")
        for gap in result.gaps:
            out.print(f"  - {safe(gap)}")
    if report is not None:
        out.print()
        out.print(f"Full results: {safe(report)}")


def print_story(case_root: Path, limit: int = 15) -> bool:
    """The end of ``breachkit triage``: the story from ``report/correlation.json`` and where the reports are.

    Returns False (and prints nothing) when the case has no correlation yet.
    """
    report = Path(case_root) / "report" / REPORT_NAME
    try:
        data = json.loads(report.read_text(encoding="ascii"))
        story = [(str(line["utc"]), str(line["local"]), str(line["text"])) for line in data.get("story", [])]
        entry = data.get("entry_points") or []
    except (OSError, ValueError, KeyError, TypeError):
        return False
    out = make_console()
    out.print()
    out.print("[bold]What happened[/] (times in UTC, and in the host's zone)")
    if not story:
        out.print("  no attack story could be established: see 'breachkit correlate' for what is missing")
    for utc, local, text in story[:limit]:
        out.print(f"  {safe(utc)}  [dim]({safe(local)})[/]  {safe(text)}")
    if len(story) > limit:
        out.print(f"  … {len(story) - limit} more step(s): breachkit correlate {safe(case_root)}")
    if entry:
        request = entry[0]["request"]
        out.print(
            f"[bold]Likely entry point[/]: {safe(request['method'])} {safe(request['path'])} from {safe(request['ip'])}"
        )
    out.print(f"Reports: {safe(report)} and {safe(report.with_name('triage.json'))}")
    return True
