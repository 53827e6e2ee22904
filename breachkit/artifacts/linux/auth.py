"""auth.log / secure: logins, privilege changes and account changes, one event per line.

Lives in ``/var/log/auth.log`` (Debian, Ubuntu) or ``/var/log/secure`` (RHEL,
Fedora, SUSE), rotated like syslog and in the same line format (see
:mod:`breachkit.artifacts.linux.syslog`). Messages recognised, as OpenSSH 7-9,
sudo 1.8-1.9, util-linux su, shadow-utils and Linux-PAM write them:

* sshd: ``Accepted``/``Failed <method> for [invalid user] U from IP port P``,
  ``Invalid user U from IP``, ``maximum authentication attempts exceeded``,
  ``Connection closed``/``Disconnected from`` (``[preauth]``), ``Did not
  receive identification string``;
* ``sudo``: ``U : TTY=… ; PWD=… ; USER=T ; COMMAND=…``, incorrect password
  attempts, ``NOT in sudoers``; ``su``: ``(to T) U on tty`` and ``FAILED SU``;
* ``useradd``/``groupadd``/``usermod``/``userdel``/``passwd``/``chpasswd``
  (https://github.com/shadow-maint/shadow);
* PAM ``session opened/closed for user`` (cron sessions marked as such) and
  ``authentication failure … rhost=``; systemd-logind ``New session``.

Every other line is kept as kind ``other`` so the timeline loses nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from breachkit.artifacts.linux.syslog import SyslogLine, SyslogParser
from breachkit.artifacts.rotated import Problems, family
from breachkit.artifacts.years import TimeContext
from breachkit.events import Event
from breachkit.sources.base import Source

AUTH_FILES = ("auth.log", "secure")

_SSH: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ssh-accept", re.compile(r"Accepted (?P<method>\S+) for (?P<user>\S+) from (?P<ip>\S+) port (?P<port>\d+)")),
    (
        "ssh-fail",
        re.compile(
            r"Failed (?P<method>\S+) for (?P<invalid>invalid user )?(?P<user>.*?) from (?P<ip>\S+) port (?P<port>\d+)"
        ),
    ),
    ("ssh-invalid-user", re.compile(r"Invalid user (?P<user>.*?) from (?P<ip>\S+)(?: port (?P<port>\d+))?$")),
    (
        "ssh-max-attempts",
        re.compile(
            r"maximum authentication attempts exceeded for (?P<invalid>invalid user )?(?P<user>.*?) from (?P<ip>\S+) port (?P<port>\d+)"
        ),
    ),
    (
        "ssh-disconnect",
        re.compile(
            r"(?:Disconnected from|Connection closed by|Received disconnect from)"
            r" (?:(?:invalid|authenticating) user (?P<user>\S+) |user (?P<user2>\S+) )?(?P<ip>[0-9A-Fa-f.:]+) port (?P<port>\d+)"
        ),
    ),
    ("ssh-probe", re.compile(r"Did not receive identification string from (?P<ip>\S+)")),
)
_SUDO = re.compile(
    r"\s*(?P<user>\S+) : (?:.*?; )?TTY=(?P<tty>\S+) ; PWD=(?P<pwd>.*?) ; USER=(?P<target>\S+) ;(?: .*?;)? COMMAND=(?P<command>.*)"
)
_SUDO_FAIL = re.compile(r"\s*(?P<user>\S+) : (?:\d+ incorrect password attempts?|user NOT in sudoers)")
_SU = re.compile(r"(?P<failed>FAILED SU )?\(to (?P<target>\S+)\) (?P<user>\S+) on (?P<tty>\S+)")
_ACCOUNT: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("user-add", re.compile(r"new user: name=(?P<user>[^,\s]+)")),
    ("group-add", re.compile(r"new group: name=(?P<group>[^,\s]+)")),
    ("group-member-add", re.compile(r"add '(?P<user>[^']+)' to (?:shadow )?group '(?P<group>[^']+)'")),
    ("user-mod", re.compile(r"change user '(?P<user>[^']+)'")),
    ("user-del", re.compile(r"delete user '(?P<user>[^']+)'")),
    ("password-change", re.compile(r"password changed for (?P<user>\S+)")),
)
_SESSION = re.compile(
    r"pam_unix\((?P<service>[^:)]+):session\): session (?P<what>opened|closed) for user (?P<user>[^\s(]+)"
)
_PAM_FAIL = re.compile(
    r"pam_unix\((?P<service>[^:)]+):auth\): authentication failure;.*?rhost=(?P<ip>\S*)(?:\s+user=(?P<user>\S+))?"
)
_LOGIND = re.compile(r"New session (?P<session>\S+) of user (?P<user>\S+?)\.?$")


@dataclass(frozen=True, slots=True)
class AuthEvent:
    """One line of the auth log, classified (``kind``) with who, from where and how."""

    time_ns: int
    precision_ns: int
    kind: str
    host: str
    program: str
    pid: int | None
    message: str
    source_file: str
    source_line: int
    flags: str = ""
    user: str | None = None
    ip: str | None = None
    port: int | None = None
    #: ssh method (``password``, ``publickey``), sudo command, su tty, the group of an account change
    detail: str | None = None
    #: the user name was not a valid account (``invalid user``)
    invalid_user: bool = False

    def event(self) -> Event:
        extra: dict[str, object] = {"program": self.program}
        if self.pid is not None:
            extra["pid"] = self.pid
        if self.port is not None:
            extra["port"] = self.port
        if self.detail is not None:
            extra["detail"] = self.detail
        if self.invalid_user:
            extra["invalid_user"] = True
        return Event(
            time_ns=self.time_ns,
            precision_ns=self.precision_ns,
            source="auth",
            kind=self.kind,
            host=self.host,
            user=self.user,
            ip=self.ip,
            message=f"{self.program}: {self.message}",
            source_file=self.source_file,
            source_line=self.source_line,
            flags=self.flags,
            extra=extra,
        )


def classify(line: SyslogLine) -> AuthEvent:
    """The :class:`AuthEvent` for one auth-log line (kind ``other`` when not recognised)."""
    program = line.program
    message = line.message
    fields: dict[str, str | None] = {}
    kind = "other"
    invalid = False
    if program.startswith("sshd"):
        for name, pattern in _SSH:
            match = pattern.search(message)
            if match:
                kind = name
                fields = match.groupdict()
                invalid = bool(fields.get("invalid")) or name == "ssh-invalid-user"
                if fields.get("user2"):
                    fields["user"] = fields["user2"]
                fields["detail"] = fields.get("method")
                break
    elif program == "sudo":
        match = _SUDO.match(message)
        if match:
            kind, fields = "sudo", match.groupdict()
            fields["detail"] = f"as {fields['target']}: {fields['command']}"
        elif match := _SUDO_FAIL.match(message):
            kind, fields = "sudo-fail", match.groupdict()
    elif program == "su":
        match = _SU.search(message)
        if match:
            kind = "su-fail" if match.group("failed") else "su"
            fields = match.groupdict()
            fields["detail"] = f"to {fields['target']} on {fields['tty']}"
    elif program in ("useradd", "groupadd", "usermod", "userdel", "passwd", "chpasswd", "gpasswd", "groupmod"):
        for name, pattern in _ACCOUNT:
            match = pattern.search(message)
            if match:
                kind, fields = name, match.groupdict()
                if fields.get("group"):
                    fields["detail"] = f"group {fields['group']}"
                break
    elif program.startswith("systemd-logind"):
        match = _LOGIND.search(message)
        if match:
            kind, fields = "login-session", match.groupdict()
    if kind == "other":
        if match := _SESSION.search(message):
            service = match.group("service")
            what = match.group("what")
            kind = ("cron-session-" if service == "cron" else "session-") + ("open" if what == "opened" else "close")
            fields = {"user": match.group("user"), "detail": service}
        elif match := _PAM_FAIL.search(message):
            kind = "pam-auth-fail"
            fields = {"ip": match.group("ip") or None, "user": match.group("user"), "detail": match.group("service")}
        elif match := _ACCOUNT[-1][1].search(message):
            kind, fields = "password-change", match.groupdict()
    port = fields.get("port")
    return AuthEvent(
        time_ns=line.time_ns,
        precision_ns=line.precision_ns,
        kind=kind,
        host=line.host,
        program=program,
        pid=line.pid,
        message=message,
        source_file=line.source_file,
        source_line=line.source_line,
        flags=line.flags,
        user=fields.get("user") or None,
        ip=fields.get("ip") or None,
        port=int(port) if port else None,
        detail=fields.get("detail"),
        invalid_user=invalid,
    )


def auth_families(source: Source) -> list[list[str]]:
    """The auth.log / secure families under /var/log, each oldest first."""
    found = [family(source, "/var/log", name) for name in AUTH_FILES]
    return [members for members in found if members]


def read_auth(
    source: Source, time: TimeContext, problems: Problems, paths: Iterable[str] | None = None
) -> Iterator[AuthEvent]:
    """Every auth-log line of the source (or of ``paths``), classified, oldest file first."""
    parser = SyslogParser(source, time, problems)
    groups = [list(paths)] if paths is not None else auth_families(source)
    for members in groups:
        for line in parser.read(members):
            yield classify(line)
