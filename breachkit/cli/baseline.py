"""``breachkit baseline create|check|update``: the host half's baseline with a progress bar, signing and a case journal.

The work is :mod:`breachkit.host.baseline` (the same code the zipapp runs on
the servers); this adds what needs the analyst side: a rich progress bar,
``--sign-key`` (Ed25519 signature of the database, :mod:`breachkit.integrity.signing`),
``--verify-key`` that always verifies, and ``--case`` to journal every run with
the database's hash.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from breachkit.host import baseline_cli
from breachkit.host.textsafe import printable
from breachkit.render import console, safe


class RichProgress:
    """A progress display for the baseline's (entries, bytes) callback, on stderr."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.enabled = enabled and console(stderr=True).is_terminal
        self._progress: Progress | None = None
        self._task: Any = None
        self.label = label

    def __call__(self, entries: int, nbytes: int) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            self._progress = Progress(
                TextColumn(f"[bold]{self.label}[/]"),
                BarColumn(bar_width=None),
                TextColumn("{task.fields[entries]} entries, {task.fields[mb]} MB hashed"),
                TimeElapsedColumn(),
                console=console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=None, entries=0, mb=0)
        self._progress.update(self._task, entries=entries, mb=nbytes // 1_000_000)

    def done(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def register(sub: Any) -> None:
    parsers = baseline_cli.add_baseline_parsers(sub)
    for name, parser in parsers.items():
        parser.add_argument("--case", type=Path, help="case folder: journal this run with the database's hash")
        if name in ("create", "update"):
            parser.add_argument(
                "--sign-key",
                metavar="KEY",
                help="Ed25519 private key (breachkit case keygen) to sign the database; writes <db>.sig",
            )
    parsers["create"].set_defaults(func=run_create)
    parsers["check"].set_defaults(func=run_check)
    parsers["update"].set_defaults(func=run_update)


def _prepare(args: argparse.Namespace) -> None:
    args.progress_factory = RichProgress


def run_create(args: argparse.Namespace) -> int:
    _prepare(args)
    try:
        status = baseline_cli.run_create(args)
    finally:
        _finish_progress(args)
    summary = getattr(args, "baseline_result", None)
    if status == 0 and summary is not None:
        outputs = [Path(summary.db)]
        if args.sign_key:
            from breachkit.integrity.signing import sign_database

            outputs.append(sign_database(summary.db, summary.db_sha256, args.sign_key))
            print(f"signature:       {printable(str(outputs[-1]))}")
        _journal(
            args,
            "baseline.create",
            {
                "db": summary.db,
                "db_sha256": summary.db_sha256,
                "entries": summary.entries,
                "warnings": summary.warnings,
            },
            outputs,
        )
    return status


def run_check(args: argparse.Namespace) -> int:
    _prepare(args)
    if args.verify_key and not args.explain:
        from breachkit.host.baseline import Database
        from breachkit.host.baseline.db import BaselineError
        from breachkit.integrity.signing import SignatureError, verify_database

        try:
            db = Database(args.db)
            message = verify_database(args.db, db.sha256, args.verify_key)
        except (BaselineError, SignatureError) as exc:
            print(f"breachkit: baseline: REFUSED: {printable(str(exc))}", file=sys.stderr)
            return baseline_cli.EXIT_SIGNATURE
        console(stderr=True).print(f"[green]{safe(message)}[/]")
        args.verify_key = None  # checked here, with cryptography; the host code need not repeat it
    try:
        status = baseline_cli.run_check(args)
    finally:
        _finish_progress(args)
    summary = getattr(args, "baseline_result", None)
    if summary is not None:
        _journal(
            args,
            "baseline.check",
            {
                "db": summary.db,
                "db_sha256": summary.db_sha256,
                "status": status,
                "added": summary.added,
                "removed": summary.removed,
                "changed": summary.changed,
                "warnings": summary.warnings,
            },
            [],
        )
    return status


def run_update(args: argparse.Namespace) -> int:
    _prepare(args)
    try:
        status = baseline_cli.run_update(args)
    finally:
        _finish_progress(args)
    summary = getattr(args, "baseline_result", None)
    if summary is not None:
        outputs = [Path(args.db)]
        if args.sign_key:
            from breachkit.integrity.signing import sign_database

            outputs.append(sign_database(args.db, args.baseline_new_sha256, args.sign_key))
        _journal(
            args,
            "baseline.update",
            {
                "db": args.db,
                "previous_db_sha256": summary.db_sha256,
                "db_sha256": args.baseline_new_sha256,
                "previous_db": args.baseline_previous,
                "status": status,
                "added": summary.added,
                "removed": summary.removed,
                "changed": summary.changed,
            },
            outputs,
        )
    return status


def _finish_progress(args: argparse.Namespace) -> None:
    display = getattr(args, "progress_display", None)
    if display is not None:
        display.done()


def _journal(args: argparse.Namespace, action: str, details: dict[str, Any], outputs: list[Path]) -> None:
    if args.case is None:
        return
    from breachkit.case import open_or_init

    case = open_or_init(args.case)
    case.journal.append(action, {"root": str(Path(args.root).resolve()), **details}, outputs=outputs)
