from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from breachkit.hostzone import host_zone
from breachkit.sources.root import RootSource

ZONEINFO = Path("/usr/share/zoneinfo/Europe/Berlin")


def make_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    return root


@pytest.mark.skipif(not ZONEINFO.is_file(), reason="no zoneinfo data on this machine")
def test_the_hosts_own_tzif_file_wins(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    shutil.copy(ZONEINFO, root / "etc" / "localtime")
    (root / "etc" / "timezone").write_text("Asia/Tokyo\n")
    source = RootSource(str(root))
    try:
        zone = host_zone(source)
    finally:
        source.close()
    assert "localtime" in zone.how and zone.name == "Asia/Tokyo"  # the name is a label; the rules are the file's
    from datetime import datetime, timezone

    winter = datetime(2026, 11, 21, 22, 0, tzinfo=timezone.utc).astimezone(zone.zone)
    assert winter.utcoffset() is not None and winter.utcoffset().total_seconds() == 3600  # type: ignore[union-attr]


def test_a_symlink_names_the_zone_and_a_broken_file_falls_back(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    os.symlink("/usr/share/zoneinfo/America/New_York", root / "etc" / "localtime")  # target not in the root
    source = RootSource(str(root))
    try:
        zone = host_zone(source)
    finally:
        source.close()
    assert zone.name == "America/New_York" and "rules of this machine" in zone.how


@pytest.mark.parametrize("name", ["../../../etc/passwd", "Europe/Berlin; rm -rf /", "x" * 100, ""])
def test_hostile_zone_names_are_not_used(tmp_path: Path, name: str) -> None:
    root = make_root(tmp_path)
    (root / "etc" / "timezone").write_text(name + "\n")
    (root / "etc" / "localtime").write_bytes(b"TZif2 damaged")
    source = RootSource(str(root))
    try:
        zone = host_zone(source)
    finally:
        source.close()
    assert zone.name == "UTC" and "UTC assumed" in zone.how
