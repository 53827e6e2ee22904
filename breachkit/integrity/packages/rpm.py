"""The rpm database, read in Python without rpm: installed packages and their files' digests.

Looked for at ``/var/lib/rpm/`` and ``/usr/lib/sysimage/rpm/``, in this order of
preference when a folder holds more than one (a conversion can leave the old
file behind): ``rpmdb.sqlite`` (rpm >= 4.16: Fedora >= 33, RHEL/Rocky/Alma >= 9,
openSUSE Tumbleweed; its ``Packages`` table, read through sqlite from a private
copy), ``Packages.db`` (the NDB backend of SUSE: openSUSE Leap 15, SLE 15;
:mod:`breachkit.integrity.packages.ndb`) and ``Packages`` (Berkeley DB hash,
rpm <= 4.15: RHEL/CentOS <= 8, Amazon Linux 2, Fedora <= 32, older SUSE;
:mod:`breachkit.integrity.packages.bdb`). All three hold one header blob per
package; which one was read is part of :attr:`RpmDb.manager` (``rpm (Berkeley
DB)``) and every problem names the file and the page or offset.

A header blob (https://rpm-software-management.github.io/rpm/manual/format_v4.html,
"Header structure"; no lead and no magic in the database) is: big-endian
int32 index count ``il``, int32 data size ``dl``, ``il`` index entries of four
int32 (tag, type, offset, count), then ``dl`` bytes of data. The tags used:
NAME 1000, VERSION 1001, RELEASE 1002, EPOCH 1003, ARCH 1022, FILESIZES 1028,
FILEMODES 1030, FILEMTIMES 1034, FILEDIGESTS 1035, FILELINKTOS 1036,
FILEFLAGS 1037, FILEUSERNAME 1039, FILEGROUPNAME 1040, DIRINDEXES 1116,
BASENAMES 1117, DIRNAMES 1118, LONGFILESIZES 5008, FILECAPS 5010,
FILEDIGESTALGO 5011 (1 md5, 2 sha1, 8 sha256, 9 sha384, 10 sha512; md5 when absent).
"""

from __future__ import annotations

import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from breachkit.integrity.packages import DbProblem, ExpectedFile, Package, PackageDb, bdb, ndb
from breachkit.sources.base import Source

LOCATIONS = ("/var/lib/rpm", "/usr/lib/sysimage/rpm")
CAP = 2 * 1024**3
#: A real system has a few thousand packages; a hostile file must not make millions of records.
MAX_PACKAGES = 100_000
#: Problems listed per database; the rest are counted in the last entry.
MAX_PROBLEMS = 1000

TAG_NAME, TAG_VERSION, TAG_RELEASE, TAG_EPOCH, TAG_ARCH = 1000, 1001, 1002, 1003, 1022
TAG_FILESIZES, TAG_FILEMODES, TAG_FILEMTIMES, TAG_FILEDIGESTS = 1028, 1030, 1034, 1035
TAG_FILELINKTOS, TAG_FILEFLAGS, TAG_FILEUSERNAME, TAG_FILEGROUPNAME = 1036, 1037, 1039, 1040
TAG_DIRINDEXES, TAG_BASENAMES, TAG_DIRNAMES = 1116, 1117, 1118
TAG_LONGFILESIZES, TAG_FILECAPS, TAG_FILEDIGESTALGO = 5008, 5010, 5011

TYPE_CHAR, TYPE_INT8, TYPE_INT16, TYPE_INT32, TYPE_INT64 = 1, 2, 3, 4, 5
TYPE_STRING, TYPE_BIN, TYPE_STRING_ARRAY, TYPE_I18NSTRING = 6, 7, 8, 9

RPMFILE_CONFIG = 1 << 0
RPMFILE_GHOST = 1 << 6
DIGEST_ALGOS = {1: "md5", 2: "sha1", 8: "sha256", 9: "sha384", 10: "sha512", 11: "sha224"}
_INT = {TYPE_CHAR: ("B", 1), TYPE_INT8: ("B", 1), TYPE_INT16: ("H", 2), TYPE_INT32: ("I", 4), TYPE_INT64: ("Q", 8)}


