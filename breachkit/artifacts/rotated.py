"""Rotated and compressed logs, read as one stream in time order.

logrotate (https://linux.die.net/man/8/logrotate) renames ``auth.log`` to
``auth.log.1``, compresses older ones (``auth.log.2.gz`` …, or ``.bz2``,
``.xz`` with ``compresscmd``) or, with ``dateext`` as on RHEL, to
``secure-20261122``. :func:`family` finds every member of such a family in a
folder and orders it oldest first; :func:`read_lines` yields the lines of one
member, decompressing by the file's magic bytes (not its name: a renamed or
half-rotated file still reads).

Everything here treats the file as hostile:

* a corrupt compressed member yields the lines before the damage and a
  problem record with the compressed offset where decoding failed;
* decompression stops at :data:`MAX_EXPANSION` times the compressed size (plus
  a floor), so a gzip bomb costs a bounded amount of work;
* a line longer than :data:`MAX_LINE` is cut to that length and flagged;
  the rest of it is skipped without being held in memory.
"""

from __future__ import annotations

import bz2
import io
import lzma
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from breachkit.host.records import WarningRecord
from breachkit.host.rootfs import RootFS
from breachkit.sources.base import Source

CHUNK = 1 << 20
#: Compressed bytes fed to a decoder at once.
FEED = 64 * 1024
#: Longest line kept; the rest of a longer line is dropped (and counted).
MAX_LINE = 64 * 1024
#: Cap on decompressed bytes per compressed byte, against compression bombs.
MAX_EXPANSION = 200
#: Decompressed bytes always allowed, however small the compressed file.
MIN_EXPANDED = 64 * 1024 * 1024
#: Largest log member read without a streaming handle (bundles' long paths).
READ_CAP = 2 * 1024 * 1024 * 1024
#: Problem records kept for display; all are counted.
MAX_PROBLEMS = 200

_GZIP = b"\x1f\x8b"
_BZ2 = b"BZh"
_XZ = b"\xfd7zXZ\x00"

_NUMBERED = re.compile(r"^\.(\d{1,4})(\.(gz|bz2|xz))?$")
_DATED = re.compile(r"^[-.](\d{8}|\d{4}-\d{2}-\d{2})(\d{2,6})?(\.(gz|bz2|xz))?$")
_PLAIN_COMPRESSED = re.compile(r"^\.(gz|bz2|xz)$")


@dataclass
class Problems:
    """Per-item trouble met while reading logs: counted by kind, the first ones kept."""

    limit: int = MAX_PROBLEMS
    items: list[WarningRecord] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, path: str, kind: str, detail: str) -> None:
        self.counts[kind] += 1
        if len(self.items) < self.limit:
            self.items.append(WarningRecord(path, kind, detail))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def family(source: Source, folder: str, base: str) -> list[str]:
    """Host paths of ``base`` and its rotated copies in ``folder``, oldest first.

    Numbered copies (``base.1``, ``base.2.gz``) sort by number, highest
    (oldest) first; dated copies (``base-20261122``) by date; the live file
    comes last. A missing folder gives an empty list.
    """
    try:
        names = source.listdir(folder)
    except OSError:
        return []
    numbered: list[tuple[int, str]] = []
    dated: list[tuple[str, str]] = []
    live: list[str] = []
    for name in names:
        if not name.startswith(base):
            continue
        rest = name[len(base) :]
        if rest == "":
            live.append(name)
        elif match := _NUMBERED.match(rest):
            numbered.append((int(match.group(1)), name))
        elif match := _DATED.match(rest):
            dated.append((match.group(1).replace("-", "") + (match.group(2) or ""), name))
        elif _PLAIN_COMPRESSED.match(rest):
            dated.append(("", name))  # ``base.gz`` without a number: older than numbered ones is unknown
    ordered = [name for _, name in sorted(dated)]
    ordered += [name for _, name in sorted(numbered, reverse=True)]
    ordered += live
    prefix = folder.rstrip("/")
    return [f"{prefix}/{name}" for name in ordered]


