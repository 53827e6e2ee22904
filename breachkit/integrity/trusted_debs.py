"""Expected file hashes re-derived from .deb archives, for when the local md5sums cannot be trusted.

An intruder with root can edit ``/var/lib/dpkg/info/*.md5sums`` to match a
trojaned binary, and debsums would call the system clean. ``--trusted-debs DIR``
takes the package archives themselves — downloaded on a clean machine for the
exact installed versions (``apt-get download pkg=version``, or
https://snapshot.debian.org) — and derives from them what every file should be:
SHA-256 and md5 of the content, size, mode, owner, mtime and symlink target.

A .deb is an ``ar`` archive (https://man7.org/linux/man-pages/man5/deb.5.html)
holding ``debian-binary``, ``control.tar[.gz|.xz|.zst]`` and
``data.tar[.gz|.xz|.bz2|.lzma|.zst]``. This reads them with ``tarfile`` in
streaming mode and never extracts anything; zstd members (Ubuntu >= 21.10)
need the ``zstandard`` module (``pip install zstandard``), and say so.
Decompression is capped (:data:`MAX_UNPACKED`) so a hostile archive cannot
exhaust memory or disk.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from breachkit.errors import UsageError
from breachkit.integrity.packages import DbProblem, ExpectedFile
from breachkit.integrity.packages.dpkg import DpkgDb, paragraphs

MAX_UNPACKED = 16 * 1024**3
AR_MAGIC = b"!<arch>\n"


class DebError(ValueError):
    """The archive is not a .deb this reader understands; the message says why."""


@dataclass(frozen=True, slots=True)
class DebFile:
    """One file or symlink inside a .deb's data.tar."""

    path: str
    kind: str  # "f" or "l"
    mode: int
    user: str
    group: str
    mtime: int
    size: int
    md5: str | None = None
    sha256: str | None = None
    link_to: str | None = None


@dataclass
class Deb:
    """A parsed .deb: its identity, conffiles and files."""

    path: Path
    package: str
    version: str
    arch: str
    conffiles: set[str] = field(default_factory=set)


def _ar_members(handle: IO[bytes]) -> Iterator[tuple[str, int]]:
    """(name, size) of each ar member; the handle is positioned at the member's data."""
    if handle.read(8) != AR_MAGIC:
        raise DebError("not an ar archive (a .deb starts with '!<arch>')")
    while True:
        header = handle.read(60)
        if not header:
            return
        if len(header) != 60 or header[58:60] != b"`\n":
            raise DebError("damaged ar member header")
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        try:
            size = int(header[48:58].decode("ascii").strip())
        except ValueError:
            raise DebError("damaged ar member size") from None
        start = handle.tell()
        yield name, size
        handle.seek(start + size + (size & 1))


class _Bounded(io.RawIOBase):
    """A window of ``size`` bytes of ``handle`` from its current position."""

    def __init__(self, handle: IO[bytes], size: int) -> None:
        self._handle = handle
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: min(len(buffer), self._left)]
        data = self._handle.read(len(view))
        view[: len(data)] = data
        self._left -= len(data)
        return len(data)


class _Capped(io.RawIOBase):
    """Stops (with :class:`DebError`) once more than ``cap`` decompressed bytes were read."""

    def __init__(self, inner: Any, cap: int) -> None:
        self._inner = inner
        self._left = cap

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise DebError(f"unpacks to more than {MAX_UNPACKED} bytes; refused as a possible compression bomb")
        memoryview(buffer)[: len(data)] = data
        return len(data)


def _tar(member: str, raw: IO[bytes]) -> tarfile.TarFile:
    """A streaming tar reader for a control/data member, whatever its compression."""
    if member.endswith(".zst"):
        raw = _zstd_reader(raw)
        member = member[:-4]
    elif member.endswith(".lzma"):
        import lzma

        raw = lzma.LZMAFile(raw, format=lzma.FORMAT_ALONE)  # noqa: SIM115 - closed with the tar reader
        member = member[:-5]
    capped = io.BufferedReader(_Capped(raw, MAX_UNPACKED), 1 << 20)
    # Streaming mode ("r|"): the archive is read once, front to back, never seeked or extracted.
    return tarfile.open(fileobj=capped, mode="r|*")


def _zstd_reader(raw: IO[bytes]) -> IO[bytes]:
    try:
        from compression import zstd  # type: ignore[import-not-found,unused-ignore]

        return zstd.ZstdFile(raw)  # type: ignore[no-any-return,unused-ignore]
    except ImportError:
        pass
    try:
        import zstandard  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise DebError("zstd-compressed .deb: install the 'zstandard' module (pip install zstandard)") from None
    return zstandard.ZstdDecompressor().stream_reader(raw)  # type: ignore[no-any-return,unused-ignore]


