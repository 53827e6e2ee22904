"""Small, valid binary files built from scratch: ELF headers, JPEG, PNG, PDF, TZif, utmp, gzip.

The demo host must look real to tools that sniff magic bytes (``file``, YARA,
libmagic), parse images or read ``wtmp``, yet nothing in it may be a working
program. So every "binary" is an ELF header followed by strings and filler:
``file`` calls it an executable, a responder's strings search finds the
tell-tale words, and the kernel would refuse to run it (no loadable segment).

Everything is deterministic: the same arguments give the same bytes, so a
scenario built twice hashes the same.

Formats: ELF https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html,
JPEG ITU-T T.81 (baseline, Annex K tables), PNG RFC 2083, TZif RFC 8536,
utmp ``<bits/utmp.h>`` (x86-64 glibc), gzip RFC 1952.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import struct
import zlib
from collections.abc import Iterable, Sequence

# --------------------------------------------------------------------------- ELF


def filler(label: str, size: int) -> bytes:
    """Deterministic high-entropy bytes, so fake binaries differ and compress like code."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{label}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def elf(
    label: str,
    strings: Iterable[str],
    size: int,
    *,
    pie: bool = True,
    static: bool = False,
) -> bytes:
    """An x86-64 ELF header, its strings and filler, ``size`` bytes long.

    ``pie`` gives ``ET_DYN`` (what Debian builds by default), otherwise
    ``ET_EXEC`` (typical of statically linked malware). The program header
    count is zero, so even if someone ran it, the kernel would reject it.
    """
    e_type = 3 if pie else 2
    ident = b"\x7fELF" + bytes([2, 1, 1, 3 if static else 0]) + bytes(8)
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH",
        e_type,
        0x3E,  # EM_X86_64
        1,  # EV_CURRENT
        0x401000 if not pie else 0x1040,  # entry
        0,  # no program headers: not runnable
        0,  # no section headers
        0,
        64,
        56,
        0,
        64,
        0,
        0,
    )
    parts = [header]
    if not static:
        parts.append(b"/lib64/ld-linux-x86-64.so.2\x00")
    body = b"\x00".join(s.encode() for s in strings) + b"\x00"
    parts.append(body)
    blob = b"".join(parts)
    if len(blob) < size:
        pad = size - len(blob)
        # strings in the middle of the filler, as in a real .rodata section
        half = pad // 2
        blob = header + filler(label, half) + blob[len(header) :] + filler(label + "/2", pad - half)
    return blob


# --------------------------------------------------------------------------- JPEG

_DC_LUMA_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_CHROMA_BITS = (0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))


