"""The dpkg database: installed packages, their files and the md5 sums they shipped with.

Lives in ``/var/lib/dpkg/``: ``status`` (RFC 822-style paragraphs; ``Status``
says whether a package is installed, ``Conffiles`` lists configuration files
with their md5 at install time), ``info/<package>[:<arch>].md5sums`` (``<md5>
<path without leading slash>`` per line, two spaces between, for every
non-conffile the package shipped), ``info/<package>[:<arch>].list`` (every path
the package owns) and ``diversions`` (``dpkg-divert``: triples of lines
*original path*, *diverted-to path*, *diverting package* — the original
package's file then lives at the diverted-to path). Formats:
https://man7.org/linux/man-pages/man5/deb-md5sums.5.html,
https://man7.org/linux/man-pages/man1/dpkg-query.1.html (status fields),
https://man7.org/linux/man-pages/man1/dpkg-divert.1.html.

Handled: dpkg 1.16+ (multi-arch names ``pkg:arch``), packages without md5sums
(reported), corrupt lines (reported with file and line; the rest is used).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from breachkit.integrity.packages import DbProblem, ExpectedFile, Package, PackageDb
from breachkit.sources.base import Source

DPKG = "/var/lib/dpkg"
STATUS = DPKG + "/status"
INFO = DPKG + "/info"
CAP = 256 * 1024 * 1024
#: Package states in which the package's files are on disk.
ON_DISK = {"installed", "half-configured", "unpacked", "triggers-awaited", "triggers-pending", "half-installed"}
_HEX = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class DpkgDb(PackageDb):
    """The dpkg database of one source."""

    source: Source | None = None
    #: package key (``name`` or ``name:arch``) -> info file stem.
    stems: dict[str, str] = field(default_factory=dict)
    conffiles: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: original path -> (diverted-to path, diverting package)
    diversions: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: package key -> ``Installed-Size`` (KiB) from the status file: how much a package costs to verify.
    installed_kib: dict[str, int] = field(default_factory=dict)

    def package_files(self, package: Package, include_config: bool = True) -> Iterator[ExpectedFile]:
        """:meth:`files` of one package (its md5sums entries, then its conffiles if ``include_config``)."""
        assert self.source is not None
        stem = self.stems.get(_key(package))
        if stem is not None:
            yield from self._md5sums(package, stem)
        if not include_config:
            return
        for path, digest in self.conffiles.get(_key(package), []):
            yield ExpectedFile(
                package.name,
                self.diverted(path, package.name),
                f"{STATUS} (Conffiles of {package.name})",
                digest=digest,
                algorithm="md5",
                config=True,
            )

    def files(self) -> Iterator[ExpectedFile]:
        """Every file with a checksum, package by package: md5sums entries, then conffiles (``config=True``)."""
        for package in self.packages:
            yield from self.package_files(package)

    def _md5sums(self, package: Package, stem: str) -> Iterator[ExpectedFile]:
        assert self.source is not None
        origin = f"{INFO}/{stem}.md5sums"
        try:
            data, truncated = self.source.read_bytes(origin, CAP)
        except OSError as exc:
            self.problems.append(DbProblem(origin, None, f"unreadable: {exc.strerror or exc}"))
            return
        if truncated:
            self.problems.append(DbProblem(origin, None, f"larger than {CAP} bytes; only the start was read"))
        for number, raw in enumerate(data.split(b"\n"), 1):
            if not raw.strip():
                continue
            parsed = parse_md5sums_line(raw)
            if parsed is None:
                self.problems.append(DbProblem(origin, number, "not an '<md5>  <path>' line"))
                continue
            digest, path = parsed
            yield ExpectedFile(
                package.name,
                self.diverted(path, package.name),
                f"{origin}:{number}",
                digest=digest,
                algorithm="md5",
            )

    def diverted(self, path: str, package: str) -> str:
        """Where ``package``'s file ``path`` really is, given dpkg-divert."""
        found = self.diversions.get(path)
        if found is None or found[1] == package:
            return path
        return found[0]

    def owned_paths(self) -> Iterator[str]:
        """Every path some package owns (from the ``.list`` files) and every diversion target."""
        assert self.source is not None
        for package in self.packages:
            stem = self.stems.get(_key(package)) or self._list_stem(package)
            if stem is None:
                continue
            origin = f"{INFO}/{stem}.list"
            try:
                data, _ = self.source.read_bytes(origin, CAP)
            except OSError:
                continue
            for raw in data.split(b"\n"):
                if raw.startswith(b"/"):
                    yield raw.decode("utf-8", "surrogateescape")
        for target, _package in self.diversions.values():
            yield target

    def _list_stem(self, package: Package) -> str | None:
        assert self.source is not None
        for stem in (f"{package.name}:{package.arch}", package.name):
            try:
                self.source.read_bytes(f"{INFO}/{stem}.list", 0)
            except OSError:
                continue
            return stem
        return None


