"""Scanning files: YARA rules, hash and name IOCs, magic bytes and context, per file.

The walk of a :class:`~breachkit.sources.base.Source` picks the files to scan
(by default the places attackers drop things: web roots, temp folders, home
folders, /srv, /opt, /usr/local, spools and start-up folders; ``scope="all"``
for every regular file). Each file is read once, through the source, with a cap:
files up to :attr:`ScanOptions.max_full` bytes are read whole and hashed;
larger ones are scanned in a head and a tail window and say so. A hard link is
scanned once. Files verified as known-good (package checksums, a CMS
allowlist) are hashed but not scanned. On two or more cores the files are
shared between worker processes, each with its own scanner.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

from breachkit.detect import context as ctx
from breachkit.detect import magic
from breachkit.detect.iocs import IocSet
from breachkit.detect.scanner import EXTERNALS, RuleMatch, RuleSet, Scanner, ScanTimeout
from breachkit.host.records import FileStat, WarningRecord, type_code
from breachkit.host.rootfs import LIVE_SKIP, NotRegularFile, RootFS
from breachkit.sources.base import Source
from breachkit.sources.root import RootSource

MiB = 1024 * 1024
_O_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
_O_NOATIME = getattr(os, "O_NOATIME", 0)
_O_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
#: Folder depth a scan follows; deeper trees are reported, not entered (RootFS.walk has the same idea).
MAX_DEPTH = 512

#: Default scope: where attackers put webshells, tools and launchers.
DROP_ZONES = (
    "/var/www/",
    "/srv/",
    "/home/",
    "/root/",
    "/tmp/",
    "/var/tmp/",
    "/dev/shm/",
    "/opt/",
    "/usr/local/",
    "/var/spool/",
    "/usr/share/nginx/",
    "/var/lib/tomcat",
    "/etc/cron",
    "/etc/init.d/",
    "/etc/rc.local",
    "/etc/profile.d/",
    "/etc/systemd/",
    "/etc/update-motd.d/",
    "/usr/lib/cgi-bin/",
)

#: Scores at or above each threshold give that severity name (see findings.py).
SEVERITY_AT = ((90, "critical"), (70, "high"), (45, "medium"), (25, "low"))


@dataclass
class ScanOptions:
    """What to scan with and what to skip."""

    rules: RuleSet | None
    iocs: IocSet = field(default_factory=IocSet)
    #: (host path, sha256) pairs verified against package checksums (from breachkit.integrity)
    known_good: frozenset[tuple[str, str]] = frozenset()
    #: SHA-256 of files from clean releases (``breachkit allowlist build``)
    allowlist: frozenset[str] = frozenset()
    context: ctx.ScanContext = field(default_factory=ctx.ScanContext)
    scope: str = "drop-zones"
    max_full: int = 32 * MiB
    head: int = 16 * MiB
    tail: int = 4 * MiB
    timeout: int = 10
    #: worker processes; 0 = one per core (at most 4)
    jobs: int = 0
    #: scores below this are not reported
    min_score: int = 25
    #: host paths not to enter (besides the source's own exclusions), e.g. the scanner's own cache
    skip: tuple[str, ...] = ()
    #: compute MD5 / SHA-1 too (hash IOCs of that length, or rules using the ``md5`` external)
    want_md5: bool = False
    want_sha1: bool = False


@dataclass(frozen=True, slots=True)
class FileVerdict:
    """Everything the scan concluded about one file."""

    path: str
    size: int
    uid: int
    mode: int
    mtime_ns: int
    ctime_ns: int
    btime_ns: int | None
    content_type: str
    sha256: str | None
    md5: str | None
    sha1: str | None
    #: the content was only partly scanned (head and tail windows) or not available
    partial: str | None
    matches: tuple[RuleMatch, ...]
    #: (points, reason) from hash/name IOCs, magic bytes and placement heuristics
    signals: tuple[tuple[int, str], ...]
    #: (points, reason) from context: folder, owner, time
    context: tuple[tuple[int, str], ...]
    score: int
    #: why the file was not scanned further, when it was known-good
    suppressed: str | None = None

    @property
    def severity(self) -> str:
        for threshold, name in SEVERITY_AT:
            if self.score >= threshold:
                return name
        return "info"


@dataclass
class ScanReport:
    """The flagged files and the counts that say what was and was not looked at."""

    verdicts: list[FileVerdict] = field(default_factory=list)
    files_seen: int = 0
    files_scanned: int = 0
    bytes_read: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    #: per-file trouble (unreadable, vanished, rule timeout, partial scan), bounded
    warnings: list[WarningRecord] = field(default_factory=list)
    warning_count: int = 0

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def warn(self, record: WarningRecord, keep: int = 200) -> None:
        self.warning_count += 1
        if len(self.warnings) < keep:
            self.warnings.append(record)

    def take(self, result: tuple[FileVerdict | None, int, list[WarningRecord], str | None], min_score: int) -> None:
        """Count one :func:`scan_entry` result; keep the verdict when it scores ``min_score`` or more."""
        verdict, read, warnings, skipped = result
        self.bytes_read += read
        for warning in warnings:
            self.warn(warning)
        if skipped is not None:
            self.skip(skipped)
        elif verdict is not None:
            self.files_scanned += 1
        if verdict is not None and verdict.score >= min_score:
            self.verdicts.append(verdict)

    def merge(self, other: ScanReport) -> None:
        self.verdicts.extend(other.verdicts)
        self.files_seen += other.files_seen
        self.files_scanned += other.files_scanned
        self.bytes_read += other.bytes_read
        for why, count in other.skipped.items():
            self.skipped[why] = self.skipped.get(why, 0) + count
        for warning in other.warnings:
            self.warn(warning)
        self.warning_count += other.warning_count - len(other.warnings)


def in_scope(path: str, scope: str) -> bool:
    if scope == "all":
        return True
    return path.startswith(DROP_ZONES)


# -- reading --------------------------------------------------------------------


class SourceReader:
    """Reads through any :class:`Source` (bundles, and anything else implementing the protocol)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.is_bundle = hasattr(source, "acquisition")

    def read(self, entry: FileStat, limit: int) -> tuple[bytes, bool]:
        return self.source.read_bytes(entry.path, limit)

    def refresh(self, entry: FileStat) -> FileStat:
        """The entry with every field the source knows (the fast walk leaves out birth times)."""
        return entry

    def tail(self, entry: FileStat, limit: int) -> bytes | None:
        fs = getattr(self.source, "fs", None)
        if not isinstance(fs, RootFS):
            return None
        try:
            with fs.open_file(entry.path) as handle:
                handle.seek(max(0, entry.size - limit))
                return handle.read(limit)
        except OSError:
            return None

    def close(self) -> None:
        pass


