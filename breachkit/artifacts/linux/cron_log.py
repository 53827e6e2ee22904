"""Cron's log of the jobs it ran: who, when, which command.

Debian and Ubuntu log cron to syslog (``CRON[pid]: (user) CMD (command)``, in
``/var/log/syslog`` and, with rsyslog's ``cron.*`` rule, ``/var/log/cron.log``);
RHEL and Fedora to ``/var/log/cron`` (``CROND[pid]: (user) CMD (command)``).
Same line format as :mod:`breachkit.artifacts.linux.syslog`
(https://man7.org/linux/man-pages/man8/cron.8.html). A job that keeps
restarting a dropped tool shows up here every few minutes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from breachkit.artifacts.linux.syslog import SyslogLine, SyslogParser
from breachkit.artifacts.rotated import Problems, family
from breachkit.artifacts.years import TimeContext
from breachkit.events import Event
from breachkit.sources.base import Source

CRON_FILES = ("cron", "cron.log")
CRON_PROGRAMS = frozenset(["CRON", "CROND", "crond", "cron", "anacron"])
_CMD = re.compile(r"\((?P<user>[^)\s]{1,64})\) CMD \((?P<command>.*)\)\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class CronRun:
    """One job cron started."""

    time_ns: int
    precision_ns: int
    user: str
    command: str
    pid: int | None
    host: str
    source_file: str
    source_line: int
    flags: str = ""

    def event(self) -> Event:
        return Event(
            time_ns=self.time_ns,
            precision_ns=self.precision_ns,
            source="cron",
            kind="cron-command",
            host=self.host,
            user=self.user,
            message=f"cron ran for {self.user}: {self.command}",
            source_file=self.source_file,
            source_line=self.source_line,
            flags=self.flags,
            extra={"pid": self.pid} if self.pid is not None else {},
        )


def cron_run(line: SyslogLine) -> CronRun | None:
    """The job of a cron ``CMD`` line (from any syslog-format file), or None."""
    if line.program not in CRON_PROGRAMS:
        return None
    match = _CMD.search(line.message)
    if match is None:
        return None
    return CronRun(
        time_ns=line.time_ns,
        precision_ns=line.precision_ns,
        user=match.group("user"),
        command=match.group("command"),
        pid=line.pid,
        host=line.host,
        source_file=line.source_file,
        source_line=line.source_line,
        flags=line.flags,
    )


def cron_families(source: Source) -> list[list[str]]:
    """Dedicated cron logs under /var/log (``cron``, ``cron.log``), each oldest first."""
    found = [family(source, "/var/log", name) for name in CRON_FILES]
    return [members for members in found if members]


def read_cron(source: Source, time: TimeContext, problems: Problems) -> Iterator[CronRun]:
    """Jobs from the dedicated cron logs (jobs logged to syslog come through :func:`cron_run`)."""
    parser = SyslogParser(source, time, problems)
    for members in cron_families(source):
        for line in parser.read(members):
            run = cron_run(line)
            if run is not None:
                yield run
