"""Output formats of the timeline, one module each.

Every writer takes :class:`~breachkit.timeline.query.TimelineRow` values and a
text stream. ``PER_EVENT`` formats list one line per distinct time of a file
(like ``mactime``); the others one line per file with its MACB string.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import tzinfo
from typing import TextIO

from breachkit.timeline.formats import bodyfile, jsonl, mactime, table, timesketch
from breachkit.timeline.query import TimelineRow

Writer = Callable[[Iterable[TimelineRow], TextIO, tzinfo], int]

#: name -> (writer, one line per event rather than per file)
FORMATS: dict[str, tuple[Writer, bool]] = {
    "table": (table.write, False),
    "json": (jsonl.write, False),
    "bodyfile": (bodyfile.write, False),
    "mactime": (mactime.write, True),
    "timesketch": (timesketch.write, True),
}

__all__ = ["FORMATS", "Writer"]