class RootReader(SourceReader):
    """Fast reads from a :class:`RootFS` for files the walk just listed.

    Resolving every file's path from the root again costs one ``openat`` per
    path component; here each directory is resolved once through
    :class:`RootFS` (inside the root, symlinks followed only within it) and
    its fd kept in a small cache, and the file itself is opened relative to
    it with ``O_NOFOLLOW | O_NONBLOCK | O_NOATIME``. The opened inode must be
    the regular file the walk saw (same device and inode), so a file swapped
    for a FIFO, a device or a symlink between walk and read is refused.
    """

    CACHE = 64

    def __init__(self, source: Source, fs: RootFS) -> None:
        super().__init__(source)
        self.fs = fs
        self._dirs: dict[str, int] = {}
        #: folders a running :func:`fast_walk` holds open (borrowed, never closed here)
        self.walking: dict[str, int] = {}

    def _dir(self, parent: str) -> int:
        fd = self._dirs.pop(parent, None)
        if fd is None:
            fd = self.fs.open_dir(parent)
            if len(self._dirs) >= self.CACHE:
                oldest = next(iter(self._dirs))
                os.close(self._dirs.pop(oldest))
        self._dirs[parent] = fd  # most recently used last
        return fd

    def _open(self, entry: FileStat) -> int:
        parent, _, name = entry.path.rpartition("/")
        dir_fd = self.walking.get(parent or "/")
        if dir_fd is None:
            dir_fd = self._dir(parent or "/")
        try:
            fd = os.open(name, _O_FILE | _O_NOATIME, dir_fd=dir_fd)
        except PermissionError:
            fd = os.open(name, _O_FILE, dir_fd=dir_fd)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (info.st_dev, info.st_ino) != (entry.dev, entry.inode):
            os.close(fd)
            raise NotRegularFile(errno.EAGAIN, "file was replaced since the walk", entry.path)
        # O_NONBLOCK stays set: it only matters for FIFOs and devices, which were refused above.
        return fd

    def read(self, entry: FileStat, limit: int) -> tuple[bytes, bool]:
        fd = self._open(entry)
        try:
            # A short read of a regular file is its end: one read() for a file the size the walk saw.
            want = min(limit, entry.size) + 1
            chunks = []
            while want > 0:
                block = os.read(fd, min(want, 8 * MiB))
                if not block:
                    break
                chunks.append(block)
                want -= len(block)
                if len(block) < min(want + len(block), 8 * MiB):
                    break
            data = b"".join(chunks)
            if len(data) > entry.size and len(data) <= limit:
                # grew since the walk: read on up to the cap so the verdict covers what is there now
                rest = os.read(fd, limit + 1 - len(data))
                data += rest
        finally:
            os.close(fd)
        return (data[:limit], True) if len(data) > limit else (data, False)

    def refresh(self, entry: FileStat) -> FileStat:
        try:
            fresh = self.fs.lstat(entry.path)
        except OSError:
            return entry
        return fresh if (fresh.dev, fresh.inode) == (entry.dev, entry.inode) else entry

    def tail(self, entry: FileStat, limit: int) -> bytes | None:
        try:
            fd = self._open(entry)
        except OSError:
            return None
        try:
            return os.pread(fd, limit, max(0, entry.size - limit))
        finally:
            os.close(fd)

    def close(self) -> None:
        for fd in self._dirs.values():
            os.close(fd)
        self._dirs.clear()


