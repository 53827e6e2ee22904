"""``statx(2)`` through ctypes: birth time and nanosecond times, relative to a directory fd.

``os.stat`` has no birth time on Linux. glibc >= 2.28 exports ``statx``; when
it is missing (old libc, non-Linux) we fall back to ``os.stat`` and report no
birth time. ``AT_STATX_DONT_SYNC`` keeps network file systems from being asked
to sync, and ``AT_SYMLINK_NOFOLLOW`` is always set unless the caller says
otherwise: the examined root's symlinks are data, not directions.

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
from typing import Any, Optional

from .records import FileStat, type_code

AT_SYMLINK_NOFOLLOW = 0x100
AT_EMPTY_PATH = 0x1000
AT_STATX_DONT_SYNC = 0x4000
STATX_BASIC_STATS = 0x7FF
STATX_BTIME = 0x800


class _Timestamp(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_int64), ("tv_nsec", ctypes.c_uint32), ("_reserved", ctypes.c_int32)]


class _Statx(ctypes.Structure):
    _fields_ = [
        ("stx_mask", ctypes.c_uint32),
        ("stx_blksize", ctypes.c_uint32),
        ("stx_attributes", ctypes.c_uint64),
        ("stx_nlink", ctypes.c_uint32),
        ("stx_uid", ctypes.c_uint32),
        ("stx_gid", ctypes.c_uint32),
        ("stx_mode", ctypes.c_uint16),
        ("_spare0", ctypes.c_uint16),
        ("stx_ino", ctypes.c_uint64),
        ("stx_size", ctypes.c_uint64),
        ("stx_blocks", ctypes.c_uint64),
        ("stx_attributes_mask", ctypes.c_uint64),
        ("stx_atime", _Timestamp),
        ("stx_btime", _Timestamp),
        ("stx_ctime", _Timestamp),
        ("stx_mtime", _Timestamp),
        ("stx_rdev_major", ctypes.c_uint32),
        ("stx_rdev_minor", ctypes.c_uint32),
        ("stx_dev_major", ctypes.c_uint32),
        ("stx_dev_minor", ctypes.c_uint32),
        ("_spare", ctypes.c_uint64 * 14),
    ]


def _load_statx() -> Optional[Any]:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc.statx
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_char_p]
    func.restype = ctypes.c_int
    return func


_STATX = _load_statx()


def has_statx() -> bool:
    """True when birth times can be asked for at all (the file system may still lack them)."""
    return _STATX is not None


#: ``struct statx`` up to the device numbers, unpacked in one call (much faster
#: than reading ctypes fields one by one, which matters at millions of files).
_LAYOUT = struct.Struct("=IIQIIIHHQQQQqIiqIiqIiqIiIIII")
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
_FS_ENCODING = sys.getfilesystemencoding()
_LOCAL = threading.local()
_GIGA = 1_000_000_000


def statx_at(dir_fd: int, name: str, path: str, follow: bool = False) -> FileStat:
    """Stat ``name`` relative to ``dir_fd``; ``path`` is the host path recorded in the result.

    ``name`` may be ``""`` to stat ``dir_fd`` itself. Raises ``OSError`` like ``os.stat``.
    """
    if _STATX is None:
        return _fallback(dir_fd, name, path, follow)
    buf = getattr(_LOCAL, "buf", None)
    if buf is None:  # one buffer per thread: ctypes drops the GIL during the call
        buf = _LOCAL.buf = ctypes.create_string_buffer(ctypes.sizeof(_Statx))
    flags = AT_STATX_DONT_SYNC | (0 if follow else AT_SYMLINK_NOFOLLOW) | (AT_EMPTY_PATH if name == "" else 0)
    if _STATX(dir_fd, name.encode(_FS_ENCODING, "surrogateescape"), flags, _MASK, buf) != 0:
        err = ctypes.get_errno()
        if err == errno.ENOSYS:
            return _fallback(dir_fd, name, path, follow)
        raise OSError(err, os.strerror(err), path)
    (mask, _, _, nlink, uid, gid, mode, _, ino, size, blocks, _,
     a_s, a_n, _, b_s, b_n, _, c_s, c_n, _, m_s, m_n, _, _, _, dev_major, dev_minor) = _LAYOUT.unpack_from(buf)  # fmt: skip
    code = _TYPE_BY_FORMAT.get(stat.S_IFMT(mode), "?")
    target = os.readlink(name, dir_fd=dir_fd) if code == "l" and name else None
    return FileStat(
        path,
        code,
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
    )


def _fallback(dir_fd: int, name: str, path: str, follow: bool) -> FileStat:
    if name == "":
        st = os.fstat(dir_fd)
    else:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=follow)
    code = type_code(st.st_mode)
    target = os.readlink(name, dir_fd=dir_fd) if code == "l" and name else None
    return from_stat_result(st, path, target)


def from_stat_result(st: os.stat_result, path: str, target: Optional[str] = None) -> FileStat:
    """A :class:`FileStat` from ``os.stat_result`` (birth time only where the platform has it)."""
    btime = getattr(st, "st_birthtime_ns", None)
    if btime is None:
        bsec = getattr(st, "st_birthtime", None)
        btime = int(bsec * 1_000_000_000) if bsec is not None else None
    return FileStat(
        path=path,
        type=type_code(st.st_mode),
        mode=st.st_mode,
        uid=st.st_uid,
        gid=st.st_gid,
        size=st.st_size,
        inode=st.st_ino,
        nlink=st.st_nlink,
        dev=st.st_dev,
        blocks=getattr(st, "st_blocks", 0),
        atime_ns=st.st_atime_ns,
        mtime_ns=st.st_mtime_ns,
        ctime_ns=st.st_ctime_ns,
        btime_ns=btime,
        target=target,
    )
