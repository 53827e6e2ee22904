"""Hunt for a case's indicators on another host, in a bundle, or in backup archives.

What is swept (everything read-only, nothing extracted to disk):

* a root (``/`` or a mounted image) through :class:`~breachkit.sources.RootSource`, or an
  evidence bundle through :class:`~breachkit.sources.BundleSource` (files that were not
  copied into the bundle are matched by name and path only);
* backup archives: tar (plain, ``.gz``, ``.bz2``, ``.xz``; read as a stream with
  ``tarfile`` mode ``r|*``, https://docs.python.org/3/library/tarfile.html) and zip
  (``zipfile``, https://docs.python.org/3/library/zipfile.html). Member names are data:
  ``../../etc/passwd``, absolute names, names with control characters, links and device
  entries are matched and reported, never written, followed or opened. Reads are capped
  per member (:attr:`HuntLimits.member_bytes`) and per archive
  (:attr:`HuntLimits.archive_bytes`), which also stops compression bombs.

Each regular file is hashed once, streamed (SHA-256, and MD5/SHA-1 when the IOCs hold
them); its path is matched against attacker paths (also inside a backup that is rooted
elsewhere: ``site/htdocs/images/x.php`` matches ``/var/www/site/htdocs/images/x.php``),
file names and Loki file-name regexes; text files (no NUL byte in the first block) are
searched for the IP addresses, URLs, domains and user agents, up to
:attr:`HuntLimits.text_bytes` each; so are rotated logs compressed with gzip, bzip2 or xz,
as they are decompressed.

IOC files: the JSON or CSV that ``breachkit indicators`` writes (every kind), or Loki
``hash-iocs.txt`` / ``filename-iocs.txt`` files (see :mod:`breachkit.detect.iocs`).

A target is **clean** when nothing but weak hits (a common file name, an attacker path
holding different content) was found *and* everything in it was read; a target that
could not be read completely is **incomplete**, never clean.
"""

from __future__ import annotations

import bz2
import hashlib
import json
import lzma
import posixpath
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Literal

from breachkit.detect import iocs as loki
from breachkit.errors import UsageError
from breachkit.findings import Evidence, Finding, Severity
from breachkit.indicators import export
from breachkit.indicators.model import Indicator, severity_rank

Strength = Literal["strong", "medium", "weak"]
Status = Literal["clean", "infected", "incomplete"]
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".zip")
_CHUNK = 1 << 20
#: Files above this size whose allocated blocks are under an eighth of it are not read.
SPARSE_MIN = 64 << 20


@dataclass(frozen=True, slots=True)
class HuntLimits:
    """Caps that keep a hostile archive from hanging the sweep."""

    #: bytes of one member read (hashed); beyond it the member is reported as not fully read.
    #: High, because a tar stream has to be read through anyway to reach the next member.
    member_bytes: int = 16 << 30
    #: bytes of one text file searched for addresses, URLs and user agents.
    text_bytes: int = 64 << 20
    #: bytes read from one archive in all (uncompressed), the compression-bomb stop.
    archive_bytes: int = 64 << 30
    #: members of one archive.
    members: int = 5_000_000


@dataclass
class IocSet:
    """The loaded indicators, indexed for matching."""

    hashes: dict[str, Indicator] = field(default_factory=dict)
    #: host path -> indicator; and the same by file name for quick lookup.
    paths: dict[str, Indicator] = field(default_factory=dict)
    paths_by_name: dict[str, list[str]] = field(default_factory=dict)
    filenames: dict[str, Indicator] = field(default_factory=dict)
    name_regexes: list[loki.NameIoc] = field(default_factory=list)
    #: ip, url, domain and user-agent values searched in text.
    network: dict[str, Indicator] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add(self, item: Indicator) -> None:
        if item.kind in ("sha256", "sha1", "md5"):
            self.hashes[item.value.lower()] = item
        elif item.kind == "path":
            self.paths[item.value] = item
            self.paths_by_name.setdefault(item.value.rsplit("/", 1)[-1], []).append(item.value)
        elif item.kind == "filename":
            self.filenames[item.value] = item
        elif item.value:
            self.network[item.value] = item

    @property
    def count(self) -> int:
        return len(self.hashes) + len(self.paths) + len(self.filenames) + len(self.name_regexes) + len(self.network)

    def algorithms(self) -> set[str]:
        return {item.kind for item in self.hashes.values()}

    def text_pattern(self) -> re.Pattern[bytes] | None:
        if not self.network:
            return None
        parts = []
        for value in sorted(self.network, key=len, reverse=True):
            escaped = re.escape(value.encode("utf-8", "surrogateescape"))
            # An address must not be part of a longer one (1.2.3.4 inside 11.2.3.45).
            parts.append(b"(?<![0-9.])" + escaped + b"(?![0-9])" if self.network[value].kind == "ip" else escaped)
        return re.compile(b"|".join(parts))


