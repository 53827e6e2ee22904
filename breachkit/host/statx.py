"""``statx(2)`` through ctypes: birth time and nanosecond times, relative to a directory fd.

``os.stat`` has no birth time on Linux. glibc >= 2.28 exports ``statx``; when
it is missing (old libc, non-Linux) we fall back to ``os.stat`` and report no
birth time. ``AT_STATX_DONT_SYNC`` keeps network file systems from being asked
to sync, and ``AT_SYMLINK_NOFOLLOW`` is always set unless the caller says
otherwise: the examined root's symlinks are data, not directions.

A walk stats millions of entries, so the kernel's answer is kept as it comes:
a *record* is the raw 256-byte ``struct statx``, written by the kernel straight
into a slot of a :class:`StatBuffer`, and a :class:`StatRun` holds the records
of consecutive entries of a walk in one ``bytes``. Records become a
:class:`~breachkit.host.records.FileStat` (:func:`filestat`) or straight a JSON
line (:mod:`breachkit.host.walklines`) only where needed. The fallback packs
``os.stat`` results into the same layout, so everything downstream has one
code path.

Format reference: https://man7.org/linux/man-pages/man2/statx.2.html
"""

import ctypes
import ctypes.util
import errno
import os
import stat
import struct
import sys
import threading
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from .records import FileStat

AT_SYMLINK_NOFOLLOW = 0x100
AT_EMPTY_PATH = 0x1000
AT_STATX_DONT_SYNC = 0x4000
STATX_BASIC_STATS = 0x7FF
STATX_BTIME = 0x800

#: ``sizeof(struct statx)``: the kernel fills all of it, so records lie this far apart.
RECORD_SIZE = 256

#: ``struct statx`` up to the device numbers, unused fields skipped (``x``):
#: mask, nlink, uid, gid, mode, ino, size, blocks, then (seconds, nanoseconds)
#: of atime, btime, ctime and mtime, then the device's major and minor number.
#: One ``unpack_from`` is much faster than reading ctypes fields one by one.
LAYOUT = struct.Struct("=I12xIIIH2xQQQ8xqI4xqI4xqI4xqI4x8xII")

#: Offset of the byte of ``stx_mode`` that holds the file type bits.
MODE_TYPE_BYTE = 29 if sys.byteorder == "little" else 28
TYPE_DIR = stat.S_IFDIR >> 8
TYPE_LINK = stat.S_IFLNK >> 8

#: Records one stat buffer holds; a run of entries is cut when it is full.
SLOTS = 256

_TYPE_BY_FORMAT = {
    stat.S_IFREG: "f",
    stat.S_IFDIR: "d",
    stat.S_IFLNK: "l",
    stat.S_IFIFO: "p",
    stat.S_IFSOCK: "s",
    stat.S_IFCHR: "c",
    stat.S_IFBLK: "b",
}
_MASK = STATX_BASIC_STATS | STATX_BTIME
_FLAGS = AT_STATX_DONT_SYNC | AT_SYMLINK_NOFOLLOW
_FS_ENCODING = sys.getfilesystemencoding()
_GIGA = 1_000_000_000


def _load_statx() -> Optional[Any]:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc["statx"]
    except (OSError, AttributeError):
        return None
    # No argtypes on purpose: ctypes converts int and bytes arguments itself
    # twice as fast as through argtypes, and that is a third of the call's
    # cost. Every call passes (int, bytes, int, int, pointer): the ints fit a C
    # int, and a name is always bytes (a str would become a wchar_t*).
    func.restype = ctypes.c_int
    return func


_STATX = _load_statx()


def has_statx() -> bool:
    """True when birth times can be asked for at all (the file system may still lack them)."""
    return _STATX is not None


class StatRun(NamedTuple):
    """Consecutive entries of a walk, with their stat records.

    Entry ``i`` is ``paths[i]`` (a host path) with its record at
    ``records[i * RECORD_SIZE:]``; ``targets`` maps the index of each symlink
    to its target.
    """

    paths: List[str]
    records: bytes
    targets: Dict[int, str]

    def stats(self) -> List[FileStat]:
        records, targets = self.records, self.targets
        return [
            filestat(records, index, path, targets.get(index) if targets else None)
            for index, path in enumerate(self.paths)
        ]


