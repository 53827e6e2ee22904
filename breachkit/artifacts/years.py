"""Time for log lines: the examined host's zone, and a year for lines that carry none.

Classic syslog lines (RFC 3164, https://www.rfc-editor.org/rfc/rfc3164) read
``Nov 21 23:41:02``: no year, no zone. The zone is the examined host's, never
the analyst's: :func:`host_zone` reads it from the root's ``/etc/timezone``
(Debian), else the ``/etc/localtime`` link target or its TZif bytes, and
falls back to UTC with a problem record.

The year is inferred per file (:class:`YearGuess`): a log file is written in
time order and ends at its modification time, and logrotate keeps far less
than a year in one file. So a line whose month and day come after the file's
modification date belongs to the year before it (the December lines of a file
closed in January), every other line to the modification year. This holds
across rotated files because each member carries its own mtime. Every such
event is flagged ``year-inferred``.

RFC 3339 stamps (``2026-11-22T00:05:00.120247+01:00``, rsyslog's default on
Debian 12 and newer) carry both year and zone and need neither.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Any

from breachkit import hostzone
from breachkit.artifacts.rotated import Problems
from breachkit.host.rootfs import RootFS
from breachkit.sources.base import Source

MONTHS = {
    name: index
    for index, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
_ZONEINFO = "zoneinfo/"


def host_zone(source: Source, problems: Problems) -> tzinfo:
    """The examined host's local time zone (see :mod:`breachkit.hostzone`); UTC, with a problem record, when unknown."""
    found = hostzone.host_zone(source)
    if found.name == "UTC" and found.how.startswith("no usable zone"):
        problems.add(
            "/etc/localtime", "unknown-timezone", "no /etc/timezone or /etc/localtime: local times read as UTC"
        )
        return timezone.utc
    return found.zone


@dataclass(frozen=True, slots=True)
class YearGuess:
    """The year of year-less lines of one file, from the file's modification time."""

    year: int
    month: int
    day: int

    @classmethod
    def from_mtime(cls, mtime_ns: int, zone: tzinfo) -> YearGuess:
        moment = datetime.fromtimestamp(mtime_ns / 1e9, tz=zone)
        return cls(moment.year, moment.month, moment.day)

    def year_for(self, month: int, day: int) -> int:
        if (month, day) > (self.month, self.day):
            return self.year - 1
        return self.year


def file_mtime_ns(source: Source, path: str) -> int | None:
    """Modification time of a log file (bundles keep the original), or None."""
    fs: Any = getattr(source, "fs", None)
    if isinstance(fs, RootFS):
        try:
            return fs.stat(path).mtime_ns
        except OSError:
            return None
    return None


def guess_for(source: Source, path: str, zone: tzinfo, fallback_ns: int) -> YearGuess:
    """The :class:`YearGuess` for ``path``; ``fallback_ns`` (e.g. collection time) when its mtime is unknown."""
    mtime = file_mtime_ns(source, path)
    return YearGuess.from_mtime(mtime if mtime is not None else fallback_ns, zone)


@dataclass(frozen=True, slots=True)
class TimeContext:
    """How to turn a host's log times into true UTC.

    ``clock_offset_ns`` is what to add to the host's clock to get the true
    time (``--clock-offset``: the host ran 90 s slow -> +90 s); corrected
    events are flagged ``clock-corrected``.
    """

    zone: tzinfo
    #: stands in for a file's mtime when the source cannot tell it (year inference)
    fallback_ns: int
    clock_offset_ns: int = 0

    def flags(self, *extra: str) -> str:
        parts = [flag for flag in extra if flag]
        if self.clock_offset_ns:
            parts.append("clock-corrected")
        return ",".join(parts)


class LocalClock:
    """Local wall-clock fields to UTC nanoseconds in ``zone``, cached per hour (zone offsets change on the hour)."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self._offsets: dict[tuple[int, int, int, int], int] = {}

    def to_ns(self, year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
        key = (year, month, day, hour)
        offset = self._offsets.get(key)
        if offset is None:
            local = datetime(year, month, day, hour, 30, tzinfo=self.zone)
            delta = local.utcoffset()
            offset = int(delta.total_seconds()) if delta is not None else 0
            self._offsets[key] = offset
        return (calendar.timegm((year, month, day, hour, minute, second)) - offset) * 1_000_000_000