def families(source: Source, folder: str, match: re.Pattern[str]) -> list[list[str]]:
    """Every family in ``folder`` whose live name matches ``match``, each oldest first.

    A family is known by its base name, also when only rotated copies remain
    (an attacker who deleted the live log still leaves ``.1`` behind).
    """
    try:
        names = source.listdir(folder)
    except OSError:
        return []
    bases: set[str] = set()
    for name in names:
        base = _base_name(name)
        if match.search(base):
            bases.add(base)
    return [family(source, folder, base) for base in sorted(bases)]


def _base_name(name: str) -> str:
    for pattern in (_NUMBERED, _DATED, _PLAIN_COMPRESSED):
        for cut in range(len(name) - 1, 0, -1):
            if name[cut] in ".-" and pattern.match(name[cut:]):
                return name[:cut]
    return name


def open_stream(source: Source, path: str) -> IO[bytes]:
    """A binary handle on a regular file of the source, streamed where the source allows it.

    :class:`breachkit.sources.RootSource` and :class:`breachkit.sources.BundleSource`
    both carry a :class:`RootFS` (``.fs``), which opens in-root, read-only and
    refuses special files; other sources fall back to a capped ``read_bytes``.
    Raises ``OSError`` when the file cannot be opened.
    """
    fs: Any = getattr(source, "fs", None)
    if isinstance(fs, RootFS):
        try:
            return fs.open_file(path)
        except FileNotFoundError:
            pass  # a bundle keeps over-long paths elsewhere; read_bytes knows where
    data, _ = source.read_bytes(path, READ_CAP)
    return io.BytesIO(data)


def read_lines(source: Source, path: str, problems: Problems) -> Iterator[tuple[int, bytes]]:
    """(line number, line without its newline) of one log file, decompressed when needed.

    Never raises for a bad file: an unreadable or corrupt file ends its lines
    early and leaves a problem record.
    """
    try:
        handle = open_stream(source, path)
    except OSError as exc:
        problems.add(path, "unreadable-log", exc.strerror or str(exc))
        return
    with handle:
        yield from split_lines(_chunks(handle, path, problems), path, problems)


def split_lines(chunks: Iterator[bytes], path: str, problems: Problems) -> Iterator[tuple[int, bytes]]:
    """Lines of a byte stream, numbered from 1; over-long lines cut at :data:`MAX_LINE`."""
    for first, lines in line_batches(chunks, path, problems):
        yield from enumerate(lines, first)


def line_batches(chunks: Iterator[bytes], path: str, problems: Problems) -> Iterator[tuple[int, list[bytes]]]:
    """Lines of a byte stream in batches: (number of the first line, lines without newline).

    The batch form lets bulk loaders work a chunk at a time; :func:`split_lines`
    is the same stream line by line.
    """
    number = 0  # lines handed out so far
    pending = b""
    skipping = False  # inside the dropped tail of an over-long line
    for chunk in chunks:
        if skipping:
            cut = chunk.find(b"\n")
            if cut < 0:
                continue
            chunk = chunk[cut + 1 :]
            skipping = False
        if pending:
            chunk = pending + chunk
        parts = chunk.split(b"\n")
        pending = parts.pop()
        if parts:
            if b"\r" in chunk:
                parts = [part[:-1] if part.endswith(b"\r") else part for part in parts]
            if len(chunk) > MAX_LINE and max(map(len, parts)) > MAX_LINE:
                for index, part in enumerate(parts):
                    if len(part) > MAX_LINE:
                        problems.add(
                            path, "long-line", f"line {number + index + 1}: {len(part)} bytes, cut to {MAX_LINE}"
                        )
                        parts[index] = part[:MAX_LINE]
            yield number + 1, parts
            number += len(parts)
        if len(pending) > MAX_LINE:
            number += 1
            problems.add(path, "long-line", f"line {number}: over {MAX_LINE} bytes, cut")
            yield number, [pending[:MAX_LINE]]
            pending = b""
            skipping = True
    if pending and not skipping:
        number += 1
        problems.add(path, "truncated-line", f"line {number}: the file ends without a newline")
        yield number, [pending[:-1] if pending.endswith(b"\r") else pending]