class HeaderError(ValueError):
    """A header blob is malformed; the message says where."""


def parse_header(blob: bytes) -> dict[int, Any]:
    """The tags of one header blob: ints as lists, strings as str, string arrays as lists, binary as bytes."""
    if len(blob) < 8:
        raise HeaderError("shorter than a header")
    il, dl = struct.unpack_from(">II", blob, 0)
    store = 8 + 16 * il
    if il > 0x10000 or dl > 0x10000000 or store + dl > len(blob):
        raise HeaderError(f"index count {il} / data size {dl} do not fit the {len(blob)}-byte blob")
    tags: dict[int, Any] = {}
    for number in range(il):
        tag, kind, offset, count = struct.unpack_from(">iIiI", blob, 8 + 16 * number)
        if offset < 0 or offset > dl or count > dl + 1:
            raise HeaderError(f"tag {tag}: offset {offset} / count {count} outside the data")
        start = store + offset
        end = store + dl
        if kind in _INT:
            code, size = _INT[kind]
            if start + size * count > end:
                raise HeaderError(f"tag {tag}: {count} values run past the data")
            tags[tag] = list(struct.unpack_from(f">{count}{code}", blob, start))
        elif kind in (TYPE_STRING, TYPE_STRING_ARRAY, TYPE_I18NSTRING):
            values = []
            pos = start
            for _ in range(count if kind != TYPE_STRING else 1):
                nul = blob.find(b"\0", pos, end)
                if nul < 0:
                    raise HeaderError(f"tag {tag}: unterminated string")
                values.append(blob[pos:nul].decode("utf-8", "surrogateescape"))
                pos = nul + 1
            tags[tag] = values[0] if kind == TYPE_STRING else values
        elif kind == TYPE_BIN:
            if start + count > end:
                raise HeaderError(f"tag {tag}: binary runs past the data")
            tags[tag] = blob[start : start + count]
    return tags


def _signed16(values: list[int]) -> list[int]:
    return [v & 0xFFFF for v in values]


def package_files(tags: dict[int, Any], origin: str) -> tuple[Package, list[ExpectedFile]]:
    """The package and its files from parsed header tags."""
    name = str(tags.get(TAG_NAME, "?"))
    version = f"{tags.get(TAG_VERSION, '')}-{tags.get(TAG_RELEASE, '')}"
    epoch = tags.get(TAG_EPOCH)
    if epoch:
        version = f"{epoch[0]}:{version}"
    arch = str(tags.get(TAG_ARCH, ""))
    basenames: list[str] = tags.get(TAG_BASENAMES, [])
    dirnames: list[str] = tags.get(TAG_DIRNAMES, [])
    dirindexes: list[int] = tags.get(TAG_DIRINDEXES, [])
    count = len(basenames)

    def column(tag: int, default: Any = None) -> list[Any]:
        values = tags.get(tag)
        if not isinstance(values, list) or len(values) != count:
            return [default] * count
        return values

    sizes = column(TAG_LONGFILESIZES) if TAG_LONGFILESIZES in tags else column(TAG_FILESIZES)
    modes = _signed16(column(TAG_FILEMODES, 0)) if TAG_FILEMODES in tags else [None] * count
    mtimes = column(TAG_FILEMTIMES)
    digests = column(TAG_FILEDIGESTS, "")
    links = column(TAG_FILELINKTOS, "")
    flags = column(TAG_FILEFLAGS, 0)
    users = column(TAG_FILEUSERNAME)
    groups = column(TAG_FILEGROUPNAME)
    caps = column(TAG_FILECAPS, "")
    algo_id = tags.get(TAG_FILEDIGESTALGO, [1])[0]
    algorithm = DIGEST_ALGOS.get(algo_id)
    has_digests = any(digests) and algorithm is not None
    package = Package("rpm", name, version, arch, has_digests)
    files: list[ExpectedFile] = []
    for index in range(count):
        dir_index = dirindexes[index] if index < len(dirindexes) else -1
        if not 0 <= dir_index < len(dirnames):
            raise HeaderError(f"{name}: file {index} points at directory {dir_index} of {len(dirnames)}")
        path = dirnames[dir_index] + basenames[index]
        mode = modes[index]
        is_link = mode is not None and (mode & 0o170000) == 0o120000
        is_reg = mode is None or (mode & 0o170000) == 0o100000
        if not (is_link or is_reg):
            continue  # directories, devices: owned, not verified here
        files.append(
            ExpectedFile(
                name,
                path,
                origin,
                digest=(digests[index] or None) if is_reg and algorithm else None,
                algorithm=algorithm if is_reg and digests[index] else None,
                size=sizes[index] if is_reg else None,
                mode=mode,
                user=users[index],
                group=groups[index],
                mtime=mtimes[index] if is_reg else None,
                link_to=(links[index] or None) if is_link else None,
                config=bool(flags[index] & RPMFILE_CONFIG),
                ghost=bool(flags[index] & RPMFILE_GHOST),
                caps=caps[index] or None,
            )
        )
    return package, files


