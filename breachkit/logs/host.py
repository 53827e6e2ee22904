"""Detections on the host's other logs: cron jobs, shell histories, packages, audit, lastlog, stderr in web logs.

Each ``observe_*`` method is fed one record; :meth:`HostDetector.findings`
reports at the end. State is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from breachkit.artifacts.linux.audit import AuditEvent
from breachkit.artifacts.linux.cron_log import CronRun
from breachkit.artifacts.linux.history import ShellCommand
from breachkit.artifacts.linux.lastlog import LastLogin
from breachkit.artifacts.web.error import ErrorLine
from breachkit.findings import Evidence, Finding, Severity
from breachkit.logs.auth import SERVICE_USERS
from breachkit.logs.common import Bounded, line_evidence, span

TEMP_PLACES = re.compile(r"(^|[\s;|&'\"=])(/tmp/|/var/tmp/|/dev/shm/|/run/shm/|\S*/\.[^/\s]+/)")
DOWNLOAD_RUN = re.compile(
    r"\b(wget|curl|fetch|tftp)\b[^|;]*(https?|ftp)://|\|\s*(ba|da|z)?sh\b|base64\s+-d|\bnc(at)?\b.*\s-[ec]\b|"
    r"/dev/tcp/|\bchmod\s+[+0-7]*[x75]|\bpython[23]?\s+-c\b.*socket|\bperl\s+-e\b.*socket|\bmkfifo\b|\bsocat\b.*exec",
    re.IGNORECASE,
)
ANTI_FORENSICS = re.compile(
    r"history\s+-c|unset\s+HISTFILE|HISTFILE=/dev/null|HISTSIZE=0|set\s+\+o\s+history|shred\b|"
    r"rm\s+(-\w+\s+)*/var/log|>\s*/var/log/|\btouch\s+-[adtr]|utmpdump|wtmpclean|\bunlink\s+/var/log",
    re.IGNORECASE,
)
OFFENSIVE_PACKAGES = re.compile(
    r"^(nmap|ncat|nmap-ncat|netcat\S*|socat|masscan|hydra|john|hashcat|sqlmap|nikto|proxychains\S*|tor|"
    r"medusa|aircrack-ng|tcpdump|wireshark\S*|tshark|gcc|make|build-essential|zmap|responder)(:\w+)?(-\d.*)?$"
)
LOGGING_PACKAGES = re.compile(
    r"^(rsyslog|syslog-ng|auditd|audit|systemd-journal-remote|aide|tripwire|ossec\S*|wazuh\S*)(:\w+)?(-\d.*)?$"
)
SHELL_STDERR = re.compile(
    r"^(sh|bash|dash|/bin/sh|/bin/bash)(: line)?: \d*:?|: (command )?not found$|^--\d{4}-\d\d-\d\d \d\d:\d\d:\d\d--\s+\w+://|"
    r"^(Connecting to|Resolving|HTTP request sent|Saving to:|Length: )|^\s*% Total\s+% Received|Permission denied$",
)
SERVICE_UIDS = frozenset(["33", "48", "65534", "1"])  # www-data (Debian), apache (RHEL), nobody, daemon


@dataclass
class _Job:
    user: str
    command: str
    count: int
    first: CronRun
    last_ns: int


class HostDetector:
    """Cron, shell-history, package, audit, lastlog and web-stderr detections."""

    def __init__(self) -> None:
        self.jobs: dict[tuple[str, str], _Job] = {}
        self.history_bad = Bounded()
        self.history_wipe = Bounded()
        self.packages_tools = Bounded()
        self.packages_logging = Bounded()
        self.audit_service = Bounded()
        self.lastlog_service = Bounded()
        self.stderr = Bounded()

    def observe_cron(self, run: CronRun) -> None:
        # A service account's own jobs (wp-cron, a shop's import) are normal; what runs from a
        # temp or hidden folder, or fetches and runs code, is not.
        if not (TEMP_PLACES.search(run.command) or DOWNLOAD_RUN.search(run.command)):
            return
        key = (run.user, run.command)
        job = self.jobs.get(key)
        if job is None:
            if len(self.jobs) < 10_000:
                self.jobs[key] = _Job(run.user, run.command, 1, run, run.time_ns)
            return
        job.count += 1
        job.last_ns = max(job.last_ns, run.time_ns)

    def observe_history(self, command: ShellCommand) -> None:
        text = command.command
        note = f"{command.user} ({command.shell})" + ("" if command.timed else ", time of the file")
        if ANTI_FORENSICS.search(text):
            self.history_wipe.add(line_evidence(command.source_file, command.source_line, text, note))
        elif DOWNLOAD_RUN.search(text):
            self.history_bad.add(line_evidence(command.source_file, command.source_line, text, note))

    def observe_package(self, name: str, action: str, evidence: Evidence) -> None:
        action = action.lower()
        if action.startswith(("install", "upgrade")) and OFFENSIVE_PACKAGES.match(name):
            self.packages_tools.add(evidence)
        elif action.startswith(("remove", "purge", "erase")) and LOGGING_PACKAGES.match(name):
            self.packages_logging.add(evidence)

    def observe_audit(self, event: AuditEvent) -> None:
        if event.kind != "exec" or not event.command:
            return
        uid = event.fields.get("uid", "")
        name = event.fields.get("UID", "")
        if (uid in SERVICE_UIDS or name in SERVICE_USERS) and (
            DOWNLOAD_RUN.search(event.command) or re.search(r"\b(sh|bash|dash)\b", event.command)
        ):
            self.audit_service.add(
                line_evidence(event.source_file, event.source_line, event.command, f"uid {uid or name}")
            )

    def observe_lastlog(self, login: LastLogin) -> None:
        if login.user in SERVICE_USERS:
            note = f"{login.user} last logged in on {login.line or '-'} from {login.host or '-'}"
            self.lastlog_service.add(Evidence(path=login.source_file, line=login.uid, note=note))

    def observe_error(self, line: ErrorLine, site: str) -> None:
        if line.level == "stderr" and SHELL_STDERR.search(line.message):
            self.stderr.add(line_evidence(line.source_file, line.source_line, line.message, site))

    def findings(self) -> Iterator[Finding]:
        if self.jobs:
            jobs = sorted(self.jobs.values(), key=lambda job: -job.count)
            yield Finding(
                check="logs.cron-suspicious-job",
                title="Cron keeps running a program from a temp or hidden folder",
                severity=Severity.HIGH,
                confidence=0.8,
                reason=(
                    f"{len(jobs)} cron job(s) start a program from /tmp, /dev/shm or a hidden folder, or download "
                    "and run code. That is how a dropped tool is restarted after every kill or reboot"
                    + (" (here as a service account)." if any(job.user in SERVICE_USERS for job in jobs) else ".")
                ),
                evidence=tuple(
                    line_evidence(
                        job.first.source_file,
                        job.first.source_line,
                        f"({job.user}) CMD ({job.command})",
                        f"{job.count} run(s), {span(job.first.time_ns, job.last_ns)}",
                    )
                    for job in jobs[:25]
                ),
                next_step="Find the crontab that holds it (/var/spool/cron/crontabs/<user>, /etc/cron.d) and the program it starts; keep both.",
            )
        if self.history_wipe.count:
            yield Finding(
                check="logs.history-anti-forensics",
                title="Shell commands that erase history or logs",
                severity=Severity.HIGH,
                confidence=0.7,
                reason=f"{self.history_wipe.count} command(s) clear shell history, stop it being written, edit logs or reset file times.{self.history_wipe.more()}",
                evidence=tuple(self.history_wipe.items),
            )
        if self.history_bad.count:
            yield Finding(
                check="logs.history-download-execute",
                title="Shell commands that download and run code or open a remote shell",
                severity=Severity.HIGH,
                confidence=0.6,
                reason=f"{self.history_bad.count} command(s) in shell histories fetch files from the internet, pipe them into a shell, make files executable or connect a shell to a socket.{self.history_bad.more()}",
                evidence=tuple(self.history_bad.items),
                next_step="Ask the account owners; commands nobody recognises were typed by the intruder.",
            )
        if self.packages_logging.count:
            yield Finding(
                check="logs.logging-removed",
                title="Logging or audit software was removed",
                severity=Severity.HIGH,
                confidence=0.6,
                reason=f"{self.packages_logging.count} removal(s) of syslog, audit or integrity-checking packages.",
                evidence=tuple(self.packages_logging.items),
            )
        if self.packages_tools.count:
            yield Finding(
                check="logs.offensive-packages",
                title="Scanning, tunnelling or compiling tools were installed",
                severity=Severity.MEDIUM,
                confidence=0.4,
                reason=f"{self.packages_tools.count} install(s) of tools intruders use (scanners, netcat/socat, compilers, password crackers). Admins install some of them too: check when and by whom.{self.packages_tools.more()}",
                evidence=tuple(self.packages_tools.items),
            )
        if self.audit_service.count:
            yield Finding(
                check="logs.audit-service-shell",
                title="The audit log shows a service account running shells or downloads",
                severity=Severity.HIGH,
                confidence=0.8,
                reason=f"{self.audit_service.count} program run(s) recorded by the kernel audit: a web server or daemon account started a shell or a downloader.{self.audit_service.more()}",
                evidence=tuple(self.audit_service.items),
            )
        if self.lastlog_service.count:
            yield Finding(
                check="logs.lastlog-service-account",
                title="A service account has logged in",
                severity=Severity.HIGH,
                confidence=0.6,
                reason="lastlog records a login for an account that only runs a service and should never log in.",
                evidence=tuple(self.lastlog_service.items),
            )
        if self.stderr.count:
            yield Finding(
                check="logs.web-error-shell-output",
                title="Shell command output in the web server's error log",
                severity=Severity.HIGH,
                confidence=0.75,
                reason=(
                    f'{self.stderr.count} line(s) of shell or downloader output ("sh: 1: wget: not found" …) in a '
                    f"web server error log: commands ran as the web server, through a script on a site.{self.stderr.more()}"
                ),
                evidence=tuple(self.stderr.items),
                next_step="Match the times with the access log of the same site: the request just before is the one that ran them.",
            )
