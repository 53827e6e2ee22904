"""The walk's JSON lines: the same bytes as the records give, in one process or two, on a hostile root."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from breachkit.host.collect import walk_root
from breachkit.host.records import FileStat, WarningRecord
from breachkit.host.rootfs import RootFS
from breachkit.host.statx import LAYOUT, RECORD_SIZE, STATX_BASIC_STATS, STATX_BTIME, StatRun, filestat
from breachkit.host.walklines import add_lines, can_fork, write_jsonl
from tests.hostile import HostileRoot

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
LINK_ATIME = re.compile(r'^\{"atime_ns":-?\d+(,.*"type":"l",.*)$')


def lines_of(fs: RootFS, workers: int, excluded: tuple[str, ...] = ()) -> tuple[str, list[WarningRecord]]:
    chunks: list[bytes] = []
    warnings: list[WarningRecord] = []
    count = walk_root(fs, excluded).write_jsonl(chunks.append, warnings.append, workers=workers)
    text = b"".join(chunks).decode("ascii")
    assert text.count("\n") == count
    return text, warnings


def records_of(fs: RootFS, excluded: tuple[str, ...] = ()) -> tuple[str, list[WarningRecord]]:
    lines: list[str] = []
    warnings: list[WarningRecord] = []
    for entry in walk_root(fs, excluded):
        if isinstance(entry, FileStat):
            lines.append(entry.to_jsonl() + "\n")
        else:
            warnings.append(entry)
    return "".join(lines), warnings


def without_link_atimes(text: str) -> str:
    """Reading a symlink's target moves its atime (see RootFS): compare everything else."""
    return "\n".join(LINK_ATIME.sub(r'{"atime_ns":0\1', line) for line in text.split("\n"))


@pytest.fixture
def fs(shared_hostile_root: HostileRoot) -> Iterator[RootFS]:
    with RootFS(str(shared_hostile_root.path)) as handle:
        yield handle


def test_lines_are_the_records_to_jsonl(fs: RootFS, shared_hostile_root: HostileRoot) -> None:
    excluded = ("/var/log",)  # a "skipped" warning in the middle of the walk
    lines, warnings = lines_of(fs, 1, excluded)
    expected, expected_warnings = records_of(fs, excluded)
    assert without_link_atimes(lines) == without_link_atimes(expected)
    assert warnings == expected_warnings
    assert ("/var/log", "skipped") in [(w.path, w.kind) for w in warnings]
    paths = [json.loads(line)["path"] for line in lines.splitlines()]
    assert shared_hostile_root.deep_file in paths  # beyond PATH_MAX, through the fds
    assert "/tmp/bad\udcff\udcfename" in paths


@needs_fork
def test_walk_process_gives_the_same_lines_and_warnings(fs: RootFS) -> None:
    excluded = ("/var/log", "/home")
    one, one_warnings = lines_of(fs, 1, excluded)
    two, two_warnings = lines_of(fs, 2, excluded)
    assert without_link_atimes(two) == without_link_atimes(one)
    assert two_warnings == one_warnings and len(one_warnings) >= 2


@needs_fork
def test_the_walk_process_leaves_no_fd_and_no_child(fs: RootFS) -> None:
    before = sorted(os.listdir("/proc/self/fd"))
    lines_of(fs, 2)
    assert sorted(os.listdir("/proc/self/fd")) == before
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@needs_fork
def test_a_walk_process_that_dies_is_an_error_not_a_short_walk(fs: RootFS) -> None:
    def dies() -> Iterator[StatRun | WarningRecord]:
        for number, item in enumerate(fs.walk_runs("/", batch=True)):
            if number == 3:
                os._exit(0)  # runs in the forked walker only (workers=2)
            yield item

    written: list[bytes] = []
    with pytest.raises(OSError, match="ended before the walk did"):
        write_jsonl(dies, written.append, lambda warning: None, workers=2)


@needs_fork
def test_an_error_in_the_walk_process_is_raised_here_after_what_was_walked(fs: RootFS) -> None:
    def fails() -> Iterator[StatRun | WarningRecord]:
        yield from fs.walk_runs("/etc", batch=True)
        raise PermissionError(13, "Permission denied")

    written: dict[int, list[bytes]] = {1: [], 2: []}
    for workers in (1, 2):
        with pytest.raises(OSError, match="Permission denied") as caught:
            write_jsonl(fails, written[workers].append, lambda warning: None, workers=workers)
        assert caught.value.errno == 13
    assert b"".join(written[2]) == b"".join(written[1])
    assert b'"path":"/etc/passwd"' in b"".join(written[2])


def test_no_process_to_spare_means_walking_here(fs: RootFS, monkeypatch: pytest.MonkeyPatch) -> None:
    one, _ = lines_of(fs, 1)

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    assert without_link_atimes(lines_of(fs, 2)[0]) == without_link_atimes(one)