def load_iocs(paths: Sequence[Path]) -> IocSet:
    """Load IOC files of any supported format; a file that cannot be used is a problem, not an error."""
    found = IocSet()
    for path in paths:
        try:
            text = Path(path).read_bytes()[: 256 << 20].decode("utf-8", "replace")
        except OSError as exc:
            found.problems.append(f"{path}: cannot read ({exc.strerror or exc})")
            continue
        found.sources.append(str(path))
        stripped = text.lstrip()
        try:
            if stripped.startswith("{"):
                items = export.load_json(stripped)
            elif stripped.startswith("kind,value"):
                items = export.load_csv(stripped)
            else:
                items = None
        except ValueError as exc:
            found.problems.append(f"{path}: {exc}")
            continue
        if items is not None:
            for item in items:
                found.add(item)
            continue
        legacy = loki.load([Path(path)])
        found.problems.extend(f"{p.file}:{p.line}: {p.detail}" for p in legacy.problems)
        for digest, comment in legacy.hashes.items():
            kind: Any = {32: "md5", 40: "sha1", 64: "sha256"}[len(digest)]
            found.add(Indicator(kind, digest, 0.8, "high", comment, source_check=f"iocs:{Path(path).name}"))
        found.name_regexes.extend(legacy.names)
    if not found.count:
        raise UsageError(
            "no usable indicators in the IOC files given; export some with 'breachkit indicators CASE --format json'"
        )
    return found


@dataclass(frozen=True, slots=True)
class Hit:
    """One indicator found in one member (file) of a target."""

    member: str
    kind: str
    value: str
    strength: Strength
    detail: str
    indicator: Indicator | None = None
    line: int | None = None
    sha256: str | None = None
    count: int = 1


@dataclass(frozen=True, slots=True)
class HuntWarning:
    member: str
    kind: str
    detail: str


@dataclass
class TargetResult:
    """What the sweep of one root, bundle or archive found."""

    label: str
    kind: Literal["root", "bundle", "archive"]
    path: str
    hits: list[Hit] = field(default_factory=list)
    warnings: list[HuntWarning] = field(default_factory=list)
    members: int = 0
    files_hashed: int = 0
    bytes_read: int = 0
    #: something could not be read: the verdict cannot be "clean".
    incomplete: bool = False
    mtime_ns: int | None = None
    #: a date found in the archive's name, UTC ns (a backup named by the day it was made).
    name_date_ns: int | None = None

    @property
    def status(self) -> Status:
        if any(hit.strength != "weak" for hit in self.hits):
            return "infected"
        return "incomplete" if self.incomplete else "clean"

    @property
    def made_ns(self) -> int | None:
        """When the backup was made: the date in its name, else its modification time."""
        return self.name_date_ns if self.name_date_ns is not None else self.mtime_ns

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind,
            "path": self.path,
            "status": self.status,
            "members": self.members,
            "files_hashed": self.files_hashed,
            "bytes_read": self.bytes_read,
            "incomplete": self.incomplete,
            "mtime_ns": self.mtime_ns,
            "name_date_ns": self.name_date_ns,
            "hits": [_hit_json(hit) for hit in self.hits],
            "warnings": [{"member": w.member, "kind": w.kind, "detail": w.detail} for w in self.warnings],
        }


def _hit_json(hit: Hit) -> dict[str, Any]:
    data: dict[str, Any] = {
        "member": hit.member,
        "kind": hit.kind,
        "value": hit.value,
        "strength": hit.strength,
        "detail": hit.detail,
        "count": hit.count,
    }
    if hit.line is not None:
        data["line"] = hit.line
    if hit.sha256:
        data["sha256"] = hit.sha256
    if hit.indicator is not None:
        data["indicator_reason"] = hit.indicator.reason
    return data


