"""Web server error logs: PHP warnings, denied requests, and whatever a script printed to stderr.

* Apache 2.4 (``ErrorLog``, ``/var/log/apache2/*error.log``, RHEL ``/var/log/httpd/*error_log``):
  ``[Sat Nov 21 23:41:17.719119 2026] [php:warn] [pid 1234] [client 203.0.113.77:51234] message``;
  Apache 2.2 has no module or microseconds: ``[Sat Nov 21 23:41:17 2026] [error] [client 1.2.3.4] message``
  (https://httpd.apache.org/docs/2.4/logs.html#errorlog). Local time, no zone.
* nginx (``error_log``): ``2026/11/21 23:41:17 [error] 1234#1234: *5 message, client: 1.2.3.4, …``
  (https://nginx.org/en/docs/ngx_core_module.html#error_log). Local time.

Lines in neither format are what a CGI or PHP script (or a shell a webshell
started) wrote to stderr: Apache copies them verbatim. They are kept as
``stderr`` records with the time of the line before (flagged
``time-from-previous-line``): ``sh: 1: wget: not found`` in a web server's
error log is a command someone ran through the site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from breachkit.artifacts.rotated import Problems, read_lines
from breachkit.artifacts.years import MONTHS, LocalClock, TimeContext
from breachkit.events import Event
from breachkit.sources.base import Source

_APACHE = re.compile(
    r"\[\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? (\d{4})\] \[(?:([\w-]+):)?(\w+)\]"
    r"(?: \[pid (\d+)(?::tid \d+)?\])?(?: \[client ([^\]]+?)(?::\d+)?\])? ?(.*)",
    re.DOTALL,
)
_NGINX = re.compile(r"(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] (\d+)#\d+: (?:\*\d+ )?(.*)", re.DOTALL)
_NGINX_CLIENT = re.compile(r", client: ([^,\s]+)")


@dataclass(frozen=True, slots=True)
class ErrorLine:
    """One line of a web server error log."""

    time_ns: int
    precision_ns: int
    #: ``error``, ``warn``, ``notice`` …, or ``stderr`` for raw script output
    level: str
    module: str | None
    pid: int | None
    client: str | None
    message: str
    source_file: str
    source_line: int
    flags: str = ""

    def event(self, site: str | None = None) -> Event:
        return Event(
            time_ns=self.time_ns,
            precision_ns=self.precision_ns,
            source="web-error",
            kind=self.level,
            host=site,
            ip=self.client,
            message=(f"[{self.module}] " if self.module else "") + self.message,
            source_file=self.source_file,
            source_line=self.source_line,
            flags=self.flags,
            extra={"pid": self.pid} if self.pid is not None else {},
        )


def read_error_log(source: Source, paths: Iterable[str], time: TimeContext, problems: Problems) -> Iterator[ErrorLine]:
    """Lines of an error-log family, oldest first."""
    clock = LocalClock(time.zone)
    flags = time.flags()
    stderr_flags = time.flags("time-from-previous-line")
    offset = time.clock_offset_ns
    for path in paths:
        last_ns: int | None = None
        for number, raw in read_lines(source, path, problems):
            text = raw.decode("utf-8", "backslashreplace")
            line = _parse(text, clock)
            if line is not None:
                when, precision, level, module, pid, client, message = line
                last_ns = when + offset
                yield ErrorLine(last_ns, precision, level, module, pid, client, message, path, number, flags)
            elif text.strip() and last_ns is not None:
                yield ErrorLine(last_ns, 1_000_000_000, "stderr", None, None, None, text, path, number, stderr_flags)
            elif text.strip():
                problems.add(path, "unparsed-line", f"line {number}: no time before this line")


def _parse(text: str, clock: LocalClock) -> tuple[int, int, str, str | None, int | None, str | None, str] | None:
    match = _APACHE.match(text)
    try:
        if match is not None:
            mon, d, h, mi, s, micros, year, module, level, pid, client, message = match.groups()
            month = MONTHS.get(mon)
            if month is None:
                return None
            when = clock.to_ns(int(year), month, int(d), int(h), int(mi), int(s))
            precision = 1000 if micros else 1_000_000_000
            when += int(micros.ljust(6, "0")) * 1000 if micros else 0
            return when, precision, level, module, int(pid) if pid else None, client, message
        match = _NGINX.match(text)
        if match is not None:
            y, mo, d, h, mi, s, level, pid, message = match.groups()
            when = clock.to_ns(int(y), int(mo), int(d), int(h), int(mi), int(s))
            client = _NGINX_CLIENT.search(message)
            return when, 1_000_000_000, level, None, int(pid), client.group(1) if client else None, message
    except ValueError:
        return None
    return None
