"""Read every log of a source, put the events in the case tables and run the detections.

:func:`analyze` is the library entry point behind ``breachkit logs`` and the
triage step. The system logs (auth, syslog/messages/kern.log, cron, journal,
wtmp/btmp/utmp, lastlog, audit, shell histories, dpkg/apt/yum, web error logs)
stream through their parsers once; each record becomes an
:class:`breachkit.events.Event` row of the ``events`` table and feeds the
detections. Web access logs (found through the web server's configuration,
then by name under ``/var/log/apache2``, ``/var/log/httpd`` and
``/var/log/nginx``) are loaded in bulk by DuckDB (:mod:`breachkit.logs.webload`)
and judged by SQL (:mod:`breachkit.logs.web`). Memory stays flat: rows go to
DuckDB in batches and the detections keep bounded state.

A rerun replaces exactly the ``events`` rows of the sources listed in
:data:`SOURCES` (other writers' rows, such as the file timeline, stay) and the
whole ``web_requests`` table.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from breachkit import tables
from breachkit.artifacts.linux.apt import read_apt_history
from breachkit.artifacts.linux.audit import read_audit
from breachkit.artifacts.linux.auth import auth_families, classify
from breachkit.artifacts.linux.cron_log import cron_families, cron_run, read_cron
from breachkit.artifacts.linux.dpkg_log import read_dpkg_log
from breachkit.artifacts.linux.history import history_files, read_history
from breachkit.artifacts.linux.journal import journal_files, read_journal
from breachkit.artifacts.linux.lastlog import read_lastlog
from breachkit.artifacts.linux.syslog import SyslogParser, syslog_families
from breachkit.artifacts.linux.utmp import read_utmp, utmp_families
from breachkit.artifacts.linux.yum import read_yum
from breachkit.artifacts.rotated import Problems, families, family
from breachkit.artifacts.web.access import LogFormat
from breachkit.artifacts.web.config import WebConfig, read_config
from breachkit.artifacts.web.error import read_error_log
from breachkit.artifacts.years import TimeContext, host_zone
from breachkit.events import EVENT_COLUMNS, Event
from breachkit.findings import Evidence, Finding, Severity, ranked
from breachkit.logs.auth import AuthDetector
from breachkit.logs.common import Bounded
from breachkit.logs.hidden_logins import hidden_logins, lastlog_not_in_wtmp
from breachkit.logs.host import HostDetector
from breachkit.logs.thinning import thinned_logs
from breachkit.logs.web import WebDetector
from breachkit.logs.webload import WebLoader, copy_to_events
from breachkit.logs.wiping import Gap, cut_logs, gap_note, history_findings, rewritten_logs, stopped_logs
from breachkit.sources.base import Source

EVENTS_TABLE = "events"
#: ``source`` values this analysis writes; a rerun replaces exactly these rows.
SOURCES = (
    "auth",
    "syslog",
    "cron",
    "journal",
    "wtmp",
    "btmp",
    "utmp",
    "lastlog",
    "audit",
    "shell-history",
    "dpkg",
    "apt",
    "yum",
    "web-access",
    "web-error",
)
#: Programs whose journal entries are auth-log messages.
AUTH_PROGRAMS = frozenset(
    [
        "sshd",
        "sudo",
        "su",
        "useradd",
        "usermod",
        "userdel",
        "groupadd",
        "passwd",
        "chpasswd",
        "gpasswd",
        "login",
        "systemd-logind",
    ]
)
WEB_LOG_DIRS = ("/var/log/apache2", "/var/log/httpd", "/var/log/nginx")
_ACCESS_NAME = re.compile(r"access")
_ERROR_NAME = re.compile(r"error")
#: Silence in a system log longer than this, between busy stretches, is reported.
GAP_NS = 6 * 3600 * 1_000_000_000
#: Silences kept for judging (each is checked against the other logs); the rest are counted.
MAX_GAPS = 1_000


@dataclass(frozen=True, slots=True)
class Window:
    """Only events in ``[start_ns, end_ns)`` (either end open when None)."""

    start_ns: int | None = None
    end_ns: int | None = None

    def __contains__(self, time_ns: int) -> bool:
        return (self.start_ns is None or time_ns >= self.start_ns) and (self.end_ns is None or time_ns < self.end_ns)


@dataclass
class LogsResult:
    """What :func:`analyze` found and read."""

    findings: list[Finding]
    events: int
    files: list[str]
    problems: Problems
    web: WebConfig
    by_source: dict[str, int] = field(default_factory=dict)


def analyze(
    source: Source,
    *,
    window: Window | None = None,
    clock_offset_s: float = 0.0,
    con: Any | None = None,
    fallback_ns: int | None = None,
) -> LogsResult:
    """Parse the source's logs into the ``events`` (and ``web_requests``) tables and run the detections.

    ``con`` is the case's DuckDB connection; without one the tables live in a
    scratch database that is removed afterwards.
    """
    window = window or Window()
    problems = Problems()
    zone = host_zone(source, problems)
    time_context = TimeContext(
        zone, fallback_ns if fallback_ns is not None else time.time_ns(), int(clock_offset_s * 1e9)
    )
    web = read_config(source, problems)
    scratch = None
    if con is None:
        scratch = tempfile.TemporaryDirectory(prefix="breachkit-logs-")
        con = tables.connect(Path(scratch.name))
    loader = WebLoader(con, source, time_context, problems, window.start_ns, window.end_ns)
    try:
        run = _Run(source, time_context, problems, web, window, loader)
        tables.create_table(con, EVENTS_TABLE, EVENT_COLUMNS, replace=False)
        placeholders = ", ".join("?" for _ in SOURCES)
        con.execute(f'DELETE FROM "{EVENTS_TABLE}" WHERE source IN ({placeholders})', list(SOURCES))  # noqa: S608
        written = tables.append_rows(con, EVENTS_TABLE, EVENT_COLUMNS, (event.row() for event in run.events()))
        run.load_access_logs()
        run.counts["web-access"] = loader.finish()
        written += copy_to_events(con, EVENTS_TABLE)
        findings = list(run.auth.findings()) + WebDetector(con, source).findings() + list(run.host.findings())
        findings += list(run.integrity_findings(con))
        findings += list(thinned_logs(con, EVENTS_TABLE, SOURCES))
        findings += list(hidden_logins(con, EVENTS_TABLE))
        findings += list(lastlog_not_in_wtmp(con, EVENTS_TABLE))
        findings += list(stopped_logs(con, EVENTS_TABLE, source))
        findings += list(rewritten_logs(con, EVENTS_TABLE, source))
        findings += list(history_findings(con, EVENTS_TABLE, history_files(source)))
    finally:
        loader.close()
        if scratch is not None:
            con.close()
            scratch.cleanup()
    return LogsResult(ranked(findings), written, run.files, problems, web, dict(run.counts))


class _Run:
    def __init__(
        self,
        source: Source,
        time_context: TimeContext,
        problems: Problems,
        web: WebConfig,
        window: Window,
        loader: WebLoader,
    ) -> None:
        self.loader = loader
        self.source = source
        self.time = time_context
        self.problems = problems
        self.config = web
        self.window = window
        self.auth = AuthDetector(time_context.zone)
        self.host = HostDetector()
        self.files: list[str] = []
        self.counts: dict[str, int] = {}
        self.gaps: list[Gap] = []
        self.gap_count = 0

    def events(self) -> Iterator[Event]:
        """Every event of every log, feeding the detections on the way."""
        yield from self._auth_and_syslog()
        yield from self._binary_logins()
        yield from self._other_host_logs()
        yield from self._web()

    def _auth_and_syslog(self) -> Iterator[Event]:
        window = self.window
        parser = SyslogParser(self.source, self.time, self.problems)
        auth_files = auth_families(self.source)
        for members in auth_files:
            self.files += members
            for line in self._gapped(parser.read(members)):
                if line.time_ns in window:
                    record = classify(line)
                    self.auth.observe(record)
                    self._count("auth")
                    yield record.event()
        for members in syslog_families(self.source):
            self.files += members
            lines = parser.read(members)
            # kern.log is quiet for weeks on a healthy host: only the busy logs show holes.
            for line in lines if "kern" in members[-1] else self._gapped(lines):
                if line.time_ns in window:
                    run = cron_run(line)
                    if run is not None:
                        self.host.observe_cron(run)
                        self._count("cron")
                        yield run.event()
                    else:
                        self._count("syslog")
                        yield line.event()
        for run in read_cron(self.source, self.time, self.problems):
            if run.time_ns in window:
                self.host.observe_cron(run)
                self._count("cron")
                yield run.event()
        self.files += cron_families_flat(self.source)
        journal_seen = False
        for line in read_journal(self.source, self.time, self.problems):
            journal_seen = True
            if line.time_ns not in window:
                continue
            self._count("journal")
            if line.program in AUTH_PROGRAMS or line.program.startswith("sshd"):
                record = classify(line)
                if not auth_files:
                    # With rsyslog the same messages are in auth.log: count them once.
                    self.auth.observe(record)
                event = record.event()
                yield replace(event, source="journal")
            else:
                run = cron_run(line)
                if run is not None and not auth_files:
                    self.host.observe_cron(run)
                yield line.event(source="journal", kind="line")
        if journal_seen:
            self.files += journal_files(self.source)

    def _binary_logins(self) -> Iterator[Event]:
        window = self.window
        for name, members in utmp_families(self.source):
            self.files += members
            for record in read_utmp(self.source, members, self.problems):
                if record.time_ns in window and record.type != "empty":
                    self._count(name)
                    yield record.event(name)
        for login in read_lastlog(self.source, self.problems, self.time.clock_offset_ns):
            if login.time_ns in window:
                self.host.observe_lastlog(login)
                self._count("lastlog")
                yield login.event()

    def _other_host_logs(self) -> Iterator[Event]:
        window = self.window
        for audit in read_audit(self.source, self.time, self.problems):
            if audit.time_ns in window:
                self.host.observe_audit(audit)
                self._count("audit")
                yield audit.event()
        for command in read_history(self.source, self.time, self.problems):
            # Untimed commands carry the file's mtime: judge them whatever the window says.
            self.host.observe_history(command)
            if command.time_ns in window:
                self._count("shell-history")
                yield command.event()
        for action in read_dpkg_log(self.source, self.time, self.problems):
            if action.time_ns in window:
                if action.package and action.action in ("install", "upgrade", "remove", "purge"):
                    evidence = Evidence(
                        path=action.source_file, line=action.source_line, excerpt=f"{action.action} {action.detail}"
                    )
                    self.host.observe_package(action.package.split(":")[0], action.action, evidence)
                self._count("dpkg")
                yield action.event()
        for apt in read_apt_history(self.source, self.time, self.problems):
            if apt.time_ns in window:
                self._count("apt")
                yield apt.event()
        for change in read_yum(self.source, self.time, self.problems):
            if change.time_ns in window:
                evidence = Evidence(
                    path=change.source_file, line=change.source_line, excerpt=f"{change.action}: {change.package}"
                )
                self.host.observe_package(change.package, change.action, evidence)
                self._count("yum")
                yield change.event()

    def load_access_logs(self) -> None:
        """Every access log into ``web_requests`` (bulk, see :mod:`breachkit.logs.webload`)."""
        for members, fmt, site in self._web_logs():
            self.files += members
            self.loader.load(members, fmt, site)

    def _web(self) -> Iterator[Event]:
        window = self.window
        for members, site in self._error_logs():
            self.files += members
            for line in read_error_log(self.source, members, self.time, self.problems):
                if line.time_ns in window:
                    self.host.observe_error(line, site)
                    self._count("web-error")
                    yield line.event(None if site.startswith("/") else site)

    def _error_logs(self) -> Iterator[tuple[list[str], str]]:
        seen: set[str] = set()
        for vhost in self.config.vhosts:
            for path in vhost.error_logs:
                if path in seen:
                    continue
                seen.add(path)
                folder, _, base = path.rpartition("/")
                members = family(self.source, folder or "/", base)
                if members:
                    yield members, vhost.name
        for folder in WEB_LOG_DIRS:
            for members in families(self.source, folder, _ERROR_NAME):
                live = _live_path(members[-1])
                if live not in seen:
                    seen.add(live)
                    yield members, live

    def _count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def _gapped(self, lines: Iterator[Any]) -> Iterator[Any]:
        """Pass lines through, noting long silences (a log with a hole may have been cut)."""
        last = None
        for line in lines:
            if last is not None and line.time_ns - last.time_ns > GAP_NS:
                self.gap_count += 1
                if len(self.gaps) < MAX_GAPS:
                    note = gap_note(last.time_ns, line.time_ns, f"{last.source_file}:{last.source_line}")
                    evidence = Evidence(path=line.source_file, line=line.source_line, note=note)
                    self.gaps.append(Gap(_live_path(line.source_file), last.time_ns, line.time_ns, evidence))
            last = line
            yield line

    def _web_logs(self) -> Iterator[tuple[list[str], LogFormat | None, str]]:
        """(family, format, site) for every access log: configured ones first, then the rest by name."""
        seen: set[str] = set()
        for spec, vhost in self.config.all_logs():
            if spec.path in seen:
                continue
            seen.add(spec.path)
            folder, _, base = spec.path.rpartition("/")
            members = family(self.source, folder or "/", base)
            if members:
                yield members, spec.format, vhost.name if vhost is not None else spec.path
        for folder in WEB_LOG_DIRS:
            for members in families(self.source, folder, _ACCESS_NAME):
                live = _live_path(members[-1])
                if live not in seen:
                    seen.add(live)
                    yield members, None, live

    def integrity_findings(self, con: Any) -> Iterator[Finding]:
        tampered = [item for item in self.problems.items if item.kind in ("zeroed-record", "partial-record")]
        if tampered:
            yield Finding(
                check="logs.login-records-tampered",
                title="Login records (wtmp/btmp) zeroed or cut",
                severity=Severity.HIGH,
                confidence=0.7,
                reason=(
                    f"{len(tampered)} record(s) of the binary login files are all zero bytes between real records, "
                    "or a file ends in a partial record. Programs that write these files never do that; tools that "
                    "hide a login from 'last' do."
                ),
                evidence=tuple(Evidence(path=item.path, note=item.detail) for item in tampered[:25]),
                next_step="Compare the logins in auth.log with 'last' output; a login in auth.log missing from wtmp was hidden.",
            )
        backwards = [item for item in self.problems.items if item.kind == "time-backwards"]
        count = self.problems.counts.get("time-backwards", 0)
        if count:
            yield Finding(
                check="logs.time-backwards",
                title="Log lines out of time order",
                severity=Severity.MEDIUM,
                confidence=0.4,
                reason=(
                    f"{count} line(s) are more than a minute earlier than the line before them. A clock that was "
                    "set back does this, and so do lines inserted by hand."
                ),
                evidence=tuple(Evidence(path=item.path, note=item.detail) for item in backwards[:25]),
            )
        # A hole the other logs wrote through was cut; one they share is the machine being off.
        cut, holes = cut_logs(con, EVENTS_TABLE, self.gaps)
        yield from cut
        count = len(holes) + self.gap_count - len(self.gaps)
        if count:
            shown = Bounded()
            for hole in holes:
                shown.add(hole.evidence)
            shown.count = count
            yield Finding(
                check="logs.time-gap",
                title="Holes in the system logs",
                severity=Severity.MEDIUM,
                confidence=0.4,
                reason=(
                    f"{count} silence(s) of more than {GAP_NS // 3_600_000_000_000} hours in logs that cron "
                    "alone writes to every hour. The machine may have been off, or lines were removed."
                    f"{shown.more()}"
                ),
                evidence=tuple(shown.items),
                next_step="Compare with the wtmp reboot records and the hosting provider's records of the machine.",
            )


def cron_families_flat(source: Source) -> list[str]:
    return [path for members in cron_families(source) for path in members]


def _live_path(path: str) -> str:
    from breachkit.artifacts.rotated import _base_name

    folder, _, name = path.rpartition("/")
    return f"{folder}/{_base_name(name)}"