def owned_from_tags(tags: dict[int, Any]) -> list[str]:
    dirnames: list[str] = tags.get(TAG_DIRNAMES, [])
    result = []
    for base, index in zip(tags.get(TAG_BASENAMES, []), tags.get(TAG_DIRINDEXES, []), strict=False):
        if 0 <= index < len(dirnames):
            result.append(dirnames[index] + base)
    return result


@dataclass(frozen=True, slots=True)
class HeaderBlob:
    """One package's header blob as stored, with its instance number and where in the database file it lies."""

    number: int
    data: bytes
    #: ``"page 12"``, ``"offset 8192"``; empty for sqlite rows (the number is the row).
    where: str = ""


@dataclass
class RpmDb(PackageDb):
    """An rpm database's package headers, kept as blobs and parsed on each pass (parsed, they are much larger)."""

    origin: str = ""
    #: ``sqlite``, ``NDB`` or ``Berkeley DB``.
    backend: str = ""
    blobs: list[HeaderBlob] = field(default_factory=list)
    _reported: set[int] = field(default_factory=set, init=False, repr=False)
    _unlisted: int = field(default=0, init=False, repr=False)

    def note(self, line: int | None, detail: str) -> None:
        """Record a problem; past :data:`MAX_PROBLEMS` only their number grows, in the last entry."""
        if len(self.problems) < MAX_PROBLEMS - 1:
            self.problems.append(DbProblem(self.origin, line, detail))
            return
        if self._unlisted:
            self.problems.pop()
        self._unlisted += 1
        self.problems.append(DbProblem(self.origin, None, f"{self._unlisted} more problems not listed"))

    def _problem(self, blob: HeaderBlob, error: HeaderError) -> None:
        # files() and owned_paths() both walk the headers: report each bad one once.
        if blob.number not in self._reported:
            self._reported.add(blob.number)
            place = f" ({blob.where})" if blob.where else ""
            self.note(blob.number, f"package header {blob.number}{place}: {error}")

    def _headers(self) -> Iterator[tuple[HeaderBlob, dict[int, Any]]]:
        for blob in self.blobs:
            try:
                yield blob, parse_header(blob.data)
            except HeaderError as exc:
                self._problem(blob, exc)

    def files(self) -> Iterator[ExpectedFile]:
        for blob, tags in self._headers():
            try:
                _package, files = package_files(tags, f"{self.origin} (header {blob.number})")
            except HeaderError as exc:
                self._problem(blob, exc)
                continue
            yield from files

    def owned_paths(self) -> Iterator[str]:
        for _blob, tags in self._headers():
            yield from owned_from_tags(tags)

    def index_packages(self) -> None:
        """Fill :attr:`packages` from the blobs (reporting the ones that do not parse)."""
        for blob, tags in self._headers():
            try:
                package, _ = package_files(tags, self.origin)
            except HeaderError as exc:
                self._problem(blob, exc)
                continue
            self.packages.append(package)


#: File name and backend of each format, preferred first (see the module docstring).
FORMATS = (("rpmdb.sqlite", "sqlite"), ("Packages.db", "NDB"), ("Packages", "Berkeley DB"))