def read_control(path: Path) -> Deb:
    """Package, version, architecture and conffiles of a .deb (reads only its control member)."""
    with path.open("rb") as handle:
        for name, size in _ar_members(handle):
            if not name.startswith("control.tar"):
                continue
            fields: dict[str, str] = {}
            conffiles: set[str] = set()
            with _tar(name, _Bounded(handle, size)) as archive:  # type: ignore[arg-type]
                for info in archive:
                    base = os.path.normpath(info.name)
                    if base not in ("control", "conffiles") or not info.isfile():
                        continue
                    extracted = archive.extractfile(info)
                    data = extracted.read(1 << 20) if extracted else b""
                    if base == "control":
                        fields = next((f for _, f in paragraphs(data)), {})
                    else:
                        conffiles = {
                            line.strip()
                            for line in data.decode("utf-8", "surrogateescape").splitlines()
                            if line.strip()
                        }
            if not fields.get("Package"):
                raise DebError("control file has no Package field")
            return Deb(path, fields["Package"], fields.get("Version", ""), fields.get("Architecture", ""), conffiles)
    raise DebError("no control.tar member")


def read_files(deb: Deb) -> Iterator[DebFile]:
    """Every regular file and symlink in the .deb's data member, hashed as it streams by."""
    with deb.path.open("rb") as handle:
        for name, size in _ar_members(handle):
            if not name.startswith("data.tar"):
                continue
            with _tar(name, _Bounded(handle, size)) as archive:  # type: ignore[arg-type]
                hardlinks: dict[str, DebFile] = {}
                for info in archive:
                    path = "/" + os.path.normpath(info.name).lstrip("/")
                    if path == "/." or ".." in path.split("/"):
                        continue
                    mode, user, group = (
                        stat.S_IMODE(info.mode),
                        info.uname or str(info.uid),
                        info.gname or str(info.gid),
                    )
                    mtime = int(info.mtime)
                    if info.issym():
                        yield DebFile(path, "l", mode, user, group, mtime, len(info.linkname), link_to=info.linkname)
                    elif info.islnk():
                        target = hardlinks.get("/" + os.path.normpath(info.linkname).lstrip("/"))
                        if target is not None:
                            yield DebFile(path, "f", mode, user, group, mtime, target.size, target.md5, target.sha256)
                    elif info.isfile():
                        md5, sha = hashlib.md5(), hashlib.sha256()  # noqa: S324 - md5 is what dpkg records
                        stream = archive.extractfile(info)
                        while stream is not None:
                            block = stream.read(1 << 20)
                            if not block:
                                break
                            md5.update(block)
                            sha.update(block)
                        entry = DebFile(
                            path, "f", mode, user, group, mtime, info.size, md5.hexdigest(), sha.hexdigest()
                        )
                        hardlinks[path] = entry
                        yield entry
            return
    raise DebError("no data.tar member")


@dataclass
class TrustedExpectations:
    """What ``--trusted-debs`` found: expectations, packages it covered, and tampering it saw."""

    covered: set[str] = field(default_factory=set)
    problems: list[DbProblem] = field(default_factory=list)
    #: (package, path, md5 in the local md5sums, md5 in the .deb): the local database lies.
    md5sums_mismatches: list[tuple[str, str, str, str]] = field(default_factory=list)


def index_debs(folder: Path, problems: list[DbProblem]) -> dict[tuple[str, str, str], Deb]:
    """The .deb files under ``folder`` by (package, version, architecture)."""
    if not folder.is_dir():
        raise UsageError(f"--trusted-debs {folder} is not a folder of .deb files")
    found: dict[tuple[str, str, str], Deb] = {}
    for path in sorted(folder.rglob("*.deb")):
        try:
            deb = read_control(path)
        except (OSError, DebError, tarfile.TarError, EOFError) as exc:
            problems.append(DbProblem(str(path), None, f"unusable .deb: {exc}"))
            continue
        found[(deb.package, deb.version, deb.arch)] = deb
    return found


def trusted_files(dpkg: DpkgDb, folder: Path, result: TrustedExpectations) -> Iterator[ExpectedFile]:
    """Expectations for every installed package: from its .deb when one matches, else from the local md5sums.

    Local md5sums entries that disagree with the .deb are recorded in
    ``result.md5sums_mismatches``: the local database was altered (or the
    .deb is not the installed build).
    """
    debs = index_debs(folder, result.problems)
    covered = {p.name for p in dpkg.packages if (p.name, p.version, p.arch) in debs}
    local: dict[str, dict[str, str]] = {}
    for exp in dpkg.files():
        if exp.package not in covered:
            yield exp
            continue
        local.setdefault(exp.package, {})[exp.path] = exp.digest or ""
    for package in dpkg.packages:
        deb = debs.get((package.name, package.version, package.arch))
        if deb is None:
            continue
        result.covered.add(package.name)
        seen = local.get(package.name, {})
        try:
            for item in read_files(deb):
                target = dpkg.diverted(item.path, package.name)
                if item.path in seen and item.md5 and seen[item.path] != item.md5:
                    result.md5sums_mismatches.append((package.name, item.path, seen[item.path], item.md5))
                config = item.path in deb.conffiles
                yield ExpectedFile(
                    package.name,
                    target,
                    f"{deb.path}:{item.path}",
                    digest=item.sha256,
                    algorithm="sha256" if item.kind == "f" else None,
                    size=item.size if item.kind == "f" and not config else None,
                    mode=(stat.S_IFREG | item.mode) if item.kind == "f" and not config else None,
                    user=item.user,
                    group=item.group,
                    mtime=item.mtime if item.kind == "f" else None,
                    link_to=item.link_to,
                    config=config,
                )
        except (OSError, DebError, tarfile.TarError, EOFError) as exc:
            result.problems.append(DbProblem(str(deb.path), None, f"unusable .deb: {exc}"))