def reader_for(source: Source) -> SourceReader:
    fs = getattr(source, "fs", None)
    if isinstance(source, RootSource) and isinstance(fs, RootFS):
        return RootReader(source, fs)
    return SourceReader(source)


@dataclass(frozen=True, slots=True)
class Content:
    data: bytes
    sha256: str | None
    md5: str | None
    sha1: str | None
    partial: str | None


def read_content(reader: SourceReader, entry: FileStat, options: ScanOptions) -> Content:
    """The bytes to scan: the whole file when small enough (hashed), else head + tail windows."""
    if entry.size <= options.max_full:
        data, truncated = reader.read(entry, options.max_full)
        if not truncated:
            # MD5 and SHA-1 only when an indicator list or a rule needs them: hashing is most of the cost.
            return Content(
                data,
                hashlib.sha256(data).hexdigest(),
                hashlib.md5(data, usedforsecurity=False).hexdigest() if options.want_md5 else None,
                hashlib.sha1(data, usedforsecurity=False).hexdigest() if options.want_sha1 else None,
                None,
            )
        # It grew since the walk: scan what we have, like a large file.
        return Content(data, None, None, None, f"grew past {options.max_full} bytes while scanning; first part scanned")
    head, _ = reader.read(entry, options.head)
    tail = reader.tail(entry, options.tail)
    if tail is None:
        return Content(
            head, None, None, None, f"{entry.size} bytes: only the first {len(head)} bytes scanned, not hashed"
        )
    # A gap marker keeps rules from matching across the two windows.
    data = head + b"\n\0\0\0\0\n" + tail
    return Content(
        data, None, None, None, f"{entry.size} bytes: first {len(head)} and last {len(tail)} bytes scanned, not hashed"
    )


