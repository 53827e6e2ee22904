"""A read-only view of an examined root: the live ``/``, a mounted image or a copied tree.

Every analysis reads the evidence through :class:`RootFS`. It holds these promises:

* **Nothing is written.** Files and directories are opened read-only, with
  ``O_NOATIME`` where the kernel allows it (owner or root), so reading does not
  even move access times. One exception no flag prevents: ``readlink(2)``
  updates a symlink's own atime (under ``relatime``, at most once a day). The
  records keep the atime from before the link was read; mount images
  read-only to leave even that untouched.
* **No escape from the root.** Paths are resolved one component at a time
  relative to directory file descriptors, like ``openat2(RESOLVE_IN_ROOT)``:
  an absolute symlink target or a ``..`` is interpreted inside the root, never
  on the analyst's machine, and loops stop after :data:`MAX_SYMLINK_HOPS`.
* **No surprises from special files.** FIFOs, sockets and devices are never
  opened (a FIFO would block, a device could be a whole disk); files are
  checked again after ``open`` so a swap between stat and open is caught.
* **Bounded reads.** :meth:`RootFS.read_bytes` and :meth:`RootFS.open_file`
  take a byte cap, so a sparse terabyte file costs nothing.
* **Per-item trouble is data.** The walk yields a :class:`WarningRecord` for a
  file that vanished, a directory it could not read, or a tree too deep to
  follow, and carries on.

Because every lookup goes through directory fds, names of any length or
depth (beyond ``PATH_MAX``) work.
"""

import errno
import os
import stat
from typing import IO, Any, Dict, Generator, Iterator, List, Optional, Sequence, Set, Tuple, Union

from .records import FileStat, WarningRecord
from .statx import (
    MODE_TYPE_BYTE,
    RECORD_SIZE,
    SLOTS,
    TYPE_DIR,
    TYPE_LINK,
    StatRun,
    dir_key,
    stat_buffer,
    stat_record,
    statx_at,
)

MAX_SYMLINK_HOPS = 40
DEFAULT_READ_CAP = 64 * 1024 * 1024

_O_NOATIME = getattr(os, "O_NOATIME", 0)
_O_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_O_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK

#: Pseudo file systems of a live host that a walk never enters.
LIVE_SKIP = ("/proc", "/sys", "/dev")


class NotRegularFile(OSError):
    """Refused to open something that is not a regular file (FIFO, socket, device, dir)."""


class OutsideRootError(OSError):
    """A path could not be resolved inside the root (symlink loop or too many hops)."""


def split_host_path(path: str) -> List[str]:
    """Components of a host path; ``""`` and ``"."`` dropped, ``".."`` kept for the resolver."""
    return [part for part in path.split("/") if part not in ("", ".")]


def join_host_path(parent: str, name: str) -> str:
    return ("" if parent == "/" else parent) + "/" + name


def _open_noatime(name: str, flags: int, dir_fd: Optional[int]) -> int:
    """``openat`` with O_NOATIME, retrying without it where the kernel refuses (EPERM)."""
    if _O_NOATIME:
        try:
            return os.open(name, flags | _O_NOATIME, dir_fd=dir_fd)
        except PermissionError:
            pass
    return os.open(name, flags, dir_fd=dir_fd)


def entries_of(runs: Iterator[Any]) -> Generator[Union[FileStat, WarningRecord], None, None]:
    """The entries of a walk's runs (:meth:`RootFS.walk_runs`), one by one."""
    try:
        for item in runs:
            if isinstance(item, WarningRecord):
                yield item
            else:
                yield from item.stats()
    finally:
        close = getattr(runs, "close", None)
        if close is not None:
            close()  # an abandoned walk closes its directory fds now, not when collected


