"""Scanning files: YARA rules, hash and name IOCs, magic bytes and context, per file.

The walk of a :class:`~breachkit.sources.base.Source` picks the files to scan
(by default the places attackers drop things: web roots, temp folders, home
folders, /srv, /opt, /usr/local, spools and start-up folders; ``scope="all"``
for every regular file). Each file is opened and read once, through the source,
with a cap: files up to :attr:`ScanOptions.max_full` bytes are read whole,
larger ones are scanned in a head and a tail window and say so. The bytes read
go to the rules as they are; a file that nothing points at (no rule match, no
indicator, no heuristic) ends there, unhashed and unrecorded, which is nearly
every file. Files that score are hashed for their finding; every file is hashed
only when an allowlist, package checksums or hash IOCs need each digest. A hard
link is scanned once, under one of its paths. Files verified as known-good
(package checksums, a CMS allowlist) are hashed but not scanned. On two or more
cores the tree is shared out between worker processes in subtrees, each with
its own scanner; they send back only counts, warnings and the files that scored.
"""

from __future__ import annotations

import errno
import functools
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
    #: hard-linked files left unscanned while walking, until one path per inode is picked (:class:`LinkedFiles`)
    linked: list[FileStat] = field(default_factory=list)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def warn(self, record: WarningRecord, keep: int = 200) -> None:
        self.warning_count += 1
        if len(self.warnings) < keep:
            self.warnings.append(record)

    def take(self, result: tuple[FileVerdict | None, int, list[WarningRecord], str | None], min_score: int) -> None:
        """Count one :func:`scan_entry` result; keep the verdict when it scores ``min_score`` or more.

        A result without a skip reason is a scanned file, with or without a verdict.
        """
        verdict, read, warnings, skipped = result
        self.bytes_read += read
        for warning in warnings:
            self.warn(warning)
        if skipped is not None:
            self.skip(skipped)
        else:
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
        #: the file a running :func:`fast_walk` just opened and statted, by path (taken and closed here)
        self.opened: dict[str, int] = {}

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
        fd = self.opened.pop(entry.path, None)
        if fd is not None:
            return fd  # the entry was made from this fd's fstat: it is that regular file
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
            data = os.read(fd, want) if want <= _BLOCK else _read_up_to(fd, want)
            if len(data) == want and want <= limit:
                # grew since the walk: read on up to the cap so the verdict covers what is there now
                data += _read_up_to(fd, limit + 1 - want)
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


_BLOCK = 8 * MiB


