"""The report's two charts, computed in the case tables: the weekly heat map and the incident timeline.

The heat map reuses the timeline's own (:func:`breachkit.timeline.findings.heat_map`:
file births and changes per weekday and hour in the host's zone). The incident
chart counts, per time bucket around the attack window, file births, file
changes, web requests (all, and those of the attacker's addresses) and login
events, with SQL over ``files``, ``web_requests`` and ``events`` — nothing is
loaded row by row, so it costs the same on ten thousand or ten million rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from breachkit.report.model import ChartSeries, HeatMapView, TimelineChart
from breachkit.timeline.findings import heat_map

NS = 1_000_000_000
#: Bucket widths to choose from (seconds); the chart gets at most MAX_BUCKETS of them.
BUCKETS = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800)
MAX_BUCKETS = 72
#: Minimum margin shown before and after the attack window.
MIN_MARGIN_NS = 30 * 60 * NS
#: Sources in the ``events`` table that are log-ins, log-in failures and privilege use.
LOGIN_SOURCES = ("auth", "wtmp", "btmp", "lastlog", "journal-auth")


def heat_view(con: Any, zone: tzinfo, zone_name: str, attack_ns: int | None) -> HeatMapView:
    heat, _hours = heat_map(con, zone, zone_name)
    cells = tuple(tuple(row) for row in heat.cells)
    cell = None
    if attack_ns is not None:
        local = _local(attack_ns, zone)
        if local is not None:
            cell = (local.weekday(), local.hour)
    return HeatMapView(zone_name, cells, max((max(row) for row in cells), default=0), cell)


def incident_chart(
    con: Any,
    present: set[str],
    start_ns: int,
    end_ns: int,
    attackers: Sequence[str],
    marks: Sequence[tuple[int, str]],
    zone: tzinfo,
) -> TimelineChart:
    """Activity per bucket from a margin before ``start_ns`` to a margin after ``end_ns``."""
    margin = max(MIN_MARGIN_NS, (end_ns - start_ns) // 2)
    width = next((b for b in BUCKETS if (end_ns - start_ns + 2 * margin) // (b * NS) < MAX_BUCKETS), BUCKETS[-1])
    step = width * NS
    first = (start_ns - margin) // step * step
    count = min(MAX_BUCKETS, (end_ns + margin - first) // step + 1)
    last = first + count * step
    series: list[ChartSeries] = []
    if "files" in present:
        series.append(ChartSeries("files born", _counts(con, "files", "btime_ns", "", first, last, step, count)))
        series.append(ChartSeries("files changed", _counts(con, "files", "ctime_ns", "", first, last, step, count)))
    if "web_requests" in present:
        series.append(
            ChartSeries("web requests", _counts(con, "web_requests", "time_ns", "", first, last, step, count))
        )
        if attackers:
            placeholders = ", ".join("?" for _ in attackers)
            series.append(
                ChartSeries(
                    "from attacker addresses",
                    _counts(
                        con, "web_requests", "time_ns", f"ip IN ({placeholders})", first, last, step, count, attackers
                    ),
                )
            )
    if "events" in present:
        placeholders = ", ".join("?" for _ in LOGIN_SOURCES)
        series.append(
            ChartSeries(
                "log-in events",
                _counts(
                    con, "events", "time_ns", f"source IN ({placeholders})", first, last, step, count, LOGIN_SOURCES
                ),
            )
        )
    labels = tuple(_label(first + i * step, width, zone) for i in range(count))
    placed = tuple((int((t - first) // step), text) for t, text in marks if first <= t < last)
    return TimelineChart(_utc(first), _utc(last), width, labels, tuple(series), placed)


def _counts(
    con: Any,
    table: str,
    column: str,
    where: str,
    first: int,
    last: int,
    step: int,
    count: int,
    params: Sequence[Sequence[str]] = (),
) -> tuple[int, ...]:
    # Table, column and condition are this module's own constants, never evidence; values are parameters.
    condition = f"{column} >= ? AND {column} < ?" + (f" AND {where}" if where else "")
    rows = con.execute(
        f"SELECT ({column} - ?) // ? AS b, count(*) FROM {table} WHERE {condition} GROUP BY b",  # noqa: S608
        [first, step, first, last, *params],
    ).fetchall()
    counts = [0] * count
    for bucket, number in rows:
        if 0 <= int(bucket) < count:
            counts[int(bucket)] = int(number)
    return tuple(counts)


def _local(ns: int, zone: tzinfo) -> datetime | None:
    try:
        return (datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=ns // 1000)).astimezone(zone)
    except (OverflowError, ValueError):
        return None


def _label(ns: int, width: int, zone: tzinfo) -> str:
    local = _local(ns, zone)
    if local is None:
        return str(ns)
    return local.strftime("%a %d %b" if width >= 86400 else "%a %H:%M")


def _utc(ns: int) -> str:
    try:
        return datetime.fromtimestamp(ns // NS, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return f"{ns} ns"
