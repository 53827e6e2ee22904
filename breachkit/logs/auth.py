"""Detections on the auth log: brute force, spraying, logins that do not fit, account changes.

Fed every :class:`breachkit.artifacts.linux.auth.AuthEvent` once, in time
order per file; keeps counters and bounded lists, never the log.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from breachkit.artifacts.linux.auth import AuthEvent
from breachkit.findings import Evidence, Finding, Severity
from breachkit.logs.common import Bounded, line_evidence, span

#: Failed attempts from one source before it counts as brute force.
BRUTE_FAILURES = 10
#: Distinct user names tried from one source before it counts as password spraying.
SPRAY_USERS = 5
#: Failures from one source that make a later success from it suspicious.
FAILS_BEFORE_SUCCESS = 3
#: Logins a user needs before "never-seen source" and "unusual hour" mean anything.
BASELINE_LOGINS = 5
PRIVILEGED_GROUPS = frozenset(["sudo", "wheel", "admin", "root", "adm", "docker", "lxd", "shadow", "disk"])
SERVICE_USERS = frozenset(["www-data", "apache", "nginx", "http", "nobody", "daemon", "mysql", "postgres", "redis"])
FAIL_KINDS = frozenset(["ssh-fail", "ssh-invalid-user", "ssh-max-attempts"])


@dataclass
class _Source:
    failures: int = 0
    users: set[str] = field(default_factory=set)
    first_ns: int = 0
    last_ns: int = 0
    example: Evidence | None = None


@dataclass
class _Login:
    event: AuthEvent
    local_hour: int
    weekday: int


class AuthDetector:
    """SSH and account detections over the auth log."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.sources: dict[str, _Source] = {}
        self.user_sources: defaultdict[str, set[str]] = defaultdict(set)
        self.after_failures = Bounded()
        self.root_logins = Bounded()
        self.accounts = Bounded()
        self.privileged = Bounded()
        self.service_sudo = Bounded()
        self.logins: defaultdict[str, list[_Login]] = defaultdict(list)
        self.accepted_ips: set[str] = set()
        self._invalid_pid: dict[str, int | None] = {}

    def observe(self, event: AuthEvent) -> None:
        kind = event.kind
        if kind in FAIL_KINDS and event.ip:
            if kind == "ssh-invalid-user":
                self._invalid_pid[event.ip] = event.pid
            elif event.invalid_user and event.pid is not None and self._invalid_pid.get(event.ip) == event.pid:
                # sshd logs "Invalid user" and then "Failed password for invalid user": one attempt.
                del self._invalid_pid[event.ip]
                return
            source = self.sources.get(event.ip)
            if source is None:
                source = self.sources[event.ip] = _Source(first_ns=event.time_ns)
                source.example = _evidence(event)
            source.failures += 1
            source.last_ns = event.time_ns
            if event.user and len(source.users) < 200:
                source.users.add(event.user)
            if event.user and len(self.user_sources[event.user]) < 1000:
                self.user_sources[event.user].add(event.ip)
        elif kind == "ssh-accept":
            self._accept(event)
        elif kind in ("user-add", "user-del", "group-add", "password-change", "user-mod"):
            self.accounts.add(_evidence(event))
        elif kind == "group-member-add":
            target = (
                self.privileged if (event.detail or "").removeprefix("group ") in PRIVILEGED_GROUPS else self.accounts
            )
            target.add(_evidence(event))
        elif kind in ("sudo", "su") and event.user in SERVICE_USERS:
            self.service_sudo.add(_evidence(event))

    def _accept(self, event: AuthEvent) -> None:
        ip = event.ip or "?"
        self.accepted_ips.add(ip)
        source = self.sources.get(ip)
        if source is not None and source.failures >= FAILS_BEFORE_SUCCESS:
            self.after_failures.add(_evidence(event, f"after {source.failures} failed attempts from this source"))
        if event.user == "root":
            self.root_logins.add(_evidence(event))
        local = datetime.fromtimestamp(event.time_ns / 1e9, tz=self.zone)
        user_logins = self.logins[event.user or "?"]
        if len(user_logins) < 100_000:
            user_logins.append(_Login(event, local.hour, local.weekday()))

    def findings(self) -> Iterator[Finding]:
        yield from self._brute_force()
        if self.after_failures.count:
            yield Finding(
                check="logs.ssh-success-after-failures",
                title="SSH login succeeded from a source that had been failing",
                severity=Severity.HIGH,
                confidence=0.7,
                reason=(
                    f"{self.after_failures.count} successful SSH login(s) came from an address that had failed "
                    f"{FAILS_BEFORE_SUCCESS} or more times before: a guessed password looks exactly like this."
                    f"{self.after_failures.more()}"
                ),
                evidence=tuple(self.after_failures.items),
                next_step="Ask the account's owner whether that login was theirs; if not, the account is compromised: change its password and keys.",
            )
        if self.root_logins.count:
            yield Finding(
                check="logs.root-login",
                title="Direct SSH logins as root",
                severity=Severity.MEDIUM,
                confidence=0.6,
                reason=(
                    f"{self.root_logins.count} SSH login(s) straight into root. Nobody can tell from the log which "
                    f"person it was; an attacker with a stolen key looks the same.{self.root_logins.more()}"
                ),
                evidence=tuple(self.root_logins.items),
                next_step="Check root's authorized_keys; set PermitRootLogin no once the admins use personal accounts.",
            )
        yield from self._unusual_logins()
        if self.privileged.count:
            yield Finding(
                check="logs.privilege-granted",
                title="Accounts added to administrative groups",
                severity=Severity.HIGH,
                confidence=0.6,
                reason=f"{self.privileged.count} account(s) were given sudo/wheel/admin-type group membership.{self.privileged.more()}",
                evidence=tuple(self.privileged.items),
                next_step="Confirm each change with the admins; remove memberships nobody asked for.",
            )
        if self.accounts.count:
            yield Finding(
                check="logs.account-changes",
                title="Accounts created, changed or deleted",
                severity=Severity.MEDIUM,
                confidence=0.5,
                reason=(
                    f"{self.accounts.count} account change(s) (new users or groups, password changes, deletions). "
                    f"Attackers add accounts to come back.{self.accounts.more()}"
                ),
                evidence=tuple(self.accounts.items),
                next_step="Compare with /etc/passwd and /etc/group now; every change must have an owner who made it.",
            )
        if self.service_sudo.count:
            yield Finding(
                check="logs.service-account-privilege",
                title="A service account used sudo or su",
                severity=Severity.HIGH,
                confidence=0.8,
                reason=(
                    f"{self.service_sudo.count} sudo/su use(s) by an account that runs a service (web server, "
                    f"database). Services never need that; a webshell trying to become root does.{self.service_sudo.more()}"
                ),
                evidence=tuple(self.service_sudo.items),
            )

    def _brute_force(self) -> Iterator[Finding]:
        noisy = sorted(
            ((ip, s) for ip, s in self.sources.items() if s.failures >= BRUTE_FAILURES),
            key=lambda item: item[1].failures,
            reverse=True,
        )
        if noisy:
            total = sum(s.failures for _, s in noisy)
            evidence = [
                Evidence(
                    path=s.example.path if s.example else None,
                    line=s.example.line if s.example else None,
                    excerpt=s.example.excerpt if s.example else None,
                    note=f"{ip}: {s.failures} failures, {len(s.users)} user name(s), {span(s.first_ns, s.last_ns)}",
                )
                for ip, s in noisy[:25]
            ]
            succeeded = [ip for ip, _ in noisy if ip in self.accepted_ips]
            yield Finding(
                check="logs.ssh-brute-force",
                title="SSH password guessing (brute force)",
                severity=Severity.HIGH if succeeded else Severity.LOW,
                confidence=0.9,
                reason=(
                    f"{len(noisy)} source(s) failed SSH logins {BRUTE_FAILURES} or more times ({total} failures in all). "
                    + (
                        f"{len(succeeded)} of them later logged in successfully: {', '.join(succeeded[:5])}."
                        if succeeded
                        else "None of them ever logged in successfully: background noise every server on the internet gets."
                    )
                ),
                evidence=tuple(evidence),
                next_step="Allow only key logins (PasswordAuthentication no) and limit SSH to known addresses.",
            )
        spray = [(ip, s) for ip, s in self.sources.items() if len(s.users) >= SPRAY_USERS]
        if spray:
            spray.sort(key=lambda item: len(item[1].users), reverse=True)
            yield Finding(
                check="logs.ssh-password-spraying",
                title="SSH password spraying: many user names from one source",
                severity=Severity.LOW,
                confidence=0.8,
                reason=f"{len(spray)} source(s) tried {SPRAY_USERS} or more different user names each.",
                evidence=tuple(
                    Evidence(
                        note=f"{ip}: {len(s.users)} user names, e.g. {', '.join(sorted(s.users)[:8])}; {span(s.first_ns, s.last_ns)}"
                    )
                    for ip, s in spray[:25]
                ),
            )
        targeted = [
            (user, ips) for user, ips in self.user_sources.items() if len(ips) >= SPRAY_USERS and user in self.logins
        ]
        if targeted:
            yield Finding(
                check="logs.ssh-targeted-account",
                title="Real accounts attacked from many sources",
                severity=Severity.MEDIUM,
                confidence=0.7,
                reason="Accounts that do log in on this host had failed logins from many different addresses.",
                evidence=tuple(
                    Evidence(note=f"{user}: failures from {len(ips)} addresses") for user, ips in targeted[:25]
                ),
            )

    def _unusual_logins(self) -> Iterator[Finding]:
        odd_source = Bounded()
        odd_hour = Bounded()
        for user, logins in self.logins.items():
            if len(logins) < BASELINE_LOGINS:
                continue
            ips = Counter(login.event.ip for login in logins)
            working = sum(1 for login in logins if _working_time(login))
            for login in logins:
                if ips[login.event.ip] == 1:
                    odd_source.add(_evidence(login.event, f"{user} never logged in from {login.event.ip} otherwise"))
                if working >= 0.8 * len(logins) and not _working_time(login):
                    odd_hour.add(_evidence(login.event, f"{user} logs in on working days 07-20 h local time otherwise"))
        if odd_source.count:
            yield Finding(
                check="logs.login-new-source",
                title="Logins from a source the account never used otherwise",
                severity=Severity.MEDIUM,
                confidence=0.4,
                reason=f"{odd_source.count} login(s) from an address seen only once for that account.{odd_source.more()}",
                evidence=tuple(odd_source.items),
                next_step="Ask the account owners about these logins.",
            )
        if odd_hour.count:
            yield Finding(
                check="logs.login-unusual-hour",
                title="Logins at unusual hours",
                severity=Severity.MEDIUM,
                confidence=0.4,
                reason=f"{odd_hour.count} login(s) at night or on a weekend by an account that otherwise logs in during working hours.{odd_hour.more()}",
                evidence=tuple(odd_hour.items),
            )


def _working_time(login: _Login) -> bool:
    return login.weekday < 5 and 7 <= login.local_hour < 20


def _evidence(event: AuthEvent, note: str | None = None) -> Evidence:
    text = (
        f"{event.program}[{event.pid}]: {event.message}"
        if event.pid is not None
        else f"{event.program}: {event.message}"
    )
    return line_evidence(event.source_file, event.source_line, text, note)
