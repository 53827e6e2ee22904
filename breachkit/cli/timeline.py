"""``breachkit timeline``: every file with its four times, a time window, standard formats, findings."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from breachkit.errors import UsageError
from breachkit.findings import Finding
from breachkit.render import console as make_console
from breachkit.render import print_finding, safe
from breachkit.timeline import analyse_timeline, open_timeline
from breachkit.timeline.formats import FORMATS
from breachkit.timeline.load import Timeline
from breachkit.timeline.query import count, entries, events
from breachkit.timeline.window import Window, format_ns, make_window, parse_zone

#: Formats that carry findings (the others are pure interchange formats).
WITH_FINDINGS = ("table", "json")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "timeline",
        help="file system timeline: all four times to the nanosecond, windows, timestomping, off-hours bursts",
        description=(
            "List every file system entry with its access, modification, change and birth times (to the "
            "nanosecond), owners named from the examined host's own accounts. Narrow it to a window "
            "(--from/--to or --around/--span) and pick the times that count (--times). Writes a terminal "
            "table, JSON lines, a TSK bodyfile, mactime CSV or Timesketch JSONL, and with table and json "
            "the findings: bursts outside the host's usual hours, forged times, SUID files and "
            "capabilities, programs in temp and hidden folders, world-writable web files, files of "
            "deleted accounts. With --case the timeline lands in the case tables (files, fs_events)."
        ),
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--root", help="a mounted image (read-only) or / for this host")
    source.add_argument(
        "--bundle", type=Path, help="an evidence bundle from 'breachkit collect', or unpacked UAC output"
    )
    source.add_argument("--bodyfile", type=Path, help="a TSK bodyfile (fls -m, UAC bodyfile.txt, plaso)")
    parser.add_argument("--case", type=Path, help="case folder: keep the tables there and journal the run")
    parser.add_argument(
        "--cross-mounts", action="store_true", help="with --root: enter other file systems mounted below it"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATH",
        help="with --root: host path not to enter (repeatable)",
    )
    window = parser.add_argument_group("window")
    window.add_argument("--from", dest="start", metavar="TIME", help="start (ISO 8601 or '2026-11-22 21:00')")
    window.add_argument("--to", dest="end", metavar="TIME", help="end, inclusive")
    window.add_argument("--around", metavar="TIME", help="centre of a window (with --span)")
    window.add_argument("--span", metavar="SPAN", help="half-width around --around: 30m, 2h, 1d (default 30m)")
    window.add_argument(
        "--tz",
        metavar="ZONE",
        help="zone of times without an offset and of displayed times: IANA name, +01:00, 'host' (the examined host's), default UTC",
    )
    window.add_argument("--times", default="any", help="which times count: any (default) or letters of macb, e.g. cb")
    parser.add_argument("--format", choices=tuple(FORMATS), default="table", help="output format (default: table)")
    parser.add_argument("--output", type=Path, help="write the timeline to this file instead of standard output")
    parser.add_argument("--limit", type=int, help="at most this many lines of timeline")
    parser.add_argument("--no-findings", action="store_true", help="only the timeline, no analysis")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    case = None
    exclude = tuple(args.exclude)
    if args.case is not None:
        from breachkit.case import open_or_init

        case = open_or_init(args.case)
        if args.root is not None:
            inside = _host_path_inside(Path(args.root).resolve(), case.root.resolve())
            if inside:
                exclude += (inside,)
    if args.limit is not None and args.limit < 0:
        raise UsageError("--limit must be 0 or more")
    timeline = open_timeline(
        root=args.root,
        bundle=args.bundle,
        bodyfile=args.bodyfile,
        case_root=case.root if case is not None else None,
        cross_mounts=args.cross_mounts,
        exclude=exclude,
    )
    try:
        return _run(args, timeline, case)
    except BrokenPipeError:
        # "breachkit timeline … | head": the reader has what it wanted. Point
        # stdout at /dev/null so the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 0
    finally:
        timeline.close()


def _run(args: argparse.Namespace, timeline: Timeline, case: Any) -> int:
    display_zone = timeline.zone.zone if (args.tz or "").lower() == "host" else parse_zone(args.tz)
    input_zone = None if (args.tz or "").lower() == "host" else args.tz
    if (args.tz or "").lower() == "host":
        window = _host_window(args, timeline)
    else:
        window = make_window(args.start, args.end, args.around, args.span, input_zone, args.times)
    writer, per_event = FORMATS[args.format]
    rows = events(timeline.con, window, args.limit) if per_event else entries(timeline.con, window, args.limit)
    want_findings = not args.no_findings and (args.format in WITH_FINDINGS or case is not None)
    findings: list[Finding] = analyse_timeline(timeline) if want_findings else []
    summary = _summary(timeline, window, count(timeline.con, window))
    with _open_output(args.output) as out:
        if args.format == "json":
            out.write(json.dumps({"record": "summary", **summary}, ensure_ascii=True, sort_keys=True) + "\n")
        elif args.format == "table" and args.output is None:
            _print_header(summary)
        written = writer(rows, out, display_zone)
        if args.format == "json":
            for finding in findings:
                out.write(
                    json.dumps({"record": "finding", **finding.to_json()}, ensure_ascii=True, sort_keys=True) + "\n"
                )
    if args.format == "table":
        _print_findings(findings, summary, written)
    findings_path = None
    if case is not None:
        findings_path = case.root / "db" / "timeline_findings.jsonl"
        with findings_path.open("w", encoding="ascii") as handle:
            for finding in findings:
                handle.write(json.dumps(finding.to_json(), ensure_ascii=True, sort_keys=True) + "\n")
        outputs = [findings_path] + ([args.output] if args.output is not None else [])
        case.journal.append(
            "timeline",
            {
                **{k: v for k, v in summary.items() if k != "warning_examples"},
                "format": args.format,
                "lines_written": written,
                "findings": len(findings),
                "tables": ["files", "fs_events", "timeline_warnings"],
            },
            outputs=outputs,
        )
    return 0


def _host_window(args: argparse.Namespace, timeline: Timeline) -> Window:
    """``--tz host``: times without offset are in the examined host's zone."""
    from breachkit.timeline import window as w

    zone = timeline.zone.zone
    letters = w.parse_times(args.times)
    if args.around is not None:
        if args.start is not None or args.end is not None:
            raise UsageError("give either --around (with --span) or --from/--to, not both")
        middle = w.parse_time(args.around, zone)
        half = w.parse_span(args.span or "30m")
        return Window(middle - half, middle + half, letters)
    return Window(
        None if args.start is None else w.parse_time(args.start, zone),
        None if args.end is None else w.parse_time(args.end, zone),
        letters,
    )


