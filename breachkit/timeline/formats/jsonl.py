"""JSON Lines: one ASCII JSON object per file (all fields, the four times as ns and ISO 8601 UTC)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import tzinfo
from typing import TextIO

from breachkit.timeline.query import TimelineRow


def write(rows: Iterable[TimelineRow], out: TextIO, zone: tzinfo) -> int:
    count = 0
    for row in rows:
        data = {"record": "entry", **row.to_json()}
        out.write(json.dumps(data, ensure_ascii=True, sort_keys=True) + "\n")
        count += 1
    return count
