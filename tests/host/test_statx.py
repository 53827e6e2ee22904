"""statx through ctypes: nanosecond times equal to os.lstat, birth time, the fallback."""

from __future__ import annotations

import ctypes
import errno
import os
import subprocess
from pathlib import Path

import pytest

from breachkit.host import statx as statx_module
from breachkit.host.records import FileStat
from breachkit.host.rootfs import RootFS
from breachkit.host.statx import has_statx, statx_at
from tests.hostile import PATH_MAX, HostileRoot


def _same_as_lstat(entry: FileStat, st: os.stat_result) -> None:
    assert (entry.mtime_ns, entry.ctime_ns) == (st.st_mtime_ns, st.st_ctime_ns), entry.path
    if entry.type == "l":
        # readlink(2) moves a symlink's atime (no O_NOATIME for it); the record
        # holds the time from before the target was read.
        assert entry.atime_ns <= st.st_atime_ns, entry.path
    else:
        assert entry.atime_ns == st.st_atime_ns, entry.path
    assert (entry.mode, entry.uid, entry.gid, entry.size) == (st.st_mode, st.st_uid, st.st_gid, st.st_size)
    assert (entry.inode, entry.nlink, entry.dev, entry.blocks) == (
        st.st_ino,
        st.st_nlink,
        st.st_dev,
        st.st_blocks,
    )


def test_walk_matches_lstat_to_the_nanosecond(shared_hostile_root: HostileRoot) -> None:
    checked = 0
    with RootFS(str(shared_hostile_root.path)) as fs:
        for entry in fs.walk("/"):
            if not isinstance(entry, FileStat):
                continue
            real = shared_hostile_root.real(entry.path)
            if len(real) >= PATH_MAX:
                continue  # the deep chain: os.lstat cannot name it
            _same_as_lstat(entry, os.lstat(real))
            if entry.type == "l":
                assert entry.target == os.fsdecode(os.readlink(real))
            checked += 1
    assert checked > 150


def test_birth_time_where_the_file_system_keeps_one(tmp_path: Path) -> None:
    if not has_statx():
        pytest.skip("libc has no statx")
    probe = tmp_path / "born"
    probe.write_bytes(b"x")
    coreutils = subprocess.run(["stat", "-c", "%.9W", str(probe)], capture_output=True, text=True)
    if coreutils.returncode != 0 or float(coreutils.stdout or 0) == 0:
        pytest.skip(f"the file system of {tmp_path} keeps no birth time")
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        entry = statx_at(fd, "born", "/born")
    finally:
        os.close(fd)
    assert entry.btime_ns is not None
    assert entry.btime_ns == int(coreutils.stdout.strip().replace(".", ""))
    assert entry.btime_ns <= entry.mtime_ns


def test_stat_of_the_directory_itself_and_of_a_missing_name(tmp_path: Path) -> None:
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        itself = statx_at(fd, "", "/")
        _same_as_lstat(itself, os.lstat(tmp_path))
        assert itself.type == "d" and itself.path == "/"
        with pytest.raises(FileNotFoundError):
            statx_at(fd, "missing", "/missing")
    finally:
        os.close(fd)


def test_fallback_without_statx_gives_the_same_record_minus_birth_time(
    shared_hostile_root: HostileRoot, monkeypatch: pytest.MonkeyPatch
) -> None:
    fd = os.open(shared_hostile_root.real("/tmp"), os.O_RDONLY | os.O_DIRECTORY)
    try:
        names = ["loop_a", "fifo", "bad\udcff\udcfename", "\n", "mode000"]
        with_statx = [statx_at(fd, name, "/tmp/" + name) for name in names]
        monkeypatch.setattr(statx_module, "_STATX", None)
        without = [statx_at(fd, name, "/tmp/" + name) for name in names]
    finally:
        os.close(fd)
    assert [e._replace(btime_ns=None) for e in with_statx] == without


def _walk(root: Path) -> list[FileStat]:
    with RootFS(str(root)) as fs:
        return [entry for entry in fs.walk("/") if isinstance(entry, FileStat)]


def _no_birth_no_link_atime(entries: list[FileStat]) -> list[FileStat]:
    return [e._replace(btime_ns=None, atime_ns=0 if e.type == "l" else e.atime_ns) for e in entries]


def test_walk_without_statx_gives_the_same_records_minus_birth_time(
    shared_hostile_root: HostileRoot, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_statx = _walk(shared_hostile_root.path)
    monkeypatch.setattr(statx_module, "_STATX", None)
    without = _walk(shared_hostile_root.path)
    assert all(entry.btime_ns is None for entry in without)
    assert _no_birth_no_link_atime(without) == _no_birth_no_link_atime(with_statx)


def test_a_kernel_without_statx_falls_back_per_call(
    shared_hostile_root: HostileRoot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """glibc has statx but the kernel (or a seccomp filter) answers ENOSYS."""
    calls = []

    def enosys(*args: object) -> int:
        calls.append(args)
        ctypes.set_errno(errno.ENOSYS)
        return -1

    with_statx = _walk(shared_hostile_root.path)
    monkeypatch.setattr(statx_module, "_STATX", enosys)
    without = _walk(shared_hostile_root.path)
    assert calls and all(entry.btime_ns is None for entry in without)
    assert _no_birth_no_link_atime(without) == _no_birth_no_link_atime(with_statx)


def test_a_name_with_a_nul_byte_is_refused_not_cut_short(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x")
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(OSError) as caught:
            statx_at(fd, "a\0b", "/a\0b")  # C would see "a"
        assert caught.value.errno == errno.EINVAL
    finally:
        os.close(fd)
