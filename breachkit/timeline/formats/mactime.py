"""``mactime``-style CSV: one line per distinct time of a file, like ``mactime -d -y -b``.

Columns as The Sleuth Kit's ``mactime -d`` prints them (``Date,Size,Type,Mode,UID,GID,Meta,File Name``;
https://wiki.sleuthkit.org/index.php?title=Mactime_output), with the date in ISO
8601 to the nanosecond in the chosen zone (UTC by default) instead of
``mactime``'s whole seconds, and every row dated (``mactime`` leaves the date
empty on repeats). Names go through :func:`~breachkit.host.textsafe.printable`
so a spreadsheet never sees a raw control character.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import tzinfo
from typing import TextIO

from breachkit.host.textsafe import printable
from breachkit.timeline.formats.bodyfile import mode_string
from breachkit.timeline.query import TimelineRow
from breachkit.timeline.window import format_ns

HEADER = ("Date", "Size", "Type", "Mode", "UID", "GID", "Meta", "File Name")


def write(rows: Iterable[TimelineRow], out: TextIO, zone: tzinfo) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    count = 0
    for row in rows:
        name = printable(row.path) + (f" -> {printable(row.target)}" if row.type == "l" and row.target else "")
        writer.writerow(
            (
                format_ns(row.time_ns, zone),
                row.size,
                row.macb,
                mode_string(row.type, row.mode),
                _csv_safe(row.user if row.user is not None else str(row.uid)),
                _csv_safe(row.group if row.group is not None else str(row.gid)),
                row.inode,
                _csv_safe(name),
            )
        )
        count += 1
    return count


def _csv_safe(text: str) -> str:
    """Escape controls, and keep a spreadsheet from reading a name as a formula."""
    text = printable(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
