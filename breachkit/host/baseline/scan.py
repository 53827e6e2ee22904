"""Recording the attributes of the selected files: the walk, parallel hashing, extended attributes.

The walk (:meth:`breachkit.host.rootfs.RootFS.walk`, never following symlinks,
never leaving the root) yields entries in the baseline's order; the content of
regular files is hashed by a small thread pool (``hashlib`` releases the GIL on
large buffers, so threads overlap reading and hashing) while results are handed
on strictly in walk order, with a bounded number in flight: memory stays flat
however big the tree.

Three cases the content hash handles on purpose:

* **Sparse files** (allocated blocks less than half the size, over 16 MiB) are
  hashed extent by extent with ``SEEK_DATA``/``SEEK_HOLE``: the digest, named
  ``<algorithm>-extents``, covers each data extent's offset, length and bytes,
  so holes are never read and a 1 TB sparse file costs what its data costs.
* **Files changing while hashed** (size, mtime or ctime differ before and after
  reading) keep the hash but get a ``changed-while-hashing`` warning.
* **Growing files** (rules attribute ``growing``): while hashing, the digest of
  the first ``old size`` bytes is taken too, so ``check`` can tell "only
  appended to" from "rewritten".

Extended attributes (``xattrs``, POSIX ACLs, the SELinux label, file
capabilities) are read from the open file descriptor, so only for regular files
(where capabilities live); directories and symlinks record no xattrs.
"""

import base64
import collections
import errno
import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Deque, Dict, FrozenSet, Iterator, List, Optional, Tuple, Union

from ..records import FileStat, WarningRecord
from ..rootfs import RootFS, warning_for
from .rules import Rules

SPARSE_MIN = 16 * 1024 * 1024
BLOCK = 1 << 20
XATTR_ATTRS = frozenset(["xattrs", "acl", "selinux", "caps"])
#: Which rule attribute an extended attribute belongs to.
XATTR_CLASS = {
    "system.posix_acl_access": "acl",
    "system.posix_acl_default": "acl",
    "security.selinux": "selinux",
    "security.capability": "caps",
}

Record = Dict[str, Any]
Progress = Callable[[int, int], None]


def new_hash(name: str) -> "Any":
    """A hashlib-like object for ``sha256``, ``blake2b`` or ``blake3`` (the last needs the blake3 module)."""
    if name == "blake3":
        try:
            import blake3  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise ValueError("hash blake3 needs the 'blake3' Python module; use sha256 or install blake3") from None
        return blake3.blake3()
    return hashlib.new(name)


def metadata(entry: FileStat, attributes: FrozenSet[str]) -> Record:
    """The stat part of a record: only the selected attributes."""
    rec: Record = {"a": sorted(attributes)}
    if "type" in attributes:
        rec["t"] = entry.type
    if "mode" in attributes:
        rec["m"] = entry.mode
    if "uid" in attributes:
        rec["u"] = entry.uid
    if "gid" in attributes:
        rec["g"] = entry.gid
    if entry.type == "f" and ("size" in attributes or "growing" in attributes):
        rec["s"] = entry.size
    if "inode" in attributes:
        rec["i"] = entry.inode
    if "nlink" in attributes:
        rec["n"] = entry.nlink
    if "mtime" in attributes:
        rec["mt"] = entry.mtime_ns
    if "ctime" in attributes:
        rec["ct"] = entry.ctime_ns
    if "target" in attributes and entry.target is not None:
        rec["l"] = entry.target
    return rec


class Hashed:
    """The content part of a record and the problems met reading it."""

    __slots__ = ("digest", "nbytes", "prefix", "warnings", "xattrs")

    def __init__(self) -> None:
        self.digest: Optional[str] = None
        self.prefix: Optional[str] = None
        self.xattrs: Optional[Dict[str, str]] = None
        self.warnings: List[WarningRecord] = []
        self.nbytes = 0


_local = threading.local()


def _buffer() -> memoryview:
    buf = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = memoryview(bytearray(BLOCK))
    return buf  # type: ignore[no-any-return,unused-ignore]


