"""The file system timeline: every entry with all four times, windows, standard formats, findings.

Library first::

    from breachkit.timeline import open_timeline, make_window, entries, analyse_timeline
    tl = open_timeline(bundle="cases/web01/evidence/bundles/web01-…")
    window = make_window(start="2026-11-21 22:00", end="2026-11-22 02:00", tz="Europe/Berlin")
    for row in entries(tl.con, window):
        print(row.macb, row.path)
    findings = analyse_timeline(tl)

Modules: :mod:`~breachkit.timeline.build` (inputs -> the ``files`` table and
the ``fs_events`` view), :mod:`~breachkit.timeline.load` (picks the input),
:mod:`~breachkit.timeline.window` (time parsing), :mod:`~breachkit.timeline.query`
(window queries), :mod:`~breachkit.timeline.formats` (table, json, bodyfile,
mactime, timesketch), :mod:`~breachkit.timeline.findings` (the checks),
:mod:`~breachkit.timeline.bodyfile` and :mod:`~breachkit.timeline.uac` (other
tools' output as input), :mod:`~breachkit.timeline.supertimeline` (a case's files, logs,
live state and findings merged; its inputs in :mod:`~breachkit.timeline.superinputs`, its
outputs in :mod:`~breachkit.timeline.superformats`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from breachkit.events import Event
from breachkit.findings import Finding
from breachkit.sources.base import Source
from breachkit.timeline.findings import analyse
from breachkit.timeline.load import Timeline, open_timeline
from breachkit.timeline.query import TimelineRow, entries, events
from breachkit.timeline.window import Window, format_ns, make_window, parse_span, parse_time


def analyse_timeline(timeline: Timeline) -> list[Finding]:
    """All timeline findings for a loaded timeline, ranked."""
    return analyse(
        timeline.con,
        timeline.zone.zone,
        timeline.zone.name,
        timeline.zone.how,
        source=timeline.source,
        accounts_found=timeline.load.accounts_found,
    )


def build(source: Source, window: Window | None = None) -> Iterator[Event]:
    """The file system events of ``source`` in ``window`` (all of them by default), oldest first.

    Loads the walk into an in-memory table; for big inputs and repeated
    questions use :func:`open_timeline` with a case instead.
    """
    from breachkit import tables
    from breachkit.timeline.accounts import Accounts
    from breachkit.timeline.build import load_entries

    con = tables.connect(None)
    try:
        load_entries(con, source.walk(), Accounts.from_source(source), "walk")
        for row in events(con, window or Window()):
            yield Event(
                time_ns=row.time_ns,
                source="fs",
                kind=row.macb,
                message=row.path,
                precision_ns=row.precision_ns,
                path=row.path,
                user=row.user if row.user is not None else str(row.uid),
                extra={"inode": row.inode, "size": row.size, "mode": row.mode, "type": row.type},
            )
    finally:
        con.close()


def triage_findings(case: Any, bundle: Any) -> list[Finding]:
    """Triage hook: load ``bundle`` (a :class:`~breachkit.sources.bundle.BundleSource`) into the case's
    ``files`` table and return the timeline findings. Journalled by the caller with the case database."""
    timeline = open_timeline(bundle=bundle.path, case_root=case.root)
    try:
        return analyse_timeline(timeline)
    finally:
        timeline.close()


__all__ = [
    "Timeline",
    "TimelineRow",
    "Window",
    "analyse_timeline",
    "build",
    "entries",
    "events",
    "format_ns",
    "make_window",
    "open_timeline",
    "parse_span",
    "parse_time",
    "triage_findings",
]
