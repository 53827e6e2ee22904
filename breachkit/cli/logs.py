"""``breachkit logs``: read the host's logs, fill the case timeline, rank what looks like an attack."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from breachkit import tables
from breachkit.errors import UsageError
from breachkit.findings import ranked
from breachkit.logs import Window, analyze
from breachkit.logs.run import LogsResult
from breachkit.logs.sigma import RuleSet, SigmaResult, load_rules, run_sigma
from breachkit.render import console, print_finding, safe
from breachkit.sources import open_source

MAX_SHOWN = 15


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "logs",
        help="read auth, syslog and web server logs (rotated ones too) and rank what looks like an attack",
        description=(
            "Parse the examined root's or bundle's logs: auth.log/secure, syslog/messages/kern.log, the systemd "
            "journal (with journalctl), cron, wtmp/btmp/utmp, lastlog, audit.log, shell histories, dpkg/apt/yum "
            "and every web access and error log the Apache or nginx configuration names (rotated and compressed "
            "files included). Finds SSH brute force, logins that do not fit, account changes, web scans, uploads "
            "without a login, webshell commands, cron jobs from temp folders and tampered login records. With "
            "--case the events go to the case's timeline table and the run is journalled. Reads the evidence only."
        ),
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--root", help="root to examine: / (this host) or a mounted image")
    where.add_argument("--bundle", help="evidence bundle written by 'breachkit collect'")
    parser.add_argument(
        "--from", dest="start", metavar="TIME", help="only events at or after TIME (ISO 8601; UTC if no zone)"
    )
    parser.add_argument("--to", dest="end", metavar="TIME", help="only events before TIME (ISO 8601; UTC if no zone)")
    parser.add_argument(
        "--clock-offset",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds to add to the host's clock to get the true time (host ran 90 s slow: 90)",
    )
    parser.add_argument("--case", type=Path, help="case folder: write events to its tables and journal the run")
    parser.add_argument(
        "--sigma",
        action="append",
        default=[],
        metavar="DIR",
        help="also run the Sigma rules (.yml) in DIR or file DIR over the parsed logs (repeatable); "
        "rules that cannot be evaluated are listed with the reason",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.set_defaults(func=run)


def parse_time(text: str | None) -> int | None:
    """ISO 8601 to UTC ns; a time without zone is UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"not an ISO 8601 time: {text!r} (example: 2026-11-21T22:00:00Z)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def run(args: argparse.Namespace) -> int:
    window = Window(parse_time(args.start), parse_time(args.end))
    rules = load_rules(args.sigma) if args.sigma else None
    sigma: SigmaResult | None = None
    source = open_source(root=args.root, bundle=args.bundle)
    try:
        if args.case is not None:
            from breachkit.case import open_or_init

            case = open_or_init(args.case)
            con = tables.connect(case.root)
            try:
                result = analyze(source, window=window, clock_offset_s=args.clock_offset, con=con)
                sigma = _run_sigma(con, result, rules)
            finally:
                con.close()
            report = case.report_dir / "logs.json"
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(
                json.dumps(to_json(result, source.label, sigma), indent=1, ensure_ascii=True), encoding="ascii"
            )
            case.journal.append(
                "logs",
                {
                    "source": source.label,
                    "from": args.start,
                    "to": args.end,
                    "clock_offset_s": args.clock_offset,
                    "events": result.events,
                    "files": len(result.files),
                    "problems": result.problems.total,
                    "findings": len(result.findings),
                    **_sigma_journal(args.sigma, sigma),
                },
                outputs=[report],
            )
        elif rules is not None:
            # Sigma reads the tables after the analysis: keep them in a scratch database until then.
            with tempfile.TemporaryDirectory(prefix="breachkit-logs-") as scratch:
                con = tables.connect(Path(scratch))
                try:
                    result = analyze(source, window=window, clock_offset_s=args.clock_offset, con=con)
                    sigma = _run_sigma(con, result, rules)
                finally:
                    con.close()
        else:
            result = analyze(source, window=window, clock_offset_s=args.clock_offset)
    finally:
        source.close()
    if args.format == "json":
        json.dump(to_json(result, source.label, sigma), sys.stdout, indent=1, ensure_ascii=True)
        sys.stdout.write("\n")
        return 0
    print_result(result, source.label, sigma)
    return 0