def read_content(
    fs: RootFS,
    entry: FileStat,
    attributes: FrozenSet[str],
    hash_name: str,
    prefix_at: Optional[int] = None,
) -> Hashed:
    """Hash a regular file (and read its xattrs) through ``fs``; problems become warnings."""
    result = Hashed()
    try:
        handle = fs.open_file(entry.path, follow=False)
    except OSError as exc:
        result.warnings.append(warning_for(entry.path, exc))
        return result
    with handle:
        fd = handle.fileno()
        before = os.fstat(fd)
        if before.st_ino != entry.inode:
            result.warnings.append(
                WarningRecord(entry.path, "replaced", "a different file was at this path when it was opened")
            )
        if attributes & XATTR_ATTRS:
            result.xattrs = _xattrs(fd, attributes, entry.path, result.warnings)
        if "hash" in attributes or "growing" in attributes:
            try:
                result.digest, result.prefix, result.nbytes = _digest(fd, before, hash_name, prefix_at)
            except OSError as exc:
                result.warnings.append(WarningRecord(entry.path, "unreadable", "read failed: %s" % exc.strerror))
                return result
            after = os.fstat(fd)
            if (after.st_size, after.st_mtime_ns, after.st_ctime_ns) != (
                before.st_size,
                before.st_mtime_ns,
                before.st_ctime_ns,
            ):
                result.warnings.append(
                    WarningRecord(entry.path, "changed-while-hashing", "the file changed while it was read")
                )
    return result


def _digest(fd: int, st: os.stat_result, hash_name: str, prefix_at: Optional[int]) -> Tuple[str, Optional[str], int]:
    if st.st_size > SPARSE_MIN and st.st_blocks * 512 < st.st_size // 2:
        digest, nbytes = _sparse_digest(fd, st.st_size, hash_name)
        return digest, None, nbytes
    hasher = new_hash(hash_name)
    buf = _buffer()
    total = 0
    prefix: Optional[str] = None
    if prefix_at == 0:
        prefix = "%s:%s" % (hash_name, new_hash(hash_name).hexdigest())
    while True:
        want = BLOCK
        if prefix is None and prefix_at is not None and prefix_at - total < want:
            want = prefix_at - total
        count = os.readv(fd, [buf[:want]])
        if count <= 0:
            break
        hasher.update(buf[:count])
        total += count
        if prefix is None and prefix_at is not None and total == prefix_at:
            prefix = "%s:%s" % (hash_name, hasher.copy().hexdigest())
    return "%s:%s" % (hash_name, hasher.hexdigest()), prefix, total


def _sparse_digest(fd: int, size: int, hash_name: str) -> Tuple[str, int]:
    hasher = new_hash(hash_name)
    buf = _buffer()
    offset = 0
    nbytes = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # only a hole is left
                break
            raise
        end = os.lseek(fd, start, os.SEEK_HOLE)
        hasher.update(b"extent %d %d\n" % (start, end - start))
        os.lseek(fd, start, os.SEEK_SET)
        remaining = end - start
        while remaining > 0:
            count = os.readv(fd, [buf[: min(BLOCK, remaining)]])
            if count <= 0:
                break
            hasher.update(buf[:count])
            remaining -= count
            nbytes += count
        offset = end
    hasher.update(b"size %d\n" % size)
    return "%s-extents:%s" % (hash_name, hasher.hexdigest()), nbytes


def _xattrs(fd: int, attributes: FrozenSet[str], path: str, warnings: List[WarningRecord]) -> Dict[str, str]:
    found: Dict[str, str] = {}
    try:
        names = os.listxattr(fd)
    except OSError as exc:
        if exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP):
            warnings.append(WarningRecord(path, "xattr", "extended attributes unreadable: %s" % exc.strerror))
        return found
    for name in sorted(names):
        if XATTR_CLASS.get(name, "xattrs") not in attributes:
            continue
        try:
            value = os.getxattr(fd, name)
        except OSError as exc:
            warnings.append(WarningRecord(path, "xattr", "%s unreadable: %s" % (name, exc.strerror)))
            continue
        found[name] = base64.b64encode(value).decode("ascii")
    return found


