"""Journal files through journalctl, and a clear problem when journalctl is missing.

The test journal was written by ``systemd-journal-remote`` from a four-entry
export (sshd failure and success, sudo, kernel) and is stored gzipped.
"""

from __future__ import annotations

import gzip
import shutil
from datetime import timezone
from pathlib import Path

import pytest

from breachkit.artifacts.linux import journal
from breachkit.artifacts.linux.auth import classify
from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.years import TimeContext
from breachkit.sources import RootSource
from tests.artifacts.conftest import DATA, put

MACHINE = "/var/log/journal/0123456789abcdef0123456789abcdef"


def _root(tmp_path: Path) -> RootSource:
    put(tmp_path, f"{MACHINE}/system.journal", gzip.decompress((DATA / "linux/journal/system.journal.gz").read_bytes()))
    (tmp_path / MACHINE.lstrip("/") / "escape.journal").symlink_to("/../../../../../etc/hostname")
    return RootSource(str(tmp_path))


@pytest.mark.skipif(shutil.which("journalctl") is None, reason="needs journalctl (systemd)")
def test_entries_become_lines_and_auth_events(tmp_path: Path) -> None:
    source = _root(tmp_path)
    problems = Problems()
    lines = list(journal.read_journal(source, TimeContext(timezone.utc, 0), problems))
    source.close()
    assert [(line.program, line.pid) for line in lines] == [("sshd", 811), ("sshd", 812), ("sudo", 900), ("kernel", 0)]
    assert lines[0].time_ns == 1795300877000000000 and lines[0].precision_ns == 1000
    assert lines[0].source_file == f"{MACHINE}/system.journal" and lines[1].source_line == 2
    kinds = [classify(line).kind for line in lines]
    assert kinds == ["ssh-fail", "ssh-accept", "sudo", "other"]
    # The symlink is resolved inside the root, where it names no journal: refused, not followed out.
    assert problems.counts["unreadable-log"] == 1


def test_missing_journalctl_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal.shutil, "which", lambda name: None)
    source = _root(tmp_path)
    problems = Problems()
    assert list(journal.read_journal(source, TimeContext(timezone.utc, 0), problems)) == []
    source.close()
    assert problems.counts["journalctl-missing"] == 1
    assert "install systemd" in problems.items[0].detail