@dataclass(frozen=True, slots=True)
class HuntResult:
    targets: tuple[TargetResult, ...]
    iocs: IocSet

    @property
    def newest_clean(self) -> TargetResult | None:
        """The most recently made archive that is clean: the one to restore from."""
        clean = [t for t in self.targets if t.kind == "archive" and t.status == "clean"]
        return max(clean, key=lambda t: (t.made_ns or 0, t.path), default=None)

    def findings(self) -> list[Finding]:
        return list(findings(self))

    def to_json(self) -> dict[str, Any]:
        newest = self.newest_clean
        return {
            "iocs": {"files": self.iocs.sources, "count": self.iocs.count, "problems": self.iocs.problems},
            "targets": [t.to_json() for t in self.targets],
            "newest_clean": newest.path if newest else None,
            "findings": [f.to_json() for f in self.findings()],
        }


# -- members ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    """An entry of a target: its name as stored, its type, and how to read it (regular files only)."""

    name: str
    #: "f" regular file, "d", "l" symlink, "h" hard link, "o" other (device, FIFO …)
    type: str
    size: int
    opener: Callable[[], IO[bytes]] | None = None


def host_path(name: str) -> str:
    """A member name as a host path for matching: ``./var/x`` and ``/var/x`` both become ``/var/x``.

    ``..`` components are resolved as text (``../../etc/passwd`` -> ``/etc/passwd``): the
    name is only compared, never used to open anything.
    """
    return posixpath.normpath("/" + name.replace("\\", "/")).replace("//", "/")


# -- sweeping -------------------------------------------------------------------