# -- judging one file -------------------------------------------------------------


def _text(value: str) -> str:
    """Valid UTF-8 for the engine: bytes a name held that are not UTF-8 become U+FFFD."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def externals_for(
    entry: FileStat,
    content_type: str,
    md5: str | None,
    owner: str,
    used: frozenset[str] = frozenset(EXTERNALS),
) -> dict[str, str]:
    """The values of the externals ``used`` by the rules, for one file."""
    values: dict[str, str] = {}
    if "filename" in used:
        values["filename"] = _text(entry.path.rsplit("/", 1)[-1])
    if "filepath" in used:
        values["filepath"] = _text(entry.path)
    if "extension" in used:
        values["extension"] = _text(magic.extension(entry.path))
    if "filetype" in used:
        values["filetype"] = content_type
    if "md5" in used:
        values["md5"] = md5 or ""
    if "owner" in used:
        values["owner"] = _text(owner)
    return values


_UPLOAD_SCRIPT = "a server-side script in an upload/images folder"
#: A PHP file with nothing but comments (and HTML-free whitespace) in it.
_STUB = re.compile(rb"^\s*<\?php(\s+|//[^\n]*\n?|#[^\n]*\n?|/\*.*?\*/)*(\?>\s*)?$", re.DOTALL | re.IGNORECASE)


def metadata_signals(entry: FileStat) -> list[tuple[int, str]]:
    """Signals from the name and mode alone (also for files a bundle holds no copy of)."""
    found: list[tuple[int, str]] = []
    if ctx.upload_script(entry.path):
        found.append((50, f"{_UPLOAD_SCRIPT} of a web site: the web server runs it when asked"))
    if ctx.in_temp(entry.path) and entry.mode & 0o111 and ctx.hidden_folder(entry.path):
        found.append(
            (60, "an executable file in a hidden folder under a temp folder, where attackers park their tools")
        )
    if entry.mode & (stat.S_ISUID | stat.S_ISGID) and (ctx.in_temp(entry.path) or ctx.in_web_root(entry.path)):
        found.append((80, "a setuid/setgid file in a temp folder or web root: a way back to root"))
    return found


def judge(
    entry: FileStat,
    content: Content | None,
    matches: list[RuleMatch],
    options: ScanOptions,
    content_type: str | None = None,
    refresh: Callable[[FileStat], FileStat] | None = None,
) -> FileVerdict:
    """Combine rule matches, IOCs, magic and context into one scored verdict.

    ``refresh`` completes the metadata (birth time) of a file that scored,
    when the walk left it out for speed.
    """
    signals = metadata_signals(entry)
    if content is not None and signals and _STUB.match(content.data[:4096]) and len(content.data) <= 4096:
        # "<?php // Silence is golden." placeholders that CMSes put in every folder run no code.
        signals = [s for s in signals if not s[1].startswith(_UPLOAD_SCRIPT)]
    if content is not None:
        head = content.data[:4096]
        if content_type is None:
            content_type = magic.content_type(head)
        if magic.extension(entry.path) in magic.EXPECTED:
            mismatch = magic.mismatch(entry.path, head)
            if mismatch is not None:
                weight = 75 if mismatch.executable else 20
                signals.append((weight, f"{mismatch.describe()}: a disguised file"))
        if options.iocs.hashes:
            hit = options.iocs.hash_hit(content.sha256, content.md5, content.sha1)
            if hit is not None:
                signals.append((100, f"its hash {hit[0]} is a known indicator: {hit[1]}"))
    if options.iocs.names:
        for ioc in options.iocs.name_hits(entry.path):
            signals.append(
                (ioc.score, f"its path matches the file-name indicator {ioc.pattern.pattern!r} ({ioc.origin})")
            )
    points = sorted([m.score for m in matches] + [p for p, _ in signals], reverse=True)
    score = 0
    context: list[tuple[int, str]] = []
    if points:
        if content is not None and content_type is None:
            content_type = magic.content_type(content.data[:4096])
        if refresh is not None and entry.btime_ns is None:
            entry = refresh(entry)
        context = ctx.reasons(entry, options.context)
        families = {m.family for m in matches} | {reason for _, reason in signals}
        # The strongest signal sets the level; each further independent one adds a little.
        score = points[0] + min(15, 5 * (len(families) - 1))
        if not matches and all(r.startswith(_UPLOAD_SCRIPT) for _, r in signals):
            # Code in a folder called images/ or media/ with no rule match (or, in a bundle, no copy to
            # match) is common in real applications (MediaWiki's includes/gallery, DokuWiki's
            # inc/Ui/Media): a pointer, not an alarm, unless it was born in the incident window.
            score = 30 + sum(p for p, r in context if "incident window" in r)
        elif score >= 40:
            score += sum(p for p, _ in context)
        score = min(100, score)
    return FileVerdict(
        path=entry.path,
        size=entry.size,
        uid=entry.uid,
        mode=entry.mode,
        mtime_ns=entry.mtime_ns,
        ctime_ns=entry.ctime_ns,
        btime_ns=entry.btime_ns,
        content_type=content_type or "unknown",
        sha256=content.sha256 if content else None,
        md5=content.md5 if content else None,
        sha1=content.sha1 if content else None,
        partial=content.partial if content else "no copy of the content in this source; judged by name and metadata",
        matches=tuple(sorted(matches, key=lambda m: m.score, reverse=True)),
        signals=tuple(signals),
        context=tuple(context),
        score=score,
    )


def scan_entry(
    reader: SourceReader, entry: FileStat, options: ScanOptions, scanner: Scanner | None
) -> tuple[FileVerdict | None, int, list[WarningRecord], str | None]:
    """(verdict, bytes read, warnings, skip reason) for one walk entry."""
    warnings: list[WarningRecord] = []
    try:
        content = read_content(reader, entry, options)
    except FileNotFoundError:
        if reader.is_bundle:
            # A bundle holds copies of some files only; judge the rest by name and metadata.
            return judge(entry, None, [], options), 0, warnings, "not in bundle"
        warnings.append(WarningRecord(entry.path, "vanished", "removed before it could be scanned"))
        return None, 0, warnings, "vanished"
    except OSError as exc:
        warnings.append(WarningRecord(entry.path, "unreadable", f"not scanned: {exc.strerror or exc}"))
        return None, 0, warnings, "unreadable"
    if content.partial:
        warnings.append(WarningRecord(entry.path, "truncated", content.partial))
    if content.sha256 is not None:
        if (entry.path, content.sha256) in options.known_good:
            return None, len(content.data), warnings, "verified by package checksums"
        if content.sha256 in options.allowlist:
            return None, len(content.data), warnings, "in the allowlist of clean release files"
    matches: list[RuleMatch] = []
    content_type: str | None = None
    if scanner is not None:
        used = scanner.ruleset.used_externals
        if "filetype" in used:
            content_type = magic.content_type(content.data[:4096])
        owner = options.context.user_names.get(entry.uid, str(entry.uid))
        externals = externals_for(entry, content_type or "", content.md5, owner, used)
        try:
            matches = scanner.scan(content.data, externals)
        except ScanTimeout:
            warnings.append(
                WarningRecord(
                    entry.path, "rule-timeout", f"rules ran out of time after {options.timeout} s; partly scanned"
                )
            )
    verdict = judge(entry, content, matches, options, content_type, reader.refresh)
    return verdict, len(content.data), warnings, None


# -- running it ---------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _collect(
    entries: Iterable[FileStat | WarningRecord],
    reader: SourceReader,
    options: ScanOptions,
    scanner: Scanner | None,
    report: ScanReport,
) -> None:
    """Scan the regular files in scope among ``entries`` into ``report``, each inode once."""
    seen: set[tuple[int, int]] = set()
    for entry in entries:
        if isinstance(entry, WarningRecord):
            if in_scope(entry.path, options.scope):
                report.warn(entry)
            continue
        if entry.type != "f" or not in_scope(entry.path, options.scope):
            continue
        report.files_seen += 1
        if entry.size == 0:
            report.skip("empty")
            continue
        if entry.nlink > 1:
            key = (entry.dev, entry.inode)
            if key in seen:
                report.skip("hard link already scanned")
                continue
            seen.add(key)
        report.take(scan_entry(reader, entry, options, scanner), options.min_score)


# A unit of work: a folder to walk, or files already listed while planning.
Unit = str | list[FileStat]


def _zone_starts(fs: RootFS) -> list[str]:
    """The folders and files of the drop zones that exist in this root."""
    starts: list[str] = []
    for zone in DROP_ZONES:
        if zone.endswith("/"):
            starts.append(zone.rstrip("/"))
            continue
        parent, _, prefix = zone.rpartition("/")
        try:
            names = fs.listdir(parent or "/")
        except OSError:
            continue
        starts += [f"{parent}/{name}" for name in names if name.startswith(prefix)]
    return starts


def plan_units(
    fs: RootFS, options: ScanOptions, skip: Sequence[str], jobs: int
) -> tuple[list[Unit], list[WarningRecord]]:
    """Split the scan into units for ``jobs`` workers: subtrees, expanded until there are enough."""
    problems: list[WarningRecord] = []
    skipped = set(skip) | (set(LIVE_SKIP) if fs.is_live else set())
    pending: list[tuple[str, int]] = [(start, 0) for start in (["/"] if options.scope == "all" else _zone_starts(fs))]
    units: list[Unit] = []
    want = jobs * 8 if jobs > 1 else 1
    root_dev = fs.lstat("/").dev
    while pending:
        start, depth = pending.pop(0)
        try:
            top = fs.lstat(start)
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(WarningRecord(start, "unreadable", f"not scanned: {exc.strerror or exc}"))
            continue
        if top.type != "d":
            units.append([top])
            continue
        if len(units) + len(pending) + 1 >= want or depth >= 12:
            units.append(start)
            continue
        try:
            names = fs.listdir(start)
        except OSError as exc:
            problems.append(WarningRecord(start, "unreadable", f"folder not listed: {exc.strerror or exc}"))
            continue
        loose: list[FileStat] = [top] if start != "/" else []
        for name in names:
            path = ("" if start == "/" else start) + "/" + name
            try:
                child = fs.lstat(path)
            except OSError as exc:
                problems.append(WarningRecord(path, "vanished", f"gone while planning the scan: {exc.strerror or exc}"))
                continue
            if child.type != "d":
                loose.append(child)
            elif path in skipped:
                problems.append(WarningRecord(path, "skipped", "not entered (pseudo file system or excluded)"))
            elif child.dev != root_dev and not fs.is_live:
                problems.append(WarningRecord(path, "mount-point", "another file system is mounted here; not entered"))
            else:
                pending.append((path, depth + 1))
        if loose:
            units.append(loose)
    return units, problems


def fast_walk(
    fs: RootFS, start: str, skip: Sequence[str] = (), open_dirs: dict[str, int] | None = None
) -> Iterator[FileStat | WarningRecord]:
    """Like :meth:`RootFS.walk` (pre-order, sorted, never following symlinks, one file system,
    loops and depth bounded, trouble as warnings), but with ``scandir`` and ``fstatat`` instead of
    ``statx``: birth times are left out (``btime_ns=None``) and fetched later only for files that
    score (:meth:`RootReader.refresh`). A scan stats every file; this makes that cheap.

    ``open_dirs`` is kept up to date with the folders being walked and their fds, valid until
    the walk moves on, so a reader can open the file just yielded without resolving its path.
    """
    dirs: dict[str, int] = open_dirs if open_dirs is not None else {}
    skipped = set(skip) | (set(LIVE_SKIP) if fs.is_live else set())
    try:
        top = fs.lstat(start)
        top_fd = fs.open_dir(start)  # in-root resolution of the start folder
    except OSError as exc:
        yield WarningRecord(start, "unreadable", f"not scanned: {exc.strerror or exc}")
        return
    yield top
    stack: list[tuple[int, str, Iterator[tuple[str, os.stat_result | None, OSError | None]], tuple[int, int]]] = []
    on_stack: set[tuple[int, int]] = {(top.dev, top.inode)}

    def listing(fd: int, path: str) -> Iterator[tuple[str, os.stat_result | None, OSError | None]]:
        try:
            with os.scandir(fd) as entries:
                found = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            yield ("", None, exc)
            return
        for item in found:
            try:
                yield (item.name, item.stat(follow_symlinks=False), None)
            except OSError as exc:
                yield (item.name, None, exc)

    stack.append((top_fd, start, listing(top_fd, start), (top.dev, top.inode)))
    dirs[start] = top_fd
    try:
        while stack:
            dir_fd, dir_path, pending, key = stack[-1]
            item = next(pending, None)
            if item is None:
                dirs.pop(dir_path, None)
                os.close(dir_fd)
                stack.pop()
                on_stack.discard(key)
                continue
            name, info, error = item
            path = ("" if dir_path == "/" else dir_path) + "/" + name if name else dir_path
            if error is not None or info is None:
                kind = "vanished" if isinstance(error, FileNotFoundError) else "unreadable"
                yield WarningRecord(path, kind, str(error.strerror if error else "no metadata"))
                continue
            entry = FileStat(
                path,
                type_code(info.st_mode),
                info.st_mode,
                info.st_uid,
                info.st_gid,
                info.st_size,
                info.st_ino,
                info.st_nlink,
                info.st_dev,
                info.st_blocks,
                info.st_atime_ns,
                info.st_mtime_ns,
                info.st_ctime_ns,
                None,
                None,
            )
            yield entry
            if entry.type != "d":
                continue
            child_key = (entry.dev, entry.inode)
            if path in skipped:
                yield WarningRecord(path, "skipped", "not entered (pseudo file system or excluded)")
            elif entry.dev != top.dev:
                yield WarningRecord(path, "mount-point", "another file system is mounted here; not entered")
            elif child_key in on_stack:
                yield WarningRecord(path, "loop", "directory already being walked (bind mount loop)")
            elif len(stack) >= MAX_DEPTH:
                yield WarningRecord(path, "too-deep", f"directory tree deeper than {MAX_DEPTH} levels; not entered")
            else:
                try:
                    child_fd = os.open(name, _O_DIR | _O_NOATIME, dir_fd=dir_fd)
                except PermissionError:
                    try:
                        child_fd = os.open(name, _O_DIR, dir_fd=dir_fd)
                    except OSError as exc:
                        yield WarningRecord(path, "unreadable", f"folder not entered: {exc.strerror or exc}")
                        continue
                except OSError as exc:
                    yield WarningRecord(path, "unreadable", f"folder not entered: {exc.strerror or exc}")
                    continue
                stack.append((child_fd, path, listing(child_fd, path), child_key))
                on_stack.add(child_key)
                dirs[path] = child_fd
    finally:
        for frame in stack:
            dirs.pop(frame[1], None)
            os.close(frame[0])


def _run_unit(
    unit: Unit, source: Source, options: ScanOptions, scanner: Scanner | None, skip: Sequence[str]
) -> ScanReport:
    report = ScanReport()
    reader = reader_for(source)
    try:
        if isinstance(unit, str):
            fs = getattr(source, "fs")  # noqa: B009 - only RootSource units are planned
            walking = reader.walking if isinstance(reader, RootReader) else None
            _collect(fast_walk(fs, unit, skip, walking), reader, options, scanner, report)
        else:
            _collect(unit, reader, options, scanner, report)
    finally:
        reader.close()
    return report


def _worker_init(
    source: Source, options: ScanOptions, rules: bytes | None, engine: str | None, skip: Sequence[str]
) -> None:
    _WORKER["source"] = source
    _WORKER["options"] = options
    _WORKER["skip"] = skip
    _WORKER["scanner"] = (
        RuleSet.deserialize(engine, rules).scanner(options.timeout) if rules is not None and engine else None
    )


def _worker_unit(unit: Unit) -> ScanReport:
    return _run_unit(unit, _WORKER["source"], _WORKER["options"], _WORKER["scanner"], _WORKER["skip"])


def _jobs(options: ScanOptions) -> int:
    if options.jobs > 0:
        return options.jobs
    return max(1, min(4, os.cpu_count() or 1))


def scan_source(source: Source, options: ScanOptions, progress: Callable[[int], None] | None = None) -> ScanReport:
    """Scan every candidate file of ``source``; flagged files (score >= min_score) end up in the report.

    A root is split into subtrees that worker processes walk and scan on their
    own (walking is half the work); any other source is walked once, here.
    """
    report = ScanReport()
    fs = getattr(source, "fs", None)
    if not (isinstance(source, RootSource) and isinstance(fs, RootFS)):
        scanner = options.rules.scanner(options.timeout) if options.rules is not None else None
        _collect(source.walk(), SourceReader(source), options, scanner, report)
        report.verdicts.sort(key=lambda v: (-v.score, v.path))
        return report
    jobs = _jobs(options)
    skip = list(source.exclude) + list(options.skip)
    units, problems = plan_units(fs, options, skip, jobs)
    for problem in problems:
        report.warn(problem)
    if jobs <= 1 or len(units) <= 1:
        scanner = options.rules.scanner(options.timeout) if options.rules is not None else None
        for unit in units:
            report.merge(_run_unit(unit, source, options, scanner, skip))
            if progress is not None:
                progress(report.files_scanned)
    else:
        rules = options.rules.serialize() if options.rules is not None else None
        engine = options.rules.engine if options.rules is not None else None
        worker_options = ScanOptions(**{**options.__dict__, "rules": None})
        # fork: workers inherit the root's directory fd (used read-only through openat, no shared offsets).
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=get_context("fork"),
            initializer=_worker_init,
            initargs=(source, worker_options, rules, engine, skip),
        ) as pool:
            for part in pool.map(_worker_unit, units):
                report.merge(part)
                if progress is not None:
                    progress(report.files_scanned)
    report.verdicts.sort(key=lambda v: (-v.score, v.path))
    return report


def scan_path(
    source: Source, path: str, options: ScanOptions, scanner: Scanner | None = None
) -> tuple[FileVerdict | None, list[WarningRecord], str | None]:
    """One file, whatever its score (for ``--explain``)."""
    fs = getattr(source, "fs", None)
    entry: FileStat | None = None
    if isinstance(source, RootSource) and isinstance(fs, RootFS):
        try:
            entry = fs.lstat(path)
        except OSError:
            entry = None
    if entry is None:
        for item in source.walk():
            if isinstance(item, FileStat) and item.path == path:
                entry = item
                break
    if entry is None:
        return None, [WarningRecord(path, "vanished", "no such file in this source")], "missing"
    if entry.type != "f":
        return (
            None,
            [WarningRecord(path, "not-regular", f"type {entry.type!r}: only regular files are scanned")],
            "not a file",
        )
    if scanner is None and options.rules is not None:
        scanner = options.rules.scanner(options.timeout)
    reader = reader_for(source)
    try:
        verdict, _, warnings, skipped = scan_entry(reader, entry, options, scanner)
    finally:
        reader.close()
    return verdict, warnings, skipped