class StatBuffer:
    """Room for :data:`SLOTS` records, and a ready-made pointer to each.

    ``statx`` writes straight into slot ``i`` (no Python object per call);
    :meth:`take` copies the first slots out as one ``bytes``. One per thread
    (:func:`stat_buffer`): ctypes drops the GIL during the call. Walks that
    take turns in one thread may share it because each copies its records
    out before it yields.
    """

    def __init__(self) -> None:
        self.buf = ctypes.create_string_buffer(SLOTS * RECORD_SIZE)
        base = ctypes.addressof(self.buf)
        self.slots = [ctypes.c_void_p(base + i * RECORD_SIZE) for i in range(SLOTS)]
        self.view = memoryview(self.buf).cast("B")
        self.targets: Dict[int, str] = {}

    def stat(self, dir_fd: int, name: str, slot: int, follow: bool = False) -> int:
        """Stat ``name`` (``""``: ``dir_fd`` itself) into ``slot``; 0 or the ``errno`` of the failure."""
        raw = name.encode(_FS_ENCODING, "surrogateescape")
        if b"\0" in raw:  # C would stop at the NUL and stat another name
            return errno.EINVAL
        if _STATX is not None:
            flags = AT_STATX_DONT_SYNC | (0 if follow else AT_SYMLINK_NOFOLLOW) | (AT_EMPTY_PATH if not raw else 0)
            if _STATX(dir_fd, raw, flags, _MASK, self.slots[slot]) == 0:
                return 0
            err = ctypes.get_errno()
            if err != errno.ENOSYS:
                return err
        try:
            if not raw:
                st = os.fstat(dir_fd)
            else:
                st = os.stat(name, dir_fd=dir_fd, follow_symlinks=follow)
        except OSError as exc:
            return exc.errno or errno.EIO
        pack_stat(st, self.buf, slot * RECORD_SIZE)
        return 0

    def fill(self, dir_fd: int, names: List[str], pos: int) -> Tuple[int, int]:
        """Stat ``names[pos]``, ``names[pos + 1]``, ... into slots 0, 1, ... (never following symlinks).

        Stops after a directory (the caller decides whether to enter it before
        the next name is stat'ed), before a name that fails, when the slots are
        full or at the end. Returns (entries stat'ed, ``errno`` of the failed
        next name or 0). :attr:`targets` maps the slot of each symlink to its
        target; a link that cannot be read fails like a stat.
        """
        statx, slots, view, encoding = _STATX, self.slots, self.view, _FS_ENCODING
        targets: Dict[int, str] = {}
        self.targets = targets
        slot = 0
        for index in range(pos, min(len(names), pos + SLOTS)):
            name = names[index]
            if statx is None or statx(dir_fd, name.encode(encoding, "surrogateescape"), _FLAGS, _MASK, slots[slot]):
                err = self.stat(dir_fd, name, slot)  # the ENOSYS fallback, or the error
                if err:
                    return slot, err
            kind = view[slot * RECORD_SIZE + MODE_TYPE_BYTE] & 0xF0
            slot += 1
            if kind == TYPE_DIR:
                break
            if kind == TYPE_LINK:
                try:
                    targets[slot - 1] = os.readlink(name, dir_fd=dir_fd)
                except OSError as exc:
                    return slot - 1, exc.errno or errno.EIO
        return slot, 0

    def take(self, count: int) -> bytes:
        """The first ``count`` records, copied out."""
        return ctypes.string_at(self.buf, count * RECORD_SIZE)


_LOCAL = threading.local()


def stat_buffer() -> StatBuffer:
    """This thread's :class:`StatBuffer`."""
    buf = getattr(_LOCAL, "buf", None)
    if buf is None:
        buf = _LOCAL.buf = StatBuffer()
    return buf


