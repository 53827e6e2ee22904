"""What ``baseline create|check|update`` do once their arguments are parsed, and how reports are rendered.

Kept apart from :mod:`breachkit.host.baseline_cli` (which only defines the
arguments) so that building the command line never imports the baseline code.
"""

import argparse
import datetime
import json
import stat
import sys
import time
from typing import IO, Any, Callable, Dict, Iterable, List, Optional, Tuple

from ..baseline_cli import EXIT_DATABASE, EXIT_RULES, EXIT_SIGNATURE
from ..records import WarningRecord
from ..textsafe import printable
from . import signature as sigmod
from .db import BaselineError, Database, DatabaseTampered
from .engine import CLASSES, Change, Summary, check, create, run_check_ordered, update
from .rules import DEFAULT_RULES, RulesError, parse


def _read_rules(path: Optional[str]) -> str:
    if path is None:
        return DEFAULT_RULES
    with open(path, "rb") as handle:
        return handle.read(4 * 1024 * 1024).decode("utf-8", "surrogateescape")


class StderrProgress:
    """A one-line progress display on stderr, redrawn at most twice a second; silent when not a terminal."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self._last = 0.0
        self._start = time.monotonic()

    def __call__(self, entries: int, nbytes: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self._last < 0.5:
            return
        self._last = now
        rate = nbytes / max(now - self._start, 1e-6) / 1e6
        sys.stderr.write("\r%s: %d entries, %.0f MB hashed (%.0f MB/s)   " % (self.label, entries, nbytes / 1e6, rate))
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self._last:
            sys.stderr.write("\n")
            self._last = 0.0


def _progress(args: argparse.Namespace, label: str) -> Any:
    """The progress display: ``args.progress_factory`` when the caller set one (the analyst side's bar)."""
    factory = getattr(args, "progress_factory", None) or StderrProgress
    args.progress_display = factory(label, not args.quiet)
    return args.progress_display


def _warn_printer(quiet: bool, counter: List[int]) -> Callable[[WarningRecord], None]:
    def show(warning: WarningRecord) -> None:
        counter[0] += 1
        if not quiet and counter[0] <= 20:
            print("warning: %s: %s (%s)" % (printable(warning.path), warning.detail, warning.kind), file=sys.stderr)
        elif not quiet and counter[0] == 21:
            print("warning: more warnings not shown; see the report", file=sys.stderr)

    return show


def run_create(args: argparse.Namespace) -> int:
    if args.show_rules:
        sys.stdout.write(DEFAULT_RULES)
        return 0
    try:
        text = _read_rules(args.rules)
        rules = parse(text)
    except (OSError, RulesError) as exc:
        print("baseline: rules: %s" % printable(str(exc)), file=sys.stderr)
        return EXIT_RULES
    if args.explain:
        for line in rules.explain(args.explain):
            print(printable(line))
        return 0
    progress = _progress(args, "baseline create")
    counter = [0]
    summary = create(args.root, args.out, text, args.workers, progress, _warn_printer(args.quiet, counter))
    progress.done()
    args.baseline_result = summary
    print("database:        %s" % printable(summary.db))
    print("entries:         %d" % summary.entries)
    print("bytes hashed:    %d" % summary.bytes_hashed)
    print("warnings:        %d" % summary.warnings)
    print("database sha256: %s" % summary.db_sha256)
    print("Copy the database off this host and write its hash down: whoever controls the host can rewrite both.")
    return 0


def run_check(args: argparse.Namespace) -> int:
    try:
        db = Database(args.db)
        if args.explain:
            for line in parse(str(db.header.get("rules", ""))).explain(args.explain):
                print(printable(line))
            return 0
        db.verify()
    except DatabaseTampered as exc:
        print("baseline: REFUSED: %s" % printable(str(exc)), file=sys.stderr)
        return EXIT_DATABASE
    except (BaselineError, RulesError) as exc:
        print("baseline: %s" % printable(str(exc)), file=sys.stderr)
        return EXIT_DATABASE
    signature_note = None
    if args.verify_key:
        status, signature_note = _check_signature(args.db, db.sha256, args.verify_key)
        if status is False:
            print("baseline: REFUSED: %s" % printable(signature_note), file=sys.stderr)
            return EXIT_SIGNATURE
    progress = _progress(args, "baseline check")
    counter = [0]
    try:
        if args.format == "ndjson":
            _db, stream, summary_of = check(args.root, args.db, args.workers, progress, _warn_printer(True, counter))
            summary = _emit_ndjson(sys.stdout, db, stream, summary_of)
        else:
            _db, changes, summary = run_check_ordered(
                args.root, args.db, args.workers, progress, _warn_printer(args.quiet or args.format == "json", counter)
            )
            if args.format == "json":
                emit_json(sys.stdout, db, changes, summary, signature_note)
            else:
                progress.done()
                emit_text(sys.stdout, db, changes, summary, signature_note)
    except DatabaseTampered as exc:
        print("baseline: REFUSED: %s" % printable(str(exc)), file=sys.stderr)
        return EXIT_DATABASE
    args.baseline_result = summary
    return summary.status


def _check_signature(db_path: str, db_sha256: str, key_path: str) -> Tuple[Optional[bool], str]:
    try:
        key = sigmod.load_public_key(key_path)
    except (OSError, ValueError) as exc:
        return False, "cannot use the verify key: %s" % exc
    return sigmod.verify(db_path, db_sha256, key)


def run_update(args: argparse.Namespace) -> int:
    try:
        text = _read_rules(args.rules) if args.rules else None
        if text is not None:
            parse(text)
    except (OSError, RulesError) as exc:
        print("baseline: rules: %s" % printable(str(exc)), file=sys.stderr)
        return EXIT_RULES
    try:
        db = Database(args.db)
        if args.explain:
            for line in parse(text or str(db.header.get("rules", ""))).explain(args.explain):
                print(printable(line))
            return 0
        progress = _progress(args, "baseline update")
        changes, summary, new_sha, kept = update(
            args.root, args.db, text, args.workers, progress, _warn_printer(args.quiet, [0])
        )
        progress.done()
    except DatabaseTampered as exc:
        print("baseline: REFUSED: %s" % printable(str(exc)), file=sys.stderr)
        return EXIT_DATABASE
    except BaselineError as exc:
        print("baseline: %s" % printable(str(exc)), file=sys.stderr)
        return EXIT_DATABASE
    args.baseline_result = summary
    args.baseline_new_sha256 = new_sha
    args.baseline_previous = kept
    if args.format == "json":
        emit_json(sys.stdout, db, changes, summary, None, extra={"new_db_sha256": new_sha, "previous_db": kept})
    elif args.format == "ndjson":
        for change in changes:
            sys.stdout.write(json.dumps(change.to_json(), ensure_ascii=True, sort_keys=True) + "\n")
    else:
        emit_text(sys.stdout, db, changes, summary, None)
        print("previous database kept as: %s" % printable(kept))
        print("new database sha256:       %s" % new_sha)
    return summary.status


# -- rendering --------------------------------------------------------------


def _iso_ns(value: int) -> str:
    seconds, ns = divmod(value, 1_000_000_000)
    try:
        moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return "%d ns" % value
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % ns


def show_value(attribute: str, value: Any) -> str:
    """A readable form of one attribute value (escaped for the terminal)."""
    if value is None:
        return "-"
    if attribute == "mode" and isinstance(value, int):
        return "%s (%o)" % (stat.filemode(value), value)
    if attribute in ("mtime", "ctime") and isinstance(value, int):
        return _iso_ns(value)
    if attribute == "xattrs" and isinstance(value, dict):
        return ", ".join("%s=%s" % (printable(k), printable(str(v))) for k, v in sorted(value.items())) or "(none)"
    return printable(str(value))


def emit_text(
    out: IO[str], db: Database, changes: Iterable[Change], summary: Summary, signature_note: Optional[str]
) -> None:
    out.write("baseline database: %s\n" % printable(db.path))
    out.write("database sha256:   %s (compare with the hash you kept off the host)\n" % db.sha256)
    out.write(
        "baseline created:  %s on %s\n"
        % (
            printable(str(db.header.get("created"))),
            printable(str(db.header.get("hostname") or "root " + str(db.header.get("root")))),
        )
    )
    if signature_note:
        out.write("signature:         %s\n" % printable(signature_note))
    current = None
    for change in changes:
        if change.klass != current:
            current = change.klass
            out.write("\n== %s\n" % CLASSES[change.klass][1])
        out.write("%-8s %s\n" % (change.kind, printable(change.path)))
        if change.kind == "changed":
            for attribute, old, new in change.details:
                out.write(
                    "         %-7s %s -> %s\n" % (attribute, show_value(attribute, old), show_value(attribute, new))
                )
        if change.note:
            out.write("         note: %s\n" % printable(change.note))
    out.write(
        "\nsummary: %d entries checked, %d added, %d removed, %d changed, %d warnings\n"
        % (summary.entries, summary.added, summary.removed, summary.changed, summary.warnings)
    )


def emit_json(
    out: IO[str],
    db: Database,
    changes: Iterable[Change],
    summary: Summary,
    signature_note: Optional[str],
    extra: Optional[Dict[str, Any]] = None,
) -> None:
    """One JSON object; the changes are written one by one so a huge report is never held in memory."""
    head = {
        "database": db.path,
        "database_sha256": db.sha256,
        "baseline_created": db.header.get("created"),
        "baseline_host": db.header.get("hostname"),
        "signature": signature_note,
    }
    out.write("{")
    for key, value in head.items():
        out.write("%s: %s, " % (json.dumps(key), json.dumps(value, ensure_ascii=True)))
    out.write('"changes": [')
    for index, change in enumerate(changes):
        out.write(("," if index else "") + "\n  " + json.dumps(change.to_json(), ensure_ascii=True, sort_keys=True))
    tail = dict(summary._asdict())
    tail["status"] = summary.status
    tail.update(extra or {})
    out.write('\n], "summary": %s}\n' % json.dumps(tail, ensure_ascii=True, sort_keys=True))


def _emit_ndjson(out: IO[str], db: Database, stream: Iterable[Change], summary_of: Callable[[], Summary]) -> Summary:
    out.write(json.dumps({"database": db.path, "database_sha256": db.sha256}, ensure_ascii=True) + "\n")
    for change in stream:
        out.write(json.dumps(change.to_json(), ensure_ascii=True, sort_keys=True) + "\n")
    summary = summary_of()
    tail = dict(summary._asdict())
    tail["status"] = summary.status
    out.write(json.dumps({"summary": tail}, ensure_ascii=True, sort_keys=True) + "\n")
    return summary
