"""The NDB reader on a Packages.db written by rpm's ndb backend, and on damaged copies of it."""

from __future__ import annotations

import struct
import zlib

import pytest

from breachkit.integrity.packages import ndb, rpm
from tests.integrity.rpmdb_tools import FIXTURES

PACKAGES_DB = FIXTURES / "ndb/Packages.db"


def read(data: bytes) -> tuple[list[str], dict[int, str]]:
    problems, names = [], {}
    for record in ndb.blobs(data):
        if isinstance(record, ndb.Damage):
            problems.append(record.detail)
        else:
            try:
                names[record.index] = rpm.parse_header(record.data).get(rpm.TAG_NAME, "?")
            except rpm.HeaderError:
                names[record.index] = "?"
    return problems, names


def slots(data: bytes) -> dict[int, tuple[int, int, int]]:
    """Package index -> (slot offset, blob offset, blob bytes), read independently of the module under test."""
    found = {}
    for offset in range(32, 4096, 16):
        magic, index, block, blocks = struct.unpack_from("<4sIII", data, offset)
        assert magic == b"Slot"
        if block:
            found[index] = (offset, block * 16, blocks * 16)
    return found


def patch(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


def test_reads_rpms_packages_db() -> None:
    """Made by rpm 4.16's ndb backend: three packages installed, one more installed and erased (a freed slot)."""
    data = PACKAGES_DB.read_bytes()
    problems, names = read(data)
    assert problems == []
    assert names == {1: "tinytool", 3: "manyfiles", 4: "suidtool"}
    assert sorted(slots(data)) == [1, 3, 4]


def test_unusable_header_is_refused() -> None:
    data = PACKAGES_DB.read_bytes()
    with pytest.raises(ndb.NdbError, match="not an rpm NDB database"):
        list(ndb.blobs(b"SQLite format 3\0" + data[16:]))
    with pytest.raises(ndb.NdbError, match="NDB version 3"):
        list(ndb.blobs(patch(data, 4, struct.pack("<I", 3))))


def test_truncated_file() -> None:
    data = PACKAGES_DB.read_bytes()
    _slot, blob_at, size = slots(data)[3]
    problems, names = read(data[: blob_at + size - 5])
    assert any("not a whole number of 16-byte blocks" in p for p in problems)
    # manyfiles is cut short, and suidtool's blob lies after it.
    assert any("slot of package 3 points at bytes" in p and "past the end" in p for p in problems)
    assert any("slot of package 4 points at bytes" in p and "past the end" in p for p in problems)
    assert names == {1: "tinytool"}


def test_checksum_mismatch_is_reported_and_blob_still_read() -> None:
    data = PACKAGES_DB.read_bytes()
    _slot, blob_at, _size = slots(data)[1]
    # An edit inside the header's data area (the package summary), checksum left as it was.
    text = data.index(b"test package", blob_at)
    problems, names = read(patch(data, text, b"TEST"))
    assert problems == [
        f"offset {blob_at}: blob of package 1: Adler-32 checksum does not match (edited or damaged); read anyway"
    ]
    assert names[1] == "tinytool"


def test_damaged_blobs_and_slots_are_skipped_with_offsets() -> None:
    data = PACKAGES_DB.read_bytes()
    layout = slots(data)
    slot1, blob1, size1 = layout[1]
    slot3 = layout[3][0]
    problems, names = read(patch(data, blob1, b"XXXX"))
    assert problems == [f"offset {blob1}: blob of package 1: no blob magic (found 58585858); skipped"]
    assert set(names) == {3, 4}
    problems, names = read(patch(data, blob1 + 4, struct.pack("<I", 9)))
    assert "the blob says it belongs to package 9" in problems[0] and set(names) == {3, 4}
    problems, _ = read(patch(data, blob1 + size1 - 4, b"Blb?"))
    assert problems == [
        f"offset {blob1}: blob of package 1: damaged blob trailer at offset {blob1 + size1 - 12}; skipped"
    ]
    # A slot whose blob overlaps another one, and a second slot for the same package.
    problems, names = read(patch(data, slot3 + 8, struct.pack("<I", blob1 // 16 + 1)))
    assert any(f"offset {slot3}: slot of package 3: its blob overlaps another blob" in p for p in problems)
    assert set(names) == {1, 4}
    free = next(o for o in range(32, 4096, 16) if data[o + 8 : o + 12] == b"\0\0\0\0")
    problems, names = read(patch(data, free, data[slot1 : slot1 + 16]))
    assert problems == [f"offset {free}: slot of package 1: package index already used by another slot; skipped"]
    assert set(names) == {1, 3, 4}
    problems, _ = read(patch(data, free, b"Slit"))
    assert problems == [f"offset {free}: not a slot (magic 536c6974); skipped"]


def test_slots_pointing_anywhere_never_exhaust_memory() -> None:
    """Every slot of a made-up file points at the same huge range: each is refused, nothing read twice."""
    page = bytearray(b"RpmP" + struct.pack("<IIII", 0, 1, 1, 2) + b"\0" * 12)
    for _ in range(32, 4096, 16):
        page += b"Slot" + struct.pack("<III", 7, 256, 10_000)
    blob = b"BlbS" + struct.pack("<III", 7, 0, 100) + b"\0" * 100
    blob += b"\0" * (-(len(blob) + 12) % 16)
    blob += struct.pack("<I", zlib.adler32(blob)) + struct.pack("<I", 100) + b"BlbE"
    data = bytes(page) + blob
    problems, names = read(data)
    assert names == {}
    assert len(problems) == 254 and all("past the end" in p for p in problems)
    fitting = data[:32] + b"".join(b"Slot" + struct.pack("<III", 7, 256, len(blob) // 16) for _ in range(254)) + blob
    problems, names = read(fitting)
    assert names == {7: "?"}
    assert len(problems) == 253 and all("already used" in p for p in problems)


def test_slot_pages_are_capped() -> None:
    data = PACKAGES_DB.read_bytes()
    problems, names = read(patch(data, 12, struct.pack("<I", 5000)))
    assert (
        problems[0]
        == "the header names 5000 slot pages (20480000 bytes), the file has 31216 bytes; slots are read up to its end"
    )
    assert problems[1] == f"the header names 5000 slot pages; only the first {ndb.MAX_SLOT_PAGES} are read"
    # What the header now calls the slot area covers the whole file: the blobs are not slots, and the three
    # real slots point inside that area. Nothing is read, one problem at most per 16 bytes.
    assert names == {}
    assert sum("is invalid" in p for p in problems) == 3
    assert all("is invalid" in p or "not a slot" in p for p in problems[2:])
    assert len(problems) <= len(data) // 16
