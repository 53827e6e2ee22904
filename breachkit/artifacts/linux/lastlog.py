"""lastlog: each account's most recent login (``lastlog(8)``).

``/var/log/lastlog`` is an array of ``struct lastlog`` indexed by UID
(https://man7.org/linux/man-pages/man8/lastlog.8.html): ``ll_time`` (32-bit
on glibc x86-64 and most others: 292-byte records; 64-bit where glibc has no
32-bit compatibility: 296 bytes), ``ll_line[32]``, ``ll_host[256]``. The file
is sparse: a UID of 4294967294 makes it over a terabyte of holes, so only
the first :data:`MAX_BYTES` are read (UIDs up to ~220 000), with a problem
record when more exists. User names come from the examined root's
``/etc/passwd``.

An attacker who logged in with a real account leaves the address here even
after cleaning wtmp; a service account (``www-data``) with a last login at
all is a finding in itself.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from breachkit.artifacts.rotated import Problems
from breachkit.events import Event
from breachkit.sources.base import Source

PATH = "/var/log/lastlog"
MAX_BYTES = 64 * 1024 * 1024
LAYOUTS = ((292, "<i32s256s"), (296, "<q32s256s"))


@dataclass(frozen=True, slots=True)
class LastLogin:
    """The last login of one UID."""

    time_ns: int
    uid: int
    user: str | None
    line: str
    host: str
    source_file: str = PATH

    def event(self) -> Event:
        return Event(
            time_ns=self.time_ns,
            precision_ns=1_000_000_000,
            source="lastlog",
            kind="last-login",
            user=self.user or str(self.uid),
            ip=self.host or None,
            message=f"last login of {self.user or self.uid} on {self.line or '-'}"
            + (f" from {self.host}" if self.host else ""),
            source_file=self.source_file,
            source_line=self.uid,
            extra={"uid": self.uid},
        )


def users(source: Source) -> dict[int, str]:
    """UID -> name from /etc/passwd (first name wins, as for getpwuid)."""
    names: dict[int, str] = {}
    try:
        data, _ = source.read_bytes("/etc/passwd", 4 * 1024 * 1024)
    except OSError:
        return names
    for raw in data.splitlines():
        parts = raw.decode("utf-8", "backslashreplace").split(":")
        if len(parts) >= 3 and parts[2].isdigit():
            names.setdefault(int(parts[2]), parts[0])
    return names


def read_lastlog(source: Source, problems: Problems, clock_offset_ns: int = 0) -> Iterator[LastLogin]:
    try:
        data, cut = source.read_bytes(PATH, MAX_BYTES)
    except OSError:
        return
    if cut:
        problems.add(PATH, "lastlog-cut", f"read the first {MAX_BYTES} bytes (UIDs beyond are not shown)")
    size, fmt = LAYOUTS[0]
    if not cut and len(data) % LAYOUTS[0][0] and not len(data) % LAYOUTS[1][0]:
        size, fmt = LAYOUTS[1]
    names = users(source)
    for uid in range(len(data) // size):
        chunk = data[uid * size : (uid + 1) * size]
        if not chunk.strip(b"\x00"):
            continue
        seconds, line, host = struct.unpack(fmt, chunk)
        if seconds <= 0:
            continue
        yield LastLogin(
            time_ns=seconds * 1_000_000_000 + clock_offset_ns,
            uid=uid,
            user=names.get(uid),
            line=line.split(b"\x00", 1)[0].decode("utf-8", "backslashreplace"),
            host=host.split(b"\x00", 1)[0].decode("utf-8", "backslashreplace"),
        )