def _key(package: Package) -> str:
    return f"{package.name}:{package.arch}"


def parse_md5sums_line(raw: bytes) -> tuple[str, str] | None:
    """``(md5, /path)`` from one md5sums line, or ``None`` when it is not one."""
    parts = raw.rstrip(b"\r").split(None, 1)
    if len(parts) != 2:
        return None
    digest = parts[0].decode("ascii", "replace").lower()
    if not _HEX.match(digest):
        return None
    name = parts[1].lstrip(b"*").decode("utf-8", "surrogateescape")
    if not name or name.startswith("../") or "/../" in name:
        return None
    return digest, "/" + name.lstrip("/")


def paragraphs(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(first line number, fields) of each paragraph of a dpkg control-style file."""
    fields: dict[str, str] = {}
    start = 1
    last: str | None = None
    for number, raw in enumerate(data.decode("utf-8", "surrogateescape").split("\n"), 1):
        if not raw.strip():
            if fields:
                yield start, fields
            fields, last, start = {}, None, number + 1
            continue
        if raw[0] in " \t":
            if last is not None:
                fields[last] += "\n" + raw.strip()
            continue
        name, sep, value = raw.partition(":")
        if not sep:
            continue
        last = name.strip()
        fields[last] = value.strip()
    if fields:
        yield start, fields


def load(source: Source) -> DpkgDb | None:
    """The dpkg database of ``source``, or ``None`` when it has none."""
    try:
        status, truncated = source.read_bytes(STATUS, CAP)
    except OSError:
        return None
    db = DpkgDb("dpkg", source=source)
    if truncated:
        db.problems.append(DbProblem(STATUS, None, f"larger than {CAP} bytes; only the start was read"))
    try:
        info_names = set(source.listdir(INFO))
    except OSError as exc:
        info_names = set()
        db.problems.append(DbProblem(INFO, None, f"unreadable: {exc.strerror or exc}"))
    for line, fields in paragraphs(status):
        name = fields.get("Package")
        state = fields.get("Status", "").split()
        if not name or len(state) != 3:
            if name or fields.get("Status"):
                db.problems.append(DbProblem(STATUS, line, "paragraph without a valid Package/Status"))
            continue
        if state[2] not in ON_DISK:
            continue
        arch = fields.get("Architecture", "")
        stem = next((s for s in (f"{name}:{arch}", name) if f"{s}.md5sums" in info_names), None)
        package = Package("dpkg", name, fields.get("Version", ""), arch, has_digests=stem is not None)
        db.packages.append(package)
        if stem is not None:
            db.stems[_key(package)] = stem
        size = fields.get("Installed-Size", "")
        if size.isdigit():
            db.installed_kib[_key(package)] = int(size)
        conf: list[tuple[str, str]] = []
        for number, entry in enumerate(fields.get("Conffiles", "").split("\n")):
            words = entry.split()
            if not words:
                continue
            if len(words) < 2 or not words[0].startswith("/"):
                db.problems.append(DbProblem(STATUS, line, f"bad Conffiles entry {number + 1} of {name}"))
                continue
            if "obsolete" in words[2:] or words[1] == "newconffile":
                continue
            if _HEX.match(words[1]):
                conf.append((words[0], words[1]))
        if conf:
            db.conffiles[_key(package)] = conf
    _load_diversions(source, db)
    return db


def _load_diversions(source: Source, db: DpkgDb) -> None:
    try:
        data, _ = source.read_bytes(DPKG + "/diversions", CAP)
    except OSError:
        return
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) % 3:
        db.problems.append(DbProblem(DPKG + "/diversions", len(lines), "not a whole number of 3-line entries"))
    for index in range(0, len(lines) - 2, 3):
        original, target, package = lines[index : index + 3]
        db.diversions[original] = (target, package)
