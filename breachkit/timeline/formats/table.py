"""Terminal table: one line per file, aligned, every name escaped.

Plain text rather than a rich table: a timeline can have millions of lines
and must stream. Names go through :func:`~breachkit.host.textsafe.printable`,
so a file called ``\\x1b[2J`` or one with a newline prints as what it is.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable
from datetime import tzinfo
from typing import TextIO

from breachkit.host.textsafe import printable
from breachkit.timeline.query import TimelineRow
from breachkit.timeline.window import format_ns

HEADER = f"{'time':<35} {'macb':<4} {'mode':<10} {'owner':<10} {'size':>12}  path"


def write(rows: Iterable[TimelineRow], out: TextIO, zone: tzinfo) -> int:
    out.write(HEADER + "\n")
    count = 0
    for row in rows:
        owner = printable(row.user if row.user is not None else str(row.uid))[:10]
        name = printable(row.path)
        if row.type == "l" and row.target is not None:
            name += " -> " + printable(row.target)
        out.write(
            f"{format_ns(row.time_ns, zone):<35} {row.macb:<4} {stat.filemode(row.mode):<10} {owner:<10} "
            f"{row.size:>12}  {name}\n"
        )
        count += 1
    return count
