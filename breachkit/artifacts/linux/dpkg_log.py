"""dpkg.log: every package dpkg unpacked, configured or removed (Debian, Ubuntu).

Lives in ``/var/log/dpkg.log`` (rotated monthly: ``dpkg.log.1``,
``dpkg.log.2.gz``). One action a line, in the host's local time without zone
(https://man7.org/linux/man-pages/man1/dpkg.1.html, "dpkg.log")::

    2026-11-17 09:12:53 upgrade libssl3:amd64 3.0.17-1~deb12u3 3.0.18-1~deb12u1
    2026-11-17 09:12:53 status installed libssl3:amd64 3.0.18-1~deb12u1
    2026-11-17 09:12:46 startup archives unpack

A package installed in the attack window (a compiler, nmap, a proxy) is an
attacker's tool until shown otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from breachkit.artifacts.rotated import Problems, family, read_lines
from breachkit.artifacts.years import LocalClock, TimeContext
from breachkit.events import Event
from breachkit.sources.base import Source

_LINE = re.compile(r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) (\S+) (.*)")
ACTIONS = frozenset(["install", "upgrade", "remove", "purge", "configure", "trigproc", "status", "startup", "conffile"])


@dataclass(frozen=True, slots=True)
class DpkgAction:
    """One line of dpkg.log."""

    time_ns: int
    action: str
    package: str | None
    old_version: str | None
    new_version: str | None
    detail: str
    source_file: str
    source_line: int
    flags: str = ""

    def event(self) -> Event:
        return Event(
            time_ns=self.time_ns,
            precision_ns=1_000_000_000,
            source="dpkg",
            kind=f"package-{self.action}",
            path=None,
            message=f"{self.action} {self.detail}",
            source_file=self.source_file,
            source_line=self.source_line,
            flags=self.flags,
            extra={
                k: v for k, v in (("package", self.package), ("old", self.old_version), ("new", self.new_version)) if v
            },
        )


def read_dpkg_log(source: Source, time: TimeContext, problems: Problems) -> Iterator[DpkgAction]:
    clock = LocalClock(time.zone)
    flags = time.flags()
    for path in family(source, "/var/log", "dpkg.log"):
        for number, raw in read_lines(source, path, problems):
            text = raw.decode("utf-8", "backslashreplace")
            match = _LINE.match(text)
            if match is None or match.group(7) not in ACTIONS:
                if text.strip():
                    problems.add(path, "unparsed-line", f"line {number}: not a dpkg.log line")
                continue
            y, mo, d, h, mi, s, action, rest = match.groups()
            try:
                time_ns = clock.to_ns(int(y), int(mo), int(d), int(h), int(mi), int(s)) + time.clock_offset_ns
            except ValueError:
                problems.add(path, "unparsed-line", f"line {number}: impossible date")
                continue
            words = rest.split()
            package = old = new = None
            if action in ("install", "upgrade", "remove", "purge", "configure") and len(words) >= 3:
                package, old, new = words[0], _version(words[1]), _version(words[2])
            elif action == "status" and len(words) >= 3:
                package, new = words[1], _version(words[2])
            elif action == "trigproc" and words:
                package = words[0]
            yield DpkgAction(time_ns, action, package, old, new, rest, path, number, flags)


def _version(text: str) -> str | None:
    return None if text == "<none>" else text
