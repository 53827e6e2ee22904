"""build_image: an ext4 image whose every inode has the scenario's four times, mounted read-only.

Needs root, mkfs.ext4 with -d and debugfs; CI runs as root.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from breachkit.demo.build import DemoImage, build_image, is_read_only, mounted, unmount

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(
        os.geteuid() != 0 or not (shutil.which("mkfs.ext4") and shutil.which("debugfs")),
        reason="needs root, mkfs.ext4 and debugfs",
    ),
]

Statx = Callable[[Path], tuple[int, int, int, int, int, int, int]]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoImage]:
    demo = build_image(tmp_path_factory.mktemp("image"), seed=0)
    try:
        yield demo
    finally:
        unmount(demo)
    assert not demo.is_mounted


def test_every_inode_has_the_planned_times(image: DemoImage, statx: Statx) -> None:
    assert image.is_mounted
    wrong = []
    for entry in image.scenario.entries:
        atime, mtime, ctime, btime, uid, gid, mode = statx(image.path(entry.path))
        want = (
            entry.times.atime_ns,
            entry.times.mtime_ns,
            entry.times.ctime_ns,
            entry.times.btime_ns,
            entry.uid,
            entry.gid,
            entry.mode,
        )
        if (atime, mtime, ctime, btime, uid, gid, mode & 0o7777) != want:
            wrong.append(entry.path)
    assert not wrong, wrong[:10]


def test_key_files_to_the_nanosecond(image: DemoImage, statx: Statx) -> None:
    truth = image.ground_truth
    for path in (
        truth.entry_point.created,
        truth.timestomped.path,
        "/tmp/.X11-cache",
        "/etc/localtime",
        "/var/www/tsv-musterstadt.example/htdocs/downloads/Beitrittserklärung 2026.pdf",
    ):
        entry = image.scenario.entry(path)
        assert statx(image.path(path))[:4] == (
            entry.times.atime_ns,
            entry.times.mtime_ns,
            entry.times.ctime_ns,
            entry.times.btime_ns,
        ), path
    stomped = statx(image.path(truth.timestomped.path))
    assert stomped[1] == truth.timestomped.forged_mtime_ns < stomped[3] == truth.timestomped.real_btime_ns


def test_mount_is_read_only(image: DemoImage) -> None:
    assert is_read_only(image.mountpoint)
    with pytest.raises(OSError) as caught:
        (image.mountpoint / "tmp" / "new").write_text("x")
    assert caught.value.errno == errno.EROFS
    before = os.lstat(image.path("/etc/passwd")).st_atime_ns
    image.path("/etc/passwd").read_bytes()
    assert os.lstat(image.path("/etc/passwd")).st_atime_ns == before


def test_upload_request_precedes_webshell_birth_on_disk(image: DemoImage, statx: Statx) -> None:
    truth = image.ground_truth
    log = image.path(truth.entry_point.log_path).read_text(encoding="utf-8")
    match = re.search(
        rf'^{re.escape(truth.attacker_ips[0])} - - \[([^\]]+)\] "POST /admin/upload\.php ', log, re.MULTILINE
    )
    assert match
    logged = int(dt.datetime.strptime(match[1], "%d/%b/%Y:%H:%M:%S %z").timestamp()) * 1_000_000_000
    born = statx(image.path(truth.entry_point.created))[3]
    assert 0 < born - logged < 2_000_000_000


def test_mounted_context_unmounts(image: DemoImage) -> None:
    unmount(image)
    assert not image.is_mounted
    with mounted(image) as root:
        assert (root / "etc" / "hostname").read_text() == "web01\n"
    assert not image.is_mounted
    loops = subprocess.run(["losetup", "-j", str(image.image)], capture_output=True, text=True, check=False)
    assert loops.stdout.strip() == ""
    with mounted(image):  # leave it mounted for tests that follow; the fixture unmounts
        pass
    from breachkit.demo.build import mount

    mount(image)
