"""build_tree: the demo host as a folder, the same twice, ground truth beside it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from breachkit.demo.build import DemoError, DemoHost, build_tree
from breachkit.demo.scenario import Scenario


def _stat_all(root: Path, scenario: Scenario) -> dict[str, tuple[int, int, int, int]]:
    """lstat every planned path without listing a folder: listing moves a folder's atime."""
    out = {}
    for entry in scenario.entries:
        st = (root / entry.path.lstrip("/")).lstat()
        out[entry.path] = (st.st_mode, st.st_size, st.st_atime_ns, st.st_mtime_ns)
    return out


def _content(path: Path) -> object:
    if path.is_symlink():
        return os.readlink(path)
    if not path.is_file():
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOATIME", 0))  # ours, so O_NOATIME is allowed
    try:
        return hashlib.sha256(os.read(fd, 1 << 24)).hexdigest()
    finally:
        os.close(fd)


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoHost, DemoHost]:
    base = tmp_path_factory.mktemp("demo")
    return build_tree(base / "a" / "root", seed=0), build_tree(base / "b" / "root", seed=0)


def test_same_seed_same_tree_as_planned(two_builds: tuple[DemoHost, DemoHost], scenario: Scenario) -> None:
    first, second = two_builds[0].root, two_builds[1].root
    stats = _stat_all(first, scenario)
    assert stats == _stat_all(second, scenario)
    for entry in scenario.entries:
        mode, size, atime, mtime = stats[entry.path]
        assert (atime, mtime) == (entry.times.atime_ns, entry.times.mtime_ns), entry.path
        assert size == entry.size or entry.kind == "dir", entry.path
        if entry.kind != "symlink":
            assert mode & 0o7777 == entry.mode, entry.path
    for entry in scenario.entries:
        assert _content(first / entry.path.lstrip("/")) == _content(second / entry.path.lstrip("/"))
    # nothing else in the root (this lists folders, so it comes last)
    found = {"/" + str(p.relative_to(first)) for p in first.rglob("*")} | {"/"}
    assert found == {e.path for e in scenario.entries}


def test_ground_truth_is_beside_the_root(two_builds: tuple[DemoHost, DemoHost]) -> None:
    root = two_builds[0].root
    assert two_builds[0].ground_truth_path == root.parent / "ground_truth.json"
    gt = root.parent / "ground_truth.json"
    data = json.loads(gt.read_text(encoding="utf-8"))
    assert data["hostname"] == "web01"
    assert not any(p.name == "ground_truth.json" for p in root.rglob("ground_truth.json"))


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "x").write_text("x")
    with pytest.raises(DemoError, match="not an empty folder"):
        build_tree(tmp_path / "root")
    with pytest.raises(DemoError, match="inside the examined root"):
        build_tree(tmp_path / "other", ground_truth=tmp_path / "other" / "gt.json")


def test_says_which_times_are_exact(two_builds: tuple[DemoHost, DemoHost]) -> None:
    host = two_builds[0]
    assert host.times_exact == ("atime", "mtime")
    assert any("debugfs" in note for note in host.notes)
    assert host.owners_exact == (os.geteuid() == 0)
    assert host.path("/etc/hostname").read_text() == "web01\n"
