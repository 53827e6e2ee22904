"""Start-up scripts: ``/etc/rc.local`` and SysV ``/etc/init.d`` scripts.

``/etc/rc.local`` (run by systemd's rc-local.service when executable) is empty
apart from ``exit 0`` on a fresh Debian/Ubuntu/RHEL host, so any command in it
deserves a look; init.d scripts come from packages and are flagged only for
lines that look like an attacker's.
"""

from __future__ import annotations

from collections.abc import Iterator

from breachkit.detect.persistence.base import Reader, finding, judge_command
from breachkit.findings import Evidence, Finding, Severity

CHECK = "persistence.initscripts"


def check(reader: Reader) -> Iterator[Finding]:
    for path in ("/etc/rc.local", "/etc/rc.d/rc.local"):
        commands = [(n, line) for n, line in reader.lines(path) if line.strip() not in ("exit 0", "exit")]
        if not commands:
            continue
        worst = Severity.MEDIUM
        evidence = []
        for number, line in commands:
            risk = judge_command(line)
            if risk is not None:
                worst = max(worst, risk.severity)
            evidence.append(
                Evidence(path=path, line=number, excerpt=line.strip(), note="; ".join(risk.reasons) if risk else None)
            )
        yield finding(
            CHECK,
            "Commands in rc.local",
            worst,
            0.7 if worst > Severity.MEDIUM else 0.4,
            f"{path} runs these commands as root at every boot; it is empty on a fresh install.",
            evidence,
        )
    for path in reader.files("/etc/init.d"):
        risky = []
        worst = Severity.INFO
        for number, line in reader.lines(path):
            risk = judge_command(line)
            if risk is not None and risk.severity >= Severity.HIGH:
                risky.append(Evidence(path=path, line=number, excerpt=line.strip(), note="; ".join(risk.reasons)))
                worst = max(worst, risk.severity)
        if risky:
            yield finding(
                CHECK,
                "Init script that looks like an attacker's",
                worst,
                0.7,
                f"{path} starts at boot and contains commands an attacker would use.",
                risky,
            )
