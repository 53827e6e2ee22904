"""Backups of the demo host for the hunt tests (the triaged demo case is the session fixture ``demo_case``)."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable
from pathlib import Path

from breachkit.demo.truth import Entry
from tests.democase import DemoCase


def backup(dest: Path, entries: Iterable[Entry], prefix: str = "", compression: str = "gz") -> Path:
    """A tar backup of demo entries, written from the scenario in memory (as a backup job would)."""
    with tarfile.open(dest, f"w:{compression}") as tar:
        for entry in entries:
            info = tarfile.TarInfo(prefix + entry.path.lstrip("/"))
            info.mode = entry.mode & 0o7777
            info.mtime = entry.times.mtime_ns // 1_000_000_000
            if entry.kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif entry.kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = entry.target
                tar.addfile(info)
            else:
                info.size = len(entry.data)
                tar.addfile(info, io.BytesIO(entry.data))
    return dest


def before_attack(case: DemoCase) -> list[Entry]:
    """What a backup made just before the attack held: entries untouched since then.

    Files changed later (logs, the shop's database) had other contents then, which the
    scenario does not keep, so they are left out, as from a backup of the web roots and /etc.
    """
    start = case.truth.attack_start_ns
    return [
        e for e in case.entries if e.times.btime_ns < start and e.times.mtime_ns < start and e.times.ctime_ns < start
    ]