class RootFS:
    """Read-only, in-root access to the tree under ``root`` (host paths start with ``/``)."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.is_live = self.root == "/"
        self._root_fd = _open_noatime(self.root, _O_DIR & ~os.O_NOFOLLOW, dir_fd=None)
        self.root_stat = statx_at(self._root_fd, "", "/")
        _raise_fd_limit()

    # -- life cycle -------------------------------------------------------

    def close(self) -> None:
        if self._root_fd >= 0:
            os.close(self._root_fd)
            self._root_fd = -1

    def __enter__(self) -> "RootFS":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- resolution -------------------------------------------------------

    def _resolve(self, path: str, follow_last: bool) -> Tuple[int, str, str]:
        """Walk ``path`` inside the root; return (parent dir fd, last name, resolved host path).

        The caller owns the returned fd (it may be the root fd's duplicate) and
        must close it. Intermediate symlinks are always followed inside the
        root; the last component only when ``follow_last``.

        Only the current directory is kept open, so a path thousands of levels
        deep costs two fds, not one per level (the walk already holds those).
        A ``..`` reopens the parent from the root along the physical names
        resolved so far, never through the file system's own ``..``, so it can
        neither climb above the root nor follow a directory moved out of it.
        """
        todo = list(reversed(split_host_path(path)))
        names: List[str] = []
        current = os.dup(self._root_fd)
        hops = 0
        try:
            while todo:
                comp = todo.pop()
                if comp == "..":
                    if names:
                        names.pop()
                        parent = self._open_chain(names)
                        os.close(current)
                        current = parent
                    continue
                last = not todo
                try:
                    st = os.stat(comp, dir_fd=current, follow_symlinks=False)
                except FileNotFoundError:
                    if last:
                        found, current = current, -1
                        return found, comp, "/" + "/".join([*names, comp])
                    raise
                if stat.S_ISLNK(st.st_mode) and (follow_last or not last):
                    hops += 1
                    if hops > MAX_SYMLINK_HOPS:
                        raise OutsideRootError(errno.ELOOP, "too many levels of symbolic links", path)
                    target = os.readlink(comp, dir_fd=current)
                    if target.startswith("/"):
                        os.close(current)
                        current = os.dup(self._root_fd)
                        names = []
                    todo.extend(reversed(split_host_path(target)))
                    continue
                if last:
                    found, current = current, -1
                    return found, comp, "/" + "/".join([*names, comp])
                if not stat.S_ISDIR(st.st_mode):
                    raise NotADirectoryError(errno.ENOTDIR, "not a directory", path)
                child = _open_noatime(comp, _O_DIR, dir_fd=current)
                os.close(current)
                current = child
                names.append(comp)
            # The path ended in ".." or in a symlink naming a directory by "/" or ".":
            # the resolved directory itself is the answer.
            found, current = current, -1
            return found, "", "/" + "/".join(names)
        finally:
            if current >= 0:
                os.close(current)

    def _open_chain(self, names: List[str]) -> int:
        """Open the directory at the physical path ``names`` (no symlinks, no ``..``)."""
        fd = os.dup(self._root_fd)
        try:
            for name in names:
                child = _open_noatime(name, _O_DIR, dir_fd=fd)
                os.close(fd)
                fd = child
        except BaseException:
            os.close(fd)
            raise
        return fd

    # -- metadata ---------------------------------------------------------

    def lstat(self, path: str) -> FileStat:
        """Stat ``path`` without following a final symlink; the record carries ``path``."""
        fd, name, _ = self._resolve(path, follow_last=False)
        try:
            return statx_at(fd, name, _normal(path))
        finally:
            os.close(fd)

    def stat(self, path: str) -> FileStat:
        """Stat ``path``, following symlinks inside the root."""
        fd, name, resolved = self._resolve(path, follow_last=True)
        try:
            return statx_at(fd, name, resolved)
        finally:
            os.close(fd)

    def exists(self, path: str) -> bool:
        try:
            self.lstat(path)
        except OSError:
            return False
        return True

    def readlink(self, path: str) -> str:
        fd, name, _ = self._resolve(path, follow_last=False)
        try:
            return os.readlink(name, dir_fd=fd)
        finally:
            os.close(fd)

    def resolve(self, path: str) -> str:
        """The host path that ``path`` names once every symlink is followed inside the root."""
        fd, _, resolved = self._resolve(path, follow_last=True)
        os.close(fd)
        return resolved

    def listdir(self, path: str) -> List[str]:
        """Names in a directory (following symlinks inside the root), sorted."""
        fd = self.open_dir(path)
        try:
            return sorted(os.listdir(fd))
        finally:
            os.close(fd)

    def open_dir(self, path: str) -> int:
        """A read-only fd of the directory ``path`` (symlinks followed inside the root); the caller closes it."""
        parent, name, _ = self._resolve(path, follow_last=True)
        try:
            # "." rather than a dup for the directory itself: a fd of its own,
            # so listing it never moves the read position of the root's fd
            # (which a forked walker shares with this process).
            return _open_noatime(name or ".", _O_DIR, dir_fd=parent)
        finally:
            os.close(parent)

    # -- content ----------------------------------------------------------

    def open_file(self, path: str, follow: bool = True) -> IO[bytes]:
        """Open a regular file for reading; refuses FIFOs, sockets, devices and directories."""
        parent, name, resolved = self._resolve(path, follow_last=follow)
        try:
            if name == "":
                raise NotRegularFile(errno.EISDIR, "is a directory", path)
            before = os.stat(name, dir_fd=parent, follow_symlinks=False)
            if not stat.S_ISREG(before.st_mode):
                raise NotRegularFile(errno.EINVAL, "not a regular file", resolved)
            fd = _open_noatime(name, _O_FILE, dir_fd=parent)
        finally:
            os.close(parent)
        after = os.fstat(fd)
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            os.close(fd)
            raise NotRegularFile(errno.EAGAIN, "file was replaced while being opened", resolved)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=0)

    def read_bytes(self, path: str, limit: int = DEFAULT_READ_CAP) -> Tuple[bytes, bool]:
        """Up to ``limit`` bytes of a regular file, and whether it was cut short."""
        with self.open_file(path) as handle:
            data = _read_up_to(handle, limit + 1)
        if len(data) > limit:
            return data[:limit], True
        return data, False

    # -- walking ----------------------------------------------------------

    def walk(
        self,
        start: str = "/",
        skip: Sequence[str] = (),
        devices: Optional[Set[int]] = None,
        max_depth: Optional[int] = None,
    ) -> Iterator[Union[FileStat, WarningRecord]]:
        """Every entry under ``start`` (pre-order, names sorted), never following symlinks.

        ``devices`` are the file systems to enter (default: only the one
        ``start`` lives on, like ``find -xdev``). Paths in ``skip`` are reported
        but not entered. Live roots always skip :data:`LIVE_SKIP`. Yields a
        :class:`WarningRecord` for each problem and goes on.
        """
        return entries_of(self.walk_runs(start, skip, devices, max_depth))

    def walk_runs(
        self,
        start: str = "/",
        skip: Sequence[str] = (),
        devices: Optional[Set[int]] = None,
        max_depth: Optional[int] = None,
        batch: bool = False,
    ) -> Generator[Union[StatRun, WarningRecord], None, None]:
        """:meth:`walk` as runs of raw stat records: the same entries and warnings, in the same order.

        The first run holds ``start`` alone. By default a run ends at each
        directory, so a consumer sees an entry before the walk looks inside
        it (as with :meth:`walk`). With ``batch`` runs go on across
        directories up to :data:`~breachkit.host.statx.SLOTS` entries (or up
        to the next warning): for a consumer that only writes them out, such
        as the walk's JSON lines, which are several times faster from runs
        than from :class:`FileStat` records.
        """
        skipped = set(skip) | (set(LIVE_SKIP) if self.is_live else set())
        start = "/" + "/".join(split_host_path(start))
        try:
            top = self._lstat_run(start)
        except OSError as exc:
            yield _warning(start, exc)
            return
        yield top
        top_type, top_dev, top_inode = dir_key(top.records, 0)
        if top_type != "d":
            return
        allowed = devices if devices is not None else {top_dev}
        limit = max_depth if max_depth is not None else _depth_budget()
        try:
            top_fd = self.open_dir(start)
        except OSError as exc:
            yield _warning(start, exc)
            return
        # One frame per directory being walked: [dir fd, its entries' path
        # prefix, sorted names, next name to stat, (dev, inode)]. The fd stays
        # open while its children are visited so lookups never re-walk the
        # path. seen_dirs holds the (dev, inode) of the directories on the
        # stack: a bind mount of an ancestor is the only way a walk that never
        # follows symlinks can loop.
        frames: List[List[Any]] = []
        seen_dirs: Set[Tuple[int, int]] = set()
        buf = stat_buffer()
        run = _RunBuilder()
        full = SLOTS if batch else 1
        try:
            names, problem = _list_names(top_fd, start)
            if problem:
                yield problem
            frames.append([top_fd, _prefix(start), names, 0, (top_dev, top_inode)])
            seen_dirs.add((top_dev, top_inode))
            while frames:
                frame = frames[-1]
                dir_fd, prefix, names, pos = frame[0], frame[1], frame[2], frame[3]
                if pos >= len(names):
                    os.close(dir_fd)
                    seen_dirs.discard(frames.pop()[4])
                    continue
                count, err = buf.fill(dir_fd, names, pos)
                frame[3] = pos + count + (1 if err else 0)
                if count:
                    records = buf.take(count)
                    run.add(prefix, names[pos : pos + count], records, buf.targets)
                if err:
                    yield from run.flush()
                    yield _warning(prefix + names[pos + count], OSError(err, os.strerror(err)))
                    continue
                if records[(count - 1) * RECORD_SIZE + MODE_TYPE_BYTE] & 0xF0 != TYPE_DIR:
                    if run.count >= full:
                        yield run.take()
                    continue
                path = prefix + names[pos + count - 1]
                _, dev, inode = dir_key(records, count - 1)
                key = (dev, inode)
                refusal = None
                if path in skipped:
                    refusal = WarningRecord(path, "skipped", "not entered (pseudo file system or excluded)")
                elif dev not in allowed:
                    refusal = WarningRecord(path, "mount-point", "another file system is mounted here; not entered")
                elif key in seen_dirs:
                    refusal = WarningRecord(path, "loop", "directory already being walked (bind mount loop)")
                elif len(frames) >= limit:
                    refusal = WarningRecord(
                        path, "too-deep", "directory tree deeper than %d levels; not entered" % limit
                    )
                if refusal is not None:
                    yield from run.flush()
                    yield refusal
                    continue
                if run.count >= full:
                    yield run.take()
                try:
                    child_fd = _open_noatime(names[pos + count - 1], _O_DIR, dir_fd=dir_fd)
                except OSError as exc:
                    yield from run.flush()
                    yield _warning(path, exc)
                    continue
                names, problem = _list_names(child_fd, path)
                if problem:
                    yield from run.flush()
                    yield problem
                frames.append([child_fd, path + "/", names, 0, key])
                seen_dirs.add(key)
            yield from run.flush()
        finally:
            for frame in frames:
                os.close(frame[0])

    def _lstat_run(self, path: str) -> StatRun:
        """The run of one entry: ``path`` itself (a final symlink not followed)."""
        fd, name, _ = self._resolve(path, follow_last=False)
        try:
            records = stat_record(fd, name)
            targets = {}
            if name and records[MODE_TYPE_BYTE] & 0xF0 == TYPE_LINK:
                targets[0] = os.readlink(name, dir_fd=fd)
        finally:
            os.close(fd)
        return StatRun([_normal(path)], records, targets)


class _RunBuilder:
    """Entries stat'ed so far and not yet handed out, gathered into one :class:`StatRun`."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.count = 0
        self.paths: List[str] = []
        self.records: List[bytes] = []
        self.targets: Dict[int, str] = {}

    def add(self, prefix: str, names: List[str], records: bytes, targets: Dict[int, str]) -> None:
        if targets:
            for index, target in targets.items():
                self.targets[self.count + index] = target
        self.paths += [prefix + name for name in names]
        self.records.append(records)
        self.count += len(names)

    def flush(self) -> List[StatRun]:
        """The run so far, if it has any entry, and start a new one."""
        return [self.take()] if self.count else []

    def take(self) -> StatRun:
        """The run so far, and start a new one."""
        records = self.records[0] if len(self.records) == 1 else b"".join(self.records)
        run = StatRun(self.paths, records, self.targets)
        self._reset()
        return run


def _list_names(dir_fd: int, path: str) -> Tuple[List[str], Optional[WarningRecord]]:
    try:
        names = os.listdir(dir_fd)
    except OSError as exc:
        return [], _warning(path, exc)
    names.sort()
    return names, None


def _prefix(path: str) -> str:
    """What goes before a name to make the host path of an entry of the directory ``path``."""
    return "/" if path == "/" else path + "/"


def _warning(path: str, exc: OSError) -> WarningRecord:
    if isinstance(exc, FileNotFoundError):
        return WarningRecord(path, "vanished", "disappeared before it could be read")
    if isinstance(exc, PermissionError):
        return WarningRecord(path, "unreadable", "permission denied")
    if isinstance(exc, NotRegularFile):
        return WarningRecord(path, "not-regular", exc.strerror or "not a regular file")
    if exc.errno == errno.ELOOP:
        return WarningRecord(path, "symlink-loop", "symbolic link loop")
    return WarningRecord(path, "error", exc.strerror or str(exc))


def warning_for(path: str, exc: OSError) -> WarningRecord:
    """The :class:`WarningRecord` for an ``OSError`` met while reading ``path``."""
    return _warning(path, exc)


def _read_up_to(handle: IO[bytes], limit: int) -> bytes:
    chunks: List[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = handle.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _raise_fd_limit() -> None:
    """Deep trees keep one fd per level open; ask for the hard limit (best effort)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not Linux
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, 1 << 20), hard))
        except (ValueError, OSError):
            pass


def _depth_budget() -> int:
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft == resource.RLIM_INFINITY:
            soft = 65536
    except (ImportError, OSError):  # pragma: no cover - not Linux
        soft = 1024
    return max(64, min(soft - 256, 100_000))


def _normal(path: str) -> str:
    return "/" + "/".join(split_host_path(path))