Item = Tuple[FileStat, FrozenSet[str], Optional[Record]]
Result = Tuple[FileStat, Record, List[WarningRecord]]


def selected_walk(fs: RootFS, rules: Rules) -> Iterator[Union[Tuple[FileStat, FrozenSet[str]], WarningRecord]]:
    """Walk entries the rules select, in baseline order, and the walk's warnings."""
    skip = [r.pattern for r in rules.rules if r.exclude and r.kind == "prefix" and rules.pruned(r.pattern)]
    for start in rules.walk_starts():
        try:
            fs.lstat(start)
        except FileNotFoundError:
            continue  # a selection for a folder this system does not have (e.g. /lib32)
        except OSError as exc:
            yield warning_for(start, exc)
            continue
        # Every file system below a start: /boot or /usr may be separate mounts.
        for item in fs.walk(start, skip=skip, devices=_AllDevices()):
            if isinstance(item, WarningRecord):
                if item.kind != "skipped":
                    yield item
                continue
            attributes = rules.attributes(item.path)
            if attributes is not None:
                yield item, attributes


class _AllDevices(set):  # type: ignore[type-arg]
    """A device set that contains every device (the walk's mount-point check never fires)."""

    def __contains__(self, item: object) -> bool:
        return True


def records(
    fs: RootFS,
    items: Iterator[Any],
    hash_name: str,
    workers: int,
    progress: Optional[Progress] = None,
) -> Iterator[Any]:
    """Complete each selected entry's record (hash, xattrs) in parallel, yielding in input order.

    Items are ``(FileStat, attributes, old record or None)`` and come out as
    ``(FileStat, record, warnings)``; anything else (walk warnings, the
    ``(path, old record)`` of entries a merge found removed) passes through
    in its place.
    """
    window = max(16, workers * 32)
    pending: Deque[Any] = collections.deque()
    done_entries = 0
    done_bytes = 0

    def finish(value: Any) -> Any:
        nonlocal done_entries, done_bytes
        if isinstance(value, Future):
            value = value.result()
        if not isinstance(value, WarningRecord) and len(value) == 3:
            done_entries += 1
            done_bytes += value[1].get("_bytes", 0)
            if progress is not None and done_entries % 256 == 0:
                progress(done_entries, done_bytes)
        return value

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for item in items:
            if not isinstance(item, WarningRecord) and len(item) == 3:
                entry, attributes, old = item
                rec = metadata(entry, attributes)
                if old is not None:
                    rec["_old"] = old
                if entry.type == "f" and (attributes & (XATTR_ATTRS | {"hash", "growing"})):
                    prefix_at = None
                    old_size = old.get("s") if old is not None else None
                    if "growing" in attributes and isinstance(old_size, int) and old_size <= entry.size:
                        prefix_at = old_size
                    pending.append(pool.submit(_complete, fs, entry, attributes, rec, hash_name, prefix_at))
                else:
                    pending.append((entry, rec, []))
            else:
                pending.append(item)
            while len(pending) > window or (pending and _ready(pending[0])):
                yield finish(pending.popleft())
        while pending:
            yield finish(pending.popleft())
    if progress is not None:
        progress(done_entries, done_bytes)


def _ready(value: Any) -> bool:
    return not isinstance(value, Future) or value.done()


def _complete(
    fs: RootFS,
    entry: FileStat,
    attributes: FrozenSet[str],
    rec: Record,
    hash_name: str,
    prefix_at: Optional[int],
) -> Result:
    content = read_content(fs, entry, attributes, hash_name, prefix_at)
    if content.digest is not None and "hash" in attributes:
        rec["h"] = content.digest
    if content.prefix is not None:
        rec["_prefix"] = content.prefix
    if content.digest is not None and "growing" in attributes and "hash" not in attributes:
        rec["h"] = content.digest
    if content.xattrs is not None:
        rec["x"] = content.xattrs
    if content.warnings and content.digest is None and ("hash" in attributes or "growing" in attributes):
        rec["h"] = None  # unreadable: recorded as such, so check can say "could not be compared"
    rec["_bytes"] = content.nbytes
    return entry, rec, content.warnings
