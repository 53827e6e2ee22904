"""systemd units, timers, drop-ins and generators (system and per-user).

Unit search paths (systemd.unit(5)): ``/etc/systemd/system``,
``/run/systemd/system``, ``/usr/local/lib/systemd/system``,
``/lib/systemd/system`` and ``/usr/lib/systemd/system``; user units in
``/etc/systemd/user``, ``/usr/lib/systemd/user`` and ``~/.config/systemd/user``.
Drop-ins are ``<unit>.d/*.conf``. Generators (systemd.generator(7)) are
programs in ``*/systemd/system-generators`` run at every boot, before any unit.

A unit is flagged when a command it runs (``Exec*=``) looks like an attacker's,
when it preloads a library (``Environment=LD_PRELOAD``), and a generator when it
sits where packages do not install them (``/etc``, ``/usr/local``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from breachkit.detect.persistence.base import Reader, finding, homes, judge_command
from breachkit.findings import Evidence, Finding, Severity

CHECK = "persistence.systemd"
SYSTEM_DIRS = (
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
)
USER_DIRS = ("/etc/systemd/user", "/usr/lib/systemd/user", "/usr/local/lib/systemd/user")
GENERATOR_DIRS = (
    "/etc/systemd/system-generators",
    "/usr/local/lib/systemd/system-generators",
    "/etc/systemd/user-generators",
    "/usr/local/lib/systemd/user-generators",
)
UNIT_SUFFIXES = (".service", ".timer", ".socket", ".path", ".conf")
_EXEC = re.compile(r"^\s*(Exec(Start|StartPre|StartPost|Stop|StopPost|Reload|Condition))\s*=\s*(.*)$")
_PRELOAD = re.compile(r"^\s*Environment\s*=.*\bLD_PRELOAD\s*=", re.IGNORECASE)


def _unit_files(reader: Reader, folder: str, depth: int = 0) -> Iterator[str]:
    for name in reader.listdir(folder):
        path = f"{folder}/{name}"
        if name.endswith(".d") or name.endswith(".wants") or name.endswith(".requires"):
            if depth == 0 and name.endswith(".d"):
                yield from (p for p in _unit_files(reader, path, depth + 1) if p.endswith(".conf"))
            continue
        if name.endswith(UNIT_SUFFIXES):
            yield path


def _check_unit(reader: Reader, path: str, user_unit: bool) -> Iterator[Finding]:
    risky: list[Evidence] = []
    worst = Severity.INFO
    reasons: list[str] = []
    for number, line in reader.lines(path):
        exec_line = _EXEC.match(line)
        if exec_line:
            risk = judge_command(exec_line.group(3))
            if risk is not None:
                risky.append(Evidence(path=path, line=number, excerpt=line.strip(), note="; ".join(risk.reasons)))
                worst = max(worst, risk.severity)
                reasons.extend(risk.reasons)
        elif _PRELOAD.match(line):
            risky.append(
                Evidence(path=path, line=number, excerpt=line.strip(), note="forces a library into the service")
            )
            worst = max(worst, Severity.HIGH)
            reasons.append("forces a library into the service with LD_PRELOAD")
    if risky:
        kind = "user unit" if user_unit else ("drop-in" if path.endswith(".conf") else "unit")
        yield finding(
            CHECK,
            f"systemd {kind} that looks like an attacker's",
            worst,
            0.8,
            f"{path} " + ", ".join(dict.fromkeys(reasons)) + "; systemd starts it on its own, after every reboot.",
            risky,
        )


def check(reader: Reader) -> Iterator[Finding]:
    """Units, drop-ins and timers with attacker-like commands; generators outside package folders."""
    for folder in SYSTEM_DIRS:
        for path in _unit_files(reader, folder):
            yield from _check_unit(reader, path, False)
    user_folders = list(USER_DIRS) + [f"{home}/.config/systemd/user" for _, home in homes(reader)]
    for folder in user_folders:
        for path in _unit_files(reader, folder):
            yield from _check_unit(reader, path, True)
    for folder in GENERATOR_DIRS:
        found = [Evidence(path=path, note="runs at every boot before any unit") for path in reader.files(folder)]
        if found:
            yield finding(
                CHECK,
                "systemd generators outside package folders",
                Severity.HIGH,
                0.6,
                f"{folder} holds programs systemd runs at every boot, before any service; packages put theirs "
                "under /lib or /usr/lib, so these were installed by hand.",
                found,
            )