class _Sweeper:
    def __init__(self, iocs: IocSet, limits: HuntLimits, target: TargetResult) -> None:
        self.iocs = iocs
        self.limits = limits
        self.target = target
        self.text_re = iocs.text_pattern()
        self.literals = [v.encode("utf-8", "surrogateescape") for v in iocs.network]
        self.longest = max((len(v) for v in self.literals), default=0)
        self.algorithms = iocs.algorithms()

    def member(self, member: Member) -> None:
        target = self.target
        target.members += 1
        path = host_path(member.name)
        self._match_names(member.name, path)
        if member.type != "f" or member.opener is None:
            return
        if target.bytes_read >= self.limits.archive_bytes:
            target.incomplete = True
            target.warnings.append(
                HuntWarning(member.name, "cap", "archive read cap reached; the rest was matched by name only")
            )
            member_opener = None
        else:
            member_opener = member.opener
        if member_opener is None:
            return
        try:
            with member_opener() as handle:
                self._content(member.name, path, handle)
        except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError, RuntimeError, ValueError) as exc:
            target.incomplete = True
            target.warnings.append(HuntWarning(member.name, "unreadable", f"{type(exc).__name__}: {exc}"))

    def _match_names(self, name: str, path: str) -> None:
        base = path.rsplit("/", 1)[-1]
        for indicator_path in self.iocs.paths_by_name.get(base, ()):
            if _same_tail(path, indicator_path):
                indicator = self.iocs.paths[indicator_path]
                # Strength is settled once the content is hashed (see _content); a non-file is medium.
                self.target.hits.append(
                    Hit(name, "path", indicator_path, "medium", f"an attacker path ({indicator_path})", indicator)
                )
        if base in self.iocs.filenames:
            indicator = self.iocs.filenames[base]
            self.target.hits.append(Hit(name, "filename", base, "weak", "an attacker file name", indicator))
        for ioc in self.iocs.name_regexes:
            if ioc.matches(path):
                strength: Strength = "medium" if ioc.score >= 70 else "weak"
                self.target.hits.append(
                    Hit(name, "name-regex", ioc.pattern.pattern, strength, f"file-name IOC {ioc.origin}")
                )

    def _content(self, name: str, path: str, handle: IO[bytes]) -> None:
        limits, target = self.limits, self.target
        digests = {"sha256": hashlib.sha256()}
        if "md5" in self.algorithms:
            digests["md5"] = hashlib.md5(usedforsecurity=False)
        if "sha1" in self.algorithms:
            digests["sha1"] = hashlib.sha1(usedforsecurity=False)
        cap = min(limits.member_bytes, max(0, limits.archive_bytes - target.bytes_read))
        read = 0
        is_text: bool | None = None
        tail = b""
        line = 1
        text_hits: dict[str, list[int]] = {}
        # Rotated logs are compressed: their text is searched as it is decompressed, capped.
        packed = _COMPRESSED_TEXT.get(posixpath.splitext(path)[1])
        unzip = _CompressedText(packed, limits.text_bytes) if self.text_re is not None and packed else None
        gz_tail = b""
        gz_line = 1
        while read <= cap:
            chunk = handle.read(min(_CHUNK, cap + 1 - read))
            if not chunk:
                break
            if read + len(chunk) > cap:
                chunk = chunk[: cap - read]
                read = cap + 1  # marks "more than the cap"
            else:
                read += len(chunk)
            for digest in digests.values():
                digest.update(chunk)
            if is_text is None:
                is_text = b"\0" not in chunk[:8192]
            if is_text and self.text_re is not None and read - len(chunk) < limits.text_bytes:
                line = self._search(chunk, tail, line, text_hits)
                tail = chunk[-self.longest :] if self.longest else b""
            if unzip is not None:
                plain = unzip.feed(chunk)
                if plain:
                    gz_line = self._search(plain, gz_tail, gz_line, text_hits)
                    gz_tail = plain[-self.longest :] if self.longest else b""
            if read > cap:
                break
        complete = read <= cap
        target.bytes_read += min(read, cap)
        if not complete:
            target.incomplete = True
            target.warnings.append(
                HuntWarning(name, "too-large", f"more than {cap} bytes; not fully hashed, so it could hide a match")
            )
        else:
            target.files_hashed += 1
        sha256 = digests["sha256"].hexdigest() if complete else None
        self._settle_paths(name, sha256)
        if complete:
            for algorithm, digest in digests.items():
                value = digest.hexdigest()
                indicator = self.iocs.hashes.get(value)
                if indicator is not None:
                    target.hits.append(
                        Hit(
                            name,
                            algorithm,
                            value,
                            "strong",
                            "content matches a known-bad hash",
                            indicator,
                            sha256=sha256,
                        )
                    )
        for value, lines in text_hits.items():
            kind = self.iocs.network[value].kind
            # Many clients send the same user agent: on its own it proves nothing.
            strength: Strength = "weak" if kind == "user-agent" else "medium"
            target.hits.append(
                Hit(
                    name,
                    kind,
                    value,
                    strength,
                    f"the attacker's {kind} appears in this file",
                    self.iocs.network[value],
                    line=lines[0],
                    count=len(lines),
                )
            )

    def _search(self, chunk: bytes, tail: bytes, line: int, found: dict[str, list[int]]) -> int:
        assert self.text_re is not None
        data = tail + chunk
        # A plain substring test per value (memchr-fast) before the regular expression, which
        # tries every alternative at every offset and is far slower on the common no-hit chunk.
        if not any(value in data for value in self.literals):
            return line + chunk.count(b"\n")
        # Matches lying wholly in the carried-over tail were counted with the previous chunk.
        current, counted = line - tail.count(b"\n"), 0
        for match in self.text_re.finditer(data):
            if match.end() <= len(tail):
                continue
            current += data.count(b"\n", counted, match.start())
            counted = match.start()
            value = match.group(0).decode("utf-8", "surrogateescape")
            if value in self.iocs.network:
                found.setdefault(value, []).append(current)
        return line + chunk.count(b"\n")

    def _settle_paths(self, name: str, sha256: str | None) -> None:
        """A path hit is strong when the content is the known-bad one, weak when it differs."""
        hits = self.target.hits
        for index in range(len(hits) - 1, -1, -1):
            hit = hits[index]
            if hit.member != name or hit.kind != "path" or hit.indicator is None:
                continue
            known = hit.indicator.sha256
            if known and sha256 == known:
                hits[index] = _replace(hit, "strong", "the attacker's file, same content", sha256)
            elif known and sha256 is not None:
                hits[index] = _replace(
                    hit, "weak", "an attacker path, but the content differs (likely the original file)", sha256
                )


#: Compressed rotated logs searched as they are decompressed, by suffix.
_COMPRESSED_TEXT = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}


