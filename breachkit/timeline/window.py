"""Time windows: "what changed between 22:30 and 23:15 on Saturday?".

Times are given as ISO 8601 (``2026-11-21T23:41:00+01:00``, ``…Z``, with
fractions to the nanosecond) or the way people type them
(``2026-11-21 23:41``, ``2026-11-21``); a time without an offset is read in
the zone given by ``--tz`` (an IANA name such as ``Europe/Berlin``, ``UTC``,
or an offset ``+01:00``), UTC by default. Spans are ``90s``, ``30m``,
``2h``, ``1d``, ``1h30m``.

A :class:`Window` holds UTC nanoseconds (inclusive at both ends) and the times
that count (``m``, ``a``, ``c``, ``b`` or all of them): an entry is in the
window when one of its chosen times is, and its MACB string (``m.cb``) says
which.
"""

from __future__ import annotations

import functools
import re
import time
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from breachkit.errors import UsageError

NS = 1_000_000_000
TIME_LETTERS = "macb"
_COLUMN = {"m": "mtime_ns", "a": "atime_ns", "c": "ctime_ns", "b": "btime_ns"}

_TIME = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?\s*$",
    re.IGNORECASE,
)
_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|min|s|sec|ms)", re.IGNORECASE)
_SPAN_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1, "sec": 1, "ms": 0.001}


@dataclass(frozen=True, slots=True)
class Window:
    """UTC nanoseconds, inclusive; ``None`` means open on that side."""

    start_ns: int | None = None
    end_ns: int | None = None
    #: which times count, a subset of "macb" in that order
    times: str = TIME_LETTERS

    def contains(self, ns: int | None) -> bool:
        if ns is None:
            return False
        return (self.start_ns is None or ns >= self.start_ns) and (self.end_ns is None or ns <= self.end_ns)

    def macb(self, mtime: int | None, atime: int | None, ctime: int | None, btime: int | None) -> str:
        """The MACB string of the chosen times that fall in the window (``.`` for the others)."""
        values = {"m": mtime, "a": atime, "c": ctime, "b": btime}
        return "".join(
            letter if letter in self.times and self.contains(values[letter]) else "." for letter in TIME_LETTERS
        )

    def sql_in(self, column: str) -> str:
        """SQL condition: ``column`` inside the window (numbers only, never evidence text)."""
        parts = [f"{column} IS NOT NULL"]
        if self.start_ns is not None:
            parts.append(f"{column} >= {int(self.start_ns)}")
        if self.end_ns is not None:
            parts.append(f"{column} <= {int(self.end_ns)}")
        return "(" + " AND ".join(parts) + ")"

    def sql_any(self) -> str:
        """SQL condition: any chosen time of a ``files`` row inside the window."""
        return "(" + " OR ".join(self.sql_in(_COLUMN[letter]) for letter in self.times) + ")"

    def describe(self) -> str:
        start = "the beginning" if self.start_ns is None else format_ns(self.start_ns)
        end = "the end" if self.end_ns is None else format_ns(self.end_ns)
        which = "any time" if self.times == TIME_LETTERS else "/".join(self.times)
        return f"{start} to {end} ({which})"


def parse_zone(text: str | None) -> tzinfo:
    """``--tz``: an IANA name, ``UTC`` or an offset like ``+01:00``; UTC when empty."""
    if not text or text.upper() in ("UTC", "Z"):
        return timezone.utc
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", text.strip())
    if match:
        minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
        return timezone(timedelta(minutes=minutes if match.group(1) == "+" else -minutes))
    try:
        return zoneinfo.ZoneInfo(text)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError) as exc:
        raise UsageError(f"unknown time zone {text!r}: give an IANA name like Europe/Berlin, UTC or +01:00") from exc


