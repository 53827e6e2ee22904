"""A real case from the demo host, shared by the indicator tests (triage runs once per session)."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from breachkit.demo import build_tree, generate
from breachkit.demo.truth import Entry, GroundTruth


@dataclass(frozen=True)
class DemoCase:
    root: Path
    case: Path
    truth: GroundTruth
    entries: tuple[Entry, ...]


@pytest.fixture(scope="session")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> DemoCase:
    from breachkit import triage

    base = tmp_path_factory.mktemp("demo")
    build_tree(base / "root")
    triage.run(root=str(base / "root"), case_dir=base / "case")
    scenario = generate(0)
    return DemoCase(base / "root", base / "case", scenario.ground_truth, scenario.entries)


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
