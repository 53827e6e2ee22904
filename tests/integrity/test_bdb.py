"""The Berkeley DB hash reader on real files: db5.3_load's, rpm's own from CentOS 5-8, and damaged copies of them."""

from __future__ import annotations

import dataclasses
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from breachkit.integrity.packages import bdb, rpm
from breachkit.sources import RootSource
from tests.integrity import rpmdb_tools
from tests.integrity.builders import RpmFile, rpm_header
from tests.integrity.rpmdb_tools import FIXTURES

LITTLE = FIXTURES / "bdb-little/Packages"
BIG = FIXTURES / "bdb-big/Packages"
PAGE = 4096
needs_db_load = pytest.mark.skipif(
    shutil.which("db5.3_load") is None, reason="db5.3_load not installed (apt-get install db5.3-util)"
)
#: Real rpm Packages files of CentOS 5-8 (Berkeley DB 4.3 and 5.3), shipped by a Debian package as test data.
CENTOS = Path("/usr/share/gocode/src/github.com/knqyf263/go-rpmdb/pkg/testdata")


def packages(data: bytes, order: str = "little") -> dict[int, str]:
    """Instance number -> package name of every record (key 0, rpm's bookkeeping, left out)."""
    found = {}
    for record in bdb.items(data):
        assert isinstance(record, bdb.Item), record
        number = int.from_bytes(record.key, order)  # type: ignore[arg-type]
        if number:
            found[number] = rpm.parse_header(record.value)[rpm.TAG_NAME]
    return found


def offpage_refs(data: bytes, order: str = "little") -> list[tuple[int, int, int, int, int]]:
    """(page, instance number, file offset of the value item, first overflow page, length) of every off-page
    value, read independently of the module under test."""
    sign = "<" if order == "little" else ">"
    refs = []
    for page in range(1, len(data) // PAGE):
        base = page * PAGE
        if data[base + 25] != bdb.P_HASH:
            continue
        entries = struct.unpack_from(f"{sign}H", data, base + 20)[0]
        offsets = struct.unpack_from(f"{sign}{entries}H", data, base + 26)
        for key_at, value_at in zip(offsets[::2], offsets[1::2], strict=True):
            if data[base + value_at] == bdb.H_OFFPAGE:
                number = struct.unpack_from(f"{sign}I", data, base + key_at + 1)[0]
                first, total = struct.unpack_from(f"{sign}II", data, base + value_at + 4)
                refs.append((page, number, base + value_at, first, total))
    return refs


def chain(data: bytes, first: int) -> list[int]:
    pages = [first]
    while len(pages) < 100 and (nxt := struct.unpack_from("<I", data, pages[-1] * PAGE + 16)[0]):
        pages.append(nxt)
    return pages


def patch(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


@pytest.mark.parametrize(("path", "order"), [(LITTLE, "little"), (BIG, "big")])
def test_reads_both_byte_orders(path: Path, order: str) -> None:
    data = path.read_bytes()
    meta = bdb.read_meta(data)
    assert (meta.byte_order, meta.version, meta.page_size, meta.checksummed) == (order, 9, PAGE, False)
    # Keys are instance numbers in the database's own byte order.
    assert packages(data, order) == {1: "suidtool", 2: "manyfiles", 3: "tinytool"}
    # The 21 KB header of manyfiles spans a chain of six overflow pages.
    assert max(ref[-1] for ref in offpage_refs(data, order)) > 5 * PAGE


@needs_db_load
@pytest.mark.parametrize(
    "options",
    [
        ("db_pagesize=512",),  # every blob in a long overflow chain
        ("db_pagesize=65536",),
        ("chksum=1",),  # page checksums move the contents from offset 26 to 32
        ("chksum=1", "db_pagesize=1024"),
    ],
)
@pytest.mark.parametrize("order", ["little", "big"])
def test_page_sizes_and_checksums(tmp_path: Path, order: str, options: tuple[str, ...]) -> None:
    blobs = [(n, rpmdb_header(f"pkg{n}")) for n in (1, 2, 3, 40_000)]
    data = rpmdb_tools.write_bdb(blobs, tmp_path / "Packages", order, *options).read_bytes()
    meta = bdb.read_meta(data)
    assert meta.checksummed == ("chksum=1" in options)
    assert packages(data, order) == {1: "pkg1", 2: "pkg2", 3: "pkg3", 40_000: "pkg40000"}


@needs_db_load
def test_inline_values_are_read(tmp_path: Path) -> None:
    """Small values stay on the hash page (item type 1) instead of going to overflow pages."""
    path = rpmdb_tools.write_bdb([(7, b"tiny value")], tmp_path / "Packages")
    records = [r for r in bdb.items(path.read_bytes()) if isinstance(r, bdb.Item)]
    assert {(r.key, r.value) for r in records} == {
        (struct.pack("<I", 0), struct.pack("<I", 7)),
        (struct.pack("<I", 7), b"tiny value"),
    }
    assert offpage_refs(path.read_bytes()) == []


def rpmdb_header(name: str) -> bytes:
    return rpm_header(name, "1", "1", [RpmFile(f"/usr/bin/{name}", name.encode(), 0o100755)])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "too short"),
        (b"\0" * PAGE, "not a Berkeley DB hash database"),
        (patch(LITTLE.read_bytes(), 12, struct.pack("<I", bdb.BTREE_MAGIC)), "btree"),
        (patch(LITTLE.read_bytes(), 16, struct.pack("<I", 7)), "hash version 7"),
        (patch(LITTLE.read_bytes(), 20, struct.pack("<I", 1000)), "page size 1000"),
        (patch(LITTLE.read_bytes(), 24, b"\x01"), "encrypted"),
    ],
)
def test_unusable_metadata_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(bdb.BdbError, match=message):
        bdb.read_meta(data)


