"""Output of the super timeline: terminal table, JSON Lines, Timesketch JSONL.

Every writer takes :class:`~breachkit.timeline.supertimeline.SuperRow` values
and a text stream and returns how many lines it wrote. Rows stream: a case's
timeline can have millions of them.

* ``table``: one aligned line per row, every value from the evidence through
  :func:`~breachkit.host.textsafe.printable` (plain text, not rich markup, so
  no markup escaping is needed and none is added), so a name with a newline or
  an escape sequence prints as what it is;
* ``json``: one ASCII JSON object per line (``record`` is ``event`` or
  ``undated``); finding rows carry the finding's reason, confidence, next step
  and all its evidence;
* ``timesketch``: the fields Timesketch's JSONL import requires (``message``,
  ``datetime``, ``timestamp`` in microseconds, ``timestamp_desc``;
  https://timesketch.org/guides/user/import-from-json-csv/) plus the row's
  attributes as searchable fields. Undated findings have no place in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timezone, tzinfo
from typing import Any, TextIO

from breachkit.host.textsafe import printable
from breachkit.timeline.formats.timesketch import DESCRIPTIONS
from breachkit.timeline.supertimeline import SuperRow
from breachkit.timeline.window import format_ns

FORMATS = ("table", "json", "timesketch")

#: ``timestamp_desc`` of rows that are not file times.
TIME_DESCRIPTIONS = {
    "live-process": "Process Start Time",
    "live-session": "Session Start Time",
}
EVENT_TIME = "Event Time"
EVIDENCE_TIME = "Time of the Evidence"


def table_header(zone: tzinfo) -> str:
    width = _time_width(zone)
    return f"{'time':<{width}} {'source':<11} {'severity':<8} {'host':<14} {'user':<10} {'ip':<15} {'what':<12} message"


def write_table(rows: Iterable[SuperRow], out: TextIO, zone: tzinfo, *, header: bool = True) -> int:
    if header:
        out.write(table_header(zone) + "\n")
    width = _time_width(zone)
    count = 0
    for row in rows:
        when = format_ns(row.time_ns, zone) if row.time_ns is not None else "(undated)"
        what = row.origin if row.finding_id is not None else row.kind
        text = printable(row.message)
        if row.source != "fs" and row.pointer:
            text += f"  <{printable(row.pointer)}>"
        if row.checks and row.finding_id is None:
            checks = row.checks.split(",")
            more = f" (+{len(checks) - 1})" if len(checks) > 1 else ""
            text += f"  flagged by {printable(checks[0])}{more}"
        out.write(
            f"{when:<{width}} {row.source:<11} {row.severity or '-':<8} {_cell(row.host):<14} {_cell(row.user):<10} "
            f"{_cell(row.ip):<15} {printable(what):<12} {text}\n"
        )
        count += 1
    return count


def write_json(rows: Iterable[SuperRow], out: TextIO, details: dict[int, dict[str, Any]], record: str = "event") -> int:
    count = 0
    for row in rows:
        data: dict[str, Any] = {"record": record, **row.to_json()}
        if row.finding_id is not None and row.finding_id in details:
            data["finding"] = details[row.finding_id]
        out.write(json.dumps(data, ensure_ascii=True, sort_keys=True) + "\n")
        count += 1
    return count


def write_timesketch(rows: Iterable[SuperRow], out: TextIO) -> int:
    count = 0
    for row in rows:
        if row.time_ns is None:
            continue
        event: dict[str, Any] = {
            "message": f"[{row.source}] " + (f"[{row.kind}] " if row.source == "fs" else "") + row.message,
            "datetime": format_ns(row.time_ns),
            "timestamp": row.time_ns // 1000,
            "timestamp_desc": timestamp_desc(row),
            "time_ns": row.time_ns,
            "data_type": f"breachkit:{row.source}",
            "source": row.source,
            "origin": row.origin,
            "kind": row.kind,
            "host": row.host,
            "user": row.user,
            "ip": row.ip,
            "path": row.path,
            "severity": row.severity,
            "checks": row.checks,
            "evidence": row.pointer or None,
            "flags": row.flags or None,
        }
        out.write(json.dumps({k: v for k, v in event.items() if v is not None}, ensure_ascii=True) + "\n")
        count += 1
    return count


def timestamp_desc(row: SuperRow) -> str:
    if row.finding_id is not None:
        return EVIDENCE_TIME
    if row.source == "fs":
        return "; ".join(DESCRIPTIONS[letter] for letter in row.kind if letter in DESCRIPTIONS) or EVENT_TIME
    return TIME_DESCRIPTIONS.get(row.origin, EVENT_TIME)


def _cell(value: str | None) -> str:
    return "-" if value is None or value == "" else printable(value)


def _time_width(zone: tzinfo) -> int:
    # UTC ends in "Z" (30 characters); other zones in "+01:00" (35).
    return 30 if zone is timezone.utc else 35
