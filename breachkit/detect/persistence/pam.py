"""PAM: configuration in ``/etc/pam.d`` and modules that no package installed.

Each ``/etc/pam.d/<service>`` line is ``type control module [args]``
(pam.conf(5)). Backdoors: ``pam_permit.so`` as ``sufficient`` for ``auth``
(any password works), ``pam_exec.so`` running a script with the typed password
(``expose_authtok``), a module given by a path outside the system module
folders, and a module file in those folders that no package owns (the
"skeleton key" PAM backdoors replace or add ``pam_*.so`` files). Ownership is
read from dpkg's ``/var/lib/dpkg/info/*.list`` or ``*.md5sums``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from breachkit.detect.persistence.base import Reader, finding
from breachkit.findings import Evidence, Finding, Severity

CHECK = "persistence.pam"
MODULE_DIRS = (
    "/lib/x86_64-linux-gnu/security",
    "/usr/lib/x86_64-linux-gnu/security",
    "/lib/aarch64-linux-gnu/security",
    "/usr/lib/aarch64-linux-gnu/security",
    "/lib/security",
    "/lib64/security",
    "/usr/lib64/security",
    "/usr/lib/security",
)
_LINE = re.compile(r"^\s*-?(auth|account|password|session)\s+(\[[^\]]*\]|\S+)\s+(\S+)(.*)$")


def _config(reader: Reader) -> Iterator[Finding]:
    for path in reader.files("/etc/pam.d"):
        for number, line in reader.lines(path):
            match = _LINE.match(line)
            if not match:
                continue
            kind, control, module, args = match.group(1), match.group(2), match.group(3), match.group(4)
            problem: tuple[Severity, str] | None = None
            if module.startswith("/") and not module.startswith(MODULE_DIRS):
                problem = (Severity.CRITICAL, f"loads a PAM module from {module}, outside the system module folders")
            elif (
                module.endswith("pam_permit.so")
                and kind == "auth"
                and control in ("sufficient", "[success=done default=ignore]")
            ):
                problem = (Severity.CRITICAL, "accepts any password (pam_permit.so is 'sufficient' for auth)")
            elif module.endswith("pam_exec.so"):
                severity = Severity.HIGH if "expose_authtok" in args else Severity.MEDIUM
                problem = (
                    severity,
                    "runs a program on every login"
                    + (" and hands it the password" if "expose_authtok" in args else ""),
                )
            if problem is not None:
                yield finding(
                    CHECK,
                    "PAM configuration that weakens or watches logins",
                    problem[0],
                    0.7,
                    f"{path} {problem[1]}.",
                    [Evidence(path=path, line=number, excerpt=line.strip())],
                )


def _owned(reader: Reader) -> set[str] | None:
    """Paths owned by dpkg packages under the PAM module folders, or None if no package database is there."""
    names = reader.listdir("/var/lib/dpkg/info")
    if not names:
        return None
    owned: set[str] = set()
    lists = [n for n in names if n.endswith(".list")]
    sums = [n for n in names if n.endswith(".md5sums")]
    for name in lists or sums:
        text = reader.text(f"/var/lib/dpkg/info/{name}")
        if text is None or "/security/" not in text:
            continue
        for line in text.splitlines():
            path = line.split("  ", 1)[-1].strip() if name.endswith(".md5sums") else line.strip()
            if "/security/" in path:
                owned.add("/" + path.lstrip("/"))
    return owned


def _usrmerge(path: str) -> set[str]:
    """Both names a file has on a merged-/usr system."""
    if path.startswith("/usr/lib"):
        return {path, path[4:]}
    if path.startswith(("/lib/", "/lib64/")):
        return {path, "/usr" + path}
    return {path}


def _modules(reader: Reader) -> Iterator[Finding]:
    owned = _owned(reader)
    if owned is None:
        return
    owned_all = set().union(*(_usrmerge(p) for p in owned)) if owned else set()
    strays: list[Evidence] = []
    for folder in MODULE_DIRS:
        for path in reader.files(folder):
            if path.endswith(".so") and not (_usrmerge(path) & owned_all):
                strays.append(Evidence(path=path, note="no installed package owns this file"))
    if strays and owned:
        yield finding(
            CHECK,
            "PAM modules that no package installed",
            Severity.CRITICAL,
            0.75,
            "Login modules in the system PAM folders that no installed package owns: PAM backdoors are "
            "installed exactly this way, to accept a master password or record every password typed.",
            strays,
            "Hash them and compare with a clean install of the same release; do not trust logins on this host.",
        )


def check(reader: Reader) -> Iterator[Finding]:
    yield from _config(reader)
    yield from _modules(reader)