def read_batches(source: Source, path: str, problems: Problems) -> Iterator[tuple[int, list[bytes]]]:
    """:func:`read_lines` in batches (see :func:`line_batches`)."""
    try:
        handle = open_stream(source, path)
    except OSError as exc:
        problems.add(path, "unreadable-log", exc.strerror or str(exc))
        return
    with handle:
        yield from line_batches(_chunks(handle, path, problems), path, problems)


def _chunks(handle: IO[bytes], path: str, problems: Problems) -> Iterator[bytes]:
    first = handle.read(CHUNK)
    if first.startswith(_GZIP):
        yield from _decompress(first, handle, path, problems, "gzip")
    elif first.startswith(_BZ2):
        yield from _decompress(first, handle, path, problems, "bzip2")
    elif first.startswith(_XZ):
        yield from _decompress(first, handle, path, problems, "xz")
    else:
        chunk = first
        while chunk:
            yield chunk
            chunk = handle.read(CHUNK)


def _decompressor(kind: str) -> Any:
    if kind == "gzip":
        return zlib.decompressobj(wbits=31)
    if kind == "bzip2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


def _decompress(first: bytes, handle: IO[bytes], path: str, problems: Problems, kind: str) -> Iterator[bytes]:
    """Decompress every member (concatenated gzip/bzip2/xz streams are legal) with a size cap.

    Output is pulled at most :data:`CHUNK` bytes at a time, so even a bomb
    never sits in memory whole.
    """
    decoder = _decompressor(kind)
    pieces = _pieces(first, handle)
    data = next(pieces, b"")
    read_total = len(data)  # compressed bytes fed to the decoder so far
    produced = 0
    while True:
        try:
            if kind == "gzip":
                out = decoder.decompress(data, CHUNK)
                data = decoder.unconsumed_tail
            else:
                out = decoder.decompress(data, max_length=CHUNK)
                data = b""
        except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as exc:
            offset = read_total - len(data)
            problems.add(path, "corrupt-compressed", f"{kind} data corrupt near compressed offset {offset}: {exc}")
            return
        produced += len(out)
        if out:
            yield out
        if produced > max(MIN_EXPANDED, MAX_EXPANSION * read_total):
            problems.add(
                path,
                "decompression-cap",
                f"{kind} expands beyond {MAX_EXPANSION}x its size near compressed offset {read_total}; stopped",
            )
            return
        if decoder.eof:
            rest = decoder.unused_data + data if kind != "gzip" else decoder.unused_data
            if not rest:
                rest = next(pieces, b"")
                read_total += len(rest)
            if not rest or rest.strip(b"\x00") == b"":
                return  # zero padding after the last member is not an error
            decoder = _decompressor(kind)
            data = rest
            continue
        if data or not _needs_input(decoder, kind, len(out)):
            continue
        data = next(pieces, b"")
        read_total += len(data)
        if not data:
            problems.add(path, "truncated-compressed", f"{kind} stream ends early at compressed offset {read_total}")
            return


def _pieces(first: bytes, handle: IO[bytes]) -> Iterator[bytes]:
    """Compressed input in :data:`FEED` slices: a decoding error loses at most one slice of output."""
    data = first
    while data:
        for start in range(0, len(data), FEED):
            yield data[start : start + FEED]
        data = handle.read(CHUNK)


def _needs_input(decoder: Any, kind: str, produced: int) -> bool:
    if kind == "gzip":
        # A full output chunk may leave more output inside zlib: ask again before reading.
        return not decoder.unconsumed_tail and produced < CHUNK
    return bool(decoder.needs_input)
