"""Prevention and lessons, derived from what the case found.

Each :class:`Rule` looks at the :class:`Facts` of the case (the checks that
fired, the entry point, the dropped files, whether a baseline existed) and,
when it applies, gives one piece of advice with the findings that led to it.
Adding a lesson is one entry in :data:`RULES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from breachkit.places import SERVICE_USERS, TEMP_DIRS, WEB_ROOTS
from breachkit.report.model import DataAtRisk, DroppedFile, EntryPoint, FindingItem, Lesson

#: Severities that count as "the case found this" for a lesson (info and low are context).
COUNTED = ("critical", "high", "medium")


@dataclass(frozen=True, slots=True)
class Facts:
    findings: tuple[FindingItem, ...]
    entry: EntryPoint | None
    dropped: tuple[DroppedFile, ...]
    data_at_risk: tuple[DataAtRisk, ...]
    mentioned_addresses: tuple[str, ...]
    #: journal actions seen in the case (``baseline.create``, ``hunt`` …)
    actions: frozenset[str]

    def titles(self, *prefixes: str) -> tuple[str, ...]:
        """Titles of the counted findings whose check starts with one of ``prefixes``."""
        return tuple(
            f.title for f in self.findings if f.severity in COUNTED and any(f.check.startswith(p) for p in prefixes)
        )


@dataclass(frozen=True, slots=True)
class Rule:
    title: str
    advice: str
    because: Callable[[Facts], tuple[str, ...]]


def _entry_web_form(facts: Facts) -> tuple[str, ...]:
    reasons = list(facts.titles("logs.web-admin-post-without-login", "logs.web-upload-folder-script"))
    if facts.entry is not None:
        request = facts.entry.request
        reasons.insert(0, f"the way in was {request.method} {request.target} on {request.site or 'a web site'}")
    return tuple(reasons)


def _code_writable(facts: Facts) -> tuple[str, ...]:
    return tuple(
        f"{d.path} was written by {d.owner}"
        for d in facts.dropped
        if d.owner in SERVICE_USERS and WEB_ROOTS.match(d.path)
    )


def _service_cron(facts: Facts) -> tuple[str, ...]:
    return facts.titles("persistence.cron", "logs.cron-suspicious-job")


def _outbound(facts: Facts) -> tuple[str, ...]:
    reasons = [f"the attacker fetched files from {ip}" for ip in facts.mentioned_addresses]
    return tuple(reasons) + facts.titles("logs.history-download-execute", "live.connections", "live.connection-flood")


def _temp_programs(facts: Facts) -> tuple[str, ...]:
    dropped = tuple(f"{d.path} ({d.what})" for d in facts.dropped if d.path.startswith(TEMP_DIRS))
    return dropped or facts.titles("timeline.temp-executables")


def _no_baseline(facts: Facts) -> tuple[str, ...]:
    if any(action.startswith("baseline") for action in facts.actions):
        return ()
    if not facts.findings:
        return ()
    return ("there was no integrity baseline: what changed had to be reconstructed from package checksums and times",)


def _logs_lost(facts: Facts) -> tuple[str, ...]:
    return facts.titles(
        "logs.thinned",
        "logs.logging-removed",
        "logs.login-records-tampered",
        "logs.login-missing-from-wtmp",
        "logs.time-gap",
        "logs.time-backwards",
        "logs.history-anti-forensics",
        "logs.history-disabled",
        "logs.log-cut",
        "logs.log-stopped",
        "logs.log-rewritten",
    )


def _ssh(facts: Facts) -> tuple[str, ...]:
    return facts.titles(
        "logs.ssh-success-after-failures",
        "logs.root-login",
        "logs.ssh-brute-force",
        "logs.ssh-password-spraying",
        # Log-ins the login records were made to hide.
        "logs.lastlog-not-in-wtmp",
        "logs.login-missing-from-wtmp",
    )


def _packages(facts: Facts) -> tuple[str, ...]:
    return facts.titles("integrity.packages-changed", "integrity.md5sums-tampered", "live.package-mismatch")


def _secrets(facts: Facts) -> tuple[str, ...]:
    read = [f"{d.path} was read during the attack" for d in facts.data_at_risk if d.read_in_window]
    return tuple(read) or tuple(f"{d.path} was readable by the attacker's account" for d in facts.data_at_risk[:3])


def _unknown_entry(facts: Facts) -> tuple[str, ...]:
    if facts.entry is not None or not facts.dropped:
        return ()
    return ("the request that let the attacker in could not be found in the logs that were left",)


def _backups(facts: Facts) -> tuple[str, ...]:
    return facts.titles("hunt.no-clean-backup", "hunt.hit")


RULES: tuple[Rule, ...] = (
    Rule(
        "Patch and guard the web applications",
        "Keep every CMS, plugin and custom script patched on a schedule, with a named owner per site. "
        "Admin and upload scripts must check the login and the file type; upload folders must not run "
        "scripts (Apache: 'php_admin_flag engine off' or 'SetHandler none' there; nginx: no PHP location for them).",
        _entry_web_form,
    ),
    Rule(
        "Separate who owns the code from who runs it",
        "The web server's account could write into the sites' code folders, so a script it was tricked into "
        "writing ran as part of the site. Deploy code as a separate user, read-only for the web server; only "
        "upload folders stay writable, and those do not run scripts.",
        _code_writable,
    ),
    Rule(
        "No scheduled jobs for service accounts",
        "The attacker used cron to come back. Allow cron only for the accounts that need it (/etc/cron.allow), "
        "and watch crontabs for changes.",
        _service_cron,
    ),
    Rule(
        "Filter outbound traffic",
        "The server fetched tools from the internet and could talk to a control server. A web server needs few "
        "outbound connections (updates, mail relay, APIs it uses): allow those, block and log the rest.",
        _outbound,
    ),
    Rule(
        "No programs from temporary folders",
        "Mount /tmp, /var/tmp and /dev/shm with noexec,nosuid,nodev so dropped programs cannot run from there.",
        _temp_programs,
    ),
    Rule(
        "Keep an integrity baseline",
        "After the rebuild, record a baseline ('breachkit baseline create'), keep it off the host, and check it "
        "on a timer: the next change to a system file or web root is then found in minutes, not weeks.",
        _no_baseline,
    ),
    Rule(
        "Ship logs off the host",
        "Logs on the host were removed, thinned or tampered with. Send them to a log server the attacker cannot "
        "reach (remote syslog or journal upload) and keep rotated logs for at least 90 days.",
        _logs_lost,
    ),
    Rule(
        "Harden remote log-in",
        "Allow SSH keys only (no passwords), no direct root log-in, limit who may log in and from where, "
        "and rate-limit failed attempts.",
        _ssh,
    ),
    Rule(
        "Rebuild from trusted media, do not clean in place",
        "System files differ from what the vendor shipped. Reinstall the server from trusted media and restore "
        "data only (not programs) from a backup checked with 'breachkit hunt'.",
        _packages,
    ),
    Rule(
        "Rotate every secret the attacker could read",
        "Change the database passwords, API keys and mail passwords in these files, and keep secrets out of the "
        "web root where a webshell reads them first.",
        _secrets,
    ),
    Rule(
        "Keep enough logs to answer 'how did they get in'",
        "Keep web access and error logs of every site, with synchronised clocks, for long enough to cover the "
        "time between a break-in and its discovery.",
        _unknown_entry,
    ),
    Rule(
        "Test the backups before you need them",
        "Backups also held the attacker's files. Keep backups offline or immutable, and check a restore "
        "candidate with 'breachkit hunt --archive' before restoring it.",
        _backups,
    ),
)


def derive(facts: Facts, rules: Iterable[Rule] = RULES) -> tuple[Lesson, ...]:
    """The lessons whose rule applies to the case, each with (at most five of) its reasons."""
    lessons = []
    for rule in rules:
        because = tuple(dict.fromkeys(rule.because(facts)))
        if because:
            lessons.append(Lesson(rule.title, rule.advice, because[:5]))
    return tuple(lessons)
