"""The rpm database, read in Python without rpm: installed packages and their files' digests.

Supported: ``rpmdb.sqlite`` (rpm >= 4.16: Fedora >= 33, RHEL/Rocky/Alma >= 9,
openSUSE Tumbleweed), at ``/var/lib/rpm/`` or ``/usr/lib/sysimage/rpm/``.
Its ``Packages`` table holds one header blob per package. **Not supported**:
the Berkeley DB ``Packages`` file (RHEL <= 8, older Fedora/SUSE) and SUSE's
NDB ``Packages.db``; for those the database is reported as present but
unreadable, with the advice to run ``rpm -Va`` from trusted media or
``rpmdb --rebuilddb --dbpath`` a copy into sqlite format on an analyst machine.

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

from breachkit.integrity.packages import DbProblem, ExpectedFile, Package, PackageDb
from breachkit.sources.base import Source

LOCATIONS = ("/var/lib/rpm", "/usr/lib/sysimage/rpm")
CAP = 2 * 1024**3

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


@dataclass
class RpmDb(PackageDb):
    """An rpmdb.sqlite's package headers (read from a private copy: sqlite never touches the evidence)."""

    origin: str = ""
    blobs: list[tuple[int, bytes]] = field(default_factory=list)

    def _headers(self) -> Iterator[tuple[int, dict[int, Any]]]:
        for hnum, blob in self.blobs:
            try:
                yield hnum, parse_header(blob)
            except HeaderError as exc:
                self.problems.append(DbProblem(self.origin, hnum, f"package header {hnum}: {exc}"))

    def files(self) -> Iterator[ExpectedFile]:
        for hnum, tags in self._headers():
            try:
                _package, files = package_files(tags, f"{self.origin} (header {hnum})")
            except HeaderError as exc:
                self.problems.append(DbProblem(self.origin, hnum, str(exc)))
                continue
            yield from files

    def owned_paths(self) -> Iterator[str]:
        for _hnum, tags in self._headers():
            yield from owned_from_tags(tags)


def load(source: Source) -> RpmDb | None:
    """The rpm database of ``source``: parsed when sqlite, reported as unsupported otherwise; ``None`` if absent."""
    for folder in LOCATIONS:
        path = f"{folder}/rpmdb.sqlite"
        try:
            data, truncated = source.read_bytes(path, CAP)
        except OSError:
            data = None
        if data is not None:
            db = RpmDb("rpm", origin=path)
            if truncated:
                db.problems.append(DbProblem(path, None, f"larger than {CAP} bytes; not read"))
                return db
            _read_sqlite(data, db)
            return db
        for other, kind in (("Packages", "Berkeley DB"), ("Packages.db", "NDB")):
            try:
                source.read_bytes(f"{folder}/{other}", 0)
            except OSError:
                continue
            db = RpmDb("rpm", origin=f"{folder}/{other}")
            db.problems.append(
                DbProblem(
                    f"{folder}/{other}",
                    None,
                    f"rpm {kind} database: not supported (only rpmdb.sqlite, rpm >= 4.16). Run 'rpm -Va' from "
                    "trusted media, or convert a copy: rpmdb --rebuilddb --dbpath <copy> "
                    "--define '_db_backend sqlite'",
                )
            )
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
            db.problems.append(DbProblem(db.origin, None, f"not a readable rpm sqlite database: {exc}"))
            return
        try:
            rows = connection.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
        except sqlite3.DatabaseError as exc:
            db.problems.append(DbProblem(db.origin, None, f"not a readable rpm sqlite database: {exc}"))
            return
        finally:
            connection.close()
    for hnum, blob in rows:
        if not isinstance(blob, bytes | bytearray | memoryview):
            db.problems.append(DbProblem(db.origin, int(hnum), "header is not a blob"))
            continue
        db.blobs.append((int(hnum), bytes(blob)))
    for _hnum, tags in db._headers():
        try:
            package, _ = package_files(tags, db.origin)
        except HeaderError as exc:
            db.problems.append(DbProblem(db.origin, None, str(exc)))
            continue
        db.packages.append(package)
