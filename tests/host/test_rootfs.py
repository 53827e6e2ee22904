"""RootFS on a hostile root: in-root resolution, loops, special files, caps, depth, vanishing."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from breachkit.host import rootfs as rootfs_module
from breachkit.host.records import FileStat, WarningRecord
from breachkit.host.rootfs import NotRegularFile, RootFS
from tests.hostile import HostileRoot, delete_when

T = TypeVar("T")


def within(seconds: float, func: Callable[[], T]) -> T:
    """Run ``func`` in a daemon thread; fail (instead of hanging the run) if it blocks."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # handed back to the test thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"blocked for more than {seconds} s")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


@pytest.fixture
def fs(shared_hostile_root: HostileRoot) -> Iterator[RootFS]:
    with RootFS(str(shared_hostile_root.path)) as handle:
        yield handle


def split_walk(entries: Iterator[FileStat | WarningRecord]) -> tuple[list[FileStat], list[WarningRecord]]:
    stats: list[FileStat] = []
    warnings: list[WarningRecord] = []
    for entry in entries:
        (stats if isinstance(entry, FileStat) else warnings).append(entry)  # type: ignore[arg-type]
    return stats, warnings


# -- resolution inside the root ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/tmp/shadow-link", "/etc/shadow"),  # absolute target: the root's /etc, not ours
        ("/tmp/passwd-link", "/etc/passwd"),  # ../../../../etc/passwd clamps at the root
        ("/tmp/root-link", "/"),
        ("/tmp/root-link/etc/hostname", "/etc/hostname"),
        ("/tmp/root-link/../../etc/passwd", "/etc/passwd"),
        ("/../../../etc/passwd", "/etc/passwd"),
        ("/etc/../../../..", "/"),
        ("/home/bob/.ssh", "/root/.ssh"),
        ("/home/bob/../etc/group", "/etc/group"),  # .. of a followed link is physical
        ("/etc/localtime", "/usr/share/zoneinfo/Etc/UTC"),
    ],
)
def test_escaping_links_resolve_inside_the_root(fs: RootFS, path: str, expected: str) -> None:
    assert fs.resolve(path) == expected


def test_escaping_link_reads_the_roots_file(fs: RootFS, shared_hostile_root: HostileRoot) -> None:
    data, cut = fs.read_bytes(shared_hostile_root.abs_escape)
    assert data.startswith(b"root:$6$salt$hash") and not cut
    data, _ = fs.read_bytes(shared_hostile_root.rel_escape)
    assert b"alice:x:1000" in data
    # stat follows inside the root and reports the path it landed on.
    assert fs.stat(shared_hostile_root.abs_escape).path == "/etc/shadow"
    assert fs.lstat(shared_hostile_root.abs_escape).type == "l"


def test_dangling_absolute_link_does_not_reach_the_analyst_machine(fs: RootFS) -> None:
    assert fs.readlink("/tmp/dangling") == "/nonexistent/file"
    with pytest.raises(FileNotFoundError):
        fs.read_bytes("/tmp/dangling")


@pytest.mark.parametrize("path", ["/tmp/loop_a", "/tmp/loop_b", "/tmp/self_loop", "/var/log/self_loop"])
def test_symlink_loops_raise_eloop(fs: RootFS, path: str) -> None:
    for call in (fs.resolve, fs.stat, fs.read_bytes, fs.listdir):
        with pytest.raises(OSError) as info:
            within(5, lambda call=call: call(path))  # type: ignore[misc]
        assert info.value.errno == errno.ELOOP
    assert fs.lstat(path).type == "l"  # the link itself is plain data


def test_loop_in_the_middle_of_a_path(fs: RootFS) -> None:
    with pytest.raises(OSError) as info:
        fs.resolve("/tmp/loop_a/etc/passwd")
    assert info.value.errno == errno.ELOOP


# -- special files and caps ----------------------------------------------------------


def test_fifo_socket_and_device_are_refused_quickly(fs: RootFS, shared_hostile_root: HostileRoot) -> None:
    specials = [shared_hostile_root.fifo, shared_hostile_root.socket, shared_hostile_root.device]
    for path in [p for p in specials if p is not None]:
        started = time.monotonic()
        with pytest.raises(NotRegularFile):
            within(5, lambda path=path: fs.read_bytes(path))  # type: ignore[misc]
        assert time.monotonic() - started < 1.0
    with pytest.raises(NotRegularFile):
        fs.open_file("/tmp")
    with pytest.raises(NotRegularFile):
        fs.open_file(shared_hostile_root.abs_escape, follow=False)