def _run_sigma(con: Any, result: LogsResult, rules: RuleSet | None) -> SigmaResult | None:
    """Run the Sigma rules and rank their findings with the built-in detections."""
    if rules is None:
        return None
    sigma = run_sigma(con, rules)
    result.findings = ranked(result.findings + sigma.findings)
    return sigma


def _sigma_journal(folders: list[str], sigma: SigmaResult | None) -> dict[str, Any]:
    if sigma is None:
        return {}
    return {
        "sigma_rules": folders,
        "sigma_evaluated": len(sigma.evaluated),
        "sigma_not_evaluated": len(sigma.not_evaluated),
        "sigma_findings": len(sigma.findings),
    }


def to_json(result: LogsResult, label: str, sigma: SigmaResult | None = None) -> dict[str, Any]:
    return {
        "source": label,
        "events": result.events,
        "events_by_source": result.by_source,
        "files": result.files,
        "problems": dict(result.problems.counts),
        "problem_examples": [item._asdict() for item in result.problems.items],
        "virtual_hosts": [
            {
                "server": v.server,
                "names": list(v.names),
                "document_root": v.document_root,
                "access_logs": [spec.path for spec in v.access_logs],
                "config": f"{v.config_file}:{v.config_line}",
            }
            for v in result.web.vhosts
        ],
        "findings": [finding.to_json() for finding in result.findings],
        **({"sigma": sigma.to_json()} if sigma is not None else {}),
    }


def print_result(result: LogsResult, label: str, sigma: SigmaResult | None = None) -> None:
    out = console()
    out.rule(f"breachkit logs: {safe(label)}")
    counts = ", ".join(f"{n} {name}" for name, n in sorted(result.by_source.items())) or "none"
    out.print(f"read:     {len(result.files)} log files, {result.events} events ({safe(counts)})")
    if result.problems.total:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(result.problems.counts.items()))
        out.print(f"problems: [dim]{safe(kinds)}[/] (details in --format json)")
    shown: set[tuple[str, str | None]] = set()
    for vhost in result.web.vhosts:
        if (vhost.name, vhost.document_root) in shown:
            continue  # the :80 and :443 blocks of one site
        shown.add((vhost.name, vhost.document_root))
        logs = ", ".join(spec.path for spec in vhost.access_logs)
        out.print(f"site:     {safe(vhost.name)} -> {safe(vhost.document_root or '?')}  [dim]{safe(logs)}[/]")
    if sigma is not None:
        fired = sum(1 for rule in sigma.evaluated if rule.matches)
        out.print(
            f"sigma:    {len(sigma.evaluated)} rules evaluated, {fired} matched, "
            f"{len(sigma.not_evaluated)} not evaluated"
        )
        for problem in sigma.not_evaluated[:MAX_SHOWN]:
            out.print(f"          [dim]{safe(problem.path)}: {safe(problem.kind)}: {safe(problem.detail)}[/]")
        if len(sigma.not_evaluated) > MAX_SHOWN:
            out.print(f"          … {len(sigma.not_evaluated) - MAX_SHOWN} more in --format json")
    out.print()
    if not result.findings:
        out.print("[green]No log detection fired.[/] An intruder with root can edit logs: absence is not proof.")
    for index, finding in enumerate(result.findings[:MAX_SHOWN], 1):
        print_finding(out, finding, index)
        out.print()
    hidden = len(result.findings) - MAX_SHOWN
    if hidden > 0:
        out.print(f"… {hidden} more findings in --format json")
