"""``breachkit scan``: webshells, backdoors, dropped tools and persistence, with evidence."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from breachkit.errors import UsageError
from breachkit.render import console as make_console
from breachkit.render import print_finding, safe

MAX_SHOWN = 25


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="find webshells, backdoors, dropped tools and persistence (YARA, IOCs, context)",
        description=(
            "Scan a root or an evidence bundle for webshells, backdoors, reverse shells, miners, DoS bots, "
            "disguised files and web-server handler tampering (built-in YARA rules plus your own), hash and "
            "file-name indicators, and for persistence: cron and at jobs, systemd units, rc.local, shell "
            "start-up files, SSH keys and sshd settings, ld.so.preload, PAM, sudoers, accounts, kernel module "
            "and udev hooks, git hooks. Nothing is changed, quarantined or deleted."
        ),
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--root", help="root to examine: / (this host) or a mounted image")
    where.add_argument("--bundle", help="an evidence bundle written by 'breachkit collect'")
    parser.add_argument(
        "--rules",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="extra folder (or file) of YARA rules; repeatable; rules that fail to compile are reported, the rest run",
    )
    parser.add_argument(
        "--iocs",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="IOC list: 'HASH;COMMENT' lines or 'REGEX;SCORE[;FP_REGEX]' lines; repeatable",
    )
    parser.add_argument(
        "--allowlist",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="allowlist of clean release files from 'breachkit allowlist build'; repeatable",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="scan every regular file (default: web roots, temp and home folders, /srv, /opt, /usr/local, spools, start-up folders)",
    )
    parser.add_argument(
        "--since",
        metavar="TIME",
        help="start of the incident window (ISO 8601, UTC if no zone): files born then score higher",
    )
    parser.add_argument("--until", metavar="TIME", help="end of the incident window (default: now)")
    parser.add_argument("--no-persistence", action="store_true", help="scan files only, skip the persistence checks")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core, at most 4)")
    parser.add_argument("--explain", metavar="PATH", help="explain the verdict on one host path, whatever its score")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.add_argument(
        "--case", type=Path, help="case folder: store the results in its report folder and journal them"
    )
    parser.set_defaults(func=run)


def _ns(text: str) -> int:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"cannot read the time {text!r}: give ISO 8601, e.g. 2026-11-21T22:00:00Z") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1_000_000_000)


def _window(args: argparse.Namespace) -> tuple[int, int] | None:
    if args.since is None:
        if args.until is not None:
            raise UsageError("--until needs --since")
        return None
    end = _ns(args.until) if args.until else int(datetime.now(tz=timezone.utc).timestamp() * 1_000_000_000)
    return _ns(args.since), end


def run(args: argparse.Namespace) -> int:
    from breachkit.sources import open_source

    source = open_source(root=args.root, bundle=args.bundle)
    try:
        if args.explain:
            return _explain(args, source)
        return _scan(args, source)
    finally:
        source.close()


def _explain(args: argparse.Namespace, source: Any) -> int:
    from breachkit.detect import allowlist, iocs
    from breachkit.detect.context import load_context
    from breachkit.detect.explain import explain, to_finding
    from breachkit.detect.filescan import ScanOptions, scan_path
    from breachkit.detect.scanner import compile_rules

    ruleset = compile_rules(list(args.rules))
    options = ScanOptions(
        rules=ruleset,
        iocs=iocs.load(list(args.iocs)),
        allowlist=allowlist.load(list(args.allowlist)),
        context=load_context(source, _window(args)),
    )
    verdict, warnings, skipped = scan_path(source, args.explain, options)
    data = explain(verdict, skipped)
    data["warnings"] = [w._asdict() for w in warnings]
    if args.format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=True, indent=2, sort_keys=True) + "\n")
        return 0
    out = make_console()
    out.rule(f"breachkit scan --explain {safe(args.explain)}")
    if verdict is None:
        out.print(f"not scanned: {safe(skipped)}")
        for warning in warnings:
            out.print(f"  [dim]{safe(warning.kind)}: {safe(warning.detail)}[/]")
        return 0
    out.print(f"score {verdict.score} ({verdict.severity}), content {safe(verdict.content_type)}, {verdict.size} bytes")
    out.print(f"sha256 {verdict.sha256 or '(not hashed: ' + safe(verdict.partial) + ')'}")
    for rule in data["rules"]:
        out.print(f"  rule [bold]{safe(rule['rule'])}[/] (+{rule['score']}): {safe(rule['description'])}")
        for string in rule["strings"]:
            out.print(f"      {safe(string['id'])} at offset {string['offset']}: [dim]{safe(string['excerpt'])}[/]")
    for item in data["signals"]:
        out.print(f"  signal (+{item['points']}): {safe(item['reason'])}")
    for item in data["context"]:
        out.print(f"  context (+{item['points']}): {safe(item['reason'])}")
    if not data["rules"] and not data["signals"]:
        out.print("[green]No rule, indicator or heuristic matched.[/]")
    if verdict.score >= options.min_score:
        out.print()
        print_finding(out, to_finding(verdict), 1)
    return 0


def _scan(args: argparse.Namespace, source: Any) -> int:
    from breachkit.detect import scan

    err = make_console(stderr=True)
    if args.format != "json":
        err.print(f"[dim]scanning {safe(source.label)}[/]")
    result = scan(
        source,
        rules=list(args.rules),
        iocs=list(args.iocs),
        allowlists=list(args.allowlist),
        window=_window(args),
        scope="all" if args.all else "drop-zones",
        persistence=not args.no_persistence,
        jobs=args.jobs,
    )
    data = result.to_json()
    data["source"] = source.label
    if args.case is not None:
        _journal(args, data)
    if args.format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=True, indent=2, sort_keys=True) + "\n")
        return 0
    out = make_console()
    out.rule(f"breachkit scan of {safe(source.label)}")
    report = result.report
    out.print(
        f"{report.files_scanned} files scanned ({report.bytes_read / 1e6:.1f} MB) with {result.rule_files} rule files "
        f"({safe(result.engine)}); {sum(report.skipped.values())} skipped, {data['warnings']} warnings"
    )
    if report.skipped:
        out.print("[dim]skipped: " + safe(", ".join(f"{n} {why}" for why, n in sorted(report.skipped.items()))) + "[/]")
    for problem in result.rule_problems:
        where = f"{problem.file}:{problem.line}" if problem.line else problem.file
        out.print(f"[yellow]rule not used[/] {safe(where)}: {safe(problem.detail)}")
    for ioc_problem in result.ioc_problems:
        out.print(
            f"[yellow]IOC line not used[/] {safe(ioc_problem.file)}:{ioc_problem.line}: {safe(ioc_problem.detail)}"
        )
    out.print()
    shown = [f for f in result.findings if f.severity > 0]
    if not shown:
        out.print("[green]Nothing flagged.[/] That is not a clean bill of health: rules only find what they describe.")
    for index, finding in enumerate(shown[:MAX_SHOWN], 1):
        print_finding(out, finding, index)
    if len(shown) > MAX_SHOWN:
        out.print(f"… {len(shown) - MAX_SHOWN} more findings: use --format json")
    info = len(result.findings) - len(shown)
    if info:
        out.print(f"[dim]{info} informational finding(s) (e.g. every SSH key) in --format json[/]")
    out.print("\nNothing was changed or deleted. Keep flagged files as evidence until the host is rebuilt.")
    return 0


def _journal(args: argparse.Namespace, data: dict[str, Any]) -> None:
    from breachkit.case import open_or_init

    case = open_or_init(args.case)
    case.report_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = case.report_dir / f"scan-{stamp}.json"
    number = 1
    while path.exists():
        number += 1
        path = case.report_dir / f"scan-{stamp}-{number}.json"
    path.write_text(json.dumps(data, ensure_ascii=True, indent=2, sort_keys=True) + "\n", encoding="ascii")
    severities: dict[str, int] = {}
    for finding in data["findings"]:
        severities[finding["severity"]] = severities.get(finding["severity"], 0) + 1
    case.journal.append(
        "scan",
        {
            "source": data["source"],
            "files_scanned": data["files_scanned"],
            "findings": len(data["findings"]),
            "by_severity": severities,
            "rule_problems": len(data["rule_problems"]),
        },
        outputs=[path],
    )
