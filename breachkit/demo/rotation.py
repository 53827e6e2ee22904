"""Log files as weekly logrotate leaves them: ``name``, ``name.1``, ``name.2.gz`` … with their times.

The parts of the host produce log lines with their instants; :func:`rotate_log`
replays Debian's weekly rotation (``compress``, ``delaycompress``, see
logrotate(8)) over them, so each line lands in the file it would be in on the
day of the snapshot, and each file has the birth, change and modification times
the rotation gave it. :func:`rotation_instants` says when, on this host, each
Sunday's run started.

An attacker who edits the live file after the last rotation is an :class:`Edit`:
:class:`LiveEdit` for text logs (``sed -i`` writes a new file, while the daemon
that had the old one open goes on writing into the deleted inode; ``: > log``
empties it in place), :class:`ZeroedRecords` for wtmp.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from breachkit.demo.calendar import ROTATION_SUNDAYS
from breachkit.demo.content import blobs, system
from breachkit.demo.content.clock import MS, SECOND, US
from breachkit.demo.tree import Tree
from breachkit.demo.truth import BenignNoise

#: one log line and when it was written (epoch ns)
Line = tuple[int, str]


@dataclass(frozen=True, slots=True)
class LiveEdit:
    """What someone did at ``at`` to the live file of a log: cut lines out of it, or emptied it."""

    at: int
    #: whether a line written before ``at`` stays (``sed -i '/IP/d'`` keeps the others, ``: > log`` none)
    keep: Callable[[str], bool]
    #: ``sed -i`` and editors write a new file and rename it over the log: a new inode, born at ``at``.
    #: Emptying the file in place keeps the inode.
    new_file: bool
    #: whether the lines written after ``at`` reach the file. A daemon that keeps a replaced file open
    #: (Apache until its next graceful restart) writes them into the deleted inode: they are lost.
    reopened: bool


@dataclass(frozen=True, slots=True)
class ZeroedRecords:
    """wtmp records written before ``at`` overwritten with zero bytes, as wtmp cleaners do."""

    at: int
    zero: Callable[[bytes], bool]


#: what the attacker did to one log file
Edit = LiveEdit | ZeroedRecords


@dataclass(slots=True)
class _LogGen:
    born: int
    lines: list[Line]
    atime: int
    mtime: int
    ctime: int
    data: bytes = b""
    compressed: bool = False


def _text(lines: Iterable[Line]) -> bytes:
    return "".join(line + "\n" for _t, line in lines).encode()


def rotate_log(
    tree: Tree,
    path: str,
    lines: list[Line],
    rotations: tuple[int, ...],
    keep: int,
    *,
    delay: int = 0,
    uid: int = 0,
    gid: int = system.GID_ADM,
    mode: int = 0o640,
    noise: list[BenignNoise] | None = None,
    edit: LiveEdit | None = None,
) -> tuple[int, int]:
    """Replay weekly logrotate (``compress``, ``delaycompress``, ``notifempty``) over ``lines``.

    ``rotations[0]`` is when the oldest kept file was created; each later
    instant rotates (``delay`` later: logrotate works through the files one by
    one). gzip keeps the source's atime and mtime, so a ``.gz`` file is born at
    the rotation that compressed it but shows the time of its last line; renames
    move only the change time. ``edit`` (after the last rotation) changes the
    live file; returns the lines it removed and the lines that never reached
    the file after it (both 0 without an edit).
    """
    lines = sorted((item for item in lines if item[0] >= rotations[0] + delay), key=lambda item: item[0])
    first = rotations[0] + delay + tree.small(1_000, 90_000)
    current = _LogGen(first, [], first, first, first)
    older: list[_LogGen] = []
    index = 0
    directory = str(PurePosixPath(path).parent)
    touched: list[int] = []
    for rotation in rotations[1:]:
        when = rotation + delay
        while index < len(lines) and lines[index][0] < when:
            t = lines[index][0]
            current.lines.append(lines[index])
            current.mtime = current.ctime = t + tree.small(10, 300)
            index += 1
        if not current.lines:
            continue
        shifted = [current, *older][:keep]
        for number, log in enumerate(shifted):
            log.ctime = max(log.ctime, when + (keep - number) * 37 * US)
        if len(shifted) > 1 and not shifted[1].compressed:
            source = shifted[1]
            born = when + 3 * MS + tree.small()
            shifted[1] = _LogGen(
                born, source.lines, source.atime, source.mtime, born + 2 * MS + len(source.lines) * 900, compressed=True
            )
        older = shifted
        new_born = when + 2 * MS + tree.small()
        current = _LogGen(new_born, [], new_born, new_born, new_born)
        touched.append(when + 5 * MS)
    tail = lines[index:]
    removed = lost = 0
    if edit is not None:
        assert edit.at > current.born, "an edit of a rotated file is not modelled"
        before = [item for item in tail if item[0] < edit.at]
        after = [item for item in tail if item[0] >= edit.at]
        kept = [item for item in before if edit.keep(item[1])]
        removed = len(before) - len(kept)
        if not edit.reopened:
            lost, after = len(after), []
        if edit.new_file:
            # the rewritten copy: born, written, closed and renamed over the log at the edit
            born = edit.at + tree.small()
            current = _LogGen(born, [], born, born + tree.small(), 0)
            current.ctime = current.mtime + tree.small()
            touched.append(current.ctime)
        else:
            current.mtime = current.ctime = max(current.mtime, edit.at)
        current.lines = kept  # written at the edit, whatever times the lines show
        tail = after
    for t, line in tail:
        current.lines.append((t, line))
        current.mtime = current.ctime = t + tree.small(10, 300)
    files = [(path, current)] + [
        (f"{path}.{n}" + (".gz" if log.compressed else ""), log) for n, log in enumerate(older, start=1)
    ]
    for name, log in files:
        data = _text(log.lines)
        if log.compressed:
            data = blobs.gzip_bytes(data, log.mtime // SECOND)
        node = tree.write(
            name,
            data,
            log.born,
            uid=uid,
            gid=gid,
            mode=mode,
            mtime=log.mtime,
            done=log.mtime if log.mtime >= log.born else log.born,
        )
        node.changes.append(log.ctime)
        node.fixed_atime = log.atime
        if edit is not None and log is current:
            continue  # the attacker's work, not logrotate's
        if noise is not None and log.ctime >= ROTATION_SUNDAYS[-1]:
            noise.append(
                BenignNoise(name, "log-rotation", "logrotate's Sunday 00:00 run created, renamed or compressed it")
            )
    for t in touched:
        tree.removed(directory, t)
    return removed, lost


def _rotation_offset(rotation: int, rng: random.Random) -> int:
    """logrotate.timer fires at midnight with AccuracySec=1h; on this host a few seconds late."""
    return 4 * SECOND + (rotation // SECOND % 7) * 100 * MS + rng.randrange(0, 90_000) * US + rng.randrange(1, US)


def rotation_instants(rng: random.Random) -> dict[int, int]:
    """When each of :data:`~breachkit.demo.calendar.ROTATION_SUNDAYS`' runs really started, by Sunday."""
    return {r: r + _rotation_offset(r, rng) for r in ROTATION_SUNDAYS}
