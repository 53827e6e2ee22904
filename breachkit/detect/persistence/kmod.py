"""Kernel modules loaded at boot and modprobe hooks.

``/etc/modules`` (Debian), ``/etc/modules-load.d/*.conf`` and
``/usr/lib/modules-load.d/*.conf`` (modules-load.d(5)) name modules loaded at
every boot; ``/etc/modprobe.d/*.conf`` may say ``install <module> <command>``
(modprobe.d(5)), which runs a command whenever the module is loaded. Known
rootkit module names are flagged as such; an ``install`` hook that runs
anything other than ``/bin/true``/``/bin/false`` or modprobe itself is
flagged too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from breachkit.detect.persistence.base import Reader, finding, judge_command
from breachkit.findings import Evidence, Finding, Severity

CHECK = "persistence.kernel-modules"
#: Names of public Linux LKM rootkits (Diamorphine, Reptile, Suterusu, adore-ng, KoviD, ...).
ROOTKITS = frozenset(
    [
        "diamorphine",
        "reptile",
        "suterusu",
        "adore",
        "adore-ng",
        "knark",
        "kovid",
        "nuk3gh0st",
        "rootfoo",
        "khook",
        "azazel",
        "vlany",
        "bdvl",
        "sutekh",
        "puszek",
        "brokepkg",
    ]
)
_BENIGN_INSTALL = re.compile(
    r"^\s*(/bin/|/usr/bin/)?(true|false)\b|^\s*(/sbin/|/usr/sbin/)?(modprobe|insmod)\b|^\s*echo\b"
)


def check(reader: Reader) -> Iterator[Finding]:
    load_files = ["/etc/modules"]
    for folder in ("/etc/modules-load.d", "/usr/lib/modules-load.d", "/lib/modules-load.d", "/run/modules-load.d"):
        load_files += [p for p in reader.files(folder) if p.endswith(".conf")]
    for path in load_files:
        for number, line in reader.lines(path):
            name = line.split("#", 1)[0].strip().split()[0] if line.split("#", 1)[0].strip() else ""
            if name.lower().replace("_", "-") in ROOTKITS or name.lower() in ROOTKITS:
                yield finding(
                    CHECK,
                    f"Known rootkit module '{name}' loaded at boot",
                    Severity.CRITICAL,
                    0.9,
                    f"{path} loads '{name}', the name of a public kernel rootkit that hides files, "
                    "processes and connections.",
                    [Evidence(path=path, line=number, excerpt=line.strip())],
                    "Trust nothing this kernel reports; examine the disk from another machine.",
                )
    for path in [p for p in reader.files("/etc/modprobe.d") if p.endswith(".conf")]:
        for number, line in reader.lines(path):
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[0] == "install" and not _BENIGN_INSTALL.match(parts[2]):
                risk = judge_command(parts[2])
                yield finding(
                    CHECK,
                    "A command runs whenever a kernel module loads",
                    risk.severity if risk else Severity.MEDIUM,
                    0.6,
                    f"{path} runs '{parts[2]}' when '{parts[1]}' is loaded"
                    + (": it " + ", ".join(risk.reasons) + "." if risk else "; check that a package put it there."),
                    [Evidence(path=path, line=number, excerpt=line.strip())],
                )
