"""``breachkit timeline``: every file with its four times, a time window, standard formats, findings."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from breachkit.errors import CaseError, UsageError
from breachkit.findings import Finding
from breachkit.render import console as make_console
from breachkit.render import print_finding, safe
from breachkit.timeline import analyse_timeline, open_timeline
from breachkit.timeline.formats import FORMATS
from breachkit.timeline.load import Timeline
from breachkit.timeline.query import count, entries, events
from breachkit.timeline.window import Window, format_ns, make_window, parse_zone

if TYPE_CHECKING:
    from breachkit.timeline.supertimeline import Filters, Merged

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
            "deleted accounts. With --case the timeline lands in the case tables (files, fs_events). "
            "With --case alone (no --root, --bundle or --bodyfile) it shows the case's super timeline: file "
            "times, log lines, logins, live state and findings merged in time order, each row with its "
            "severity and a pointer to the raw evidence, narrowed by --source, --host, --user, --ip, --path, "
            "--severity and the window."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--root", help="a mounted image (read-only) or / for this host")
    source.add_argument(
        "--bundle", type=Path, help="an evidence bundle from 'breachkit collect', or unpacked UAC output"
    )
    source.add_argument("--bodyfile", type=Path, help="a TSK bodyfile (fls -m, UAC bodyfile.txt, plaso)")
    parser.add_argument(
        "--case",
        type=Path,
        help="case folder: keep the tables there and journal the run; alone, show its super timeline",
    )
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
    merged = parser.add_argument_group("super timeline filters (with --case alone)")
    merged.add_argument(
        "--source",
        dest="sources",
        action="append",
        default=[],
        metavar="S",
        help=(
            "only rows of this source (repeatable): a group (fs, web, auth, syslog, login, audit, history, "
            "packages, live, detection, integrity, correlation, findings), a log source (web-access, journal …) "
            "or a check or check family (persistence, logs.ssh-brute-force)"
        ),
    )
    merged.add_argument("--host", metavar="H", help="only rows naming this host or web site (glob allowed)")
    merged.add_argument("--user", metavar="U", help="only rows of this user (glob allowed)")
    merged.add_argument(
        "--ip", metavar="IP", help="only rows with this address, or findings naming it (glob allowed: 203.0.113.*)"
    )
    merged.add_argument(
        "--path",
        metavar="P",
        help="only rows whose path or evidence file starts with P (a glob when it holds * ? or [)",
    )
    merged.add_argument(
        "--severity", metavar="MIN", help="only rows at this severity or above: info, low, medium, high, critical"
    )
    parser.add_argument(
        "--format",
        choices=tuple(FORMATS),
        default="table",
        help="output format (default: table); the super timeline writes table, json or timesketch",
    )
    parser.add_argument("--output", type=Path, help="write the timeline to this file instead of standard output")
    parser.add_argument("--limit", type=int, help="at most this many lines of timeline")
    parser.add_argument("--no-findings", action="store_true", help="only the timeline, no analysis")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.root is None and args.bundle is None and args.bodyfile is None:
        if args.case is None:
            raise UsageError("give --root, --bundle or --bodyfile (or --case alone for the case's super timeline)")
        return _run_case(args)
    filters = [f"--{name}" for name in ("source", "host", "user", "ip", "path", "severity") if _given(args, name)]
    if filters:
        raise UsageError(
            f"{', '.join(filters)}: only for the case's super timeline; give --case without --root, --bundle or --bodyfile"
        )
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
        return _reader_gone()
    finally:
        timeline.close()


def _run(args: argparse.Namespace, timeline: Timeline, case: Any) -> int:
    display_zone = timeline.zone.zone if (args.tz or "").lower() == "host" else parse_zone(args.tz)
    input_zone = None if (args.tz or "").lower() == "host" else args.tz
    if (args.tz or "").lower() == "host":
        window = _host_window(args, timeline.zone.zone)
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


def _host_window(args: argparse.Namespace, zone: tzinfo) -> Window:
    """``--tz host``: times without offset are in the examined host's zone."""
    from breachkit.timeline import window as w

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


def _given(args: argparse.Namespace, name: str) -> bool:
    return bool(getattr(args, "sources" if name == "source" else name))


def _run_case(args: argparse.Namespace) -> int:
    """``--case`` alone: the case's super timeline (files, logs, live state, findings), filtered."""
    from breachkit.case import Case
    from breachkit.timeline import supertimeline as st
    from breachkit.timeline.superformats import FORMATS as CASE_FORMATS

    if args.format not in CASE_FORMATS:
        raise UsageError(
            f"--format {args.format} lists files only: the case's super timeline writes {', '.join(CASE_FORMATS)}"
        )
    for flag, given in (("--cross-mounts", args.cross_mounts), ("--exclude", bool(args.exclude))):
        if given:
            raise UsageError(f"{flag} goes with --root")
    if args.limit is not None and args.limit < 0:
        raise UsageError("--limit must be 0 or more")
    case = Case.open(args.case)
    con = _connect_case(case.root)
    try:
        merged = st.refresh(con, case.root)
        zone, window = _case_window(args, case.root)
        filters = st.Filters(
            sources=tuple(args.sources),
            host=args.host,
            user=args.user,
            ip=st.check_ip(args.ip) if args.ip is not None else None,
            path=args.path,
            severity=st.parse_severity(args.severity) if args.severity is not None else None,
            window=window,
            findings=not args.no_findings,
        )
        known = st.available_sources(con)
        unknown = [value for value in filters.sources if value not in known]
        if unknown:
            raise UsageError(f"no source {', '.join(map(repr, unknown))} in this case; give one of: {', '.join(known)}")
        try:
            summary = _write_case(args, con, filters, zone, merged, case.root)
        except BrokenPipeError:
            return _reader_gone()
    finally:
        con.close()
    case.journal.append(
        "timeline.query",
        {k: v for k, v in summary.items() if k != "notes"},
        outputs=[args.output] if args.output is not None else [],
    )
    return 0


