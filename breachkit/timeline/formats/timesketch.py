"""Timesketch JSONL: one event per line with ``message``, ``datetime``, ``timestamp_desc``, ``timestamp``.

The fields Timesketch requires for a JSONL import
(https://timesketch.org/guides/user/import-from-json-csv/): ``timestamp`` in
microseconds since the epoch, ``datetime`` in ISO 8601, ``timestamp_desc``
naming which time it is, and a ``message``. One line per distinct time of a
file; when several times are equal, ``timestamp_desc`` lists them all (as
plaso does for its ``MACB`` column). Extra attributes (path, inode, size,
owner, MACB, full-precision ``time_ns``) become searchable fields.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterable
from datetime import tzinfo
from typing import TextIO

from breachkit.timeline.query import TimelineRow
from breachkit.timeline.window import format_ns

DESCRIPTIONS = {
    "m": "Content Modification Time",
    "a": "Last Access Time",
    "c": "Metadata Modification Time",
    "b": "Creation Time",
}


def write(rows: Iterable[TimelineRow], out: TextIO, zone: tzinfo) -> int:
    count = 0
    for row in rows:
        desc = "; ".join(DESCRIPTIONS[letter] for letter in row.macb if letter in DESCRIPTIONS)
        owner = row.user if row.user is not None else str(row.uid)
        event = {
            "message": f"[{row.macb}] {row.path}" + (f" -> {row.target}" if row.target else ""),
            "datetime": format_ns(row.time_ns),
            "timestamp": row.time_ns // 1000,
            "timestamp_desc": desc,
            "time_ns": row.time_ns,
            "data_type": "fs:stat",
            "macb": row.macb,
            "path": row.path,
            "inode": row.inode,
            "size": row.size,
            "mode": stat.filemode(row.mode),
            "owner": owner,
            "uid": row.uid,
            "gid": row.gid,
        }
        out.write(json.dumps(event, ensure_ascii=True) + "\n")
        count += 1
    return count
