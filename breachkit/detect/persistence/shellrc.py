"""Shell start-up files: ``/etc/profile``, ``/etc/profile.d/*``, ``/etc/bash.bashrc`` and users' dotfiles.

Every login shell reads ``/etc/profile`` and ``/etc/profile.d/*.sh``, every
interactive bash ``/etc/bash.bashrc`` and ``~/.bashrc``; ``~/.profile``,
``~/.bash_profile``, ``~/.bash_login``, ``~/.bash_logout`` and ``~/.zshrc``
likewise (bash(1) INVOCATION). A line there runs whenever the admin logs in:
attackers plant downloaders, reverse shells, ``LD_PRELOAD`` exports and
aliases that capture the sudo password.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from breachkit.detect.persistence.base import Reader, finding, homes, judge_command
from breachkit.findings import Evidence, Finding, Severity

CHECK = "persistence.shellrc"
SYSTEM_FILES = ("/etc/profile", "/etc/bash.bashrc", "/etc/zsh/zshrc", "/etc/zshenv", "/etc/environment", "/etc/bashrc")
USER_FILES = (".bashrc", ".profile", ".bash_profile", ".bash_login", ".bash_logout", ".zshrc", ".zshenv", ".zprofile")
_ALIAS_STEAL = re.compile(r"^\s*alias\s+(sudo|su|ssh|passwd|scp)\s*=", re.IGNORECASE)
_PRELOAD = re.compile(r"\bLD_PRELOAD\s*=")
_PROMPT = re.compile(r"\bPROMPT_COMMAND\s*=")


def _targets(reader: Reader) -> list[str]:
    paths = list(SYSTEM_FILES)
    paths += [p for p in reader.files("/etc/profile.d") if p.endswith((".sh", ".csh", ".zsh"))]
    for _, home in homes(reader):
        paths += [f"{home}/{name}" for name in USER_FILES]
    return paths


def check(reader: Reader) -> Iterator[Finding]:
    for path in _targets(reader):
        risky: list[Evidence] = []
        worst = Severity.INFO
        reasons: list[str] = []
        for number, line in reader.lines(path):
            notes: list[str] = []
            severity = Severity.INFO
            risk = judge_command(line)
            if risk is not None and risk.severity >= Severity.HIGH:
                notes.extend(risk.reasons)
                severity = risk.severity
            if _PRELOAD.search(line):
                notes.append("forces a library into every program started from the shell (LD_PRELOAD)")
                severity = max(severity, Severity.CRITICAL)
            if _ALIAS_STEAL.match(line):
                notes.append("redefines a password-taking command with an alias (password capture)")
                severity = max(severity, Severity.HIGH)
            if _PROMPT.search(line) and risk is not None:
                notes.append("runs a command before every prompt")
                severity = max(severity, Severity.HIGH)
            if notes:
                risky.append(Evidence(path=path, line=number, excerpt=line.strip(), note="; ".join(notes)))
                worst = max(worst, severity)
                reasons.extend(notes)
        if risky:
            yield finding(
                CHECK,
                "Shell start-up file runs attacker-like commands",
                worst,
                0.75,
                f"{path} is read when a shell starts, and it " + ", ".join(dict.fromkeys(reasons)) + ".",
                risky,
            )
