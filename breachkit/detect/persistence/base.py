"""Shared pieces of the persistence checks: reading small files through a source, judging commands.

Every persistence artifact is read through the :class:`~breachkit.sources.base.Source`
protocol, so the checks run the same on a live root, a mounted image and a
collected bundle. A file that does not exist is normal (not every host has
every artifact); a file that exists but cannot be read becomes a warning with
its path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from breachkit.findings import Evidence, Finding, Severity
from breachkit.host.records import WarningRecord
from breachkit.sources.base import Source

SMALL = 4 * 1024 * 1024
MAX_EVIDENCE = 25
MAX_FILES_PER_DIR = 5000

#: Accounts that run services and should neither log in nor schedule jobs of their own.
SERVICE_USERS = frozenset(
    [
        "www-data",
        "apache",
        "nginx",
        "http",
        "wwwrun",
        "lighttpd",
        "nobody",
        "daemon",
        "mysql",
        "postgres",
        "redis",
        "bin",
        "sys",
        "games",
        "man",
        "lp",
        "mail",
        "news",
        "uucp",
        "proxy",
        "backup",
        "list",
        "irc",
        "gnats",
        "_apt",
        "sshd",
        "systemd-network",
        "systemd-timesync",
        "messagebus",
        "tomcat",
        "jenkins",
        "git",
    ]
)


@dataclass
class Reader:
    """Reads small text files of a source; collects warnings instead of raising."""

    source: Source
    warnings: list[WarningRecord] = field(default_factory=list)

    def text(self, path: str) -> str | None:
        """The file decoded as UTF-8 (invalid bytes replaced), ``None`` if it does not exist or is unreadable."""
        try:
            data, truncated = self.source.read_bytes(path, SMALL)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return None
        except OSError as exc:
            if getattr(exc, "errno", None) in (21, 22):  # a directory, a FIFO/device: not a config file
                self.warnings.append(WarningRecord(path, "not-regular", "expected a regular file; not read"))
            else:
                self.warnings.append(WarningRecord(path, "unreadable", f"not checked: {exc.strerror or exc}"))
            return None
        if truncated:
            self.warnings.append(WarningRecord(path, "truncated", f"only the first {SMALL} bytes were checked"))
        return data.decode("utf-8", "replace")

    def lines(self, path: str) -> Iterator[tuple[int, str]]:
        """(line number, line) of non-blank, non-comment lines."""
        text = self.text(path)
        if text is None:
            return
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                yield number, line

    def listdir(self, path: str) -> list[str]:
        try:
            names = self.source.listdir(path)
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            self.warnings.append(WarningRecord(path, "unreadable", f"folder not listed: {exc.strerror or exc}"))
            return []
        if len(names) > MAX_FILES_PER_DIR:
            self.warnings.append(
                WarningRecord(path, "truncated", f"{len(names)} entries; only the first {MAX_FILES_PER_DIR} checked")
            )
        return names[:MAX_FILES_PER_DIR]

    def files(self, folder: str) -> list[str]:
        """Host paths of the entries in ``folder`` (not recursive)."""
        return [f"{folder.rstrip('/')}/{name}" for name in self.listdir(folder)]


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    uid: int
    home: str
    shell: str
    line: int


def accounts(reader: Reader) -> list[Account]:
    """Accounts of the examined host's /etc/passwd."""
    found = []
    for number, line in reader.lines("/etc/passwd"):
        fields = line.split(":")
        if len(fields) >= 7 and fields[2].isdigit():
            found.append(Account(fields[0], int(fields[2]), fields[5], fields[6].strip(), number))
    return found


def homes(reader: Reader) -> list[tuple[str, str]]:
    """(user, home folder) for every account with a home, plus /root and /home/* not in passwd."""
    seen: dict[str, str] = {}
    for account in accounts(reader):
        if account.home.startswith("/") and account.home not in ("/", "/nonexistent", "/dev/null"):
            seen.setdefault(account.home, account.name)
    seen.setdefault("/root", "root")
    for name in reader.listdir("/home"):
        seen.setdefault(f"/home/{name}", name)
    return [(user, home) for home, user in seen.items()]


# -- commands ---------------------------------------------------------------------