class _CompressedText:
    """Decompresses a gzip, bzip2 or xz stream fed in pieces, up to ``budget`` bytes of text.

    Stops at binary content or damage (the hash still counts); goes on across concatenated
    streams (gzip members, ``bzip2`` and ``xz`` streams written one after another).
    """

    def __init__(self, kind: str, budget: int) -> None:
        self.kind = kind
        self.left = budget
        self.inflater: Any = self._new()
        self.checked = False

    def _new(self) -> Any:
        if self.kind == "gzip":
            return zlib.decompressobj(31)
        return bz2.BZ2Decompressor() if self.kind == "bzip2" else lzma.LZMADecompressor(lzma.FORMAT_XZ)

    def feed(self, data: bytes) -> bytes:
        out = b""
        while self.inflater is not None and self.left > 0 and (data or self._pending()):
            try:
                plain = self.inflater.decompress(data, self.left)
            except (zlib.error, OSError, EOFError, lzma.LZMAError):
                self.inflater = None  # not compressed after all, or damaged: the hash still counts
                break
            if not self.checked and plain:
                self.checked = True
                if b"\0" in plain[:8192]:
                    self.inflater = None
                    break
            self.left -= len(plain)
            out += plain
            if self.inflater.eof:  # one stream ended: the next one may follow
                data = self.inflater.unused_data
                self.inflater = self._new()
            elif self.kind == "gzip":
                data = self.inflater.unconsumed_tail
            else:
                data = b""  # bz2 and lzma keep unread input themselves
        return out

    def _pending(self) -> bool:
        """bz2 and lzma hold input back when the output limit was reached."""
        return self.kind != "gzip" and not self.inflater.needs_input and not self.inflater.eof


def _replace(hit: Hit, strength: Strength, detail: str, sha256: str | None) -> Hit:
    return Hit(hit.member, hit.kind, hit.value, strength, detail, hit.indicator, hit.line, sha256, hit.count)


def _same_tail(path: str, indicator: str) -> bool:
    """True when one path ends with the other (two components at least), or they end in the same three."""
    mine = [p for p in path.split("/") if p]
    theirs = [p for p in indicator.split("/") if p]
    shared = 0
    while shared < min(len(mine), len(theirs)) and mine[-1 - shared] == theirs[-1 - shared]:
        shared += 1
    if shared == min(len(mine), len(theirs)):
        return shared >= 2 or len(mine) == len(theirs)
    # A backup of one site under its own top folder: "shop-backup/htdocs/images/x.php".
    return shared >= 3


def sweep_source(
    source: Any, kind: Literal["root", "bundle"], iocs: IocSet, limits: HuntLimits | None = None
) -> TargetResult:
    """Sweep a :class:`~breachkit.sources.RootSource` or :class:`~breachkit.sources.BundleSource`."""
    from breachkit.host.records import WarningRecord

    target = TargetResult(label=str(source.label), kind=kind, path=str(getattr(source, "path", source.label)))
    sweeper = _Sweeper(iocs, limits or HuntLimits(), target)
    fs = source.fs
    copied = _bundle_copies(source) if kind == "bundle" else None
    for record in source.walk():
        if isinstance(record, WarningRecord):
            target.warnings.append(HuntWarning(record.path, record.kind, record.detail))
            continue
        opener = None
        if record.type == "f" and (copied is None or record.path in copied):
            if record.size > SPARSE_MIN and record.blocks * 512 < record.size // 8:
                # Mostly holes (a 1 TB sparse file reads as zeros for hours): matched by name only.
                target.warnings.append(
                    HuntWarning(record.path, "sparse", f"{record.size} bytes, mostly holes; not hashed")
                )
            else:
                opener = _fs_opener(fs, record.path)
        sweeper.member(Member(record.path, record.type, record.size, opener))
    if copied is not None:
        target.warnings.append(
            HuntWarning(
                "(bundle)", "metadata-only", "files not copied into the bundle were matched by name and path only"
            )
        )
    return target


def _bundle_copies(source: Any) -> set[str]:
    out: set[str] = set()
    for _, data in source.records("copied.jsonl"):
        if data is not None and isinstance(data.get("path"), str) and not data.get("truncated"):
            out.add(str(data["path"]))
    return out


def _fs_opener(fs: Any, path: str) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        handle: IO[bytes] = fs.open_file(path, follow=False)
        return handle

    return opener


