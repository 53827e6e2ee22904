"""Recording the attributes of the selected files: the walk, parallel hashing, extended attributes.

The walk (:meth:`breachkit.host.rootfs.RootFS.walk`, never following symlinks,
never leaving the root) yields entries in the baseline's order. The content of
regular files is read in batches of consecutive files by forked worker
processes (:mod:`.workers`, several per CPU), each with a :class:`ContentReader`
that opens files relative to the directory fds it keeps open, while this
process walks, formats the lines (:func:`record_line`, no dict or JSON encoder
per entry) and writes them. Results are handed on strictly in walk order, with
a bounded number of entries in flight: memory stays flat however big the
tree. With one CPU, ``workers=1`` or where no process can be forked, the same
reader runs here, so the database is byte for byte the same.

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
import stat
import threading
from json.encoder import encode_basestring_ascii as _quote
from typing import Any, Callable, Deque, Dict, FrozenSet, Iterator, List, Optional, Tuple, Union

from ..records import FileStat, WarningRecord
from ..rootfs import NotRegularFile, RootFS, warning_for
from .rules import Rules
from .workers import Pool, can_fork

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


#: Content request bits (:data:`Job`): which of the file's contents and extended attributes to read.
WANT_HASH, WANT_GROWING, WANT_XATTRS, WANT_ACL, WANT_SELINUX, WANT_CAPS = 1, 2, 4, 8, 16, 32
_WANT_BY_ATTRIBUTE = {
    "hash": WANT_HASH,
    "growing": WANT_GROWING,
    "xattrs": WANT_XATTRS,
    "acl": WANT_ACL,
    "selinux": WANT_SELINUX,
    "caps": WANT_CAPS,
}
_WANT_XATTR_ANY = WANT_XATTRS | WANT_ACL | WANT_SELINUX | WANT_CAPS
_WANT_CONTENT = WANT_HASH | WANT_GROWING
#: Which request bit an extended attribute needs (others: :data:`WANT_XATTRS`).
_XATTR_WANT = {name: _WANT_BY_ATTRIBUTE[klass] for name, klass in XATTR_CLASS.items()}

#: A file to read: (host path, inode the walk saw, request bits, size of the prefix to hash too or -1).
Job = Tuple[str, int, int, int]
#: What reading a file gave: (digest, prefix digest, bytes read, xattrs or None, warnings as
#: (path, kind, detail) tuples). Plain data, so it crosses a pipe from a worker process.
Content = Tuple[Optional[str], Optional[str], int, Optional[Dict[str, str]], List[Tuple[str, str, str]]]

_O_NOATIME = getattr(os, "O_NOATIME", 0)
_O_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
_O_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_noatime(name: str, flags: int, dir_fd: int) -> int:
    """``openat`` with O_NOATIME, without it where the kernel refuses (EPERM: not the owner, not root)."""
    if _O_NOATIME:
        try:
            return os.open(name, flags | _O_NOATIME, dir_fd=dir_fd)
        except PermissionError:
            pass
    return os.open(name, flags, dir_fd=dir_fd)


def wants(attributes: FrozenSet[str]) -> int:
    """The request bits of an attribute set (0: nothing to read from the file)."""
    bits = 0
    for name in attributes:
        bits |= _WANT_BY_ATTRIBUTE.get(name, 0)
    return bits


class ContentReader:
    """Reads files of one walk: content hash and extended attributes, relative to open directory fds.

    Files come in walk order, so the reader keeps the directories from the
    root down to the current one open, like the walk itself: moving to the
    next folder closes the ones left and opens the new ones one name at a
    time (``openat`` with ``O_NOFOLLOW | O_DIRECTORY``: no symlink is followed
    anywhere, so nothing outside the root can be reached), and each file is
    opened relative to its folder. Each file is checked with ``lstat``
    before it is opened (a FIFO or device is never opened, a symlink never
    followed: ``O_NOFOLLOW``) and with ``fstat`` after (nothing swapped in
    between), then compared with the inode the walk saw.
    """

    def __init__(self, fs: RootFS, hash_name: str) -> None:
        self.fs = fs
        self.hash_name = hash_name
        self._dir: Optional[str] = None
        #: Names from the root to the current folder, and their fds (``_fds[0]``: the root).
        self._names: List[str] = []
        self._fds: List[int] = []
        self._dir_error: Optional[OSError] = None

    def close(self) -> None:
        """Close the directory fds (the reader can still be used: it reopens what it needs)."""
        for fd in reversed(self._fds):
            os.close(fd)
        self._fds = []
        self._names = []
        self._dir = None

    def read_batch(self, jobs: List[Job]) -> List[Content]:
        """:meth:`read` of each job (what a worker process runs), results in the order of ``jobs``.

        The files of one folder are read in inode order, not name order: on
        most file systems that is closer to where their data lies on the
        disk, which matters when the page cache is cold.
        """
        results: List[Optional[Content]] = [None] * len(jobs)
        start = 0
        while start < len(jobs):
            folder = jobs[start][0].rpartition("/")[0]
            end = start + 1
            while end < len(jobs) and jobs[end][0].rpartition("/")[0] == folder:
                end += 1
            for index in sorted(range(start, end), key=lambda i: jobs[i][1]):
                results[index] = self.read(jobs[index])
            start = end
        return results  # type: ignore[return-value]

    def _enter(self, parent: str) -> None:
        """Make ``parent`` (a host path from the walk) the current folder; failures are kept for its files."""
        self._dir = parent
        self._dir_error = None
        names = [name for name in parent.split("/") if name]
        if not self._fds:
            self._fds.append(self.fs.open_dir("/"))
        keep = 0
        while keep < len(self._names) and keep < len(names) and self._names[keep] == names[keep]:
            keep += 1
        while len(self._names) > keep:
            self._names.pop()
            os.close(self._fds.pop())
        for name in names[keep:]:
            try:
                fd = _open_noatime(name, _O_DIR, self._fds[-1])
            except OSError as exc:
                self._dir_error = exc
                return
            self._names.append(name)
            self._fds.append(fd)

    def _open(self, path: str) -> Tuple[int, os.stat_result]:
        parent, _, name = path.rpartition("/")
        parent = parent or "/"
        if parent != self._dir:
            self._enter(parent)
        if self._dir_error is not None:
            error = self._dir_error
            raise type(error)(error.errno, error.strerror, path)
        dir_fd = self._fds[-1]
        before = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if not stat.S_ISREG(before.st_mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file", path)
        fd = _open_noatime(name, _O_FILE, dir_fd)
        after = os.fstat(fd)
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            os.close(fd)
            raise NotRegularFile(errno.EAGAIN, "file was replaced while being opened", path)
        return fd, after

    def read(self, job: Job) -> Content:
        """Hash one regular file and read its xattrs; problems become warnings."""
        path, inode, want, prefix_at = job
        warnings: List[Tuple[str, str, str]] = []
        try:
            fd, before = self._open(path)
        except OSError as exc:
            return None, None, 0, None, [tuple(warning_for(path, exc))]  # type: ignore[list-item]
        try:
            if before.st_ino != inode:
                warnings.append((path, "replaced", "a different file was at this path when it was opened"))
            xattrs = _xattrs(fd, want, path, warnings) if want & _WANT_XATTR_ANY else None
            if not want & _WANT_CONTENT:
                return None, None, 0, xattrs, warnings
            prefix = None if prefix_at < 0 else prefix_at
            try:
                try:
                    digest, prefix_digest, nbytes = _digest(fd, before, self.hash_name, prefix)
                except BlockingIOError:  # O_NONBLOCK mattered after all (a network file system)
                    os.set_blocking(fd, True)
                    os.lseek(fd, 0, os.SEEK_SET)
                    digest, prefix_digest, nbytes = _digest(fd, before, self.hash_name, prefix)
            except OSError as exc:
                warnings.append((path, "unreadable", "read failed: %s" % exc.strerror))
                return None, None, 0, xattrs, warnings
            after = os.fstat(fd)
            if (after.st_size, after.st_mtime_ns, after.st_ctime_ns) != (
                before.st_size,
                before.st_mtime_ns,
                before.st_ctime_ns,
            ):
                warnings.append((path, "changed-while-hashing", "the file changed while it was read"))
            return digest, prefix_digest, nbytes, xattrs, warnings
        finally:
            os.close(fd)


_local = threading.local()


def _buffer() -> memoryview:
    buf = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = memoryview(bytearray(BLOCK))
    return buf  # type: ignore[no-any-return,unused-ignore]


def _digest(fd: int, st: os.stat_result, hash_name: str, prefix_at: Optional[int]) -> Tuple[str, Optional[str], int]:
    if st.st_size > SPARSE_MIN and st.st_blocks * 512 < st.st_size // 2:
        digest, nbytes = _sparse_digest(fd, st.st_size, hash_name)
        return digest, None, nbytes
    hasher = _new(hash_name)
    buf = _buffer()
    readv, update, size = os.readv, hasher.update, st.st_size
    total = 0
    prefix: Optional[str] = None
    if prefix_at == 0:
        prefix = "%s:%s" % (hash_name, _new(hash_name).hexdigest())
    while True:
        want = BLOCK
        if prefix is None and prefix_at is not None and prefix_at - total < want:
            want = prefix_at - total
        count = readv(fd, [buf[:want]])
        if count <= 0:
            break
        update(buf[:count])
        total += count
        if prefix is None and prefix_at is not None and total == prefix_at:
            prefix = "%s:%s" % (hash_name, hasher.copy().hexdigest())
        elif count < want and total >= size:
            # A short read at or past the size fstat gave is the end: no read just to be told so.
            # Had the file grown meanwhile, the second fstat says so (changed-while-hashing).
            break
    return "%s:%s" % (hash_name, hasher.hexdigest()), prefix, total


_CONSTRUCTORS: Dict[str, Callable[[], Any]] = {}


def _new(name: str) -> Any:
    """:func:`new_hash`, through a cached constructor (``hashlib.sha256()`` is cheaper than ``hashlib.new``)."""
    make = _CONSTRUCTORS.get(name)
    if make is None:
        make = getattr(hashlib, name, None) if name in hashlib.algorithms_guaranteed else None
        if make is None:
            return new_hash(name)
        _CONSTRUCTORS[name] = make
    return make()


def _sparse_digest(fd: int, size: int, hash_name: str) -> Tuple[str, int]:
    hasher = _new(hash_name)
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


def _xattrs(fd: int, want: int, path: str, warnings: List[Tuple[str, str, str]]) -> Dict[str, str]:
    found: Dict[str, str] = {}
    try:
        names = os.listxattr(fd)
    except OSError as exc:
        if exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP):
            warnings.append((path, "xattr", "extended attributes unreadable: %s" % exc.strerror))
        return found
    for name in sorted(names):  # most files have none: getxattr only for names listed
        if not want & _XATTR_WANT.get(name, WANT_XATTRS):
            continue
        try:
            value = os.getxattr(fd, name)
        except OSError as exc:
            warnings.append((path, "xattr", "%s unreadable: %s" % (name, exc.strerror)))
            continue
        found[name] = base64.b64encode(value).decode("ascii")
    return found


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
        # Every file system below a start: /boot or /usr may be separate mounts. Batched runs: the
        # same entries and warnings in the same order as fs.walk, in fewer, larger pieces.
        runs = fs.walk_runs(start, skip=skip, devices=_AllDevices(), batch=True)
        folder = None
        choose: Callable[[str], Optional[FrozenSet[str]]] = rules.attributes
        try:
            for run in runs:
                if isinstance(run, WarningRecord):
                    if run.kind != "skipped":
                        yield run
                    continue
                for item in run.stats():
                    parent = item.path.rpartition("/")[0] or "/"
                    if parent != folder:
                        folder, choose = parent, rules.chooser(parent)
                    attributes = choose(item.path)
                    if attributes is not None:
                        yield item, attributes
        finally:
            runs.close()


class _AllDevices(set):  # type: ignore[type-arg]
    """A device set that contains every device (the walk's mount-point check never fires)."""

    def __contains__(self, item: object) -> bool:
        return True


#: Entries handed to one worker at a time, and the bytes after which a batch is cut short: small
#: enough that both workers stay busy to the end, large enough that the pipes cost little.
BATCH_FILES = 64
BATCH_BYTES = 8 << 20
#: Entries waiting for their content at most; bounds memory however big the tree.
WINDOW = 2048


def records(
    fs: RootFS,
    items: Iterator[Any],
    hash_name: str,
    workers: int,
    progress: Optional[Progress] = None,
) -> Iterator[Any]:
    """Read the content of each selected entry, in parallel, yielding in input order.

    Items are tuples ``(FileStat, attributes, old record or None, ...)`` and
    come out with the :data:`Content` appended (``None`` for entries whose
    file is not read); anything else (walk warnings, the ``(path, old
    record)`` of entries a merge found removed) passes through in its place.

    With ``workers`` above 1, files are read by that many forked processes
    (:mod:`.workers`; :func:`~.workers.default_count` is a good number), in
    batches of consecutive files; otherwise, or when no process can be
    forked, here, by the same :class:`ContentReader`.
    """
    reader = ContentReader(fs, hash_name)
    pool: Optional[Pool] = None
    count = max(1, workers)
    if count > 1 and can_fork():
        try:
            pool = Pool(reader.read_batch, count)
        except OSError:  # out of processes or memory: read here
            pool = None
    try:
        if pool is None:
            yield from _serial(reader, items, progress)
        else:
            with pool:
                yield from _parallel(pool, items, progress)
    finally:
        reader.close()


def job_for(entry: FileStat, attributes: FrozenSet[str], old: Optional[Record]) -> Optional[Job]:
    """What to read of ``entry``'s file, or None when nothing (not a regular file, no content selected)."""
    if entry.type != "f":
        return None
    want = _WANTS.get(attributes)
    if want is None:
        want = _WANTS[attributes] = wants(attributes)
    if not want:
        return None
    prefix_at = -1
    if want & WANT_GROWING and old is not None:
        old_size = old.get("s")
        if isinstance(old_size, int) and not isinstance(old_size, bool) and 0 <= old_size <= entry.size:
            prefix_at = old_size
    return entry.path, entry.inode, want, prefix_at


_WANTS: Dict[FrozenSet[str], int] = {}


def _serial(reader: ContentReader, items: Iterator[Any], progress: Optional[Progress]) -> Iterator[Any]:
    entries = nbytes = 0
    for item in items:
        if isinstance(item, WarningRecord) or len(item) == 2:
            yield item
            continue
        job = job_for(item[0], item[1], item[2])
        content = reader.read(job) if job is not None else None
        if content is not None:
            nbytes += content[2]
        entries += 1
        if progress is not None and entries % 256 == 0:
            progress(entries, nbytes)
        yield item + (content,)
    if progress is not None:
        progress(entries, nbytes)


def _parallel(pool: Pool, items: Iterator[Any], progress: Optional[Progress]) -> Iterator[Any]:
    # pending, in input order: [item, ticket, index in that batch]; ticket -1: nothing to wait
    # for; None: in the batch still being gathered (those slots are also in ``gathering``).
    pending: Deque[List[Any]] = collections.deque()
    gathering: List[List[Any]] = []
    batch: List[Job] = []
    batch_bytes = 0
    results: Dict[int, List[Content]] = {}
    entries = nbytes = 0

    def send() -> None:
        nonlocal batch, batch_bytes
        ticket = pool.submit(batch, batch_bytes + 16384 * len(batch))  # a file costs about 16 KiB of hashing
        for slot in gathering:
            slot[1] = ticket
        gathering.clear()
        batch, batch_bytes = [], 0

    def take(block: bool, keep: int = 0) -> Iterator[Any]:
        """Hand out finished items from the front; ``block``: wait until only ``keep`` are left."""
        nonlocal entries, nbytes
        while len(pending) > keep:
            item, ticket, index = pending[0]
            if ticket is None:
                if not block:
                    return
                send()
                continue
            content = None
            if ticket >= 0:
                found = results.get(ticket)
                if found is None:
                    if not block and not pool.ready(ticket):
                        return
                    found = results[ticket] = pool.result(ticket)
                content = found[index]
                if index == len(found) - 1:
                    del results[ticket]
            pending.popleft()
            if isinstance(item, WarningRecord) or len(item) == 2:
                yield item
                continue
            if content is not None:
                nbytes += content[2]
            entries += 1
            if progress is not None and entries % 256 == 0:
                progress(entries, nbytes)
            yield item + (content,)

    for item in items:
        job = None
        if not isinstance(item, WarningRecord) and len(item) != 2:
            job = job_for(item[0], item[1], item[2])
        if job is None:
            pending.append([item, -1, 0])
        else:
            slot = [item, None, len(batch)]
            pending.append(slot)
            gathering.append(slot)
            batch.append(job)
            batch_bytes += item[0].size
            if len(batch) >= BATCH_FILES or batch_bytes >= BATCH_BYTES:
                send()
                yield from take(block=False)  # results that came in meanwhile: one look per batch, not per entry
        if len(pending) > WINDOW:
            yield from take(block=True, keep=WINDOW // 2)
    if batch:
        send()
    yield from take(block=True)
    if progress is not None:
        progress(entries, nbytes)


def record_dict(entry: FileStat, attributes: FrozenSet[str], content: Optional[Content]) -> Record:
    """The record of an entry as a dict (``_prefix`` and ``_bytes`` are working keys, not stored)."""
    rec = metadata(entry, attributes)
    if content is None:
        return rec
    digest, prefix, nbytes, xattrs, problems = content
    hashed = "hash" in attributes or "growing" in attributes
    if digest is not None and hashed:
        rec["h"] = digest
    if prefix is not None:
        rec["_prefix"] = prefix
    if xattrs is not None:
        rec["x"] = xattrs
    if problems and digest is None and hashed:
        rec["h"] = None  # unreadable: recorded as such, so check can say "could not be compared"
    rec["_bytes"] = nbytes
    return rec


#: Per attribute set: the JSON of its ``a`` list, and which keys a record of it has.
_Plan = Tuple[str, bool, bool, bool, bool, bool, bool, bool, bool, bool, bool, bool]
_PLANS: Dict[FrozenSet[str], _Plan] = {}


def _plan(attributes: FrozenSet[str]) -> _Plan:
    plan = _PLANS.get(attributes)
    if plan is None:
        plan = _PLANS[attributes] = (
            '{"a":[%s]' % ",".join(_quote(a) for a in sorted(attributes)),
            "ctime" in attributes,
            "gid" in attributes,
            "hash" in attributes or "growing" in attributes,
            "inode" in attributes,
            "target" in attributes,
            "mode" in attributes,
            "mtime" in attributes,
            "nlink" in attributes,
            "size" in attributes or "growing" in attributes,
            "type" in attributes,
            "uid" in attributes,
        )
    return plan


def record_line(entry: FileStat, attributes: FrozenSet[str], content: Optional[Content]) -> str:
    """The database line of an entry: byte for byte :func:`record_dict` with its path, as
    :class:`~breachkit.host.baseline.db.Writer` encodes it (sorted keys, ASCII), without the dict."""
    a_text, ct, g, h, i, link, m, mt, n, s, t, u = _plan(attributes)
    parts = [a_text]
    add = parts.append
    if ct:
        add(',"ct":%d' % entry.ctime_ns)
    if g:
        add(',"g":%d' % entry.gid)
    if h and content is not None:
        if content[0] is not None:
            add(',"h":' + _quote(content[0]))
        elif content[4]:
            add(',"h":null')
    if i:
        add(',"i":%d' % entry.inode)
    if link and entry.target is not None:
        add(',"l":' + _quote(entry.target))
    if m:
        add(',"m":%d' % entry.mode)
    if mt:
        add(',"mt":%d' % entry.mtime_ns)
    if n:
        add(',"n":%d' % entry.nlink)
    path = entry.path
    if path.isascii():
        add(',"p":' + _quote(path))
    else:
        add(_path_keys(path))
    if s and entry.type == "f":
        add(',"s":%d' % entry.size)
    if t:
        add(',"t":' + _quote(entry.type))
    if u:
        add(',"u":%d' % entry.uid)
    if content is not None and content[3] is not None:
        xattrs = content[3]
        add(',"x":{%s}' % ",".join("%s:%s" % (_quote(k), _quote(xattrs[k])) for k in sorted(xattrs)))
    add("}")
    return "".join(parts)


def _path_keys(path: str) -> str:
    """``"p"`` (and ``"pb"`` for a name that is not UTF-8) as :func:`~breachkit.host.baseline.db.encode_path` sets them."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        shown = path.encode("utf-8", "replace").decode("utf-8")
        raw = base64.b64encode(os.fsencode(path)).decode("ascii")
        return ',"p":%s,"pb":%s' % (_quote(shown), _quote(raw))
    return ',"p":' + _quote(path)
