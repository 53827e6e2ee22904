"""Weekly logrotate replayed over log lines: which file holds which line, and the files' times."""

from __future__ import annotations

import gzip
import random

from breachkit.demo.content.clock import DAY, HOUR, MS, SECOND
from breachkit.demo.rotation import Line, LiveEdit, rotate_log
from breachkit.demo.tree import Tree
from breachkit.demo.truth import Entry

T0 = 1_700_000_000 * SECOND + 123
SUNDAYS = tuple(T0 + week * 7 * DAY for week in range(6))


def _rotated(lines: list[Line], keep: int) -> dict[str, Entry]:
    tree = Tree(random.Random(0))
    tree.mkdir("/", T0 - 30 * DAY)
    tree.mkdirs("/var/log", T0 - 30 * DAY + SECOND)
    rotate_log(tree, "/var/log/x.log", lines, SUNDAYS, keep)
    return {e.path: e for e in tree.entries(T0 + 100 * DAY) if e.path.startswith("/var/log/x.log")}


def _text(entry: Entry) -> str:
    return (gzip.decompress(entry.data) if entry.path.endswith(".gz") else entry.data).decode()


def _daily_lines() -> list[Line]:
    return [(T0 + n * DAY + 10 * HOUR, f"day {n}") for n in range(-3, 38)]


def test_files_and_compression_follow_delaycompress() -> None:
    files = _rotated(_daily_lines(), keep=3)
    assert sorted(files) == ["/var/log/x.log", "/var/log/x.log.1", "/var/log/x.log.2.gz", "/var/log/x.log.3.gz"]
    assert _text(files["/var/log/x.log.1"]).splitlines() == [f"day {n}" for n in range(28, 35)]


def test_kept_lines_are_in_order_and_older_ones_are_gone() -> None:
    files = _rotated(_daily_lines(), keep=3)
    order = ["/var/log/x.log.3.gz", "/var/log/x.log.2.gz", "/var/log/x.log.1", "/var/log/x.log"]
    lines = [line for path in order for line in _text(files[path]).splitlines()]
    assert lines == [f"day {n}" for n in range(14, 38)]


def test_gzip_keeps_the_time_of_the_last_line_but_the_file_is_born_at_rotation() -> None:
    files = _rotated(_daily_lines(), keep=3)
    gz = files["/var/log/x.log.2.gz"].times  # days 21-27: .1 at SUNDAYS[4], gzipped at SUNDAYS[5]
    last_line = T0 + 27 * DAY + 10 * HOUR
    assert last_line < gz.mtime_ns < last_line + MS
    assert SUNDAYS[5] < gz.btime_ns < SUNDAYS[5] + SECOND
    assert SUNDAYS[3] < gz.atime_ns < SUNDAYS[3] + SECOND  # gzip kept it too: when that week's file began
    assert gz.ctime_ns >= gz.btime_ns


def test_a_week_without_lines_does_not_rotate() -> None:  # notifempty
    lines = [(t, text) for t, text in _daily_lines() if not 7 <= (t - T0) // DAY < 14]
    files = _rotated(lines, keep=8)
    assert len(files) == 5  # x.log and four rotated weeks instead of five


def _edited(edit: LiveEdit) -> tuple[dict[str, Entry], tuple[int, int]]:
    tree = Tree(random.Random(0))
    tree.mkdir("/", T0 - 30 * DAY)
    tree.mkdirs("/var/log", T0 - 30 * DAY + SECOND)
    counts = rotate_log(tree, "/var/log/x.log", _daily_lines(), SUNDAYS, 3, edit=edit)
    return {e.path: e for e in tree.entries(T0 + 100 * DAY) if e.path.startswith("/var/log")}, counts


def test_sed_writes_a_new_file_while_the_daemon_writes_into_the_old_one() -> None:
    at = T0 + 36 * DAY + 12 * HOUR  # the live file holds days 35 to 37
    files, counts = _edited(LiveEdit(at, lambda line: line != "day 35", new_file=True, reopened=False))
    live = files["/var/log/x.log"]
    assert _text(live).splitlines() == ["day 36"]  # day 35 cut out, day 37 went into the deleted file
    assert counts == (1, 1)
    assert at < live.times.btime_ns <= live.times.mtime_ns <= live.times.ctime_ns < at + SECOND
    assert at <= files["/var/log"].times.mtime_ns  # the rename changed the folder
    assert _text(files["/var/log/x.log.1"]).splitlines() == [f"day {n}" for n in range(28, 35)]


def test_emptying_in_place_keeps_the_inode_and_what_comes_after() -> None:
    at = T0 + 36 * DAY + 12 * HOUR
    files, counts = _edited(LiveEdit(at, lambda line: False, new_file=False, reopened=True))
    live = files["/var/log/x.log"]
    assert _text(live).splitlines() == ["day 37"]
    assert counts == (2, 0)
    assert live.times.btime_ns < SUNDAYS[5] + SECOND < at < live.times.mtime_ns