def _read_up_to(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes from ``fd``, in blocks of at most :data:`_BLOCK`; fewer at the end of the file."""
    chunks = []
    while size > 0:
        block = os.read(fd, min(size, _BLOCK))
        if not block:
            break
        chunks.append(block)
        size -= len(block)
    return b"".join(chunks)


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


def hashes_up_front(options: ScanOptions) -> bool:
    """Whether every file needs its SHA-256 before it is judged (to skip verified files or match hash IOCs)."""
    return bool(options.known_good or options.allowlist or options.iocs.hashes)


def with_hashes(content: Content, options: ScanOptions) -> Content:
    """``content`` with the digests ``options`` ask for, computed now if not yet (never for partial content)."""
    if content.partial is not None or content.sha256 is not None:
        return content
    data = content.data
    # MD5 and SHA-1 only when an indicator list or a rule needs them: hashing is most of the per-file cost.
    return Content(
        data,
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data, usedforsecurity=False).hexdigest() if options.want_md5 else None,
        hashlib.sha1(data, usedforsecurity=False).hexdigest() if options.want_sha1 else None,
        None,
    )


def read_content(reader: SourceReader, entry: FileStat, options: ScanOptions, hashed: bool = True) -> Content:
    """The bytes to scan: the whole file when small enough, else head + tail windows.

    A whole file is hashed here when ``hashed`` (or MD5 is needed by the rules); otherwise
    :func:`with_hashes` hashes it later, only if it scores: most files never need a digest.
    """
    if entry.size <= options.max_full:
        data, truncated = reader.read(entry, options.max_full)
        if not truncated:
            whole = Content(data, None, None, None, None)
            return with_hashes(whole, options) if hashed or options.want_md5 else whole
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
    if value.isascii():  # nearly every name; a surrogate escape is never ASCII
        return value
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


@dataclass(frozen=True, slots=True)
class FolderFacts:
    """What a file's folder alone says about it: the same for every file in it."""

    web_root: bool
    #: an upload/images folder of a web root
    upload: bool
    temp: bool
    #: the first hidden folder on the way, if any
    hidden: str | None


@functools.lru_cache(maxsize=256)
def folder_facts(folder: str) -> FolderFacts:
    """:class:`FolderFacts` of ``folder`` (no trailing slash; ``""`` is the root).

    Worked out once a folder, as the walk yields a folder's files together. Every
    place pattern ends in ``/``, so ``"<folder>/"`` matches exactly when
    ``"<folder>/<name>"`` does.
    """
    prefix = folder + "/"
    web = ctx.in_web_root(prefix)
    return FolderFacts(
        web, web and ctx.UPLOAD_DIR.search(prefix) is not None, ctx.in_temp(prefix), ctx.hidden_folder(prefix)
    )


def metadata_signals(entry: FileStat) -> list[tuple[int, str]]:
    """Signals from the name and mode alone (also for files a bundle holds no copy of)."""
    found: list[tuple[int, str]] = []
    folder = folder_facts(entry.path.rpartition("/")[0])
    if folder.upload and ctx.SCRIPT_EXT.search(entry.path):
        found.append((50, f"{_UPLOAD_SCRIPT} of a web site: the web server runs it when asked"))
    if folder.temp and entry.mode & 0o111 and folder.hidden:
        found.append(
            (60, "an executable file in a hidden folder under a temp folder, where attackers park their tools")
        )
    if entry.mode & (stat.S_ISUID | stat.S_ISGID) and (folder.temp or folder.web_root):
        found.append((80, "a setuid/setgid file in a temp folder or web root: a way back to root"))
    return found


def file_signals(entry: FileStat, content: Content | None, options: ScanOptions) -> list[tuple[int, str]]:
    """(points, reason) from name, mode, magic bytes and IOCs: everything but rule matches and context."""
    signals = metadata_signals(entry)
    if content is not None and signals and _STUB.match(content.data[:4096]) and len(content.data) <= 4096:
        # "<?php // Silence is golden." placeholders that CMSes put in every folder run no code.
        signals = [s for s in signals if not s[1].startswith(_UPLOAD_SCRIPT)]
    if content is not None:
        # What follows the last dot, as a cheap first test: mismatch() takes the real extension.
        if entry.path.rpartition(".")[2].lower() in magic.EXPECTED:
            mismatch = magic.mismatch(entry.path, content.data[:4096])
            if mismatch is not None:
                weight = 75 if mismatch.executable else 20
                signals.append((weight, f"{mismatch.describe()}: a disguised file"))
        if options.iocs.hashes:
            # hash IOCs make every file hashed as it is read (hashes_up_front)
            hit = options.iocs.hash_hit(content.sha256, content.md5, content.sha1)
            if hit is not None:
                signals.append((100, f"its hash {hit[0]} is a known indicator: {hit[1]}"))
    if options.iocs.names:
        for ioc in options.iocs.name_hits(entry.path):
            signals.append(
                (ioc.score, f"its path matches the file-name indicator {ioc.pattern.pattern!r} ({ioc.origin})")
            )
    return signals


def judge(
    entry: FileStat,
    content: Content | None,
    matches: list[RuleMatch],
    options: ScanOptions,
    content_type: str | None = None,
    refresh: Callable[[FileStat], FileStat] | None = None,
    signals: list[tuple[int, str]] | None = None,
) -> FileVerdict:
    """Combine rule matches, IOCs, magic and context into one scored verdict.

    ``refresh`` completes the metadata (birth time) of a file that scored,
    when the walk left it out for speed; ``signals`` are :func:`file_signals`
    when the caller has them already. A file that scores is hashed here if it
    was not yet (:func:`with_hashes`).
    """
    if signals is None:
        signals = file_signals(entry, content, options)
    if content is not None and content_type is None:
        content_type = magic.content_type(content.data[:4096])
    points = sorted([m.score for m in matches] + [p for p, _ in signals], reverse=True)
    score = 0
    context: list[tuple[int, str]] = []
    if points:
        if content is not None:
            content = with_hashes(content, options)
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
    reader: SourceReader,
    entry: FileStat,
    options: ScanOptions,
    scanner: Scanner | None,
    quiet: bool = False,
    hashed: bool = True,
) -> tuple[FileVerdict | None, int, list[WarningRecord], str | None]:
    """(verdict, bytes read, warnings, skip reason) for one walk entry.

    With ``quiet``, a file that no rule, indicator or heuristic points at gets no verdict at all
    (``None`` and no skip reason: scanned, nothing to say); unless ``hashed`` (see
    :func:`hashes_up_front`) such a file is never hashed either: that is nearly every file, and
    building, hashing and scoring it was most of the time a scan took.
    """
    warnings: list[WarningRecord] = []
    try:
        content = read_content(reader, entry, options, hashed=not quiet or hashed)
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
        owner = options.context.user_names.get(entry.uid, str(entry.uid)) if "owner" in used else ""
        externals = externals_for(entry, content_type or "", content.md5, owner, used)
        try:
            matches = scanner.scan(content.data, externals)
        except ScanTimeout:
            warnings.append(
                WarningRecord(
                    entry.path, "rule-timeout", f"rules ran out of time after {options.timeout} s; partly scanned"
                )
            )
    signals = file_signals(entry, content, options)
    if quiet and not matches and not signals:
        return None, len(content.data), warnings, None
    verdict = judge(entry, content, matches, options, content_type, reader.refresh, signals)
    return verdict, len(content.data), warnings, None