def test_file_swapped_for_a_fifo_between_stat_and_open(
    hostile_root: HostileRoot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = hostile_root.real("/etc/hostname")
    original = rootfs_module._open_noatime

    def swap_then_open(name: str, flags: int, dir_fd: int | None) -> int:
        if name == "hostname":
            os.unlink(real)
            os.mkfifo(real)
        return original(name, flags, dir_fd)

    monkeypatch.setattr(rootfs_module, "_open_noatime", swap_then_open)
    with RootFS(str(hostile_root.path)) as fs, pytest.raises(NotRegularFile) as info:
        within(5, lambda: fs.read_bytes("/etc/hostname"))
    assert "replaced" in str(info.value)


def test_sparse_terabyte_file_is_capped(fs: RootFS, shared_hostile_root: HostileRoot) -> None:
    if shared_hostile_root.sparse is None:
        pytest.skip("; ".join(shared_hostile_root.notes))
    assert fs.lstat(shared_hostile_root.sparse).size == 1 << 40
    started = time.monotonic()
    data, cut = fs.read_bytes(shared_hostile_root.sparse, limit=64 * 1024)
    assert len(data) == 64 * 1024 and cut
    assert data.startswith(b"MZ header")
    assert time.monotonic() - started < 1.0


def test_small_file_under_the_cap_is_whole(fs: RootFS) -> None:
    assert fs.read_bytes("/etc/hostname", limit=6) == (b"web01\n", False)
    assert fs.read_bytes("/etc/hostname", limit=5) == (b"web01", True)
    assert fs.read_bytes("/tmp/empty") == (b"", False)


def test_mode_000_file(fs: RootFS, shared_hostile_root: HostileRoot) -> None:
    path = shared_hostile_root.unreadable_file
    if os.geteuid() == 0:
        # root reads mode-000 files: the collector sees what the attacker hid.
        assert fs.read_bytes(path) == (b"secret\n", False)
    else:
        with pytest.raises(PermissionError):
            fs.read_bytes(path)


# -- walking -------------------------------------------------------------------------


def test_walk_lists_every_entry_of_the_tree(fs: RootFS, shared_hostile_root: HostileRoot) -> None:
    from tests.hostile import snapshot

    stats, warnings = split_walk(fs.walk("/"))
    walked = [entry.path for entry in stats]
    assert len(walked) == len(set(walked))
    expected = set(snapshot(shared_hostile_root.path))
    if os.geteuid() != 0:
        # Not root: the mode-000 folder cannot be listed, by either side.
        assert {w.path for w in warnings} == {shared_hostile_root.unreadable_dir}
    else:
        assert warnings == []
    assert set(walked) == expected
    assert set(shared_hostile_root.hostile_paths) <= set(walked)


def test_walk_is_preorder_and_sorted(fs: RootFS) -> None:
    walked = [e.path for e in fs.walk("/etc") if isinstance(e, FileStat)]
    assert walked[0] == "/etc"
    children = [p for p in walked[1:] if p.count("/") == 2]
    assert children == sorted(children)


def test_deep_chain_walked_completely(fs: RootFS, shared_hostile_root: HostileRoot) -> None:
    stats, warnings = split_walk(fs.walk(shared_hostile_root.deep_top))
    assert warnings == []
    walked = [entry.path for entry in stats]
    assert walked == [*shared_hostile_root.deep_dirs(), shared_hostile_root.deep_file]
    assert len(os.fsencode(shared_hostile_root.deep_file)) > 4096
    assert all(entry.type == "d" for entry in stats[:-1])
    # And the bottom file reads fine through the root, beyond PATH_MAX.
    assert fs.read_bytes(shared_hostile_root.deep_file)[0] == b"payload hidden below PATH_MAX\n"


def test_walk_depth_limit_is_a_warning(fs: RootFS, shared_hostile_root: HostileRoot) -> None:
    stats, warnings = split_walk(fs.walk(shared_hostile_root.deep_top, max_depth=10))
    assert len(stats) == 11
    assert [w.kind for w in warnings] == ["too-deep"]
    assert warnings[0].path == shared_hostile_root.deep_dirs()[10]


def test_walk_never_follows_symlinks(fs: RootFS) -> None:
    stats, _ = split_walk(fs.walk("/tmp"))
    assert not any(entry.path.startswith("/tmp/root-link/") for entry in stats)
    links = {entry.path: entry.target for entry in stats if entry.type == "l"}
    assert links["/tmp/shadow-link"] == "/etc/shadow"
    assert links["/tmp/loop_a"] == "loop_b"
    assert links["/tmp/bad\udcfflink"] == "\x1b[31m\udcfe target"


def test_walk_of_a_missing_start_is_a_warning(fs: RootFS) -> None:
    assert list(fs.walk("/no/such/dir")) == [
        WarningRecord("/no/such/dir", "vanished", "disappeared before it could be read")
    ]


def test_walk_skip_reports_and_does_not_enter(fs: RootFS) -> None:
    stats, warnings = split_walk(fs.walk("/", skip=["/tmp"]))
    assert "/tmp" in {e.path for e in stats}
    assert not any(e.path.startswith("/tmp/") for e in stats)
    assert [(w.path, w.kind) for w in warnings if w.kind == "skipped"] == [("/tmp", "skipped")]


def test_vanished_file_and_directory_are_warnings_and_the_walk_goes_on(hostile_root: HostileRoot) -> None:
    base = hostile_root.real("/var/log")
    os.mkdir(base + b"/gone-dir")
    os.mkdir(base + b"/gone-later")
    with open(base + b"/gone-later/x", "wb") as handle:
        handle.write(b"x")
    victims = [base + b"/gone-dir", base + b"/gone-later", base + b"/syslog"]
    with RootFS(str(hostile_root.path)) as fs:
        entries = delete_when(
            fs.walk("/var/log"),
            lambda e: e.path == "/var/log/auth.log",  # listed, not yet visited: the rest
            victims[1:],
        )
        # gone-dir vanishes right after the walk stat'ed it, before entering it.
        entries = delete_when(entries, lambda e: e.path == "/var/log/gone-dir", victims[:1])
        stats, warnings = split_walk(entries)
    kinds = {(w.path, w.kind) for w in warnings}
    assert kinds == {
        ("/var/log/gone-dir", "vanished"),
        ("/var/log/gone-later", "vanished"),
        ("/var/log/syslog", "vanished"),
    }
    walked = {e.path for e in stats}
    assert "/var/log/nginx/access.log" in walked  # after the trouble: the walk went on
    assert "/var/log/self_loop" in walked


def test_walk_leaves_no_fd_open(fs: RootFS, shared_hostile_root: HostileRoot) -> None:
    before = len(os.listdir("/proc/self/fd"))
    walk = fs.walk(shared_hostile_root.deep_top)
    assert isinstance(walk, types.GeneratorType)
    for _ in range(300):
        next(walk)
    walk.close()  # an abandoned walk closes its directory fds
    list(fs.walk("/"))
    assert len(os.listdir("/proc/self/fd")) == before


def test_listdir_through_links_and_names(fs: RootFS) -> None:
    names = fs.listdir("/home/bob")  # -> /root
    assert names == [".bash_history", ".ssh"]
    assert "bad\udcff\udcfename" in fs.listdir("/tmp")
    assert fs.exists("/tmp/\n") and not fs.exists("/tmp/nope")


def test_dotdot_in_deep_paths_and_above_the_root(fs: RootFS, shared_hostile_root: HostileRoot) -> None:
    dirs = shared_hostile_root.deep_dirs()
    assert fs.resolve(dirs[-1] + "/../level_599") == dirs[-1]
    assert fs.resolve(dirs[-1] + "/.." * 3) == dirs[-4]
    assert fs.resolve(dirs[-1] + "/.." * 1000 + "/etc/hostname") == "/etc/hostname"


def test_deep_file_reads_under_a_low_fd_limit(shared_hostile_root: HostileRoot) -> None:
    """A walk holds one fd per level; resolving the deep file must not need as many again."""
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))\n"
        "from breachkit.host.rootfs import RootFS\n"
        "fs = RootFS(sys.argv[1])\n"
        "for entry in fs.walk(sys.argv[2]):\n"
        "    if entry.path == sys.argv[3]:\n"
        "        sys.stdout.write(fs.read_bytes(entry.path)[0].decode())\n"
    )
    host = shared_hostile_root
    done = subprocess.run(
        [sys.executable, "-c", code, str(host.path), host.deep_top, host.deep_file],
        capture_output=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"payload hidden below PATH_MAX\n"
