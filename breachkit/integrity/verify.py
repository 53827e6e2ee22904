"""Verifying installed files against what their packages shipped, with ``rpm -V``-style flags.

For every :class:`~breachkit.integrity.packages.ExpectedFile` the file on the
examined root is opened read-only through :class:`~breachkit.host.rootfs.RootFS`
(inside the root, never following a final symlink, never opening FIFOs or
devices), stat'ed on the open descriptor and hashed with the package's own
algorithm. Files are hashed by a thread pool (``hashlib`` releases the GIL on
large buffers) with a bounded number in flight, results in input order.

Flags, in ``rpm -V`` order (https://rpm-software-management.github.io/rpm/man/rpm.8.html,
"VERIFY OPTIONS"): ``S`` size, ``M`` mode (permissions and type), ``5`` digest,
``D`` device, ``L`` symlink target, ``U`` user, ``G`` group, ``T`` mtime,
``P`` capabilities. A letter means it differs, ``.`` that it matches, ``?``
that it could not be tested (unreadable), ``-`` that the package database
does not record it (dpkg records only the md5, so a dpkg line reads
``--5------`` at most; ``--trusted-debs`` fills in the rest from the .deb).
"""

from __future__ import annotations

import collections
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from breachkit.host.rootfs import NotRegularFile, RootFS
from breachkit.integrity.packages import ExpectedFile

FLAG_ORDER = "SM5DLUGTP"
BLOCK = 1 << 20
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Accounts:
    """User and group names of the examined root (its /etc/passwd and /etc/group, never the analyst's)."""

    users: dict[str, int]
    groups: dict[str, int]

    @classmethod
    def read(cls, fs: RootFS) -> Accounts:
        return cls(_ids(fs, "/etc/passwd"), _ids(fs, "/etc/group"))


def _ids(fs: RootFS, path: str) -> dict[str, int]:
    found: dict[str, int] = {}
    try:
        data, _ = fs.read_bytes(path, 16 * 1024 * 1024)
    except OSError:
        return found
    for line in data.decode("utf-8", "replace").splitlines():
        parts = line.split(":")
        if len(parts) >= 3 and parts[2].isdigit():
            found.setdefault(parts[0], int(parts[2]))
    return found


@dataclass(frozen=True, slots=True)
class FileResult:
    """The verdict on one packaged file."""

    expected: ExpectedFile
    #: ``ok``, ``changed``, ``missing`` or ``unreadable``.
    status: str
    flags: str
    actual_digest: str | None = None
    detail: str | None = None

    @property
    def problem(self) -> bool:
        return self.status != "ok"

    def to_json(self) -> dict[str, Any]:
        exp = self.expected
        return {
            "package": exp.package,
            "path": exp.path,
            "status": self.status,
            "flags": self.flags,
            "config": exp.config,
            "algorithm": exp.algorithm,
            "expected_digest": exp.digest,
            "actual_digest": self.actual_digest,
            "origin": exp.origin,
            "detail": self.detail,
        }


def check_file(fs: RootFS, exp: ExpectedFile, accounts: Accounts | None) -> FileResult:
    """Verify one file; never raises for per-file trouble."""
    flags = dict.fromkeys(FLAG_ORDER, "-")
    if exp.link_to is not None:
        return _check_link(fs, exp, flags, accounts)
    try:
        handle = _open(fs, exp.path)
    except FileNotFoundError:
        return FileResult(exp, "ok" if exp.ghost else "missing", "missing", detail="not on disk")
    except NotRegularFile as exc:
        return _not_regular(fs, exp, flags, exc)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: the final component is a symlink
            return _not_regular(fs, exp, flags, exc)
        if isinstance(exc, NotADirectoryError):
            return FileResult(exp, "missing", "missing", detail="a folder on its path is not a folder")
        return FileResult(exp, "unreadable", "?" * len(FLAG_ORDER), detail=exc.strerror or str(exc))
    actual: str | None = None
    with handle:
        st = os.fstat(handle.fileno())
        _compare_stat(exp, st, flags, accounts)
        if exp.digest is not None and exp.algorithm is not None and not exp.ghost:
            try:
                actual = _hash(handle.fileno(), exp.algorithm)
            except (OSError, ValueError) as exc:
                flags["5"] = "?"
                return FileResult(exp, "unreadable", _flags(flags), detail=str(exc))
            flags["5"] = "." if actual == exp.digest.lower() else "5"
    text = _flags(flags)
    changed = any(ch not in ".-" for ch in text)
    return FileResult(exp, "changed" if changed else "ok", text, actual)


_LIVE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOATIME", 0)


