"""yum and dnf logs: packages installed, updated and erased (RHEL, CentOS, Fedora, Alma, Rocky).

* ``/var/log/yum.log`` (yum, RHEL/CentOS <= 7): ``Nov 21 23:41:02 Installed:
  nmap-6.40-19.el7.x86_64`` -- no year (inferred from the file's mtime, see
  :mod:`breachkit.artifacts.years`) and the host's local time;
* ``/var/log/dnf.rpm.log`` (dnf, RHEL 8+, Fedora):
  ``2026-11-21T23:41:02+0100 SUBDEBUG Installed: nmap-3:7.92-1.el9.x86_64``
  (older dnf writes ``2026-11-21T22:41:02Z``).

See https://dnf.readthedocs.io/en/latest/conf_ref.html (``logdir``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass

from breachkit.artifacts.rotated import Problems, family, read_lines
from breachkit.artifacts.years import MONTHS, LocalClock, TimeContext, guess_for
from breachkit.events import Event
from breachkit.sources.base import Source

_YUM = re.compile(r"([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\w+): (\S+)")
_DNF = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(Z|[+-]\d{4}) \w+ (\w+): (\S+)")
ACTIONS = frozenset(
    [
        "Installed",
        "Updated",
        "Erased",
        "Upgrade",
        "Upgraded",
        "Install",
        "Erase",
        "Reinstall",
        "Reinstalled",
        "Downgrade",
        "Downgraded",
        "Obsoleted",
        "Cleanup",
    ]
)


@dataclass(frozen=True, slots=True)
class PackageChange:
    """One package installed, updated or erased by yum/dnf."""

    time_ns: int
    action: str
    package: str
    source_file: str
    source_line: int
    flags: str = ""

    def event(self) -> Event:
        return Event(
            time_ns=self.time_ns,
            precision_ns=1_000_000_000,
            source="yum",
            kind=f"package-{self.action.lower()}",
            message=f"{self.action}: {self.package}",
            source_file=self.source_file,
            source_line=self.source_line,
            flags=self.flags,
            extra={"package": self.package},
        )


def read_yum(source: Source, time: TimeContext, problems: Problems) -> Iterator[PackageChange]:
    clock = LocalClock(time.zone)
    for path in family(source, "/var/log", "yum.log"):
        guess = guess_for(source, path, time.zone, time.fallback_ns)
        for number, raw in read_lines(source, path, problems):
            match = _YUM.match(raw.decode("utf-8", "backslashreplace"))
            if match is None or match.group(6) not in ACTIONS or match.group(1) not in MONTHS:
                if raw.strip():
                    problems.add(path, "unparsed-line", f"line {number}: not a yum.log line")
                continue
            mon, d, h, mi, s, action, package = match.groups()
            month, day = MONTHS[mon], int(d)
            try:
                when = clock.to_ns(guess.year_for(month, day), month, day, int(h), int(mi), int(s))
            except ValueError:
                continue
            yield PackageChange(when + time.clock_offset_ns, action, package, path, number, time.flags("year-inferred"))
    for path in family(source, "/var/log", "dnf.rpm.log"):
        for number, raw in read_lines(source, path, problems):
            match = _DNF.match(raw.decode("utf-8", "backslashreplace"))
            if match is None:
                continue  # dnf.rpm.log also holds scriptlet output and debug lines
            y, mo, d, h, mi, s, zone, action, package = match.groups()
            if action not in ACTIONS:
                continue
            seconds = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s)))
            if zone != "Z":
                sign = -1 if zone[0] == "-" else 1
                seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60)
            yield PackageChange(
                seconds * 1_000_000_000 + time.clock_offset_ns, action, package, path, number, time.flags()
            )