def test_progress_counts_what_was_written(fs: RootFS) -> None:
    seen: list[int] = []
    written: list[bytes] = []
    count = walk_root(fs).write_jsonl(written.append, lambda warning: None, progress=seen.append, workers=1)
    assert seen == sorted(seen) and seen[-1] == count
    assert b"".join(written).count(b"\n") == count


def test_executables_are_handed_over_as_records(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    for name, mode in (("tool", 0o755), ("data", 0o644), ("suid", 0o4644), ("sgid", 0o2600)):
        (root / "bin" / name).write_bytes(b"x")
        os.chmod(root / "bin" / name, mode)
    os.mkfifo(root / "bin" / "fifo", 0o755)
    os.symlink("tool", root / "bin" / "link")
    found: list[FileStat] = []
    with RootFS(str(root)) as fs:
        walk_root(fs).write_jsonl(lambda data: None, lambda warning: None, executables=found.append, workers=1)
        assert found == [fs.lstat(path) for path in ("/bin/sgid", "/bin/suid", "/bin/tool")]


def test_batched_runs_hold_the_same_walk(fs: RootFS, shared_hostile_root: HostileRoot) -> None:
    def flat(batch: bool) -> tuple[list[StatRun | WarningRecord], list[FileStat | WarningRecord]]:
        runs = list(fs.walk_runs("/", skip=["/var/log"], max_depth=20, batch=batch))
        entries: list[FileStat | WarningRecord] = []
        for item in runs:
            entries.extend(item.stats() if isinstance(item, StatRun) else [item])
        return runs, entries

    single, single_entries = flat(False)
    batched, batched_entries = flat(True)
    strip = [e._replace(atime_ns=0) if isinstance(e, FileStat) and e.type == "l" else e for e in single_entries]
    assert [
        e._replace(atime_ns=0) if isinstance(e, FileStat) and e.type == "l" else e for e in batched_entries
    ] == strip
    kinds = {w.kind for w in single_entries if isinstance(w, WarningRecord)}
    assert {"skipped", "too-deep"} <= kinds
    assert len(batched) < len(single) / 4
    assert batched[0].paths == ["/"]  # type: ignore[union-attr]
    # Without batching a run ends at each directory: its entry comes before the walk looks inside.
    for run in single:
        if isinstance(run, StatRun):
            assert all(entry.type != "d" for entry in run.stats()[:-1])


def test_walk_object_iterates_like_rootfs_walk(fs: RootFS) -> None:
    walk = walk_root(fs)
    first = next(walk)
    assert isinstance(first, FileStat) and first.path == "/"
    walk.close()
    with pytest.raises(RuntimeError):
        walk.write_jsonl(lambda data: None, lambda warning: None)
    assert [e.path for e in walk_root(fs) if isinstance(e, FileStat)] == [
        e.path for e in fs.walk("/") if isinstance(e, FileStat)
    ]


def test_can_fork_says_no_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()


def test_can_fork_says_no_when_the_cpus_are_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "getloadavg", lambda: (64.0, 64.0, 64.0))
    assert not can_fork()


_U32 = st.integers(min_value=0, max_value=2**32 - 1)
_U64 = st.integers(min_value=0, max_value=2**64 - 1)
_SECONDS = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_NANOS = st.integers(min_value=0, max_value=999_999_999)


@given(
    fields=st.tuples(
        st.booleans(),
        _U32,
        _U32,
        _U32,
        st.integers(min_value=0, max_value=0xFFFF),
        _U64,
        _U64,
        _U64,
        *([_SECONDS, _NANOS] * 4),
        st.integers(min_value=0, max_value=0xFFF),
        st.integers(min_value=0, max_value=0xFFFFF),
    ),
    path=st.text(min_size=1).map(lambda s: "/" + s),
    target=st.one_of(st.none(), st.text()),
)
def test_a_line_from_any_record_is_its_filestat_to_jsonl(
    fields: tuple[int, ...], path: str, target: str | None
) -> None:
    record = bytearray(RECORD_SIZE)
    LAYOUT.pack_into(record, 0, STATX_BASIC_STATS | (STATX_BTIME if fields[0] else 0), *fields[1:])
    run = StatRun([path], bytes(record), {} if target is None else {0: target})
    lines: list[str] = []
    assert add_lines(run, lines) == 1
    assert lines == [filestat(bytes(record), 0, path, target).to_jsonl() + "\n"]


@needs_fork
def test_a_failed_write_stops_the_walk_process(fs: RootFS) -> None:
    def full(data: bytes) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        walk_root(fs).write_jsonl(full, lambda warning: None, workers=2)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # stopped and reaped, not left running