# -- running it ---------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _collect(
    entries: Iterable[FileStat | WarningRecord],
    reader: SourceReader,
    options: ScanOptions,
    scanner: Scanner | None,
    report: ScanReport,
    linked: bool = True,
) -> None:
    """Scan the regular files in scope among ``entries`` into ``report``.

    Files with more than one link go to ``report.linked`` unscanned (unless ``linked`` is
    false: then they are already one path per inode), for :class:`LinkedFiles` to pick one
    path per inode among all units and workers.
    """
    quiet = options.min_score > 0
    hashed = hashes_up_front(options)
    for entry in entries:
        if isinstance(entry, WarningRecord):
            if in_scope(entry.path, options.scope):
                report.warn(entry)
            continue
        if entry.type != "f" or not in_scope(entry.path, options.scope):
            continue
        if entry.nlink > 1 and linked and entry.size > 0:
            report.linked.append(entry)
            continue
        report.files_seen += 1
        if entry.size == 0:
            report.skip("empty")
            continue
        report.take(scan_entry(reader, entry, options, scanner, quiet, hashed), options.min_score)


def link_rank(path: str) -> tuple[int, str]:
    """Which of a file's hard links to scan and report: the one in the first drop zone (web roots
    come first: where an attacker can call it), then the smallest path."""
    for index, zone in enumerate(DROP_ZONES):
        if path.startswith(zone):
            return index, path
    return len(DROP_ZONES), path


class LinkedFiles:
    """One path per hard-linked inode, whichever unit or worker listed it: each inode is read once.

    The path kept is the first by :func:`link_rank` (a web root before a temp folder, then the
    smallest), so the file reported does not depend on how the tree was shared out between
    workers. Memory grows with the number of hard-linked inodes (one entry each), as a set of
    the inodes seen would.
    """

    def __init__(self) -> None:
        self.kept: dict[tuple[int, int], FileStat] = {}
        self.others = 0

    def add(self, entries: Iterable[FileStat]) -> None:
        for entry in entries:
            key = (entry.dev, entry.inode)
            kept = self.kept.get(key)
            if kept is None:
                self.kept[key] = entry
                continue
            self.others += 1
            if link_rank(entry.path) < link_rank(kept.path):
                self.kept[key] = entry

    def batches(self, size: int) -> Iterator[list[FileStat]]:
        """The kept entries, by path, ``size`` at a time."""
        ordered = sorted(self.kept.values(), key=lambda entry: entry.path)
        self.kept = {}
        for start in range(0, len(ordered), size):
            yield ordered[start : start + size]

    def count_into(self, report: ScanReport) -> None:
        """The other paths of the inodes kept: seen, not scanned."""
        report.files_seen += self.others
        for _ in range(self.others):
            report.skip("hard link already scanned")
        self.others = 0