def damage(data: bytes) -> tuple[list[str], dict[int, str]]:
    records = list(bdb.items(data))
    problems = [r.detail for r in records if isinstance(r, bdb.Damage)]
    names = {}
    for record in records:
        if isinstance(record, bdb.Item) and record.key != b"\0\0\0\0":
            try:
                names[int.from_bytes(record.key, "little")] = rpm.parse_header(record.value)[rpm.TAG_NAME]
            except rpm.HeaderError:
                names[int.from_bytes(record.key, "little")] = "?"
    return problems, names


def test_truncated_file_reads_what_is_there() -> None:
    data = LITTLE.read_bytes()
    meta = bdb.read_meta(data)
    problems, names = damage(data[: 5 * PAGE + 100])
    assert problems[0].startswith(f"truncated: the metadata page names {meta.last_page + 1} pages")
    assert any("leaves the file" in p for p in problems)
    # Whatever lies entirely in the first five pages is still read, the rest is not.
    complete = {number for page, number, _at, first, _total in offpage_refs(data) if max(chain(data, first)) < 5}
    assert complete and set(names) == complete


def test_page_numbers_out_of_range_and_mismatched() -> None:
    data = LITTLE.read_bytes()
    (page, _number, at, first, _total), *_ = offpage_refs(data)
    problems, _ = damage(patch(data, at + 4, struct.pack("<I", 99_999)))
    assert any(f"page {page}: item" in p and "leaves the file at page 99999" in p for p in problems)
    problems, names = damage(patch(data, first * PAGE + 8, struct.pack("<I", first + 1)))
    assert any(f"page {first} of its overflow chain is not an overflow page" in p for p in problems)
    assert len(names) == 2
    problems, names = damage(patch(data, 2 * PAGE + 8, struct.pack("<I", 5)))
    assert problems == ["page 2: hash page says it is page 5; skipped"]
    assert sorted(names.values()) == ["manyfiles"]


def test_overflow_loops_and_shared_chains_end() -> None:
    data = LITTLE.read_bytes()
    refs = sorted(offpage_refs(data), key=lambda r: -r[-1])
    first = refs[0][3]
    # The manyfiles chain: point its third page back at its first.
    third = chain(data, first)[2]
    problems, names = damage(patch(data, third * PAGE + 16, struct.pack("<I", first)))
    assert any(f"overflow page {first} already belongs" in p and "a loop" in p for p in problems), problems
    assert "manyfiles" not in names.values() and len(names) == 2
    # Another item pointing into the same chain: one of the two is refused, never read twice.
    other_at = refs[1][2]
    problems, names = damage(patch(data, other_at + 4, struct.pack("<I", first)))
    assert any("already belongs to another item" in p for p in problems)
    assert len(names) == 2