def load(source: Source) -> RpmDb | None:
    """The rpm database of ``source``, from the first format found (see the module docstring); ``None`` if absent."""
    for folder in LOCATIONS:
        for name, backend in FORMATS:
            path = f"{folder}/{name}"
            try:
                data, truncated = source.read_bytes(path, CAP)
            except OSError:
                continue
            db = RpmDb(f"rpm ({backend})", origin=path, backend=backend)
            if truncated:
                db.problems.append(DbProblem(path, None, f"larger than {CAP} bytes; not read"))
                return db
            if backend == "sqlite":
                _read_sqlite(data, db)
            elif backend == "NDB":
                _read_ndb(data, db)
            else:
                _read_bdb(data, db)
            del data  # the blobs are copies: free the whole file before the headers are parsed
            db.index_packages()
            return db
    return None


def _read_sqlite(data: bytes, db: RpmDb) -> None:
    """Load the Packages table from the bytes of an rpmdb.sqlite (deserialised in memory)."""
    if data[18:20] == b"\x02\x02":
        # WAL mode: a copy without its -wal file must be read as a rollback-journal database.
        # Changes still in rpmdb.sqlite-wal are not seen (rpm checkpoints after every transaction).
        data = data[:18] + b"\x01\x01" + data[20:]
    # A private copy, opened immutable: sqlite never writes a journal next to the evidence.
    with tempfile.TemporaryDirectory(prefix="breachkit-rpmdb-") as folder:
        copy = Path(folder) / "rpmdb.sqlite"
        copy.write_bytes(data)
        try:
            connection = sqlite3.connect(f"file:{copy}?mode=ro&immutable=1", uri=True)
        except sqlite3.Error as exc:
            db.note(None, f"not a readable rpm sqlite database: {exc}")
            return
        try:
            rows = connection.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
        except sqlite3.DatabaseError as exc:
            db.note(None, f"not a readable rpm sqlite database: {exc}")
            return
        finally:
            connection.close()
    for hnum, blob in rows:
        if not isinstance(blob, bytes | bytearray | memoryview):
            db.note(int(hnum), "header is not a blob")
            continue
        db.blobs.append(HeaderBlob(int(hnum), bytes(blob)))


def _read_bdb(data: bytes, db: RpmDb) -> None:
    """The header blobs of a Berkeley DB ``Packages`` file: values keyed by 4-byte instance numbers."""
    try:
        meta = bdb.read_meta(data)
    except bdb.BdbError as exc:
        db.note(None, f"not a readable rpm Berkeley DB database: {exc}")
        return
    found: dict[int, HeaderBlob] = {}
    for count, record in enumerate(bdb.items(data)):
        if count == 4 * MAX_PACKAGES:
            # Duplicates and damage cost time per record: a hostile file full of them is cut short.
            db.note(None, f"more than {count} records (duplicates or damage); the rest is not read")
            break
        if isinstance(record, bdb.Damage):
            db.note(None, record.detail)
            continue
        where = f"page {record.page}"
        if len(record.key) != 4:
            db.note(None, f"{where}: key of {len(record.key)} bytes, not 4; skipped")
            continue
        # rpm writes the instance number in its own byte order, which is the database's.
        number = int.from_bytes(record.key, meta.byte_order)
        if number == 0:
            continue  # rpm's own bookkeeping record (the last instance number used), not a package
        if number in found:
            db.note(
                number, f"{where}: package {number} appears again (first on {found[number].where}); this copy skipped"
            )
            continue
        if len(found) == MAX_PACKAGES:
            db.note(None, f"{where}: more than {MAX_PACKAGES} package records; the rest is not read")
            break
        found[number] = HeaderBlob(number, record.value, where)
    db.blobs.extend(found[number] for number in sorted(found))


def _read_ndb(data: bytes, db: RpmDb) -> None:
    """The header blobs of an NDB ``Packages.db``."""
    try:
        for record in ndb.blobs(data):
            if isinstance(record, ndb.Damage):
                db.note(None, record.detail)
            elif len(db.blobs) == MAX_PACKAGES:
                db.note(None, f"more than {MAX_PACKAGES} package records; the rest is not read")
                break
            else:
                db.blobs.append(HeaderBlob(record.index, record.data, f"offset {record.offset}"))
    except ndb.NdbError as exc:
        db.note(None, f"not a readable rpm NDB database: {exc}")