def _open(fs: RootFS, path: str) -> Any:
    """Open a regular file read-only, not following a final symlink.

    On the live root ``/`` no path can lead outside the root, so a plain
    ``open`` is as safe as :meth:`RootFS.open_file` and ten times cheaper (one
    syscall instead of one per path component: it matters for 100,000 files).
    Everywhere else (images, bundles) the in-root resolver is used.
    """
    if not fs.is_live:
        return fs.open_file(path, follow=False)
    # Checked before opening (a device node is never opened) and after (nothing swapped in between).
    before = os.lstat(path)
    if not stat.S_ISREG(before.st_mode):
        raise NotRegularFile(21, "not a regular file", path)
    try:
        fd = os.open(path, _LIVE_FLAGS)
    except PermissionError:
        fd = os.open(path, _LIVE_FLAGS & ~getattr(os, "O_NOATIME", 0))
    after = os.fstat(fd)
    if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)
        raise NotRegularFile(11, "file was replaced while being opened", path)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb", buffering=0)


def _not_regular(fs: RootFS, exp: ExpectedFile, flags: dict[str, str], exc: OSError) -> FileResult:
    try:
        st = fs.lstat(exp.path)
        kind = {"l": "a symbolic link", "d": "a folder", "p": "a FIFO", "s": "a socket"}.get(st.type, "not a file")
    except OSError:
        kind = "not a regular file"
    flags["M"] = "M"
    if exp.digest is not None:
        flags["5"] = "5"
    return FileResult(exp, "changed", _flags(flags), detail=f"is now {kind}")


def _check_link(fs: RootFS, exp: ExpectedFile, flags: dict[str, str], accounts: Accounts | None) -> FileResult:
    try:
        entry = fs.lstat(exp.path)
    except FileNotFoundError:
        return FileResult(exp, "ok" if exp.ghost else "missing", "missing", detail="not on disk")
    except OSError as exc:
        return FileResult(exp, "unreadable", "?" * len(FLAG_ORDER), detail=exc.strerror or str(exc))
    if entry.type != "l":
        flags["L"] = "L"
        flags["M"] = "M"
        return FileResult(exp, "changed", _flags(flags), detail="was a symbolic link")
    flags["L"] = "." if entry.target == exp.link_to else "L"
    if exp.user is not None and accounts is not None:
        flags["U"] = "." if accounts.users.get(exp.user) == entry.uid else "U"
    if exp.group is not None and accounts is not None:
        flags["G"] = "." if accounts.groups.get(exp.group) == entry.gid else "G"
    text = _flags(flags)
    return FileResult(exp, "changed" if any(c not in ".-" for c in text) else "ok", text)


def _compare_stat(exp: ExpectedFile, st: os.stat_result, flags: dict[str, str], accounts: Accounts | None) -> None:
    if exp.size is not None and not exp.ghost:
        flags["S"] = "." if st.st_size == exp.size else "S"
    if exp.mode is not None:
        # rpm compares permissions and file type; a .deb or rpm header always gives both.
        mode = exp.mode if stat.S_IFMT(exp.mode) else stat.S_IFREG | exp.mode
        flags["M"] = "." if (st.st_mode & 0o177777) == (mode & 0o177777) else "M"
    if exp.user is not None and accounts is not None:
        want = accounts.users.get(exp.user)
        flags["U"] = "?" if want is None else ("." if want == st.st_uid else "U")
    if exp.group is not None and accounts is not None:
        want = accounts.groups.get(exp.group)
        flags["G"] = "?" if want is None else ("." if want == st.st_gid else "G")
    if exp.mtime is not None and not exp.ghost:
        flags["T"] = "." if int(st.st_mtime) == exp.mtime else "T"


def _flags(flags: dict[str, str]) -> str:
    return "".join(flags[f] for f in FLAG_ORDER)


def _hash(fd: int, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    buf = bytearray(BLOCK)
    view = memoryview(buf)
    while True:
        count = os.readv(fd, [view])
        if count <= 0:
            break
        digest.update(view[:count])
    return digest.hexdigest()


def verify(
    fs: RootFS,
    files: Iterable[ExpectedFile],
    accounts: Accounts | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Iterator[FileResult]:
    """A :class:`FileResult` for each expected file, in input order, hashed in parallel."""
    workers = workers or min(8, 2 * (os.cpu_count() or 1))
    window = workers * 32
    pending: collections.deque[Future[FileResult]] = collections.deque()
    done = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for exp in files:
            pending.append(pool.submit(check_file, fs, exp, accounts))
            while len(pending) > window or (pending and pending[0].done()):
                done += 1
                if progress is not None and done % 512 == 0:
                    progress(done, 0)
                yield pending.popleft().result()
        while pending:
            done += 1
            yield pending.popleft().result()
    if progress is not None:
        progress(done, 0)
