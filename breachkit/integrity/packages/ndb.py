"""rpm's NDB package database read in Python: ``Packages.db`` (SUSE Linux Enterprise 15, openSUSE Leap 15).

rpm's own ``ndb`` backend (also Tumbleweed's until it moved to sqlite)
stores one header blob per installed package in ``Packages.db`` at
``/var/lib/rpm/`` or ``/usr/lib/sysimage/rpm/``; the indexes live in
``Index.db`` and are not needed here. The layout is given by the constants and
comments of rpm's ``lib/backend/ndb/rpmpkg.c``
(https://github.com/rpm-software-management/rpm/blob/master/lib/backend/ndb/rpmpkg.c).
Every number is a little-endian 32-bit integer:

* Header, 32 bytes: magic ``RpmP``, version 0, generation, number of slot
  pages (of 4096 bytes, the header sitting in the first), next package index.
* Slots, 16 bytes each, filling the slot pages after the header: magic
  ``Slot``, package index, offset and length of the package's blob in 16-byte
  blocks (offset 0: a free slot). Blobs lie after the slot pages.
* Blob: magic ``BlbS``, package index, time written, length; the header blob;
  zero padding to a whole block; then the Adler-32 of everything before it,
  the length again and magic ``BlbE``.

Damage (a truncated file, a slot pointing outside the file or into another
blob, a blob whose magic, index, length or checksum disagree) is reported
with the file offset and the rest is still read. A checksum mismatch is
reported but the blob still used (rpm itself does not check it when reading;
the header parser checks the structure). Every loop is bounded by the number
of slots the file can hold, and overlapping blobs are refused, so memory stays
within the file's size. Blobs compressed with LZO (an rpm build option no
distribution enables) are reported and skipped.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

HEADER_MAGIC = b"RpmP"
SLOT_MAGIC = b"Slot"
BLOB_MAGIC = b"BlbS"
BLOB_END_MAGIC = b"BlbE"
LZO_MAGIC = b"LZOB"
VERSION = 0
HEADER_SIZE = 32
SLOT_SIZE = 16
BLOCK = 16
SLOT_PAGE = 4096
BLOB_HEAD = 16
BLOB_TAIL = 12
#: Slot pages read at most: 260,000 slots, far more packages than any system has (254 a page).
MAX_SLOT_PAGES = 1024


class NdbError(ValueError):
    """The file is not an NDB package database; the message says why."""


@dataclass(frozen=True, slots=True)
class Blob:
    """One package's header blob, with its package index and the file offset of its blob record."""

    index: int
    data: bytes
    offset: int


@dataclass(frozen=True, slots=True)
class Damage:
    """Something unreadable, with its file offset (``None``: the file as a whole)."""

    offset: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class _Slot:
    index: int
    block: int
    blocks: int
    offset: int


def blobs(data: bytes) -> Iterator[Blob | Damage]:
    """Every package header blob of the ``Packages.db`` in ``data``, by package index, and the damage met.

    Raises :class:`NdbError` when the file header is unusable.
    """
    if len(data) < HEADER_SIZE or data[:4] != HEADER_MAGIC:
        raise NdbError(f"not an rpm NDB database (magic {data[:4].hex()} at offset 0, 'RpmP' expected)")
    version, _generation, slot_pages, _next_index = struct.unpack_from("<IIII", data, 4)
    if version != VERSION:
        raise NdbError(f"NDB version {version}: only version {VERSION} is known")
    if len(data) % BLOCK:
        yield Damage(None, f"{len(data)} bytes: not a whole number of {BLOCK}-byte blocks (truncated?)")
    if slot_pages == 0 or slot_pages * SLOT_PAGE > len(data):
        yield Damage(
            None,
            f"the header names {slot_pages} slot pages ({slot_pages * SLOT_PAGE} bytes), the file has "
            f"{len(data)} bytes; slots are read up to its end",
        )
    if slot_pages > MAX_SLOT_PAGES:
        yield Damage(None, f"the header names {slot_pages} slot pages; only the first {MAX_SLOT_PAGES} are read")
    slots: list[_Slot] = []
    damage: list[Damage] = []
    _read_slots(data, max(slot_pages, 1), slots, damage)
    yield from damage
    kept = _without_overlaps(slots, max(slot_pages, 1))
    for slot in sorted(kept.accepted, key=lambda s: s.index):
        yield from _read_blob(data, slot)
    yield from kept.refused


