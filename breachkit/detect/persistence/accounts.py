"""Accounts: ``/etc/passwd``, ``/etc/shadow`` and ``/etc/group`` (passwd(5), shadow(5), group(5)).

Flagged: a second uid-0 account (root under another name), accounts with an
empty password field, service accounts with a login shell or a password
hash, and service accounts in administrative groups (sudo, wheel, adm, root).
"""

from __future__ import annotations

from collections.abc import Iterator

from breachkit.detect.persistence.base import SERVICE_USERS, Reader, accounts, finding
from breachkit.findings import Evidence, Finding, Severity

CHECK = "persistence.accounts"
NOLOGIN = ("/nologin", "/false", "/sync", "/halt", "/shutdown", "/true")
#: Service accounts whose packages give them a shell on purpose (Debian's postgresql runs maintenance as it).
SHELL_BY_DESIGN = frozenset(["postgres"])
ADMIN_GROUPS = frozenset(["sudo", "wheel", "admin", "root", "adm", "docker", "lxd", "disk", "shadow"])


def check(reader: Reader) -> Iterator[Finding]:
    users = accounts(reader)
    for account in users:
        excerpt = f"{account.name}:x:{account.uid}:…:{account.home}:{account.shell}"
        evidence = [Evidence(path="/etc/passwd", line=account.line, excerpt=excerpt)]
        if account.uid == 0 and account.name != "root":
            yield finding(
                CHECK,
                "A second account with root's uid 0",
                Severity.CRITICAL,
                0.9,
                f"Account '{account.name}' has uid 0: it is root under another name, a classic backdoor.",
                evidence,
                "Lock it only after preserving evidence; find when /etc/passwd changed.",
            )
        if (
            account.name in SERVICE_USERS
            and account.name not in SHELL_BY_DESIGN
            and account.shell
            and not account.shell.endswith(NOLOGIN)
        ):
            yield finding(
                CHECK,
                f"Service account '{account.name}' has a login shell",
                Severity.MEDIUM,
                0.6,
                f"'{account.name}' runs a service and should not log in, yet its shell is {account.shell}.",
                evidence,
            )
    no_password: set[str] = set()
    for number, line in reader.lines("/etc/passwd"):
        fields = line.split(":")
        if len(fields) >= 2 and fields[1] == "":
            no_password.add(fields[0])
            yield finding(
                CHECK,
                f"Account '{fields[0]}' has no password",
                Severity.HIGH,
                0.9,
                "An empty password field in /etc/passwd lets anyone log in as this account where the service allows it.",
                [Evidence(path="/etc/passwd", line=number, excerpt=f"{fields[0]}:<empty>:…")],
            )
    for number, line in reader.lines("/etc/shadow"):
        fields = line.split(":")
        if len(fields) < 2:
            continue
        name, secret = fields[0], fields[1]
        if secret == "" and name not in no_password:
            yield finding(
                CHECK,
                f"Account '{name}' has no password",
                Severity.HIGH,
                0.9,
                "An empty password field lets anyone log in as this account where the service allows it.",
                [Evidence(path="/etc/shadow", line=number, excerpt=f"{name}:<empty>:…")],
            )
        elif name in SERVICE_USERS and secret.startswith("$"):
            yield finding(
                CHECK,
                f"Service account '{name}' has a password",
                Severity.HIGH,
                0.7,
                f"'{name}' runs a service and is normally locked ('*' or '!'); someone gave it a password.",
                [Evidence(path="/etc/shadow", line=number, excerpt=f"{name}:<hash {secret[:3]}…>:…")],
            )
    for number, line in reader.lines("/etc/group"):
        fields = line.split(":")
        if len(fields) < 4 or fields[0] not in ADMIN_GROUPS:
            continue
        members = [m.strip() for m in fields[3].split(",") if m.strip()]
        service = [m for m in members if m in SERVICE_USERS]
        if service:
            yield finding(
                CHECK,
                f"Service account in the '{fields[0]}' group",
                Severity.HIGH,
                0.75,
                f"{', '.join(service)} belong(s) to '{fields[0]}', which grants administrative power; "
                "a webshell running as that account inherits it.",
                [Evidence(path="/etc/group", line=number, excerpt=line.strip())],
            )
