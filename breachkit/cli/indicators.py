"""``breachkit indicators``: the case's indicators of compromise, for hunting elsewhere."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from breachkit.render import console as make_console
from breachkit.render import safe

FORMATS = ("table", "json", "csv", "stix", "loki")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "indicators",
        help="list and export the case's indicators (hashes, paths, names, IPs, URLs, user agents)",
        description=(
            "Take indicators of compromise from the case's findings (medium and above only, so benign noise "
            "stays out) and from its tables: file hashes, paths and names of the attacker's files, the IP "
            "addresses, URLs, domains and user agents in the evidence. Export them as CSV, JSON, a STIX 2.1 "
            "bundle or Loki IOC files (hash-iocs.txt, filename-iocs.txt), to check other hosts and backups with "
            "'breachkit hunt' or another tool. Every indicator says which finding it came from and why."
        ),
    )
    parser.add_argument("case", type=Path, help="case folder")
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default: table; loki writes two files)"
    )
    parser.add_argument("--out", type=Path, help="write to this file (for loki: this folder) instead of the terminal")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from breachkit.case import Case
    from breachkit.errors import UsageError
    from breachkit.indicators import export, extract

    case = Case.open(args.case)
    result = extract(case.root)
    items = result.indicators
    meta = {"case_id": case.info.case_id, "case_name": case.info.name, "created_utc": case.info.created_utc}
    details: dict[str, Any] = {
        "format": args.format,
        "indicators": len(items),
        "by_kind": _by_kind(items),
        "findings_read": result.findings_read,
        "findings_used": result.findings_used,
        "problems": result.problems[:20],
    }
    if args.out is not None:
        if args.format == "table":
            raise UsageError("--out needs a file format: --format csv, json, stix or loki")
        written = export.write(items, args.format, args.out, **meta)
        case.journal.append("indicators.export", details, outputs=written)
        err = make_console(stderr=True)
        err.print(f"{len(items)} indicators written to " + ", ".join(safe(p) for p in written))
        return 0
    if args.format == "table":
        text = _table(items, result.problems, result.findings_used)
    else:
        text = export.render(items, args.format, **meta)
        shown = text
        if sys.stdout.isatty():
            # CSV keeps evidence text as it is (an ESC in a file name stays an ESC); a terminal must not get it raw.
            from breachkit.host.textsafe import printable

            shown = "\n".join(printable(line) for line in text.split("\n"))
        sys.stdout.write(shown)
    details["sha256"] = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
    case.journal.append("indicators.show", details)
    return 0


def _by_kind(items: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return counts


def _table(items: list[Any], problems: list[str], used: int) -> str:
    out = make_console()
    out.rule("breachkit indicators")
    if not items:
        out.print(
            "No indicators: no finding at medium or above named a file, hash or address. "
            "Run 'breachkit triage' or 'breachkit scan --case' first."
        )
    for item in items:
        out.print(f"[bold]{item.kind:<10}[/] {safe(item.value)}")
        where = f" ({safe(item.evidence_path)})" if item.evidence_path and item.evidence_path != item.value else ""
        out.print(f"    [dim]{item.severity}, {item.confidence:.2f}: {safe(item.reason)}{where}[/]")
    for problem in problems:
        out.print(f"[yellow]not read[/] {safe(problem)}")
    out.print(f"\n{len(items)} indicators from {used} findings. Export: --format csv|json|stix|loki --out PATH")
    data = json.dumps([i.to_json() for i in items], sort_keys=True)
    return data
