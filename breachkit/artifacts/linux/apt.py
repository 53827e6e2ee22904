"""apt's history.log: each apt run, who ran it and what it installed or removed.

Lives in ``/var/log/apt/history.log`` (rotated: ``history.log.1.gz``). Blocks
separated by blank lines, times local without zone
(https://manpages.debian.org/apt.conf, ``Dir::Log::History``)::

    Start-Date: 2026-11-03  07:04:51
    Commandline: apt upgrade
    Requested-By: thomas (1000)
    Install: linux-image-6.1.0-40-amd64:amd64 (6.1.153-1, automatic)
    Upgrade: linux-image-amd64:amd64 (6.1.148-1, 6.1.153-1)
    End-Date: 2026-11-03  07:06:05

Unlike dpkg.log it names the command line and the user (``Requested-By`` is
absent when root ran apt directly).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from breachkit.artifacts.rotated import Problems, family, read_lines
from breachkit.artifacts.years import LocalClock, TimeContext
from breachkit.events import Event
from breachkit.sources.base import Source

_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)\s+(\d\d):(\d\d):(\d\d)")
_PACKAGE = re.compile(r"([^\s,()]+) \(([^)]*)\)")
ACTIONS = ("Install", "Upgrade", "Remove", "Purge", "Downgrade", "Reinstall")


@dataclass(frozen=True, slots=True)
class AptRun:
    """One block of history.log: an apt command and the packages it changed."""

    time_ns: int
    end_ns: int | None
    commandline: str
    requested_by: str | None
    #: action (``Install`` …) -> package names
    packages: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source_file: str = ""
    source_line: int = 0
    flags: str = ""

    def event(self) -> Event:
        changed = "; ".join(
            f"{action.lower()} {len(names)}: {', '.join(names[:10])}" for action, names in self.packages.items()
        )
        return Event(
            time_ns=self.time_ns,
            precision_ns=1_000_000_000,
            source="apt",
            kind="apt-run",
            user=self.requested_by,
            message=f"{self.commandline} ({changed})" if changed else self.commandline,
            source_file=self.source_file,
            source_line=self.source_line,
            flags=self.flags,
            extra={"packages": {k: list(v) for k, v in self.packages.items()}, "end_ns": self.end_ns},
        )


def read_apt_history(source: Source, time: TimeContext, problems: Problems) -> Iterator[AptRun]:
    clock = LocalClock(time.zone)
    for path in family(source, "/var/log/apt", "history.log"):
        block: dict[str, str] = {}
        start_line = 0
        for number, raw in read_lines(source, path, problems):
            text = raw.decode("utf-8", "backslashreplace")
            if not text.strip():
                run = _run(block, path, start_line, clock, time, problems)
                if run is not None:
                    yield run
                block = {}
                continue
            key, sep, value = text.partition(": ")
            if not sep:
                problems.add(path, "unparsed-line", f"line {number}: not a 'Key: value' line")
                continue
            if not block:
                start_line = number
            block[key.strip()] = value.strip()
        run = _run(block, path, start_line, clock, time, problems)
        if run is not None:
            yield run


def _run(
    block: dict[str, str], path: str, line: int, clock: LocalClock, time: TimeContext, problems: Problems
) -> AptRun | None:
    if not block:
        return None
    start = _when(block.get("Start-Date", ""), clock)
    if start is None:
        problems.add(path, "unparsed-block", f"line {line}: apt block without a readable Start-Date")
        return None
    end = _when(block.get("End-Date", ""), clock)
    user = block.get("Requested-By")
    packages = {
        action: tuple(m.group(1) for m in _PACKAGE.finditer(block[action])) for action in ACTIONS if action in block
    }
    return AptRun(
        time_ns=start + time.clock_offset_ns,
        end_ns=end + time.clock_offset_ns if end is not None else None,
        commandline=block.get("Commandline", "(no command line)"),
        requested_by=user.split(" (")[0] if user else None,
        packages=packages,
        source_file=path,
        source_line=line,
        flags=time.flags(),
    )


def _when(text: str, clock: LocalClock) -> int | None:
    match = _DATE.search(text)
    if match is None:
        return None
    try:
        return clock.to_ns(*(int(part) for part in match.groups()))
    except ValueError:
        return None
