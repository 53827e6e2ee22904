"""udev rules that run programs: ``RUN+=`` / ``RUN{program}+=`` (udev(7)).

Local rules live in ``/etc/udev/rules.d``; packages ship theirs in
``/lib/udev/rules.d`` / ``/usr/lib/udev/rules.d``. A local rule with ``RUN``
runs its program as root whenever a matching device event happens (even at
every boot), a persistence trick seen in the wild; those are listed, and
flagged high when the command looks like an attacker's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from breachkit.detect.persistence.base import Reader, finding, judge_command
from breachkit.findings import Evidence, Finding, Severity

CHECK = "persistence.udev"
_RUN = re.compile(r'\bRUN(\{(program|builtin)\})?\s*\+?=\s*"([^"]*)"')


def check(reader: Reader) -> Iterator[Finding]:
    for folder, local in (
        ("/etc/udev/rules.d", True),
        ("/run/udev/rules.d", True),
        ("/lib/udev/rules.d", False),
        ("/usr/lib/udev/rules.d", False),
    ):
        for path in [p for p in reader.files(folder) if p.endswith(".rules")]:
            for number, line in reader.lines(path):
                for match in _RUN.finditer(line):
                    if match.group(2) == "builtin":
                        continue
                    command = match.group(3)
                    risk = judge_command(command)
                    if risk is None and not local:
                        continue
                    severity = risk.severity if risk else Severity.LOW
                    yield finding(
                        CHECK,
                        "udev rule runs a program on device events",
                        max(severity, Severity.HIGH) if risk else severity,
                        0.7 if risk else 0.3,
                        f"{path} runs '{command}' as root on device events"
                        + (": it " + ", ".join(risk.reasons) + "." if risk else "; check that you know why."),
                        [Evidence(path=path, line=number, excerpt=line.strip())],
                    )