def parse_time(text: str, zone: tzinfo | None = None) -> int:
    """UTC nanoseconds for ``text`` (see the module docstring); ``zone`` applies when it has no offset."""
    match = _TIME.match(text)
    if not match:
        raise UsageError(f"cannot read the time {text!r}: use ISO 8601 (2026-11-21T23:41:00Z) or '2026-11-21 23:41'")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        naive = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))  # noqa: DTZ001
    except ValueError as exc:
        raise UsageError(f"not a valid date or time: {text!r} ({exc})") from exc
    if offset:
        tz: tzinfo = parse_zone("UTC" if offset.upper() == "Z" else offset)
    else:
        tz = zone or timezone.utc
    aware = naive.replace(tzinfo=tz)
    seconds = int((aware - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds())
    nanos = int((fraction or "0").ljust(9, "0"))
    return seconds * NS + nanos


def parse_span(text: str) -> int:
    """Nanoseconds of a span such as ``30m``, ``2h``, ``1h30m``, ``90s``."""
    cleaned = text.strip().replace(" ", "")
    pos, total = 0, 0.0
    for match in _SPAN.finditer(cleaned):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _SPAN_UNITS[match.group(2).lower()]
        pos = match.end()
    if pos != len(cleaned) or not cleaned:
        raise UsageError(f"cannot read the span {text!r}: use forms like 30m, 2h, 1h30m, 90s or 1d")
    return int(total * NS)


def parse_times(text: str) -> str:
    """``--times``: ``any`` or letters of ``macb`` (e.g. ``cb``), returned in MACB order."""
    text = text.strip().lower()
    if text in ("any", "all", ""):
        return TIME_LETTERS
    if not set(text) <= set(TIME_LETTERS):
        raise UsageError(f"--times takes 'any' or letters from m, a, c, b (got {text!r})")
    return "".join(letter for letter in TIME_LETTERS if letter in text)


def make_window(
    start: str | None = None,
    end: str | None = None,
    around: str | None = None,
    span: str | None = None,
    tz: str | None = None,
    times: str = "any",
) -> Window:
    """The window the command line asks for (``--from/--to`` or ``--around/--span``)."""
    zone = parse_zone(tz)
    letters = parse_times(times)
    if around is not None:
        if start is not None or end is not None:
            raise UsageError("give either --around (with --span) or --from/--to, not both")
        middle = parse_time(around, zone)
        half = parse_span(span or "30m")
        return Window(middle - half, middle + half, letters)
    if span is not None:
        raise UsageError("--span goes with --around")
    window = Window(
        None if start is None else parse_time(start, zone), None if end is None else parse_time(end, zone), letters
    )
    if window.start_ns is not None and window.end_ns is not None and window.start_ns > window.end_ns:
        raise UsageError("--from is after --to: swap them")
    return window


def format_ns(ns: int | None, zone: tzinfo | None = None) -> str:
    """ISO 8601 with nanoseconds (``2026-11-21T22:41:12.123456789Z``); any year, even beyond datetime's."""
    if ns is None:
        return "-"
    seconds, nanos = divmod(ns, NS)
    if zone is None or zone is timezone.utc:
        try:
            tm = time.gmtime(seconds)
        except (OverflowError, OSError, ValueError):
            return f"@{ns}ns"
        if not 1 <= tm.tm_year <= 9999:
            return f"@{ns}ns"
        # Formatted by hand: a timeline prints millions of these, datetime is several times slower.
        return "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ" % (tm[0], tm[1], tm[2], tm[3], tm[4], tm[5], nanos)  # noqa: UP031
    prefix = _zoned_second(seconds, zone)
    if prefix is None:
        return f"@{ns}ns"
    text, offset = prefix
    return f"{text}.{nanos:09d}{offset}"


@functools.lru_cache(maxsize=4096)
def _zoned_second(seconds: int, zone: tzinfo) -> tuple[str, str] | None:
    try:
        moment = (datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds)).astimezone(zone)
    except (OverflowError, ValueError):
        return None
    offset = moment.strftime("%z")
    suffix = "Z" if offset in ("", "+0000") else offset[:3] + ":" + offset[3:]
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.strftime('%H:%M:%S')}", suffix
