"""``breachkit packages verify``: installed files against the package manager's checksums, no baseline needed."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.progress import Progress, TextColumn, TimeElapsedColumn

from breachkit.integrity import findings, verify_packages
from breachkit.integrity.report import PackageReport
from breachkit.render import console, print_finding, safe
from breachkit.sources import open_source

MAX_LINES = 200


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "packages",
        help="verify installed files against the package manager's checksums (no baseline needed)",
        description="Package-level integrity checks of an examined root or bundle.",
    )
    actions = parser.add_subparsers(dest="packages_command", metavar="ACTION")
    verify = actions.add_parser(
        "verify",
        help="which system files are not what the vendor shipped (like debsums / rpm -Va, read-only)",
        description=(
            "Hash every file dpkg or rpm installed and compare it with the package database (dpkg md5sums "
            "and conffiles; rpm's rpmdb.sqlite, Berkeley DB Packages or NDB Packages.db, read without rpm: "
            "digests, sizes, modes, owners, mtimes, link targets), with rpm -V "
            "flags S.5.L.UGTP; list files in system folders no package owns and packages without checksums. "
            "--trusted-debs re-derives every expectation from .deb archives, because root can rewrite the "
            "local md5sums. Exit status: 0 nothing differs, 1 something differs."
        ),
    )
    where = verify.add_mutually_exclusive_group(required=True)
    where.add_argument("--root", help="root to examine: / (this host) or a read-only mounted image")
    where.add_argument("--bundle", help="evidence bundle (only copied files can be compared)")
    verify.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    verify.add_argument(
        "--trusted-debs",
        type=Path,
        metavar="DIR",
        help="folder of .deb files of the installed versions, fetched on a clean machine",
    )
    verify.add_argument(
        "--workers", type=int, help="hashing processes (default: 4 per CPU, at most 16; 1: hash in this process)"
    )
    verify.add_argument("--no-unowned", action="store_true", help="skip the search for files no package owns")
    verify.add_argument("--case", type=Path, help="case folder: save the report and journal it")
    verify.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    source = open_source(root=args.root, bundle=args.bundle)
    err = console(stderr=True)
    bar = Progress(
        TextColumn("[bold]packages verify[/]"),
        TextColumn("{task.completed} files"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=args.format == "json" or not err.is_terminal,
    )
    try:
        with bar:
            task = bar.add_task("verify", total=None)
            report = verify_packages(
                source,
                trusted_debs=args.trusted_debs,
                workers=args.workers,
                progress=lambda done, _bytes: bar.update(task, completed=done),
                unowned=not args.no_unowned,
            )
    finally:
        source.close()
    results = findings(report)
    data = report.to_json()
    data["findings"] = [f.to_json() for f in results]
    if args.case is not None:
        from breachkit.case import open_or_init

        case = open_or_init(args.case)
        case.report_dir.mkdir(exist_ok=True)
        out = case.report_dir / "packages-verify.json"
        out.write_text(json.dumps(data, ensure_ascii=True, sort_keys=True, indent=1) + "\n", encoding="ascii")
        case.journal.append(
            "packages.verify",
            {
                "source": report.source,
                "packages": report.packages,
                "files_checked": report.files_checked,
                "changed": len(report.changed()),
                "missing": len(report.missing()),
                "unowned": len(report.unowned),
                "trusted_debs": str(args.trusted_debs) if args.trusted_debs else None,
            },
            outputs=[out],
        )
    if args.format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=True, sort_keys=True, indent=1) + "\n")
    else:
        print_report(report, results)
    return 1 if report.problems or report.unowned else 0


def print_report(report: PackageReport, results: list[Any]) -> None:
    out = console()
    out.rule(f"packages verify: {safe(report.source)}")
    out.print(
        f"{'/'.join(report.managers) or 'no package database found'}: {report.packages} packages, "
        f"{report.files_checked} files compared in {report.seconds:.1f} s"
        + (f", {report.not_collected} not in the bundle" if report.not_collected else "")
    )
    if report.trusted is not None:
        out.print(f"trusted .deb archives cover {len(report.trusted.covered)} of the installed packages")
    out.print()
    for index, finding in enumerate(results, 1):
        print_finding(out, finding, index)
    shown = sorted(report.problems, key=lambda r: (r.status != "changed", r.expected.config, r.expected.path))
    if shown:
        out.print()
        out.rule("every difference (rpm -V flags: S size, M mode, 5 digest, L link, U user, G group, T mtime)")
    for result in shown[:MAX_LINES]:
        marker = "c" if result.expected.config else " "
        out.print(
            f"{safe(result.flags):<9} {marker} {safe(result.expected.path)}  [dim]{safe(result.expected.package)}[/]"
        )
    if len(shown) > MAX_LINES:
        out.print(f"… {len(shown) - MAX_LINES} more: use --format json")
    if not results:
        out.print(
            "[green]Every packaged file matches.[/] A kernel rootkit could still lie to this check on a live host."
        )
