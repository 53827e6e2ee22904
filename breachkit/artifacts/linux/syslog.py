"""syslog, messages, kern.log: the system's general log, line by line.

Lives in ``/var/log/syslog`` and ``kern.log`` (Debian, Ubuntu) or
``/var/log/messages`` (RHEL, SUSE), rotated by logrotate (see
:mod:`breachkit.artifacts.rotated`). Two line formats are handled, also mixed
in one file:

* RFC 3339 stamps, rsyslog's ``RSYSLOG_FileFormat`` and Debian 12's default:
  ``2026-11-22T00:05:00.120247+01:00 web01 CRON[180651]: message``
  (https://www.rsyslog.com/doc/configuration/templates.html);
* the classic RFC 3164 stamp ``Nov 22 00:05:00 web01 CRON[180651]: message``
  (https://www.rfc-editor.org/rfc/rfc3164), in the host's local zone and
  without a year: the year is inferred (:mod:`breachkit.artifacts.years`) and
  the line flagged ``year-inferred``.

Lines that match neither are counted as ``unparsed-line`` problems; a line
more than a minute earlier than the one before is counted as
``time-backwards`` (a clock jump, or lines inserted by hand).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from breachkit.artifacts.rotated import Problems, read_lines
from breachkit.artifacts.years import MONTHS, LocalClock, TimeContext, guess_for
from breachkit.events import Event
from breachkit.sources.base import Source

SYSLOG_FILES = ("syslog", "messages", "kern.log")
#: Tolerated step back in time between consecutive lines (rsyslog queues reorder a little).
BACKWARDS_SLACK_NS = 60 * 1_000_000_000

_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d)?\s+(\S+)\s(.*)", re.DOTALL
)
_BSD = re.compile(r"([A-Z][a-z]{2})\s+(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?\s+(\S+)\s(.*)", re.DOTALL)
_TAG = re.compile(r"([^\s:\[\]]{1,64})(?:\[(\d{1,10})\])?:\s?(.*)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class SyslogLine:
    """One syslog line: when (UTC ns), where, which program said what."""

    time_ns: int
    precision_ns: int
    host: str
    program: str
    pid: int | None
    message: str
    source_file: str
    source_line: int
    #: comma-separated caveats: ``year-inferred``, ``clock-corrected``
    flags: str = ""

    def event(self, source: str = "syslog", kind: str = "line") -> Event:
        return Event(
            time_ns=self.time_ns,
            precision_ns=self.precision_ns,
            source=source,
            kind=kind,
            host=self.host,
            message=f"{self.program}: {self.message}",
            source_file=self.source_file,
            source_line=self.source_line,
            flags=self.flags,
            extra={"program": self.program, "pid": self.pid} if self.pid is not None else {"program": self.program},
        )


class SyslogParser:
    """Parses lines of one host's syslog-format files into :class:`SyslogLine`."""

    def __init__(self, source: Source, time: TimeContext, problems: Problems) -> None:
        self.source = source
        self.time = time
        self.problems = problems
        self.clock = LocalClock(time.zone)

    def read(self, paths: Iterable[str]) -> Iterator[SyslogLine]:
        """Lines of ``paths`` (a rotated family, oldest first), in file order."""
        for path in paths:
            guess = guess_for(self.source, path, self.time.zone, self.time.fallback_ns)
            last = 0
            for number, raw in read_lines(self.source, path, self.problems):
                text = raw.decode("utf-8", "backslashreplace")
                line = self.parse(text, path, number, guess.year_for)
                if line is None:
                    if text.strip("\x00 \t"):
                        self.problems.add(path, "unparsed-line", f"line {number}: not a syslog line")
                    else:
                        self.problems.add(path, "blank-line", f"line {number}: empty or NUL bytes")
                    continue
                if line.time_ns < last - BACKWARDS_SLACK_NS:
                    self.problems.add(path, "time-backwards", f"line {number}: earlier than the line before")
                last = max(last, line.time_ns)
                yield line

    def parse(self, text: str, path: str, number: int, year_for: Callable[[int, int], int]) -> SyslogLine | None:
        """One line, or None when it is not in a syslog format."""
        match = _RFC3339.match(text)
        if match:
            y, mo, d, h, mi, s, frac, zone, host, rest = match.groups()
            try:
                if zone is None:
                    base = self.clock.to_ns(int(y), int(mo), int(d), int(h), int(mi), int(s))
                else:
                    base = _utc_ns(int(y), int(mo), int(d), int(h), int(mi), int(s), zone)
            except ValueError:
                return None
            flags = self.time.flags()
        else:
            match = _BSD.match(text)
            if not match:
                return None
            mon, d, h, mi, s, frac, host, rest = match.groups()
            month = MONTHS.get(mon)
            if month is None:
                return None
            day = int(d)
            try:
                base = self.clock.to_ns(year_for(month, day), month, day, int(h), int(mi), int(s))
            except ValueError:
                return None
            flags = self.time.flags("year-inferred")
        precision = 10 ** (9 - len(frac)) if frac else 1_000_000_000
        nanos = int(frac.ljust(9, "0")) if frac else 0
        tag = _TAG.match(rest)
        if tag:
            program, pid, message = tag.group(1), tag.group(2), tag.group(3)
        else:
            program, pid, message = "", None, rest
        return SyslogLine(
            time_ns=base + nanos + self.time.clock_offset_ns,
            precision_ns=precision,
            host=host,
            program=program,
            pid=int(pid) if pid else None,
            message=message,
            source_file=path,
            source_line=number,
            flags=flags,
        )


def _utc_ns(year: int, month: int, day: int, hour: int, minute: int, second: int, zone: str) -> int:
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        raise ValueError("date out of range")
    seconds = calendar.timegm((year, month, day, hour, minute, second))
    if zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:4]) * 60)
    return seconds * 1_000_000_000


def syslog_families(source: Source) -> list[list[str]]:
    """The syslog/messages/kern.log families present under /var/log."""
    from breachkit.artifacts.rotated import family

    found = [family(source, "/var/log", name) for name in SYSLOG_FILES]
    return [members for members in found if members]
