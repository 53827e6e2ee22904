"""sudo rules: ``/etc/sudoers`` and ``/etc/sudoers.d/*`` (sudoers(5)).

Flagged: rules for service accounts (a web server account with sudo turns a
webshell into root), ``NOPASSWD: ALL`` for anyone, ``Defaults !authenticate``
and ``Defaults`` that keep ``LD_PRELOAD`` (``env_keep``), and include
directives pointing outside ``/etc``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from breachkit.detect.persistence.base import SERVICE_USERS, Reader, finding
from breachkit.findings import Evidence, Finding, Severity

CHECK = "persistence.sudoers"
_INCLUDE = re.compile(r"^\s*[@#]include(dir)?\s+(\S+)")
_RULE = re.compile(r"^\s*([%+]?[A-Za-z0-9_.\-,% ]+?)\s+[^=\s]+\s*=\s*(.*)$")


def _files(reader: Reader) -> list[str]:
    return ["/etc/sudoers"] + [
        p
        for p in reader.files("/etc/sudoers.d")
        if not p.endswith(("~", ".dpkg-old", ".dpkg-dist")) and "." not in p.rsplit("/", 1)[-1]
    ]


def check(reader: Reader) -> Iterator[Finding]:
    for path in _files(reader):
        text = reader.text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            include = _INCLUDE.match(stripped)
            if include:
                if not include.group(2).startswith("/etc/"):
                    yield finding(
                        CHECK,
                        "sudo reads rules from an unusual place",
                        Severity.HIGH,
                        0.7,
                        f"{path} includes {include.group(2)}, outside /etc.",
                        [Evidence(path=path, line=number, excerpt=stripped)],
                    )
                continue
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("Defaults"):
                if "!authenticate" in stripped:
                    yield finding(
                        CHECK,
                        "sudo asks for no password at all",
                        Severity.CRITICAL,
                        0.8,
                        f"{path} turns off password checks for sudo (!authenticate).",
                        [Evidence(path=path, line=number, excerpt=stripped)],
                    )
                elif "env_keep" in stripped and "LD_PRELOAD" in stripped:
                    yield finding(
                        CHECK,
                        "sudo keeps LD_PRELOAD",
                        Severity.HIGH,
                        0.7,
                        f"{path} lets LD_PRELOAD through sudo: any user allowed one command gets root.",
                        [Evidence(path=path, line=number, excerpt=stripped)],
                    )
                continue
            rule = _RULE.match(stripped)
            if not rule:
                continue
            who = [w.strip() for w in rule.group(1).split(",")]
            spec = rule.group(2)
            service = [w for w in who if w in SERVICE_USERS]
            if service:
                yield finding(
                    CHECK,
                    f"sudo rights for the service account '{service[0]}'",
                    Severity.CRITICAL,
                    0.85,
                    f"{path} lets {', '.join(service)} run commands as another user; a webshell running as "
                    "that account becomes root.",
                    [Evidence(path=path, line=number, excerpt=stripped)],
                )
            elif re.search(r"NOPASSWD\s*:\s*ALL\b", spec) or (
                re.search(r"\bNOPASSWD\b", spec) and spec.rstrip().endswith(" ALL")
            ):
                yield finding(
                    CHECK,
                    "sudo without password for every command",
                    Severity.HIGH,
                    0.6,
                    f"{path} lets {', '.join(who)} run any command as root without a password: whoever "
                    "gets that account gets root.",
                    [Evidence(path=path, line=number, excerpt=stripped)],
                )
