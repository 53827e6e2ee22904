"""Reading the kernel's pseudo files (``/proc``, ``/sys``) defensively.

Files in ``/proc`` report a size of 0 and change between two reads; a
process can exit between listing ``/proc`` and reading ``/proc/PID/stat``
(``ENOENT``, ``ESRCH``), and an unprivileged reader is refused other users'
``environ``, ``exe`` and ``fd`` (``EACCES``). Every read here is capped,
refuses anything but a regular file (a planted FIFO in a fake tree cannot
block it) and turns trouble into a :class:`~breachkit.host.records.WarningRecord`
through the caller's ``warn`` instead of an exception.
"""

import errno
import os
import stat
from typing import Callable, List, Optional, Tuple

from ..records import WarningRecord

Warn = Callable[[WarningRecord], None]

#: The errors of an object that went away while being read.
GONE = (errno.ENOENT, errno.ESRCH)
DENIED = (errno.EACCES, errno.EPERM)

_FLAGS = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOFOLLOW


def read_file(path: str, limit: int) -> Tuple[bytes, bool]:
    """Up to ``limit`` bytes of a pseudo file and whether there was more; ``OSError`` on trouble."""
    fd = os.open(path, _FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        chunks: List[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(256 * 1024, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        return data[:limit], True
    return data, False


def read_text(path: str, limit: int = 1024 * 1024) -> str:
    """A small pseudo file as text (undecodable bytes kept with ``surrogateescape``)."""
    data, _ = read_file(path, limit)
    return data.decode("utf-8", "surrogateescape")


def problem(path: str, exc: OSError, gone_kind: str = "process-gone") -> WarningRecord:
    """The warning for ``exc`` met while reading ``path``: what was missed, and why."""
    if exc.errno in GONE:
        if gone_kind == "process-gone":
            return WarningRecord(path, gone_kind, "the process exited while it was being read")
        return WarningRecord(path, gone_kind, "not present on this kernel")
    if exc.errno in DENIED:
        return WarningRecord(
            path,
            "permission-denied",
            "permission denied: run the collection as root (as root: a container or security module refused it)",
        )
    return WarningRecord(path, "read-error", exc.strerror or str(exc))


def try_text(path: str, warn: Optional[Warn], limit: int = 1024 * 1024, gone_kind: str = "absent") -> Optional[str]:
    """:func:`read_text`, or ``None`` after warning (a missing file warns only when ``gone_kind`` is set)."""
    try:
        return read_text(path, limit)
    except OSError as exc:
        if warn is not None and gone_kind:
            warn(problem(path, exc, gone_kind))
        return None


def pid_names(proc: str) -> List[int]:
    """The process ids ``proc`` lists, sorted."""
    return sorted(int(name) for name in os.listdir(proc) if name.isdigit())


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")
