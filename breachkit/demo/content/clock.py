"""Time on the demo host: Europe/Berlin, integer nanoseconds since the epoch (UTC).

Every time in the scenario is an ``int`` of nanoseconds, because that is what
``stat`` and debugfs work in and what a float would round. Humans think in the
host's local time (office hours, Saturday night), so the scenario is written in
local wall-clock times and converted here.

The zone comes from the TZif file the demo host itself carries
(:func:`breachkit.demo.content.blobs.tzif_central_europe`), not from the
analyst's tzdata, so the scenario's instants are the same on every machine.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import time
from zoneinfo import ZoneInfo

from breachkit.demo.content import blobs

TZ_NAME = "Europe/Berlin"
TZ = ZoneInfo.from_file(io.BytesIO(blobs.tzif_central_europe()), key=TZ_NAME)

US = 1_000
MS = 1_000_000
SECOND = 1_000_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def local_ns(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, ns: int = 0) -> int:
    """Host wall-clock time to epoch nanoseconds (the first of two ambiguous times wins)."""
    moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=TZ)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * SECOND + ns


def to_local(ns: int) -> dt.datetime:
    """Epoch nanoseconds to an aware local datetime (microsecond precision)."""
    return to_utc(ns).astimezone(TZ)


def to_utc(ns: int) -> dt.datetime:
    """Epoch nanoseconds to an aware UTC datetime (microsecond precision)."""
    return _EPOCH + dt.timedelta(microseconds=ns // US)


def day_start(ns: int) -> int:
    """Local midnight at the start of the day containing ``ns``."""
    moment = to_local(ns)
    return local_ns(moment.year, moment.month, moment.day)


def weekday(ns: int) -> int:
    """Monday is 0, as in :meth:`datetime.date.weekday`."""
    return _local_fields(ns)[0].tm_wday


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@functools.lru_cache(maxsize=4096)
def _offset_seconds(hour: int) -> int:
    """UTC offset in force during an hour since the epoch (zone changes happen on the hour)."""
    offset = to_utc(hour * HOUR).astimezone(TZ).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def _local_fields(ns: int) -> tuple[time.struct_time, int, int]:
    """Broken-down local time, microseconds and UTC offset; the log formatters' fast path
    (tens of thousands of lines: datetime + zoneinfo per line is the slow part)."""
    seconds = ns // SECOND
    offset = _offset_seconds(seconds // 3600)
    return time.gmtime(seconds + offset), (ns // US) % 1_000_000, offset


def _zone(offset: int, colon: bool) -> str:
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{minutes:02d}"


def apache(ns: int) -> str:
    """Apache ``%t`` without brackets: ``21/Nov/2026:23:41:17 +0100`` (English month, as Apache)."""
    t, _micro, offset = _local_fields(ns)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:"
        f"{t.tm_sec:02d} {_zone(offset, False)}"
    )


def apache_error(ns: int) -> str:
    """Apache 2.4 error log stamp: ``Sat Nov 21 23:41:17.183620 2026``."""
    t, micro, _offset = _local_fields(ns)
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} {t.tm_hour:02d}:{t.tm_min:02d}:"
        f"{t.tm_sec:02d}.{micro:06d} {t.tm_year}"
    )


def rfc3339(ns: int) -> str:
    """rsyslog's high-precision stamp, as Debian 12 writes it: ``2026-11-21T23:41:17.183620+01:00``."""
    t, micro, offset = _local_fields(ns)
    return (
        f"{t.tm_year}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}."
        f"{micro:06d}{_zone(offset, True)}"
    )


def plain(ns: int) -> str:
    """``2026-11-17 09:12:44`` in local time (apt and dpkg logs)."""
    return to_local(ns).strftime("%Y-%m-%d %H:%M:%S")


def ctime_text(ns: int) -> str:
    """``Sat Nov 21 23:45:29 2026`` in local time (crontab header, ``date`` output)."""
    return to_local(ns).strftime("%a %b %d %H:%M:%S %Y")


def iso_utc(ns: int) -> str:
    """UTC ISO 8601 with all nine digits of the nanoseconds: ``2026-11-21T22:41:17.183620412Z``."""
    seconds, frac = divmod(ns, SECOND)
    return to_utc(seconds * SECOND).strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:09d}Z"
