"""Times as people read them in findings: ``2026-11-21 22:41:17 UTC``.

Times come from the evidence, so they can be anything: zero, far in the
future, negative. Formatting never raises; an unusable time is shown as its
raw nanoseconds. (Timeline output with nanoseconds and zones is
:func:`breachkit.timeline.window.format_ns`.)
"""

from __future__ import annotations

from datetime import datetime, timezone


def utc_text(ns: int | None) -> str:
    """Whole seconds in UTC; ``unknown`` for no time, ``<ns> ns`` for one no calendar holds."""
    if not ns:
        return "unknown"
    try:
        return datetime.fromtimestamp(ns // 1_000_000_000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{ns} ns"
