"""Persistence: everything an attacker leaves so they can come back, one module per artifact.

Each module has a ``check(reader)`` generator of findings, reading through a
:class:`~breachkit.detect.persistence.base.Reader` over the
:class:`~breachkit.sources.base.Source` protocol, so the checks run on a live
root, a mounted image and a collected bundle alike. Adding an artifact is one
module, one line in :data:`ARTIFACTS`, its test and its test data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from breachkit.detect.persistence import (
    accounts,
    cron,
    githooks,
    initscripts,
    kmod,
    pam,
    preload,
    shellrc,
    ssh,
    sudoers,
    systemd,
    udev,
)
from breachkit.detect.persistence.base import Reader
from breachkit.findings import Finding, ranked
from breachkit.host.records import WarningRecord
from breachkit.sources.base import Source

ARTIFACTS: tuple[tuple[str, Callable[[Reader], Iterator[Finding]]], ...] = (
    ("cron and at", cron.check),
    ("systemd", systemd.check),
    ("rc.local and init.d", initscripts.check),
    ("shell start-up files", shellrc.check),
    ("SSH keys and sshd", ssh.check),
    ("ld.so.preload", preload.check),
    ("PAM", pam.check),
    ("sudoers", sudoers.check),
    ("accounts", accounts.check),
    ("kernel modules", kmod.check),
    ("udev", udev.check),
    ("git hooks", githooks.check),
)


@dataclass(frozen=True, slots=True)
class PersistenceResult:
    findings: tuple[Finding, ...]
    warnings: tuple[WarningRecord, ...]


def check_all(source: Source) -> PersistenceResult:
    """Every persistence artifact of ``source``, ranked."""
    reader = Reader(source)
    found: list[Finding] = []
    for _, check in ARTIFACTS:
        found.extend(check(reader))
    return PersistenceResult(tuple(ranked(found)), tuple(reader.warnings))
