"""``breachkit hunt``: look for a case's indicators on another host, in a bundle or in backups."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from breachkit.render import console as make_console
from breachkit.render import print_finding, safe

MAX_SHOWN = 30


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "hunt",
        help="sweep another host, a bundle or backup archives for the case's indicators; find the newest clean backup",
        description=(
            "Check a root (/ or a mounted image), an evidence bundle or backup archives (.tar, .tar.gz, .tgz, "
            ".tar.xz, .tar.bz2, .zip, read as streams and never extracted) for indicators: file hashes, the "
            "attacker's paths and file names, and IP addresses, URLs and user agents in text files such as logs. "
            "With several archives it names the newest one that is still clean (by the date in its name, else "
            "its modification time): the backup to restore from. IOC files are the JSON or CSV that 'breachkit "
            "indicators' writes, or Loki hash-iocs.txt / filename-iocs.txt lists."
        ),
    )
    parser.add_argument(
        "--iocs", action="append", type=Path, required=True, metavar="FILE", help="IOC file; repeatable"
    )
    parser.add_argument("--root", help="root to sweep: / (this host) or a mounted image")
    parser.add_argument("--bundle", help="an evidence bundle written by 'breachkit collect'")
    parser.add_argument(
        "--archive", action="append", type=Path, default=[], metavar="FILE", help="backup archive; repeatable"
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.add_argument("--case", type=Path, help="case folder: store the result in its report folder and journal it")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from breachkit.errors import UsageError
    from breachkit.indicators.hunt import hunt, load_iocs

    if args.root is None and args.bundle is None and not args.archive:
        raise UsageError("say what to sweep: --root DIR, --bundle DIR or --archive FILE (repeatable)")
    iocs = load_iocs(list(args.iocs))
    err = make_console(stderr=True)
    if args.format != "json":
        err.print(f"[dim]hunting with {iocs.count} indicators[/]")
    result = hunt(iocs, root=args.root, bundle=args.bundle, archives=list(args.archive))
    data = result.to_json()
    if args.case is not None:
        _journal(args, data, result)
    if args.format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=True, indent=2, sort_keys=True) + "\n")
        return 0
    out = make_console()
    out.rule("breachkit hunt")
    for problem in iocs.problems:
        out.print(f"[yellow]IOC not used[/] {safe(problem)}")
    style = {"clean": "green", "infected": "bold red", "incomplete": "yellow"}
    for target in result.targets:
        strong = sum(1 for hit in target.hits if hit.strength != "weak")
        out.print(
            f"[{style[target.status]}]{target.status.upper():<10}[/] {target.kind} {safe(target.path)}: "
            f"{target.members} entries, {target.files_hashed} files hashed, {strong} hits"
            + (f", {len(target.hits) - strong} weak" if len(target.hits) > strong else "")
            + (f", {len(target.warnings)} warnings" if target.warnings else "")
        )
        for warning in target.warnings[:3]:
            out.print(f"    [dim]{safe(warning.kind)} {safe(warning.member)}: {safe(warning.detail)}[/]")
    out.print()
    found = result.findings()
    for index, finding in enumerate(found[:MAX_SHOWN], 1):
        print_finding(out, finding, index)
    if len(found) > MAX_SHOWN:
        out.print(f"… {len(found) - MAX_SHOWN} more: use --format json")
    if not found:
        out.print("[green]No indicator found.[/] Only what the indicators describe was looked for.")
    return 0


def _journal(args: argparse.Namespace, data: dict[str, Any], result: Any) -> None:
    from breachkit.case import open_or_init
    from breachkit.case.journal import file_sha256

    case = open_or_init(args.case)
    case.report_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = case.report_dir / f"hunt-{stamp}.json"
    number = 1
    while path.exists():
        number += 1
        path = case.report_dir / f"hunt-{stamp}-{number}.json"
    path.write_text(json.dumps(data, ensure_ascii=True, indent=2, sort_keys=True) + "\n", encoding="ascii")
    iocs: list[dict[str, str | None]] = []
    for ioc in args.iocs:
        try:
            iocs.append({"path": str(ioc), "sha256": file_sha256(ioc)[0]})
        except OSError:
            iocs.append({"path": str(ioc), "sha256": None})
    newest = result.newest_clean
    case.journal.append(
        "hunt",
        {
            "iocs": iocs,
            "indicators": result.iocs.count,
            "targets": [
                {
                    "kind": t.kind,
                    "path": t.path,
                    "status": t.status,
                    "hits": len(t.hits),
                    "members": t.members,
                    "files_hashed": t.files_hashed,
                    "incomplete": t.incomplete,
                }
                for t in result.targets
            ],
            "newest_clean": newest.path if newest else None,
        },
        outputs=[path],
    )
