"""The first picture: fast checks a responder runs in the first minutes.

One streaming pass over the file walk plus a few small files (accounts,
crontabs, ``ld.so.preload``). Each check is a small class listed in
:data:`WALK_CHECKS` or a function in :data:`FILE_CHECKS`; the deeper analyses
(timeline, integrity, detection, logs) refine what these only flag.
Memory stays flat: checks keep counters and bounded lists, never the walk.
"""

from __future__ import annotations

import heapq
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

from breachkit.findings import Evidence, Finding, Severity, ranked
from breachkit.host.records import FileStat, WarningRecord
from breachkit.places import SCRIPT_EXT, SERVICE_USERS, UPLOAD_DIRS, WEB_ROOTS
from breachkit.sources.base import Source

SMALL = 1024 * 1024
MAX_EVIDENCE = 25


class WalkCheck(Protocol):
    """A check fed every walk entry once; reports when the walk is over."""

    def observe(self, entry: FileStat) -> None: ...

    def findings(self) -> Iterable[Finding]: ...


@dataclass
class Bounded:
    """At most ``limit`` examples, plus the count of all."""

    limit: int = MAX_EVIDENCE
    items: list[Evidence] = field(default_factory=list)
    count: int = 0

    def add(self, evidence: Evidence) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(evidence)

    def more(self) -> str:
        hidden = self.count - len(self.items)
        return f" ({hidden} more not listed)" if hidden > 0 else ""


class WebUploadScripts:
    """Server-side scripts in upload, image and cache folders of web roots."""

    def __init__(self) -> None:
        self.found = Bounded()

    def observe(self, entry: FileStat) -> None:
        if entry.type != "f" or not WEB_ROOTS.match(entry.path):
            return
        if UPLOAD_DIRS.search(entry.path) and SCRIPT_EXT.search(entry.path):
            self.found.add(Evidence(path=entry.path, note=_mode_note(entry)))

    def findings(self) -> Iterable[Finding]:
        if self.found.count:
            yield Finding(
                check="quick.web-upload-scripts",
                title="Scripts in web upload or image folders",
                severity=Severity.HIGH,
                confidence=0.7,
                reason=(
                    f"{self.found.count} server-side script(s) (PHP, CGI, JSP …) in folders meant for "
                    "uploads, images or cache. A web server runs such a file when asked for it: the "
                    f"classic webshell after an upload form let anything through.{self.found.more()}"
                ),
                evidence=tuple(self.found.items),
                next_step="Read them (do not open them in a browser); find the request that created them in the access log.",
            )


class RecentActivity:
    """The newest changes (ctime) outside logs and caches: where to look first."""

    NOISY = re.compile(r"^/(var/log|var/cache|var/lib/php/sessions|proc|run)/|/\.cache/")

    def __init__(self, limit: int = 15) -> None:
        self.limit = limit
        self.heap: list[tuple[int, str]] = []

    def observe(self, entry: FileStat) -> None:
        if entry.type == "d" or self.NOISY.search(entry.path):
            return
        item = (entry.ctime_ns, entry.path)
        if len(self.heap) < self.limit:
            heapq.heappush(self.heap, item)
        elif item > self.heap[0]:
            heapq.heapreplace(self.heap, item)

    def findings(self) -> Iterable[Finding]:
        if not self.heap:
            return
        newest = sorted(self.heap, reverse=True)
        yield Finding(
            check="quick.recent-activity",
            title="Most recently changed files",
            severity=Severity.INFO,
            confidence=1.0,
            reason="The files whose inode changed last (ctime, which 'touch' cannot set back), logs and caches left out.",
            evidence=tuple(Evidence(path=path, note=f"ctime {_iso(ns)}") for ns, path in newest),
        )


#: Temp-folder executables, setuid files and forged times are the timeline's
#: (:mod:`breachkit.timeline.findings`), which sees all four times and the host's
#: usual rhythm; these are the checks that need nothing but the path and mode.
WALK_CHECKS: tuple[Callable[[], WalkCheck], ...] = (
    WebUploadScripts,
    RecentActivity,
)


# -- checks on small files ----------------------------------------------------


def _lines(source: Source, path: str) -> Iterator[tuple[int, str]]:
    try:
        data, _ = source.read_bytes(path, SMALL)
    except OSError:
        return
    yield from enumerate(data.decode("utf-8", "replace").splitlines(), 1)


def check_accounts(source: Source) -> Iterator[Finding]:
    """Extra uid-0 accounts, empty passwords, service accounts with a login shell."""
    nologin = ("/nologin", "/false", "/sync", "/halt", "/shutdown")
    for number, line in _lines(source, "/etc/passwd"):
        fields = line.split(":")
        if len(fields) < 7 or line.startswith("#"):
            continue
        name, _, uid, _, _, _, shell = fields[:7]
        if uid == "0" and name != "root":
            yield Finding(
                "quick.accounts",
                "A second account with root's uid 0",
                Severity.CRITICAL,
                0.9,
                f"Account '{name}' has uid 0: it is root under another name, a classic backdoor.",
                (Evidence(path="/etc/passwd", line=number, excerpt=line),),
                "Lock it only after preserving evidence; find when /etc/passwd changed.",
            )
        if name in SERVICE_USERS and not shell.endswith(nologin):
            yield Finding(
                "quick.accounts",
                f"Service account '{name}' has a login shell",
                Severity.MEDIUM,
                0.6,
                f"'{name}' runs a service and should not log in, yet its shell is {shell}.",
                (Evidence(path="/etc/passwd", line=number, excerpt=line),),
            )
    for number, line in _lines(source, "/etc/shadow"):
        fields = line.split(":")
        if len(fields) >= 2 and fields[1] == "" and not line.startswith("#"):
            yield Finding(
                "quick.accounts",
                f"Account '{fields[0]}' has no password",
                Severity.HIGH,
                0.9,
                "An empty password field lets anyone log in as this account where the service allows it.",
                (Evidence(path="/etc/shadow", line=number, excerpt=f"{fields[0]}:<empty>:…"),),
            )