def _read_slots(data: bytes, slot_pages: int, slots: list[_Slot], damage: list[Damage]) -> None:
    blob_area = slot_pages * SLOT_PAGE // BLOCK
    end = min(min(slot_pages, MAX_SLOT_PAGES) * SLOT_PAGE, len(data) - len(data) % SLOT_SIZE)
    for offset in range(HEADER_SIZE, end, SLOT_SIZE):
        magic, index, block, blocks = struct.unpack_from("<4sIII", data, offset)
        if magic != SLOT_MAGIC:
            damage.append(Damage(offset, f"offset {offset}: not a slot (magic {magic.hex()}); skipped"))
            continue
        if block == 0:
            continue  # a free slot
        where = f"offset {offset}: slot of package {index}"
        if index == 0 or blocks < (BLOB_HEAD + BLOB_TAIL + BLOCK - 1) // BLOCK or block < blob_area:
            damage.append(Damage(offset, f"{where} is invalid (blob at block {block}, {blocks} blocks); skipped"))
            continue
        if (block + blocks) * BLOCK > len(data):
            damage.append(
                Damage(
                    offset,
                    f"{where} points at bytes {block * BLOCK}-{(block + blocks) * BLOCK}, past the end of the "
                    f"{len(data)}-byte file (truncated?); skipped",
                )
            )
            continue
        slots.append(_Slot(index, block, blocks, offset))


@dataclass
class _Kept:
    accepted: list[_Slot]
    refused: list[Damage]


def _without_overlaps(slots: list[_Slot], slot_pages: int) -> _Kept:
    """Slots whose blobs neither overlap an earlier blob nor repeat a package index."""
    kept = _Kept([], [])
    seen: set[int] = set()
    end = slot_pages * SLOT_PAGE // BLOCK
    for slot in sorted(slots, key=lambda s: (s.block, s.offset)):
        where = f"offset {slot.offset}: slot of package {slot.index}"
        if slot.index in seen:
            kept.refused.append(Damage(slot.offset, f"{where}: package index already used by another slot; skipped"))
            continue
        if slot.block < end:
            kept.refused.append(Damage(slot.offset, f"{where}: its blob overlaps another blob; skipped"))
            continue
        seen.add(slot.index)
        kept.accepted.append(slot)
        end = slot.block + slot.blocks
    return kept


def _read_blob(data: bytes, slot: _Slot) -> Iterator[Blob | Damage]:
    at = slot.block * BLOCK
    where = f"offset {at}: blob of package {slot.index}"
    magic, index, _written, length = struct.unpack_from("<4sIII", data, at)
    if magic != BLOB_MAGIC:
        yield Damage(at, f"{where}: no blob magic (found {magic.hex()}); skipped")
        return
    if index != slot.index:
        yield Damage(at, f"{where}: the blob says it belongs to package {index}; skipped")
        return
    if slot.blocks != (BLOB_HEAD + length + BLOB_TAIL + BLOCK - 1) // BLOCK:
        yield Damage(at, f"{where}: length {length} does not fit its {slot.blocks} blocks; skipped")
        return
    tail = at + slot.blocks * BLOCK - BLOB_TAIL
    checksum, length_again, end_magic = struct.unpack_from("<II4s", data, tail)
    if end_magic != BLOB_END_MAGIC or length_again != length:
        yield Damage(at, f"{where}: damaged blob trailer at offset {tail}; skipped")
        return
    blob = data[at + BLOB_HEAD : at + BLOB_HEAD + length]
    if blob[:4] == LZO_MAGIC:
        yield Damage(at, f"{where}: LZO-compressed (an rpm build option), not supported; skipped")
        return
    if zlib.adler32(memoryview(data)[at:tail]) != checksum:
        # Still used: rpm reads blobs without checking it, and the header parser checks the structure.
        yield Damage(at, f"{where}: Adler-32 checksum does not match (edited or damaged); read anyway")
    yield Blob(slot.index, blob, at)
