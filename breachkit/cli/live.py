"""``breachkit live``: what the running system shows right now (processes, connections, kernel)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from breachkit.errors import UsageError
from breachkit.findings import Finding
from breachkit.live import analyze, from_bundle, from_host
from breachkit.live.state import LiveState
from breachkit.render import console, print_finding, safe
from breachkit.sources.bundle import BundleSource


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "live",
        help="check the running system: hidden or deleted-binary processes, odd listeners, floods, rootkit modules",
        description=(
            "Read this host's processes, sockets and kernel modules from /proc and /sys (never from ps, "
            "netstat or lsmod, which an intruder may have replaced) and rank what looks wrong. Changes "
            "nothing. With --bundle, check the live state a collection saved instead. For evidence that "
            "holds up later, run 'breachkit collect' or 'breachkit triage' (they save the same state)."
        ),
    )
    parser.add_argument("--bundle", type=Path, help="check the live/ tables of a collected bundle instead of this host")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.add_argument(
        "--case", type=Path, help="case folder: save the findings in its report folder and journal them"
    )
    parser.add_argument(
        "--no-tools", action="store_true", help="do not run the host's ps, firewall or bpftool listings as cross-checks"
    )
    parser.set_defaults(func=run)


def load(args: argparse.Namespace) -> LiveState:
    if args.bundle is not None:
        source = BundleSource(args.bundle)
        try:
            return from_bundle(args.bundle, source)
        finally:
            source.close()
    if sys.platform != "linux":
        raise UsageError("live checks read /proc: run them on the Linux host itself, or give --bundle")
    return from_host(run_tools=not args.no_tools)


def run(args: argparse.Namespace) -> int:
    state = load(args)
    findings = analyze(state)
    document = _document(state, findings)
    if args.case is not None:
        _save(args.case, document, state)
    if args.format == "json":
        sys.stdout.write(json.dumps(document, ensure_ascii=True, indent=2, sort_keys=True) + "\n")
        return 0
    out = console()
    out.rule(f"breachkit live: {safe(state.label)}")
    if state.missing:
        out.print(f"[yellow]{safe(state.missing)}[/]")
        return 0
    out.print(
        f"{len(state.processes)} processes, {len(state.sockets)} sockets, {len(state.modules)} modules; "
        f"{len(state.warnings) + len(state.bad_lines)} problems reading them"
    )
    privileges = state.summary.get("privileges")
    if privileges or state.summary.get("euid", 0) != 0:
        out.print(f"[yellow]{safe(privileges or 'not root: other users’ processes were only partly read')}[/]")
    out.print()
    if not any(f.severity > 0 for f in findings):
        out.print(
            "[green]No live check flagged anything.[/] A kernel rootkit can hide from every check run on "
            "the system itself; a memory image analysed elsewhere is the stronger test."
        )
    for index, finding in enumerate(findings, 1):
        print_finding(out, finding, index)
    return 0


def _document(state: LiveState, findings: list[Finding]) -> dict[str, Any]:
    return {
        "source": state.label,
        "missing": state.missing,
        "counts": {
            "processes": len(state.processes),
            "sockets": len(state.sockets),
            "modules": len(state.modules),
            "hidden": len(state.hidden),
            "read_problems": len(state.warnings),
            "malformed_lines": len(state.bad_lines),
        },
        "privileges": state.summary.get("privileges"),
        "findings": [finding.to_json() for finding in findings],
    }


def _save(case_dir: Path, document: dict[str, Any], state: LiveState) -> None:
    from breachkit.case import open_or_init

    case = open_or_init(case_dir)
    case.report_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(tz=timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    report = case.report_dir / f"live-{stamp}.json"
    report.write_text(json.dumps(document, ensure_ascii=True, indent=2, sort_keys=True) + "\n", encoding="ascii")
    case.journal.append(
        "live",
        {"source": state.label, "counts": document["counts"], "findings": len(document["findings"])},
        outputs=[report],
    )