def check_preload(source: Source) -> Iterator[Finding]:
    """``/etc/ld.so.preload``: every program loads the libraries listed there."""
    entries = [
        (n, line)
        for n, line in _lines(source, "/etc/ld.so.preload")
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if entries:
        yield Finding(
            "quick.preload",
            "Libraries forced into every program (ld.so.preload)",
            Severity.CRITICAL,
            0.8,
            "/etc/ld.so.preload makes every program load these libraries first: the usual hook of "
            "userland rootkits, which then hide files, processes and connections from the tools you run.",
            tuple(Evidence(path="/etc/ld.so.preload", line=n, excerpt=line) for n, line in entries),
            "Trust no output of this live system; examine a read-only image from another machine.",
        )


SUSPICIOUS_COMMAND = re.compile(
    r"(/tmp/|/var/tmp/|/dev/shm/|curl|wget|base64|\bnc\b|ncat|bash -i|/dev/tcp/|python[23]? -c|perl -e)"
)


def check_crontabs(source: Source) -> Iterator[Finding]:
    """Per-user crontabs of service accounts, and cron lines that fetch or run from temp folders."""
    spool = "/var/spool/cron/crontabs"
    try:
        users = source.listdir(spool)
    except OSError:
        users = []
    for user in users:
        path = f"{spool}/{user}"
        lines = [(n, line) for n, line in _lines(source, path) if line.strip() and not line.lstrip().startswith("#")]
        if not lines:
            continue
        severity = Severity.HIGH if user in SERVICE_USERS else Severity.LOW
        yield Finding(
            "quick.cron",
            f"Crontab of user '{user}'",
            severity,
            0.7 if user in SERVICE_USERS else 0.4,
            (
                f"The service account '{user}' has its own crontab: a web server user gets one when an attacker "
                "with a webshell wants to come back."
                if user in SERVICE_USERS
                else f"User '{user}' has scheduled jobs; check each is known."
            ),
            tuple(Evidence(path=path, line=n, excerpt=line) for n, line in lines[:MAX_EVIDENCE]),
        )
    for folder in ("/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily"):
        try:
            names = source.listdir(folder)
        except OSError:
            continue
        for name in names:
            path = f"{folder}/{name}"
            hits = [
                (n, line)
                for n, line in _lines(source, path)
                if SUSPICIOUS_COMMAND.search(line) and not line.lstrip().startswith("#")
            ]
            if hits:
                yield Finding(
                    "quick.cron",
                    "Scheduled job that downloads or runs from temp folders",
                    Severity.HIGH,
                    0.6,
                    f"{path} runs commands that fetch code, decode it or start it from a temp folder.",
                    tuple(Evidence(path=path, line=n, excerpt=line) for n, line in hits[:MAX_EVIDENCE]),
                )
    for n, line in _lines(source, "/etc/crontab"):
        if SUSPICIOUS_COMMAND.search(line) and not line.lstrip().startswith("#"):
            yield Finding(
                "quick.cron",
                "System crontab line that downloads or runs from temp folders",
                Severity.HIGH,
                0.6,
                "/etc/crontab runs commands that fetch code, decode it or start it from a temp folder.",
                (Evidence(path="/etc/crontab", line=n, excerpt=line),),
            )


FILE_CHECKS: tuple[Callable[[Source], Iterator[Finding]], ...] = (check_accounts, check_preload, check_crontabs)


# -- running it ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuickResult:
    findings: tuple[Finding, ...]
    entries: int
    warnings: int
    warning_kinds: dict[str, int]


def analyze(source: Source) -> QuickResult:
    """All quick checks over ``source`` in one pass of its walk."""
    checks = [make() for make in WALK_CHECKS]
    entries = 0
    warnings = 0
    kinds: dict[str, int] = {}
    for entry in source.walk():
        if isinstance(entry, WarningRecord):
            warnings += 1
            kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
            continue
        entries += 1
        for check in checks:
            check.observe(entry)
    found: list[Finding] = []
    for check in checks:
        found.extend(check.findings())
    for file_check in FILE_CHECKS:
        found.extend(file_check(source))
    return QuickResult(tuple(ranked(found)), entries, warnings, kinds)


def _mode_note(entry: FileStat) -> str:
    return f"mode {stat.filemode(entry.mode)}, uid {entry.uid}, {entry.size} bytes, ctime {_iso(entry.ctime_ns)}"


def _iso(ns: int) -> str:
    try:
        return datetime.fromtimestamp(ns / 1e9, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{ns} ns"