#: Units of work planned per worker: many small ones even out the end of a scan, when one worker
#: would otherwise still be busy with a big subtree while the others wait.
UNITS_PER_JOB = 32

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
    want = jobs * UNITS_PER_JOB if jobs > 1 else 1
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


def _file_stat(path: str, info: os.stat_result) -> FileStat:
    return FileStat(
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


def _open_listed(dir_fd: int, item: os.DirEntry[str]) -> tuple[int, os.stat_result] | None:
    """The file ``item`` names, opened as the reader would, if it is still the regular file listed; else ``None``.

    Whatever goes wrong here is left to the ordinary path (stat, then open when read), which reports it.
    """
    try:
        try:
            fd = os.open(item.name, _O_FILE | _O_NOATIME, dir_fd=dir_fd)
        except PermissionError:
            fd = os.open(item.name, _O_FILE, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
    except OSError:
        os.close(fd)
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_ino != item.inode():
        os.close(fd)
        return None
    return fd, info


#: A folder listing's item: name, entry, or the error that stopped the listing.
_Listed = tuple[str, "os.DirEntry[str] | None", "OSError | None"]


def fast_walk(
    fs: RootFS,
    start: str,
    skip: Sequence[str] = (),
    open_dirs: dict[str, int] | None = None,
    open_files: dict[str, int] | None = None,
) -> Iterator[FileStat | WarningRecord]:
    """Like :meth:`RootFS.walk` (pre-order, sorted, never following symlinks, one file system,
    loops and depth bounded, trouble as warnings), but with ``scandir`` and ``fstatat`` instead of
    ``statx``: birth times are left out (``btime_ns=None``) and fetched later only for files that
    score (:meth:`RootReader.refresh`). A scan stats every file; this makes that cheap.

    ``open_dirs`` is kept up to date with the folders being walked and their fds, valid until
    the walk moves on, so a reader can open the file just yielded without resolving its path.

    With ``open_files``, a regular file (by the listing's type) is opened right away
    (``O_NOFOLLOW | O_NONBLOCK | O_NOATIME``) and its entry made from ``fstat`` of that fd,
    which replaces the stat of the walk and the one a reader makes after opening: the fd waits
    in ``open_files`` under the entry's path until the walk moves on, and is closed then unless
    the reader took it (:meth:`RootReader.read`).
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
    stack: list[tuple[int, str, Iterator[_Listed], tuple[int, int]]] = []
    on_stack: set[tuple[int, int]] = {(top.dev, top.inode)}

    def listing(fd: int) -> Iterator[_Listed]:
        try:
            with os.scandir(fd) as entries:
                found = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            yield ("", None, exc)
            return
        for item in found:
            yield (item.name, item, None)

    stack.append((top_fd, start, listing(top_fd), (top.dev, top.inode)))
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
            name, listed, error = item
            path = ("" if dir_path == "/" else dir_path) + "/" + name if name else dir_path
            opened = None
            if listed is not None:
                if open_files is not None and listed.is_file(follow_symlinks=False):
                    opened = _open_listed(dir_fd, listed)
                if opened is None:
                    try:
                        info = listed.stat(follow_symlinks=False)
                    except OSError as exc:
                        error = exc
                else:
                    info = opened[1]
            if error is not None or listed is None:
                kind = "vanished" if isinstance(error, FileNotFoundError) else "unreadable"
                yield WarningRecord(path, kind, str(error.strerror if error else "no metadata"))
                continue
            entry = _file_stat(path, info)
            if opened is not None and open_files is not None:
                open_files[path] = opened[0]
                try:
                    yield entry
                finally:
                    fd = open_files.pop(path, None)
                    if fd is not None:
                        os.close(fd)
                continue
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
                stack.append((child_fd, path, listing(child_fd), child_key))
                on_stack.add(child_key)
                dirs[path] = child_fd
    finally:
        for frame in stack:
            dirs.pop(frame[1], None)
            os.close(frame[0])


def _run_unit(
    unit: Unit,
    source: Source,
    options: ScanOptions,
    scanner: Scanner | None,
    skip: Sequence[str],
    linked: bool = True,
) -> ScanReport:
    report = ScanReport()
    reader = reader_for(source)
    try:
        if isinstance(unit, str):
            fs = getattr(source, "fs")  # noqa: B009 - only RootSource units are planned
            if isinstance(reader, RootReader):
                walk = fast_walk(fs, unit, skip, reader.walking, reader.opened)
            else:
                walk = fast_walk(fs, unit, skip)
            _collect(walk, reader, options, scanner, report, linked)
        else:
            _collect(unit, reader, options, scanner, report, linked)
    finally:
        reader.close()
    return report


def _worker_init(source: Source, options: ScanOptions, rules: RuleSet | None, skip: Sequence[str]) -> None:
    _WORKER["source"] = source
    _WORKER["options"] = options
    _WORKER["skip"] = skip
    _WORKER["scanner"] = rules.scanner(options.timeout) if rules is not None else None


def _worker_unit(unit: Unit) -> ScanReport:
    """A planned unit; its hard-linked files come back unscanned in ``linked``."""
    return _run_unit(unit, _WORKER["source"], _WORKER["options"], _WORKER["scanner"], _WORKER["skip"])


def _worker_linked(files: list[FileStat]) -> ScanReport:
    """Hard-linked files, one path per inode, picked by the parent."""
    return _run_unit(files, _WORKER["source"], _WORKER["options"], _WORKER["scanner"], _WORKER["skip"], False)


def _jobs(options: ScanOptions) -> int:
    if options.jobs > 0:
        return options.jobs
    return max(1, min(4, os.cpu_count() or 1))


#: Hard-linked files handed to a worker at a time, once one path per inode has been picked.
LINK_BATCH = 256


def scan_source(source: Source, options: ScanOptions, progress: Callable[[int], None] | None = None) -> ScanReport:
    """Scan every candidate file of ``source``; flagged files (score >= min_score) end up in the report.

    A root is split into subtrees that worker processes walk and scan on their
    own (walking is half the work); any other source is walked once, here.
    Workers send back only the counts, the warnings and the files that
    scored, and their hard-linked files unscanned: one path per inode is
    picked from all of them (:class:`LinkedFiles`) and scanned last, so each
    inode is read once however the subtrees were shared out.
    """
    report = ScanReport()
    linked = LinkedFiles()

    def take(part: ScanReport) -> None:
        linked.add(part.linked)
        part.linked = []
        report.merge(part)
        if progress is not None:
            progress(report.files_scanned)

    fs = getattr(source, "fs", None)
    if not (isinstance(source, RootSource) and isinstance(fs, RootFS)):
        scanner = options.rules.scanner(options.timeout) if options.rules is not None else None
        reader = SourceReader(source)
        _collect(source.walk(), reader, options, scanner, report)
        linked.add(report.linked)
        report.linked = []
        for batch in linked.batches(LINK_BATCH):
            _collect(batch, reader, options, scanner, report, linked=False)
        linked.count_into(report)
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
            take(_run_unit(unit, source, options, scanner, skip))
        for batch in linked.batches(LINK_BATCH):
            take(_run_unit(batch, source, options, scanner, skip, linked=False))
    else:
        worker_options = ScanOptions(**{**options.__dict__, "rules": None})
        # fork: workers inherit the root's directory fd (used read-only through openat, no shared
        # offsets) and the compiled rules, with what is known about them (the externals they use).
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=get_context("fork"),
            initializer=_worker_init,
            initargs=(source, worker_options, options.rules, skip),
        ) as pool:
            for part in pool.map(_worker_unit, units):
                take(part)
            for part in pool.map(_worker_linked, linked.batches(LINK_BATCH)):
                take(part)
    linked.count_into(report)
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
        verdict, _, warnings, skipped = scan_entry(reader, entry, options, scanner)  # a verdict whatever the score
    finally:
        reader.close()
    return verdict, warnings, skipped
