"""TSK 3.x bodyfile output: ``MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime``.

Byte-compatible with ``fls -r -m /`` (The Sleuth Kit 4.x, https://wiki.sleuthkit.org/index.php?title=Body_file):
MD5 ``0``, the name as a host path with `` -> target`` for symlinks, the mode
as TSK writes it (``r/rrw-r--r--``: name type, meta type, permissions), times
in whole seconds (floored, as TSK stores them) and ``0`` for a missing birth
time. ``mactime -b FILE`` reads it.

The format has no escaping: a ``|`` or a newline in a name would break the
line. Such characters (and every other control character) are written as
backslash escapes (``\\x7c`` for ``|``, ``\\n``), so one entry stays one line
with eleven fields.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable
from datetime import tzinfo
from typing import TextIO

from breachkit.host.textsafe import printable
from breachkit.timeline.query import TimelineRow

NS = 1_000_000_000
#: FileStat type code -> TSK type letter
TSK_TYPE = {"f": "r", "d": "d", "l": "l", "p": "p", "c": "c", "b": "b", "s": "s"}


def mode_string(type_code: str, mode: int) -> str:
    letter = TSK_TYPE.get(type_code, "-")
    return f"{letter}/{letter}{stat.filemode(mode)[1:]}"


def name_field(path: str, target: str | None) -> str:
    text = printable(path).replace("|", "\\x7c")
    if target is not None:
        text += " -> " + printable(target).replace("|", "\\x7c")
    return text


def seconds(ns: int | None) -> int:
    return 0 if ns is None else ns // NS


def line(row: TimelineRow) -> str:
    # One f-string: this runs once per file, millions of times on a big server.
    name = name_field(row.path, row.target if row.type == "l" else None)
    atime, mtime, ctime, btime = row.atime_ns, row.mtime_ns, row.ctime_ns, row.btime_ns
    return (
        f"0|{name}|{row.inode}|{mode_string(row.type, row.mode)}|{row.uid}|{row.gid}|{row.size}"
        f"|{0 if atime is None else atime // NS}|{0 if mtime is None else mtime // NS}"
        f"|{0 if ctime is None else ctime // NS}|{0 if btime is None else btime // NS}\n"
    )


#: Lines joined into one ``write``.
LINES_PER_WRITE = 1000


def write(rows: Iterable[TimelineRow], out: TextIO, zone: tzinfo) -> int:
    count = 0
    lines: list[str] = []
    for row in rows:
        lines.append(line(row))
        count += 1
        if len(lines) >= LINES_PER_WRITE:
            out.write("".join(lines))
            lines = []
    out.write("".join(lines))
    return count