def _summary(timeline: Timeline, window: Window, in_window: int) -> dict[str, Any]:
    load = timeline.load
    return {
        "source": timeline.source.label,
        "input": timeline.kind,
        "entries": load.entries,
        "in_window": in_window,
        "window": {
            "from_utc": format_ns(window.start_ns) if window.start_ns is not None else None,
            "to_utc": format_ns(window.end_ns) if window.end_ns is not None else None,
            "times": window.times,
        },
        "host_zone": timeline.zone.name,
        "host_zone_how": timeline.zone.how,
        "warnings": load.warnings,
        "warning_kinds": dict(sorted(load.warning_kinds.items())),
        "warning_examples": [record.to_json() for record in load.examples[:10]],
        "notes": list(load.notes),
    }


@contextlib.contextmanager
def _open_output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        yield handle


def _print_header(summary: dict[str, Any]) -> None:
    err = make_console(stderr=True)
    err.print(
        f"[dim]{safe(summary['source'])}: {summary['entries']} entries, {summary['in_window']} in the window; "
        f"host zone {safe(summary['host_zone'])}[/]"
    )


def _print_findings(findings: list[Finding], summary: dict[str, Any], written: int) -> None:
    out = make_console()
    if summary["warnings"]:
        kinds = ", ".join(f"{n} {safe(k)}" for k, n in summary["warning_kinds"].items())
        out.print(f"[dim]{summary['warnings']} warning(s): {kinds}[/]")
    for note in summary["notes"]:
        out.print(f"[dim]note: {safe(note)}[/]")
    if not findings:
        return
    out.rule("timeline findings")
    for index, finding in enumerate(findings, 1):
        print_finding(out, finding, index)
    out.print(f"[dim]{written} timeline line(s) above; all evidence of each finding in --format json[/]")


def _host_path_inside(root: Path, path: Path) -> str | None:
    try:
        rel = path.relative_to(root)
    except ValueError:
        return None
    return "/" + rel.as_posix() if rel.as_posix() != "." else "/"