def sweep_archive(path: Path, iocs: IocSet, limits: HuntLimits | None = None) -> TargetResult:
    """Sweep one tar or zip backup, streamed, without extracting it."""
    path = Path(path)
    limits = limits or HuntLimits()
    target = TargetResult(label=path.name, kind="archive", path=str(path))
    try:
        target.mtime_ns = path.stat().st_mtime_ns
    except OSError as exc:
        target.incomplete = True
        target.warnings.append(HuntWarning(str(path), "unreadable", f"cannot stat: {exc.strerror or exc}"))
        return target
    target.name_date_ns = date_in_name(path.name)
    sweeper = _Sweeper(iocs, limits, target)
    try:
        is_zip = zipfile.is_zipfile(path)
        members = _zip_members(path) if is_zip else _tar_members(path)
        for number, member in enumerate(members, 1):
            if number > limits.members:
                target.incomplete = True
                target.warnings.append(HuntWarning(member.name, "cap", f"more than {limits.members} members; stopped"))
                break
            budget = min(limits.member_bytes, limits.archive_bytes - target.bytes_read)
            if member.type == "f" and member.size > budget and not is_zip:
                # Getting past this member in a compressed stream means decompressing all of
                # it (a header can claim a terabyte): match its name, then stop here.
                sweeper.member(Member(member.name, "o", member.size))
                target.incomplete = True
                target.warnings.append(
                    HuntWarning(
                        member.name,
                        "too-large",
                        f"claims {member.size} bytes, over the read cap of {budget}; the archive was not read past it",
                    )
                )
                break
            sweeper.member(member)
            if not is_zip and target.bytes_read >= limits.archive_bytes:
                target.incomplete = True
                target.warnings.append(HuntWarning(member.name, "cap", "archive read cap reached; stopped"))
                break
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError, ValueError, RuntimeError) as exc:
        target.incomplete = True
        target.warnings.append(
            HuntWarning(str(path), "unreadable", f"archive cannot be read on: {type(exc).__name__}: {exc}")
        )
    return target


def _tar_members(path: Path) -> Iterator[Member]:
    # "r|*": a forward-only stream; members are read in order and never extracted.
    with path.open("rb") as raw, tarfile.open(fileobj=raw, mode="r|*") as tar:
        for info in tar:
            if info.isreg():
                # In stream mode the member's data is only readable now, before the next member.
                yield Member(info.name, "f", info.size, _tar_opener(tar, info))
            elif info.isdir():
                yield Member(info.name, "d", 0)
            elif info.issym():
                yield Member(info.name, "l", 0)
            elif info.islnk():
                yield Member(info.name, "h", 0)
            else:
                yield Member(info.name, "o", 0)


def _tar_opener(tar: tarfile.TarFile, info: tarfile.TarInfo) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        handle = tar.extractfile(info)
        if handle is None:
            raise OSError("member has no data")
        return handle

    return opener


def _zip_members(path: Path) -> Iterator[Member]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            mode = info.external_attr >> 16
            if info.is_dir():
                yield Member(info.filename, "d", 0)
            elif mode and stat.S_ISLNK(mode):
                yield Member(info.filename, "l", 0)  # its "content" is a link target: never followed
            elif stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # many zip writers leave the type bits 0
                yield Member(info.filename, "o", 0)
            elif info.flag_bits & 0x1:
                yield Member(info.filename, "f", info.file_size, _refuse("encrypted member; cannot be checked"))
            else:
                yield Member(info.filename, "f", info.file_size, _zip_opener(archive, info))


def _zip_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        return archive.open(info)

    return opener


def _refuse(why: str) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        raise OSError(why)

    return opener


_NAME_DATE = re.compile(
    r"(?<!\d)(20\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?:[T_-]?([01]\d|2[0-3])[-:]?([0-5]\d)(?:[-:]?([0-5]\d))?)?(?!\d)"
)