def test_bad_items_are_skipped_with_their_page() -> None:
    data = LITTLE.read_bytes()
    (page, _number, at, _first, _total), *_ = offpage_refs(data)
    problems, names = damage(patch(data, at, bytes([bdb.H_DUPLICATE])))
    assert any(f"page {page}: item" in p and "duplicate set" in p for p in problems)
    assert len(names) == 2
    # An entry count far beyond what the page holds.
    problems, _ = damage(patch(data, page * PAGE + 20, struct.pack("<H", 5000)))
    assert any(f"page {page}: 5000 entries cannot fit" in p for p in problems)
    # An item offset pointing into the page header.
    problems, _ = damage(patch(data, page * PAGE + 26, struct.pack("<H", 3)))
    assert any(f"page {page}: item 0 has offsets outside the page" in p for p in problems)


def test_garbage_never_hangs_or_explodes() -> None:
    """Random-looking pages typed as hash and overflow pages, all pointing at each other."""
    data = bytearray(LITTLE.read_bytes()[:PAGE])
    struct.pack_into("<I", data, 32, 63)  # last page
    for page in range(1, 64):
        body = bytearray((page * 7919 + i * 31) % 251 for i in range(PAGE))
        struct.pack_into("<IIIHH", body, 8, page, 0, (page * 13) % 64, 60, 4000)
        body[25] = bdb.P_HASH if page % 3 else bdb.P_OVERFLOW
        data += body
    records = list(bdb.items(bytes(data)))
    assert all(isinstance(r, bdb.Damage | bdb.Item) for r in records)
    assert sum(len(r.value) for r in records if isinstance(r, bdb.Item)) <= len(data)


@pytest.mark.skipif(not CENTOS.is_dir(), reason="apt-get install golang-github-knqyf263-go-rpmdb-dev for real rpmdbs")
@pytest.mark.parametrize("name", ["centos5-plain", "centos7-httpd24", "centos8-modularitylabel"])
def test_real_centos_databases_match_rpm(name: str) -> None:
    """rpm's own Packages files (hash version 8 from CentOS 5's Berkeley DB 4.3, 9 from 4.7/5.3): same as rpm."""
    data = (CENTOS / name / "Packages").read_bytes()
    records = list(bdb.items(data))
    assert not [r for r in records if isinstance(r, bdb.Damage)]
    ours = sorted(
        f"{t[rpm.TAG_NAME]}-{t[rpm.TAG_VERSION]}-{t[rpm.TAG_RELEASE]}"
        for r in records
        if isinstance(r, bdb.Item) and r.key != b"\0\0\0\0"
        for t in [rpm.parse_header(r.value)]
    )
    if shutil.which("rpm") is None:
        assert len(ours) > 100
        return
    done = subprocess.run(
        ["rpm", "--dbpath", str(CENTOS / name), "--define", "_db_backend bdb_ro", "-qa", "--qf", "%{NVR}\\n"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ours == sorted(done.stdout.split())


@pytest.mark.skipif(not CENTOS.is_dir(), reason="apt-get install golang-github-knqyf263-go-rpmdb-dev for real rpmdbs")
@pytest.mark.skipif(shutil.which("rpmdb") is None, reason="rpm not installed (apt-get install rpm)")
@pytest.mark.parametrize("name", ["centos5-plain", "centos7-httpd24"])
def test_real_centos_database_gives_what_its_sqlite_conversion_gives(tmp_path: Path, name: str) -> None:
    """rpm converts the Berkeley DB to rpmdb.sqlite; both give the same expected files, attribute for attribute."""
    roots = {}
    for backend in ("Berkeley DB", "sqlite"):
        roots[backend] = tmp_path / backend.replace(" ", "_")
        (roots[backend] / "var/lib/rpm").mkdir(parents=True)
        shutil.copy(CENTOS / name / "Packages", roots[backend] / "var/lib/rpm/Packages")
    dbpath = roots["sqlite"] / "var/lib/rpm"
    subprocess.run(
        ["rpmdb", "--dbpath", str(dbpath), "--rebuilddb", "--define", "_db_backend sqlite"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (dbpath / "rpmdb.sqlite").exists()
    found = {}
    for backend, root in roots.items():
        db = rpm.load(RootSource(str(root)))
        assert db is not None and db.backend == backend and db.problems == []
        found[backend] = (
            sorted((p.name, p.version, p.arch) for p in db.packages),
            # Every attribute but the origin, which names the file and header number.
            sorted(dataclasses.astuple(dataclasses.replace(f, origin="")) for f in db.files()),
        )
    assert found["Berkeley DB"] == found["sqlite"]
