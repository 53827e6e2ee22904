"""Berkeley DB hash databases read in Python, without Berkeley DB: rpm's ``Packages`` file.

rpm up to 4.15 (RHEL/CentOS <= 8, Amazon Linux 2, Fedora <= 32, SUSE before
NDB) keeps one header blob per installed package in ``/var/lib/rpm/Packages``,
a Berkeley DB *hash* database keyed by 4-byte package instance numbers. Only
the read-only subset rpm's own ``bdb_ro`` backend (rpm >= 4.16,
``lib/backend/bdb_ro.c``) relies on is handled; the layout is Berkeley DB's
``dbinc/db_page.h`` (https://github.com/berkeleydb/libdb/blob/master/src/dbinc/db_page.h):

* Page 0 is the hash metadata page: magic 0x061561 at offset 12, hash version
  at 16 (8: Berkeley DB 4.3-4.5, 9: 4.6-5.x, 10: 6.x), page size at 20,
  encryption algorithm at 24, page type 8 at 25, flags at 26 (bit 0: page
  checksums), number of the last page at 32. Every number in the file is in
  the byte order of the machine that wrote it; the magic tells which.
* Every page starts with a 26-byte header: its own number at 8, previous and
  next page at 12 and 16, entry count at 20, "high free offset" at 22 (on
  overflow pages: the bytes used), type at 25. With checksums on, a 6-byte
  checksum area follows, so the page's contents start at 32.
* Hash pages (type 13, or 2 when written by Berkeley DB < 4.6) hold an array of
  2-byte item offsets, alternating key and value. Items are packed from the end
  of the page downwards, so an item ends where the one before it starts. An
  item's first byte says what it is: 1 the bytes follow inline; 3 "off-page":
  the first page and total length of a chain of overflow pages (type 7, linked
  by their next-page field) holding the bytes; 2 and 4 are duplicate sets,
  which rpm never writes (reported and skipped).

Every page of the file is scanned rather than the buckets walked: Berkeley DB
removes deleted items from hash pages at once and retypes freed pages as 0
(invalid), so every hash page in the file is live, and one broken bucket chain
loses nothing. Damage (a truncated file, a page whose number does not match
its place, offsets outside the page, an overflow chain that leaves the file,
loops or is shared by two items) is reported with the page number and the rest
is still read; every loop is bounded by the number of pages, and memory by the
file's size. Encrypted databases are refused.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

HASH_MAGIC = 0x061561
BTREE_MAGIC = 0x053162
HASH_VERSIONS = (8, 9, 10)
#: Page types (``db_page.h``).
P_INVALID, P_HASH_UNSORTED, P_OVERFLOW, P_HASHMETA, P_HASH = 0, 2, 7, 8, 13
#: Hash item types (``db_page.h``).
H_KEYDATA, H_DUPLICATE, H_OFFPAGE, H_OFFDUP = 1, 2, 3, 4
PAGE_HEADER = 26
#: With page checksums the contents start after the checksum area (``PG_CHKSUM``).
PAGE_HEADER_CHECKSUMMED = 32
DBMETA_CHKSUM = 0x01


class BdbError(ValueError):
    """The file is not a Berkeley DB hash database this module can read; the message says why."""


@dataclass(frozen=True, slots=True)
class HashMeta:
    """What the metadata page says about the file."""

    #: ``"little"`` or ``"big"``: the writing machine's byte order.
    byte_order: Literal["little", "big"]
    version: int
    page_size: int
    last_page: int
    checksummed: bool

    @property
    def header_size(self) -> int:
        return PAGE_HEADER_CHECKSUMMED if self.checksummed else PAGE_HEADER


@dataclass(frozen=True, slots=True)
class Item:
    """One key/value pair and the hash page holding it."""

    key: bytes
    value: bytes
    page: int


@dataclass(frozen=True, slots=True)
class Damage:
    """Something unreadable, with the page it is on (``None``: the file as a whole)."""

    page: int | None
    detail: str


def read_meta(data: bytes) -> HashMeta:
    """The metadata page of ``data``; :class:`BdbError` if it is not a readable hash database."""
    if len(data) < 512:
        raise BdbError(f"{len(data)} bytes: too short for a Berkeley DB metadata page")
    magic_le, magic_be = struct.unpack_from("<I", data, 12)[0], struct.unpack_from(">I", data, 12)[0]
    if HASH_MAGIC in (magic_le, magic_be):
        order: Literal["little", "big"] = "little" if magic_le == HASH_MAGIC else "big"
    elif BTREE_MAGIC in (magic_le, magic_be):
        raise BdbError("a Berkeley DB btree database, not hash: not an rpm Packages file")
    else:
        raise BdbError(f"not a Berkeley DB hash database (magic {data[12:16].hex()} at offset 12)")
    sign = "<" if order == "little" else ">"
    version, page_size = struct.unpack_from(f"{sign}II", data, 16)
    encryption, _page_type, flags = data[24], data[25], data[26]
    last_page = struct.unpack_from(f"{sign}I", data, 32)[0]
    if version not in HASH_VERSIONS:
        raise BdbError(f"hash version {version}: only versions 8-10 (Berkeley DB 4.3 and later) are read")
    if page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
        raise BdbError(f"page size {page_size} in the metadata page is impossible (a power of two, 512-65536)")
    if encryption:
        raise BdbError(f"encrypted (algorithm {encryption}): cannot be read")
    return HashMeta(order, version, page_size, last_page, bool(flags & DBMETA_CHKSUM))


def items(data: bytes) -> Iterator[Item | Damage]:
    """Every key/value pair of the hash database in ``data``, in page order, and the damage met on the way.

    Raises :class:`BdbError` when the metadata page is unusable (nothing else can be read then).
    """
    meta = read_meta(data)
    reader = _Reader(data, meta)
    yield from reader.truncation()
    for number in range(1, reader.pages):
        yield from reader.hash_page(number)


class _Reader:
    """Page access with bounds, and the overflow pages already claimed (each may belong to one item only)."""

    def __init__(self, data: bytes, meta: HashMeta) -> None:
        self.data = data
        self.meta = meta
        self.sign = "<" if meta.byte_order == "little" else ">"
        whole_pages = len(data) // meta.page_size
        #: Pages that exist both in the file and according to the metadata page.
        self.pages = min(whole_pages, meta.last_page + 1)
        self.claimed: set[int] = set()

    def truncation(self) -> Iterator[Damage]:
        size = self.meta.page_size
        expected = (self.meta.last_page + 1) * size
        if len(self.data) < expected:
            yield Damage(
                None,
                f"truncated: the metadata page names {self.meta.last_page + 1} pages of {size} bytes "
                f"({expected} bytes), the file has {len(self.data)}; pages from {self.pages} on are missing",
            )

    def _header(self, number: int) -> tuple[int, int, int, int, int]:
        """Own number, next page, entry count, high free offset and type of page ``number``."""
        base = number * self.meta.page_size
        own, _prev, nxt, entries, hf_offset = struct.unpack_from(f"{self.sign}IIIHH", self.data, base + 8)
        return own, nxt, entries, hf_offset, self.data[base + 25]

    def hash_page(self, number: int) -> Iterator[Item | Damage]:
        own, _next, entries, _hf, kind = self._header(number)
        if kind not in (P_HASH, P_HASH_UNSORTED):
            return
        if own != number:
            yield Damage(number, f"page {number}: hash page says it is page {own}; skipped")
            return
        size = self.meta.page_size
        base = number * size
        start = self.meta.header_size
        if start + 2 * entries > size:
            yield Damage(number, f"page {number}: {entries} entries cannot fit a {size}-byte page; skipped")
            return
        if entries % 2:
            yield Damage(number, f"page {number}: odd entry count {entries}; the last key has no value")
        offsets = struct.unpack_from(f"{self.sign}{entries}H", self.data, base + start)
        floor = start + 2 * entries
        for index in range(0, entries - 1, 2):
            key_end = size if index == 0 else offsets[index - 1]
            key_at, value_at = offsets[index], offsets[index + 1]
            if not floor <= value_at < key_at < key_end <= size:
                yield Damage(number, f"page {number}: item {index // 2} has offsets outside the page; skipped")
                continue
            key = self._item(number, index // 2, "key", base + key_at, key_end - key_at)
            value = self._item(number, index // 2, "value", base + value_at, key_at - value_at)
            if isinstance(key, Damage):
                yield key
            elif isinstance(value, Damage):
                yield value
            else:
                yield Item(key, value, number)

    def _item(self, page: int, index: int, role: str, at: int, length: int) -> bytes | Damage:
        kind = self.data[at]
        where = f"page {page}: item {index} {role}"
        if kind == H_KEYDATA:
            return self.data[at + 1 : at + length]
        if kind == H_OFFPAGE:
            if length != 12:
                return Damage(page, f"{where}: off-page reference is {length} bytes, not 12")
            first, total = struct.unpack_from(f"{self.sign}II", self.data, at + 4)
            if total == 0:
                return Damage(page, f"{where}: off-page reference to page {first} of length 0")
            return self._overflow(page, where, first, total)
        if kind in (H_DUPLICATE, H_OFFDUP):
            return Damage(page, f"{where}: a duplicate set, which rpm never writes; skipped")
        return Damage(page, f"{where}: unknown item type {kind}; skipped")

    def _overflow(self, page: int, where: str, first: int, total: int) -> bytes | Damage:
        """The ``total`` bytes held by the overflow chain starting at page ``first``."""
        size = self.meta.page_size
        room = size - self.meta.header_size
        pieces: list[bytes] = []
        got = 0
        number = first
        # Each overflow page may be claimed once in the whole file, so loops and chains shared
        # between items end here, and everything read adds up to at most the file's size.
        while got < total:
            if not 0 < number < self.pages:
                detail = "leaves the file" if number else "ends early"
                return Damage(
                    page,
                    f"{where}: overflow chain from page {first} {detail} at page {number}, "
                    f"after {got} of {total} bytes",
                )
            if number in self.claimed:
                return Damage(
                    page,
                    f"{where}: overflow page {number} already belongs to another item or "
                    "to this chain (a loop); skipped",
                )
            self.claimed.add(number)
            own, nxt, _entries, used, kind = self._header(number)
            if kind != P_OVERFLOW or own != number:
                return Damage(
                    page,
                    f"{where}: page {number} of its overflow chain is not an overflow page "
                    f"(type {kind}, says it is page {own})",
                )
            if used > room or used > total - got or (used == 0 and got < total):
                return Damage(
                    page,
                    f"{where}: overflow page {number} claims {used} bytes; "
                    f"{total - got} of {total} were still expected",
                )
            at = number * size + self.meta.header_size
            pieces.append(self.data[at : at + used])
            got += used
            number = nxt
        return b"".join(pieces)