_DOWNLOAD = re.compile(
    r"\b(curl|wget|fetch|lwp-download|tftp)\b[^|;&]*(\|\s*(ba|z|da)?sh\b|-O\s*-?\s*\|)|\b(curl|wget)\b[^;&|]*\|\s*(python|perl|php|ba?sh)",
    re.I,
)
_FETCH = re.compile(r"\b(curl|wget|fetch|lwp-download|tftp)\s", re.I)
_REVERSE = re.compile(
    r"/dev/(tcp|udp)/|\b(nc|ncat|netcat)\b[^\n]*\s-[a-z]*[ec]\s|\bbash\s+-i\b|\bsh\s+-i\b|socat\s[^\n]*exec:|mkfifo\s",
    re.I,
)
_INLINE = re.compile(r"\b(python[23]?|perl|php|ruby)\s+-(c|e|r)\s|\bbase64\s+(-d|--decode)|\bxxd\s+-r", re.I)
#: A program started from a temp folder: at the start of a command, after a shell/launcher word, or "cd /tmp...; ./x".
_TEMP = re.compile(
    r"(^|[;&|(`]\s*|\b(sh|bash|dash|nohup|exec|setsid|python[23]?|perl|php|chmod\s+[+0-7a-z]+)\s+)['\"]?(/tmp|/var/tmp|/dev/shm)/\S"
    r"|\bcd\s+['\"]?(/tmp|/var/tmp|/dev/shm)\b[^;&|]*([;&|]+|\|\|)\s*(\S+\s+)?\./"
)
#: A hidden folder where nothing should be hidden (temp, web and system folders), or names made to look empty.
_HIDDEN = re.compile(
    r"(/tmp|/var/tmp|/dev/shm|/var/www|/srv|/usr|/lib|/etc|/opt|/bin|/sbin)(/[^/\s'\"]+)*/\.[A-Za-z0-9_\-][^/\s'\"]*|/\.\.\.|/\.\s"
)
_IP_PORT = re.compile(r"\b\d{1,3}(\.\d{1,3}){3}:\d{2,5}\b")
_BACKGROUND = re.compile(r"\bnohup\b|>\s*/dev/null\s+2>&1\s*&|\bsetsid\b|\bdisown\b")


@dataclass(frozen=True, slots=True)
class CommandRisk:
    severity: Severity
    reasons: tuple[str, ...]


def judge_command(command: str) -> CommandRisk | None:
    """Why a command line found in a start-up or schedule file looks like an attacker's, if it does."""
    reasons: list[str] = []
    severity = Severity.INFO
    if _REVERSE.search(command):
        reasons.append("opens a shell over the network (reverse shell)")
        severity = Severity.CRITICAL
    if _DOWNLOAD.search(command):
        reasons.append("downloads code and runs it straight away")
        severity = Severity.CRITICAL
    elif _FETCH.search(command):
        reasons.append("downloads something")
        severity = max(severity, Severity.MEDIUM)
    if _INLINE.search(command):
        reasons.append("runs decoded or inline code")
        severity = max(severity, Severity.HIGH)
    if _TEMP.search(command):
        reasons.append("runs from a world-writable temp folder")
        severity = max(severity, Severity.HIGH)
    if _HIDDEN.search(command):
        reasons.append("uses a hidden folder")
        severity = max(severity, Severity.HIGH)
    if _IP_PORT.search(command):
        reasons.append("names a raw IP address and port")
        severity = max(severity, Severity.MEDIUM)
    if _BACKGROUND.search(command) and reasons:
        reasons.append("detaches itself and hides its output")
    if not reasons:
        return None
    return CommandRisk(severity, tuple(reasons))


def finding(
    check: str,
    title: str,
    severity: Severity,
    confidence: float,
    reason: str,
    evidence: list[Evidence],
    next_step: str | None = None,
) -> Finding:
    hidden = len(evidence) - MAX_EVIDENCE
    if hidden > 0:
        reason += f" ({hidden} more not listed)"
    return Finding(
        check=check,
        title=title,
        severity=severity,
        confidence=confidence,
        reason=reason,
        evidence=tuple(evidence[:MAX_EVIDENCE]),
        next_step=next_step
        or "Keep the file as evidence; find when it changed (ctime) and what else changed then; remove the entry only when rebuilding.",
    )