def _huff_codes(bits: Sequence[int], values: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes (T.81 Annex C): symbol -> (code, length)."""
    codes: dict[int, tuple[int, int]] = {}
    code = 0
    k = 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[values[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


class _BitWriter:
    """MSB-first bit packer with JPEG byte stuffing (0xFF is followed by 0x00)."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, value: int, length: int) -> None:
        self.acc = (self.acc << length) | (value & ((1 << length) - 1))
        self.n += length
        while self.n >= 8:
            self.n -= 8
            byte = (self.acc >> self.n) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:
                self.out.append(0)
        self.acc &= (1 << self.n) - 1

    def flush(self) -> bytes:
        if self.n:
            self.write((1 << (8 - self.n)) - 1, 8 - self.n)
        return bytes(self.out)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload


def jpeg(width: int, height: int, color_at: Sequence[Sequence[tuple[int, int, int]]]) -> bytes:
    """A baseline JFIF JPEG whose 8x8 blocks each have one colour.

    ``color_at[row][col]`` is the RGB colour of each block; the image is
    ``8*cols`` by ``8*rows`` pixels (``width``/``height`` are written to the
    header and must match). Only DC coefficients are coded, which keeps the
    encoder tiny while every decoder reads the result.
    """
    rows, cols = len(color_at), len(color_at[0])
    assert width == cols * 8 and height == rows * 8
    app0 = b"JFIF\x00\x01\x01\x01\x00\x48\x00\x48\x00\x00"
    qtable = bytes([8] + [16] * 63)
    dqt = b"\x00" + qtable + b"\x01" + qtable
    sof = struct.pack(">BHHB", 8, height, width, 3) + bytes([1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1])
    ac_bits = (1,) + (0,) * 15
    dht = (
        b"\x00"
        + bytes(_DC_LUMA_BITS)
        + bytes(_DC_VALUES)
        + b"\x10"
        + bytes(ac_bits)
        + b"\x00"
        + b"\x01"
        + bytes(_DC_CHROMA_BITS)
        + bytes(_DC_VALUES)
        + b"\x11"
        + bytes(ac_bits)
        + b"\x00"
    )
    sos = bytes([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0])
    dc_tables = (_huff_codes(_DC_LUMA_BITS, _DC_VALUES), _huff_codes(_DC_CHROMA_BITS, _DC_VALUES))
    writer = _BitWriter()
    prev = [0, 0, 0]
    for r in range(rows):
        for c in range(cols):
            red, green, blue = color_at[r][c]
            ycc = (
                0.299 * red + 0.587 * green + 0.114 * blue,
                128 - 0.168736 * red - 0.331264 * green + 0.5 * blue,
                128 + 0.5 * red - 0.418688 * green - 0.081312 * blue,
            )
            for comp in range(3):
                # DC of a flat block is 8*(p-128); quantised by 8 that is p-128
                dc = round(ycc[comp]) - 128
                diff = dc - prev[comp]
                prev[comp] = dc
                category = abs(diff).bit_length()
                code, length = dc_tables[0 if comp == 0 else 1][category]
                writer.write(code, length)
                if category:
                    bits = diff if diff > 0 else diff + (1 << category) - 1
                    writer.write(bits, category)
                writer.write(0, 1)  # EOB: all AC coefficients zero
    return (
        b"\xff\xd8"
        + _segment(0xE0, app0)
        + _segment(0xDB, dqt)
        + _segment(0xC0, sof)
        + _segment(0xC4, dht)
        + _segment(0xDA, sos)
        + writer.flush()
        + b"\xff\xd9"
    )


@functools.lru_cache(maxsize=512)
def picture(label: str, cols: int, rows: int) -> bytes:
    """A JPEG "photo": a smooth sky-to-ground gradient with a little texture, varied by label."""
    seed = hashlib.sha256(label.encode()).digest()
    sky = (seed[0] // 2 + 60, seed[1] // 2 + 110, 200 + seed[2] // 5)
    ground = (seed[3] // 3 + 40, seed[4] // 3 + 90, seed[5] // 4 + 20)
    grid: list[list[tuple[int, int, int]]] = []
    for r in range(rows):
        t = r / max(rows - 1, 1)
        line: list[tuple[int, int, int]] = []
        for c in range(cols):
            noise = seed[(r * cols + c) % 32] % 23 - 11
            red, green, blue = (
                max(0, min(255, round(s * (1 - t) + g * t) + noise)) for s, g in zip(sky, ground, strict=True)
            )
            line.append((red, green, blue))
        grid.append(line)
    return jpeg(cols * 8, rows * 8, grid)


# --------------------------------------------------------------------------- PNG


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, label: str) -> bytes:
    """An RGB PNG with a two-colour diagonal pattern chosen by ``label``."""
    seed = hashlib.sha256(label.encode()).digest()
    a, b = seed[0:3], seed[3:6]
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows += a if ((x + y) // 4) % 2 else b
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- PDF


def pdf(title: str, lines: Sequence[str]) -> bytes:
    """A one-page PDF 1.4 with Helvetica text and a correct xref table."""
    text = (
        "BT /F1 12 Tf 72 770 Td 16 TL "
        + " ".join("(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for line in lines)
        + " ET"
    )
    stream = text.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (" + title.encode("latin-1", "replace") + b") /Producer (LibreOffice 7.4) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --------------------------------------------------------------------------- TZif


def _last_sunday(year: int, month: int) -> int:
    """Day of month of the last Sunday (Zeller-free: via days since epoch)."""
    import datetime as _dt

    day = 31
    while True:
        try:
            date = _dt.date(year, month, day)
        except ValueError:
            day -= 1
            continue
        if date.weekday() == 6:
            return day
        day -= 1


def tzif_central_europe() -> bytes:
    """A TZif v2 file for Europe/Berlin, 1996-2037 transitions plus the POSIX footer.

    Generated rather than copied from the analyst's machine so the demo host is
    byte-identical everywhere and does not depend on a tzdata install. Rule:
    EU summer time, last Sunday of March 01:00 UTC to last Sunday of October
    01:00 UTC (unchanged since 1996).
    """
    import calendar

    transitions: list[tuple[int, int]] = []
    for year in range(1996, 2038):
        spring = calendar.timegm((year, 3, _last_sunday(year, 3), 1, 0, 0, 0, 0, 0))
        autumn = calendar.timegm((year, 10, _last_sunday(year, 10), 1, 0, 0, 0, 0, 0))
        transitions += [(spring, 1), (autumn, 0)]
    chars = b"CET\x00CEST\x00"
    types = struct.pack(">lBB", 3600, 0, 0) + struct.pack(">lBB", 7200, 1, 4)

    def block(fmt: str) -> bytes:
        counts = struct.pack(">6l", 2, 2, 0, len(transitions), 2, len(chars))
        times = b"".join(struct.pack(fmt, t) for t, _ in transitions)
        idx = bytes(i for _, i in transitions)
        return counts + times + idx + types + chars + b"\x00\x00" + b"\x00\x00"

    head = b"TZif2" + bytes(15)
    return head + block(">l") + head + block(">q") + b"\nCET-1CEST,M3.5.0,M10.5.0/3\n"


# --------------------------------------------------------------------------- utmp

UT_RUN_LVL = 1
UT_BOOT_TIME = 2
UT_LOGIN_PROCESS = 6
UT_USER_PROCESS = 7
UT_DEAD_PROCESS = 8


def utmp_record(
    ut_type: int,
    pid: int,
    line: str,
    ut_id: str,
    user: str,
    host: str,
    time_ns: int,
) -> bytes:
    """One 384-byte ``struct utmp`` as glibc on x86-64 writes it to wtmp/btmp."""
    addr = b"\x00" * 16
    try:
        ip = ipaddress.ip_address(host)
        addr = ip.packed.ljust(16, b"\x00")
    except ValueError:
        pass
    seconds, micros = divmod(time_ns // 1000, 1_000_000)
    return struct.pack(
        "<hxxi32s4s32s256shhiii16s20s",
        ut_type,
        pid,
        line.encode(),
        ut_id.encode(),
        user.encode(),
        host.encode(),
        0,
        0,
        0,
        seconds,
        micros,
        addr,
        b"",
    )


def lastlog_record(time_ns: int, line: str, host: str) -> bytes:
    """One 292-byte ``struct lastlog`` (32-bit ``ll_time``, glibc on x86-64); all zero for "never"."""
    return struct.pack("<i32s256s", time_ns // 1_000_000_000, line.encode(), host.encode())


# --------------------------------------------------------------------------- gzip


def gzip_bytes(data: bytes, mtime: int) -> bytes:
    """gzip as ``logrotate`` makes it (``gzip -6`` fed the file, no name, Unix OS byte).

    Python's ``gzip.compress`` writes OS=255; GNU gzip writes 3. Writing the
    header ourselves keeps the files indistinguishable from real rotated logs.
    """
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = comp.compress(data) + comp.flush()
    header = b"\x1f\x8b\x08\x00" + struct.pack("<I", mtime & 0xFFFFFFFF) + b"\x00\x03"
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return header + body + trailer
