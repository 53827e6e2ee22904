"""The root file system while it is built: every entry with the history of what was done to it.

The parts of the host do not set inode times; they record events – born,
written, renamed, chmod-ed, read – on a :class:`Node`, and :meth:`Tree.entries`
turns the events into the four times the kernel would have stored: content and
directory-list changes move mtime and ctime, inode-only changes move ctime, and
reads move atime under Linux's default ``relatime`` rule
(https://man7.org/linux/man-pages/man8/mount.8.html, "relatime"). A folder's
times follow from what happened inside it. The finished tree is checked for the
invariants a real file system keeps (nothing born before its folder, nothing
after the snapshot).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from breachkit.demo.content.clock import DAY, SECOND, US
from breachkit.demo.truth import Entry, FileTimes, Kind


@dataclass(slots=True)
class Node:
    """One entry while the tree is built: what happened to it, from which its times follow."""

    path: str
    kind: Kind
    mode: int
    uid: int
    gid: int
    born: int
    data: bytes = b""
    target: str = ""
    #: content (file) or entry list (directory) changes: move mtime and ctime
    mods: list[int] = field(default_factory=list)
    #: inode-only changes (chmod, chown, rename, link count): move ctime
    changes: list[int] = field(default_factory=list)
    reads: list[int] = field(default_factory=list)
    fixed_mtime: int | None = None
    fixed_atime: int | None = None

    def times(self) -> FileTimes:
        born = _rough(self.born)
        mods = [_rough(t) for t in self.mods]
        changes = [_rough(t) for t in self.changes]
        mtime = self.fixed_mtime if self.fixed_mtime is not None else max([born, *mods])
        ctime = max([born, *mods, *changes])
        if self.fixed_atime is not None:
            atime = self.fixed_atime
        else:
            atime = _relatime(born, sorted([*mods, *changes]), sorted(_rough(t) for t in self.reads))
        return FileTimes(atime, mtime, ctime, born)


def _rough(t: int) -> int:
    """Give a computed time (whole microseconds or rounder) realistic nanoseconds.

    The scenario reasons in seconds and milliseconds; real inode times almost
    never end in zeros. A pure function of the value, so two events planned at
    the same instant (a file's birth and its folder's mtime) stay equal.
    """
    if t % US:
        return t
    t += 1 + (t // US) * 2_654_435_761 % 999_983
    return t if t % US else t + 7


def _relatime(born: int, changes: list[int], reads: list[int]) -> int:
    """Linux ``relatime``: a read moves atime only if atime <= mtime/ctime or is a day old."""
    atime = born
    if reads:
        for read in reads:
            if read < atime:
                continue
            latest = born
            for change in changes:
                if change > read:
                    break
                latest = change
            if atime <= latest or read - atime >= DAY:
                atime = read
    return atime


class Tree:
    """The root file system being built, with the times of everything done to it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.nodes: dict[str, Node] = {}

    def ns(self) -> int:
        """A random sub-second part, for times planned to the second."""
        return 1 + int(self.rng.random() * (SECOND - 1))

    def small(self, lo_us: int = 40, hi_us: int = 900) -> int:
        """A short random delay (file written after created, and the like), with nanoseconds.

        ``random()`` rather than ``randrange()``: this runs ~70,000 times per host.
        """
        return lo_us * US + 1 + int(self.rng.random() * (hi_us - lo_us) * US)

    def _parent(self, path: str, t: int) -> None:
        parent = str(PurePosixPath(path).parent)
        if parent == path:
            return
        node = self.nodes.get(parent)
        if node is None:
            raise KeyError(f"{path}: parent folder missing")
        node.mods.append(t)

    def _start(self, path: str, t: int) -> int:
        """A new entry cannot be older than its folder; the scenario's jitter sometimes says so."""
        if path in self.nodes:
            raise ValueError(f"{path} exists")
        parent = self.nodes.get(str(PurePosixPath(path).parent))
        if parent is not None and parent.path != path and t <= _rough(parent.born):
            t = _rough(parent.born) + self.small()
        return t

    def mkdir(self, path: str, t: int, uid: int = 0, gid: int = 0, mode: int = 0o755) -> Node:
        t = self._start(path, t)
        if path != "/":
            self._parent(path, t)
        node = Node(path, "dir", mode, uid, gid, t)
        self.nodes[path] = node
        return node

    def mkdirs(self, path: str, t: int, uid: int = 0, gid: int = 0, mode: int = 0o755) -> None:
        parts = PurePosixPath(path).parts
        for i in range(2, len(parts) + 1):
            sub = "/" + "/".join(parts[1:i])
            if sub not in self.nodes:
                self.mkdir(sub, t, uid, gid, mode)
                t += self.small()

    def write(
        self,
        path: str,
        data: bytes,
        t: int,
        *,
        uid: int = 0,
        gid: int = 0,
        mode: int = 0o644,
        mtime: int | None = None,
        done: int | None = None,
        linked: int | None = None,
    ) -> Node:
        """Create a file born at ``t``; written until ``done`` (default: a moment later).

        ``mtime`` fixes the modification time (dpkg, rsync -a, gzip keep the
        source's); ``linked`` is when its name appeared in the folder, if it was
        created elsewhere and renamed in.
        """
        t = self._start(path, t)
        if linked is not None:
            linked = max(linked, t)
        self._parent(path, linked if linked is not None else t)
        node = Node(path, "file", mode, uid, gid, t, data=data)
        end = done if done is not None else t + self.small(20, 400 + len(data) // 50)
        node.mods.append(max(end, t))
        if mtime is not None:
            node.fixed_mtime = mtime
        if linked is not None:
            node.changes.append(linked)
        self.nodes[path] = node
        return node

    def symlink(self, path: str, target: str, t: int, uid: int = 0, gid: int = 0) -> Node:
        t = self._start(path, t)
        self._parent(path, t)
        node = Node(path, "symlink", 0o777, uid, gid, t, target=target)
        self.nodes[path] = node
        return node

    def removed(self, parent: str, t: int) -> None:
        """Something in ``parent`` was deleted (or renamed away) at ``t``."""
        self.nodes[parent].mods.append(t)

    def delete(self, path: str, t: int) -> None:
        """``path`` (a file or symlink) was deleted at ``t``: it is gone and its folder changed."""
        if self.nodes[path].kind == "dir":
            raise ValueError(f"{path}: only files and symlinks are deleted")
        del self.nodes[path]
        self.removed(str(PurePosixPath(path).parent), t)

    def read(self, path: str, t: int) -> None:
        node = self.nodes.get(path)
        if node is not None and t >= node.born:
            node.reads.append(t)

    def __contains__(self, path: str) -> bool:
        return path in self.nodes

    def entries(self, limit: int) -> tuple[Entry, ...]:
        """The finished file system; checks the invariants a real one keeps."""
        out = []
        born: dict[str, int] = {}
        for path in sorted(self.nodes):
            node = self.nodes[path]
            times = node.times()
            born[path] = times.btime_ns
            parent = str(PurePosixPath(path).parent)
            problems = []
            if max(times.atime_ns, times.mtime_ns, times.ctime_ns, times.btime_ns) > limit:
                problems.append("a time after the snapshot")
            if times.ctime_ns < times.btime_ns:
                problems.append("changed before born")
            if node.fixed_mtime is None and times.mtime_ns < times.btime_ns:
                problems.append("modified before born")
            if path != "/" and born[parent] > times.btime_ns:
                problems.append("born before its folder")
            if problems:
                raise AssertionError(f"{path}: {', '.join(problems)}")
            out.append(Entry(path, node.kind, node.mode, node.uid, node.gid, times, node.data, node.target))
        return tuple(out)