def _connect_case(case_root: Path) -> Any:
    import duckdb

    from breachkit import tables

    try:
        return tables.connect(case_root)
    except duckdb.IOException as exc:  # another breachkit command holds the database
        raise CaseError(
            f"cannot open the case database ({exc}); wait until the other breachkit command on this case ends"
        ) from exc


def _case_window(args: argparse.Namespace, case_root: Path) -> tuple[tzinfo, Window]:
    from breachkit.timeline.supertimeline import case_zone

    if (args.tz or "").lower() != "host":
        window = make_window(args.start, args.end, args.around, args.span, args.tz, args.times)
        return parse_zone(args.tz), window
    zone = case_zone(case_root)
    if zone is None:
        raise UsageError("the case holds no bundle to read the host's time zone from: give --tz with a zone name")
    return zone.zone, _host_window(args, zone.zone)


def _write_case(
    args: argparse.Namespace, con: Any, filters: Filters, zone: tzinfo, merged: Merged, case_root: Path
) -> dict[str, Any]:
    from breachkit.timeline import superformats as fmt
    from breachkit.timeline import supertimeline as st

    by_source = st.counts(con, filters)
    undated_rows = list(st.undated(con, filters)) if filters.findings else []
    summary: dict[str, Any] = {
        "case": str(case_root),
        "inputs": list(merged.inputs),
        "host": merged.host,
        "rows": sum(by_source.values()),
        "by_source": by_source,
        "findings": merged.findings,
        "findings_dated": merged.dated,
        "findings_undated": merged.undated,
        "undated_shown": len(undated_rows),
        "live_events": merged.live_events,
        "unreadable_records": merged.problems,
        "filters": {
            "source": list(filters.sources),
            "host": filters.host,
            "user": filters.user,
            "ip": filters.ip,
            "path": filters.path,
            "severity": filters.severity.label if filters.severity is not None else None,
            "findings": filters.findings,
        },
        "window": {
            "from_utc": format_ns(filters.window.start_ns) if filters.window.start_ns is not None else None,
            "to_utc": format_ns(filters.window.end_ns) if filters.window.end_ns is not None else None,
            "times": filters.window.times,
        },
        "limit": args.limit,
        "format": args.format,
        "notes": list(merged.notes),
    }
    rows = st.rows(con, filters, args.limit)
    with _open_output(args.output) as out:
        if args.format == "json":
            out.write(json.dumps({"record": "summary", **summary}, ensure_ascii=True, sort_keys=True) + "\n")
            details = st.finding_details(con)
            written = fmt.write_json(rows, out, details)
            fmt.write_json(undated_rows, out, details, record="undated")
        elif args.format == "timesketch":
            written = fmt.write_timesketch(rows, out)
        else:
            if args.output is None:
                _print_case_header(summary)
            written = fmt.write_table(rows, out, zone)
            if undated_rows:
                out.write(f"\nundated findings ({len(undated_rows)}): no time in the case for the evidence they name\n")
                fmt.write_table(undated_rows, out, zone, header=False)
    summary["lines_written"] = written
    _print_case_notes(summary, args.format)
    return summary


def _print_case_header(summary: dict[str, Any]) -> None:
    err = make_console(stderr=True)
    sources = ", ".join(f"{n} {safe(name)}" for name, n in summary["by_source"].items()) or "nothing"
    err.print(
        f"[dim]{safe(summary['case'])}: {summary['rows']} row(s) match ({sources}); "
        f"{summary['findings']} finding(s), {summary['findings_undated']} without a time[/]"
    )


def _print_case_notes(summary: dict[str, Any], fmt: str) -> None:
    err = make_console(stderr=True)
    if summary["limit"] is not None and summary["rows"] > summary["lines_written"]:
        err.print(f"[dim]{summary['lines_written']} of {summary['rows']} row(s) shown (--limit)[/]")
    if fmt == "timesketch" and summary["undated_shown"]:
        err.print(
            f"[dim]{summary['undated_shown']} undated finding(s) have no time for Timesketch: "
            "see them with --format json or table[/]"
        )
    for note in summary["notes"]:
        err.print(f"[dim]note: {safe(note)}[/]")


def _reader_gone() -> int:
    """``breachkit timeline … | head``: the reader has what it wanted.

    Point stdout at /dev/null so the interpreter's final flush stays quiet.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0
