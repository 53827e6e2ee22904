"""SSH: every user's ``authorized_keys`` (with key options) and ``sshd_config`` weakening.

``~/.ssh/authorized_keys`` and ``authorized_keys2`` (sshd(8) AUTHORIZED_KEYS
FILE FORMAT): one key a line, optionally preceded by options such as
``command="..."`` (runs that instead of the user's command: a backdoor when
it starts a shell or a tool), ``from="..."`` (which hosts may use the key)
and ``environment="..."``. A key for a service account (``www-data``, whose
home is often the web root) is how an attacker who got a webshell upgrades to
a real login.

``/etc/ssh/sshd_config`` and ``/etc/ssh/sshd_config.d/*.conf``
(sshd_config(5)): settings that let more people in than before
(``PermitEmptyPasswords yes``, ``PermitRootLogin yes``, extra
``AuthorizedKeysFile`` locations, ``AuthorizedKeysCommand``,
``PermitUserEnvironment``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from breachkit.detect.persistence.base import SERVICE_USERS, Reader, accounts, finding, homes, judge_command
from breachkit.findings import Evidence, Finding, Severity

CHECK_KEYS = "persistence.ssh-keys"
CHECK_SSHD = "persistence.sshd-config"
_KEY_TYPES = re.compile(
    r"(^|\s)(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+[A-Za-z0-9+/=]{20,}"
)
_OPTION = re.compile(r'([A-Za-z-]+)(="((?:[^"\\]|\\.)*)")?')


def _options(line: str) -> tuple[str, str]:
    """(options, rest) of an authorized_keys line."""
    match = _KEY_TYPES.search(line)
    if match is None:
        return "", line
    return line[: match.start()].strip().rstrip(","), line[match.start() :].strip()


def _key_label(rest: str) -> str:
    parts = rest.split(None, 2)
    if len(parts) >= 2:
        comment = parts[2] if len(parts) > 2 else "(no comment)"
        return f"{parts[0]} …{parts[1][-12:]} {comment}"
    return rest[:60]


def _authorized_keys(reader: Reader) -> Iterator[Finding]:
    service_accounts = {a.name for a in accounts(reader) if a.name in SERVICE_USERS}
    for user, home in homes(reader):
        for name in ("authorized_keys", "authorized_keys2"):
            path = f"{home}/.ssh/{name}"
            keys: list[Evidence] = []
            flagged: list[Evidence] = []
            worst = Severity.INFO
            notes_all: list[str] = []
            for number, line in reader.lines(path):
                options, rest = _options(line)
                label = _key_label(rest)
                keys.append(Evidence(path=path, line=number, excerpt=label))
                notes: list[str] = []
                severity = Severity.INFO
                for option in _OPTION.finditer(options):
                    key, value = option.group(1).lower(), option.group(3) or ""
                    if key == "command":
                        risk = judge_command(value)
                        notes.append(f'forced command "{value}"')
                        severity = max(severity, risk.severity if risk else Severity.MEDIUM)
                    elif key == "environment":
                        notes.append(f'sets environment "{value}"')
                        severity = max(severity, Severity.HIGH if "LD_PRELOAD" in value else Severity.MEDIUM)
                    elif key == "from":
                        notes.append(f'only from "{value}"')
                if name == "authorized_keys2":
                    notes.append("authorized_keys2 is a legacy file few admins look at")
                    severity = max(severity, Severity.MEDIUM)
                if notes:
                    flagged.append(Evidence(path=path, line=number, excerpt=label, note="; ".join(notes)))
                    notes_all.extend(notes)
                    worst = max(worst, severity)
            if not keys:
                continue
            if user in service_accounts or (home.startswith(("/var/www", "/srv")) and user != "root"):
                yield finding(
                    CHECK_KEYS,
                    f"SSH keys let someone log in as the service account '{user}'",
                    Severity.CRITICAL,
                    0.85,
                    f"{path} holds {len(keys)} key(s). '{user}' runs a service and never needs an SSH login; an "
                    "attacker with a webshell adds a key here to get a real shell.",
                    keys,
                )
            elif worst >= Severity.MEDIUM:
                yield finding(
                    CHECK_KEYS,
                    f"SSH key with options for '{user}'",
                    worst,
                    0.6,
                    f"Keys in {path} carry options: " + "; ".join(dict.fromkeys(notes_all)) + ". Forced commands "
                    "and environments are used to hide backdoors behind ordinary-looking keys.",
                    flagged,
                )
            yield finding(
                CHECK_KEYS,
                f"SSH keys that can log in as '{user}'",
                Severity.INFO,
                1.0,
                f"{len(keys)} key(s) in {path}. Anyone holding one of them logs in without a password: check each "
                "against the people who should have access, and replace them all when rebuilding.",
                keys,
                next_step="Ask each key's owner; remove unknown keys only after the evidence is preserved.",
            )


def _sshd(reader: Reader) -> Iterator[Finding]:
    paths = ["/etc/ssh/sshd_config"] + sorted(p for p in reader.files("/etc/ssh/sshd_config.d") if p.endswith(".conf"))
    for path in paths:
        for number, line in reader.lines(path):
            parts = line.split(None, 1)
            if len(parts) < 2:
                continue
            key, value = parts[0].lower(), parts[1].strip()
            low = value.lower()
            problem: tuple[Severity, str] | None = None
            if key == "permitemptypasswords" and low == "yes":
                problem = (Severity.HIGH, "accounts with an empty password may log in")
            elif key == "permitrootlogin" and low == "yes":
                problem = (Severity.MEDIUM, "root may log in with a password")
            elif key == "authorizedkeysfile" and any(
                not (t.startswith(("%h/.ssh/", ".ssh/", "/etc/ssh/")) or t == "none") for t in value.split()
            ):
                problem = (Severity.HIGH, "keys are also read from an unusual place")
            elif key == "authorizedkeyscommand" and low != "none":
                problem = (Severity.MEDIUM, "a program decides which keys may log in")
            elif key == "permituserenvironment" and (low == "yes" or "ld_" in low):
                problem = (Severity.MEDIUM, "users' ~/.ssh/environment is honoured (LD_PRELOAD through SSH)")
            elif key == "strictmodes" and low == "no":
                problem = (Severity.LOW, "sshd accepts key files anyone could have written")
            if problem is not None:
                yield finding(
                    CHECK_SSHD,
                    "SSH server configuration weakened",
                    problem[0],
                    0.6,
                    f"{path}: {problem[1]}.",
                    [Evidence(path=path, line=number, excerpt=line.strip())],
                )


def check(reader: Reader) -> Iterator[Finding]:
    yield from _authorized_keys(reader)
    yield from _sshd(reader)