def date_in_name(name: str) -> int | None:
    """UTC ns of a date (and time) in a backup's name: ``www-2026-11-20.tar.gz``, ``db_20261120-0300.zip``."""
    match = _NAME_DATE.search(name)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:
        return None
    return int(moment.timestamp()) * 1_000_000_000


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def hunt(
    iocs: IocSet,
    *,
    root: str | None = None,
    bundle: str | None = None,
    archives: Sequence[Path] = (),
    limits: HuntLimits | None = None,
) -> HuntResult:
    """Sweep a root, a bundle and/or archives with ``iocs``."""
    from breachkit.sources import BundleSource, RootSource

    targets: list[TargetResult] = []
    if root is not None:
        root_source = RootSource(root)
        try:
            targets.append(sweep_source(root_source, "root", iocs, limits))
        finally:
            root_source.close()
    if bundle is not None:
        bundle_source = BundleSource(Path(bundle))
        try:
            targets.append(sweep_source(bundle_source, "bundle", iocs, limits))
        finally:
            bundle_source.close()
    for archive in archives:
        if not Path(archive).is_file():
            raise UsageError(f"{archive} is not a file; give a .tar, .tar.gz, .tgz, .tar.xz, .tar.bz2 or .zip backup")
        targets.append(sweep_archive(Path(archive), iocs, limits))
    return HuntResult(tuple(targets), iocs)


_STRENGTH_SEVERITY = {"strong": None, "medium": Severity.HIGH, "weak": Severity.LOW}


def findings(result: HuntResult) -> Iterator[Finding]:
    """One finding per member with hits, and the verdict on the archives."""
    for target in result.targets:
        by_member: dict[str, list[Hit]] = {}
        for hit in target.hits:
            by_member.setdefault(hit.member, []).append(hit)
        for member, hits in by_member.items():
            strongest = min(hits, key=lambda h: ("strong", "medium", "weak").index(h.strength))
            severity = _STRENGTH_SEVERITY[strongest.strength]
            if severity is None:
                indicator = strongest.indicator
                severity = Severity(max(Severity.HIGH, severity_rank(indicator.severity) if indicator else 3))
            yield Finding(
                check="hunt.hit",
                title=f"Indicator found in {target.label}: {member}",
                severity=severity,
                confidence={"strong": 0.95, "medium": 0.7, "weak": 0.3}[strongest.strength],
                reason="; ".join(sorted({f"{h.kind} {h.value}: {h.detail}" for h in hits}))[:2000],
                evidence=tuple(
                    Evidence(
                        path=member,
                        line=h.line,
                        sha256=h.sha256,
                        excerpt=h.value,
                        note=f"{target.kind} {target.path}; {h.strength} {h.kind} hit"
                        + (f" ({h.count} times)" if h.count > 1 else "")
                        + (f"; indicator: {h.indicator.reason}" if h.indicator else ""),
                    )
                    for h in hits
                ),
                next_step=(
                    "treat this copy as compromised: do not restore from it; check older copies"
                    if target.kind == "archive"
                    else "examine this host as compromised too: run 'breachkit triage' on it"
                )
                if strongest.strength != "weak"
                else "look at the file: the match alone is a weak sign",
            )
    archives = [t for t in result.targets if t.kind == "archive"]
    if not archives:
        return
    newest = result.newest_clean
    if newest is not None:
        yield Finding(
            check="hunt.newest-clean",
            title=f"Newest clean backup: {newest.label}",
            severity=Severity.INFO,
            confidence=0.8,
            reason=(
                f"none of the {result.iocs.count} indicators was found in it; "
                f"{newest.files_hashed} files hashed, {newest.members} entries checked"
            ),
            evidence=(Evidence(path=newest.path, note=_made(newest)),),
            next_step="restore data from this backup onto a rebuilt system, then hunt again on the restored system",
        )
    else:
        yield Finding(
            check="hunt.no-clean-backup",
            title="No backup checked is clean",
            severity=Severity.HIGH,
            confidence=0.8,
            reason="every archive either holds an indicator or could not be read completely",
            evidence=tuple(Evidence(path=t.path, note=f"{t.status}; {_made(t)}") for t in archives),
            next_step="check older backups, or rebuild from installation media and restore data selectively",
        )


def _made(target: TargetResult) -> str:
    if target.made_ns is None:
        return "date unknown"
    when = datetime.fromtimestamp(target.made_ns / 1e9, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"made {when} ({'date in its name' if target.name_date_ns is not None else 'file modification time'})"


def write_json(result: HuntResult, out: Path) -> None:
    out.write_text(json.dumps(result.to_json(), ensure_ascii=True, indent=2, sort_keys=True) + "\n", encoding="ascii")
