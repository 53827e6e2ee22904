"""The file-tree builder: inode times from recorded events, relatime, and the invariants it checks."""

from __future__ import annotations

import random

import pytest

from breachkit.demo.content.clock import DAY, MS, SECOND, US
from breachkit.demo.tree import Tree
from breachkit.demo.truth import Entry

#: a planned instant with nanoseconds, which the tree keeps as it is
T0 = 1_700_000_000 * SECOND + 123
FAR = T0 + 1_000 * DAY


def _tree() -> Tree:
    tree = Tree(random.Random(0))
    tree.mkdir("/", T0)
    return tree


def _entries(tree: Tree) -> dict[str, Entry]:
    return {e.path: e for e in tree.entries(FAR)}


def test_a_write_moves_mtime_and_ctime_of_the_file_and_its_folder() -> None:
    tree = _tree()
    tree.write("/f", b"data", T0 + SECOND, done=T0 + 2 * SECOND)
    entries = _entries(tree)
    f, root = entries["/f"].times, entries["/"].times
    assert (f.btime_ns, f.mtime_ns, f.ctime_ns, f.atime_ns) == (
        T0 + SECOND,
        T0 + 2 * SECOND,
        T0 + 2 * SECOND,
        T0 + SECOND,
    )
    assert (root.btime_ns, root.mtime_ns, root.ctime_ns) == (T0, T0 + SECOND, T0 + SECOND)


def test_an_inode_change_moves_only_ctime() -> None:
    tree = _tree()
    node = tree.write("/f", b"data", T0 + SECOND, done=T0 + SECOND)
    node.changes.append(T0 + 5 * SECOND)  # chmod
    times = _entries(tree)["/f"].times
    assert (times.mtime_ns, times.ctime_ns) == (T0 + SECOND, T0 + 5 * SECOND)


def test_a_fixed_mtime_is_kept_even_if_older_than_birth() -> None:
    tree = _tree()
    tree.write("/f", b"data", T0 + SECOND, done=T0 + SECOND, mtime=T0 - DAY)  # rsync -a, dpkg
    assert _entries(tree)["/f"].times.mtime_ns == T0 - DAY


def test_relatime_moves_atime_once_after_a_change_then_only_daily() -> None:
    tree = _tree()
    tree.write("/f", b"data", T0 + SECOND, done=T0 + SECOND)
    tree.read("/f", T0 + 2 * SECOND)  # atime <= mtime: moves
    tree.read("/f", T0 + 3 * SECOND)  # atime > mtime and less than a day old: stays
    assert _entries(tree)["/f"].times.atime_ns == T0 + 2 * SECOND
    tree.read("/f", T0 + 2 * SECOND + DAY)  # a day old: moves
    assert _entries(tree)["/f"].times.atime_ns == T0 + 2 * SECOND + DAY


def test_reads_before_birth_are_ignored() -> None:
    tree = _tree()
    tree.write("/f", b"data", T0 + SECOND, done=T0 + SECOND)
    tree.read("/f", T0)
    assert _entries(tree)["/f"].times.atime_ns == T0 + SECOND


def test_round_planned_times_get_realistic_nanoseconds() -> None:
    planned = 1_700_000_000 * SECOND
    tree = Tree(random.Random(0))
    tree.mkdir("/", planned)
    btime = tree.entries(FAR)[0].times.btime_ns
    assert btime % US and 0 < btime - planned < MS
    again = Tree(random.Random(1))
    again.mkdir("/", planned)
    assert again.entries(FAR)[0].times.btime_ns == btime  # a function of the value, not of the generator


def test_a_new_entry_is_never_older_than_its_folder() -> None:
    tree = _tree()
    tree.mkdir("/d", T0 + DAY)
    tree.write("/d/f", b"", T0, done=T0)
    entries = _entries(tree)
    assert entries["/d/f"].times.btime_ns > entries["/d"].times.btime_ns


def test_missing_parent_and_duplicates_are_refused() -> None:
    tree = _tree()
    with pytest.raises(KeyError, match="parent folder missing"):
        tree.write("/no/f", b"", T0 + SECOND)
    tree.mkdir("/d", T0 + SECOND)
    with pytest.raises(ValueError, match="exists"):
        tree.mkdir("/d", T0 + 2 * SECOND)


def test_a_time_after_the_snapshot_is_a_bug() -> None:
    tree = _tree()
    tree.write("/f", b"", T0 + 2 * DAY, done=T0 + 2 * DAY)
    with pytest.raises(AssertionError, match="after the snapshot"):
        tree.entries(T0 + DAY)