def pack_stat(st: os.stat_result, buf: Any, offset: int) -> None:
    """Write ``st`` into ``buf`` at ``offset`` as a statx record (birth time only where the platform has it)."""
    btime = getattr(st, "st_birthtime_ns", None)
    if btime is None:
        bsec = getattr(st, "st_birthtime", None)
        btime = int(bsec * _GIGA) if bsec is not None else None
    a_s, a_n = divmod(st.st_atime_ns, _GIGA)
    b_s, b_n = divmod(btime or 0, _GIGA)
    c_s, c_n = divmod(st.st_ctime_ns, _GIGA)
    m_s, m_n = divmod(st.st_mtime_ns, _GIGA)
    LAYOUT.pack_into(
        buf,
        offset,
        STATX_BASIC_STATS | (STATX_BTIME if btime is not None else 0),
        st.st_nlink,
        st.st_uid,
        st.st_gid,
        st.st_mode,
        st.st_ino,
        st.st_size,
        getattr(st, "st_blocks", 0),
        a_s,
        a_n,
        b_s,
        b_n,
        c_s,
        c_n,
        m_s,
        m_n,
        os.major(st.st_dev),
        os.minor(st.st_dev),
    )


def filestat(records: bytes, index: int, path: str, target: Optional[str] = None) -> FileStat:
    """The :class:`FileStat` of record ``index`` in ``records``."""
    (mask, nlink, uid, gid, mode, ino, size, blocks, a_s, a_n, b_s, b_n, c_s, c_n, m_s, m_n, dev_major, dev_minor) = (
        LAYOUT.unpack_from(records, index * RECORD_SIZE)
    )
    # tuple.__new__ skips the NamedTuple's keyword handling: same object, half the cost.
    return _new_tuple(
        FileStat,
        (
            path,
            _TYPE_BY_FORMAT.get(mode & 0o170000, "?"),
            mode,
            uid,
            gid,
            size,
            ino,
            nlink,
            os.makedev(dev_major, dev_minor),
            blocks,
            a_s * _GIGA + a_n,
            m_s * _GIGA + m_n,
            c_s * _GIGA + c_n,
            b_s * _GIGA + b_n if mask & STATX_BTIME else None,
            target,
        ),
    )


_new_tuple = tuple.__new__


def dir_key(records: bytes, index: int) -> Tuple[str, int, int]:
    """(type code, device, inode) of record ``index``: what a walk needs to decide about entering it."""
    fields = LAYOUT.unpack_from(records, index * RECORD_SIZE)
    return _TYPE_BY_FORMAT.get(fields[4] & 0o170000, "?"), os.makedev(fields[16], fields[17]), fields[5]


def stat_record(dir_fd: int, name: str, follow: bool = False) -> bytes:
    """The record of ``name`` relative to ``dir_fd`` (``""``: the directory itself); raises ``OSError``."""
    buf = stat_buffer()
    err = buf.stat(dir_fd, name, 0, follow)
    if err:
        raise OSError(err, os.strerror(err), name)
    return buf.take(1)


def statx_at(dir_fd: int, name: str, path: str, follow: bool = False) -> FileStat:
    """Stat ``name`` relative to ``dir_fd``; ``path`` is the host path recorded in the result.

    ``name`` may be ``""`` to stat ``dir_fd`` itself. Raises ``OSError`` like ``os.stat``.
    """
    buf = stat_buffer()
    err = buf.stat(dir_fd, name, 0, follow)
    if err:
        raise OSError(err, os.strerror(err), path)
    records = buf.take(1)
    target = None
    if name and records[MODE_TYPE_BYTE] & 0xF0 == TYPE_LINK:
        target = os.readlink(name, dir_fd=dir_fd)
    return filestat(records, 0, path, target)


def from_stat_result(st: os.stat_result, path: str, target: Optional[str] = None) -> FileStat:
    """A :class:`FileStat` from ``os.stat_result`` (birth time only where the platform has it)."""
    record = bytearray(RECORD_SIZE)
    pack_stat(st, record, 0)
    return filestat(bytes(record), 0, path, target)
