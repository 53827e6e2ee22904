"""On a real ext4 image (root only): our bodyfile equals ``fls -m``, and the findings hold on real statx."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import breachkit.cli.main
from breachkit.findings import Severity
from breachkit.timeline import analyse_timeline, open_timeline
from tests.hostile import snapshot, snapshot_diff

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from breachkit import demo

    if not demo.can_build_image():
        pytest.skip("mkfs.ext4, debugfs or loop mounts are not available")
    built = demo.build_image(tmp_path_factory.mktemp("image"))
    try:
        yield built
    finally:
        demo.unmount(built)


def _fields(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        fields = line.split("|")
        rows[fields[1].split(" -> ")[0]] = fields[2:]
    return rows


@pytest.mark.skipif(shutil.which("fls") is None, reason="The Sleuth Kit (fls) is not installed")
def test_bodyfile_equals_fls_on_the_image(image: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(breachkit.cli.main, "COMMAND_MODULES", ("breachkit.cli.timeline",))
    ours = tmp_path / "ours.body"
    mountpoint = image.mountpoint  # type: ignore[attr-defined]
    assert (
        breachkit.cli.main.main(["timeline", "--root", str(mountpoint), "--format", "bodyfile", "--output", str(ours)])
        == 0
    )
    fls = subprocess.run(["fls", "-r", "-m", "/", str(image.image)], capture_output=True, check=True)  # type: ignore[attr-defined]
    theirs = _fields(fls.stdout.decode("utf-8", "surrogateescape"))
    mine = _fields(ours.read_text(encoding="utf-8"))
    assert set(mine) - set(theirs) == {"/"}  # fls does not list the root itself
    assert set(theirs) - set(mine) <= {"/$OrphanFiles"}  # TSK's virtual folder
    assert len(mine) > 500
    different = {path: (mine[path], theirs[path]) for path in mine.keys() & theirs.keys() if mine[path] != theirs[path]}
    assert different == {}  # inode, mode, owners, size and all four times, for every file
    if shutil.which("mactime"):
        proc = subprocess.run(["mactime", "-b", str(ours), "-d", "-y"], capture_output=True, text=True, check=False)
        assert proc.returncode == 0 and "ImageCache.php" in proc.stdout


def test_findings_on_the_mounted_image(image: object) -> None:
    truth = image.ground_truth  # type: ignore[attr-defined]
    root = image.mountpoint  # type: ignore[attr-defined]
    before = snapshot(root)
    timeline = open_timeline(root=str(root))
    try:
        found = analyse_timeline(timeline)
        assert timeline.load.no_birth == 0 and timeline.load.capabilities_read
    finally:
        timeline.close()
    stomp = next(f for f in found if f.check == "timeline.timestomp")
    assert stomp.severity == Severity.HIGH and stomp.evidence[0].path == truth.timestomped.path
    burst = next(f for f in found if f.check == "timeline.burst")
    assert burst.severity == Severity.HIGH and "Saturday" in burst.title
    assert {m.path for m in truth.malicious} & {e.path for e in burst.evidence}
    temp = next(f for f in found if f.check == "timeline.temp-executables")
    assert {"/tmp/.X11-cache/kworkerd", "/tmp/.X11-cache/run.sh"} <= {e.path for e in temp.evidence}
    assert snapshot_diff(before, snapshot(root), atime=True) == []


def test_capabilities_are_read_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "var" / "tmp").mkdir(parents=True)
    helper = root / "var" / "tmp" / "helper"
    ping = root / "usr" / "bin" / "ping"
    for path in (helper, ping):
        path.write_bytes(b"\x7fELF fake")
        path.chmod(0o755)
    try:
        os.setxattr(helper, "security.capability", struct.pack("<IIIII", 0x02000001, 1 << 7, 0, 0, 0))
        os.setxattr(ping, "security.capability", struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0))
    except OSError as exc:
        pytest.skip(f"this file system keeps no security xattrs: {exc}")
    # A symlink named like a file elsewhere: read as the link (no capability), never followed.
    os.symlink("/usr/bin/ping", root / "var" / "tmp" / "link")
    timeline = open_timeline(root=str(root))
    try:
        caps = dict(timeline.con.execute("SELECT path, capability FROM files WHERE capability IS NOT NULL").fetchall())
        found = analyse_timeline(timeline)
    finally:
        timeline.close()
    assert caps == {"/var/tmp/helper": "cap_setuid=ep", "/usr/bin/ping": "cap_net_raw=ep"}
    powerful = next(f for f in found if f.check == "timeline.capabilities")
    assert {e.path for e in powerful.evidence} == {"/var/tmp/helper"}
