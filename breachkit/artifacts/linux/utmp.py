"""wtmp, btmp and utmp: the binary login records (``last``, ``lastb``, ``who``).

``/var/log/wtmp`` holds every login, logout, boot and shutdown,
``/var/log/btmp`` every failed login, ``/var/run/utmp`` (``/run/utmp``) who is
logged in now; logrotate rotates wtmp/btmp like text logs (``wtmp.1``,
``btmp.1.gz``). Each file is an array of ``struct utmp``
(https://man7.org/linux/man-pages/man5/utmp.5.html). Two layouts are handled:

* 384 bytes, 32-bit ``ut_session`` and ``ut_tv`` (glibc on x86-64, i386, arm
  and most others, which keep 32-bit times here for compatibility);
* 400 bytes, 64-bit ``ut_session`` and ``ut_tv`` (64-bit platforms without
  that compatibility, e.g. musl and some glibc ports).

The layout is chosen by which one the file's size divides and which gives
plausible records (valid ``ut_type``, times after 1990); little-endian.

These files are what attackers edit to hide a login (``utmpdump``, wtmp
cleaners): an all-zero record between real ones, a size that is not a whole
number of records, or times going backwards are reported as problems
(``zeroed-record``, ``partial-record``, ``time-backwards``) with their offset.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from breachkit.artifacts.rotated import Problems, family, open_stream
from breachkit.events import Event
from breachkit.sources.base import Source

TYPES = {
    0: "empty",
    1: "run-level",
    2: "boot",
    3: "new-time",
    4: "old-time",
    5: "init",
    6: "login-process",
    7: "user-process",
    8: "dead-process",
    9: "accounting",
}
#: Records read per file at most (a 1 GB wtmp is 2.7 million records).
MAX_RECORDS = 5_000_000
#: Earliest plausible record time (1990-01-01) when guessing the layout.
PLAUSIBLE_SECONDS = 631152000


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the fields of one ``struct utmp`` layout are."""

    name: str
    size: int
    fmt: str


LAYOUT_32 = Layout("utmp-32bit-time", 384, "<hxxi32s4s32s256shhiii16s20x")
LAYOUT_64 = Layout("utmp-64bit-time", 400, "<hxxi32s4s32s256shhqqq16s20x4x")


@dataclass(frozen=True, slots=True)
class UtmpRecord:
    """One login record."""

    time_ns: int
    type: str
    pid: int
    line: str
    id: str
    user: str
    host: str
    ip: str | None
    session: int
    source_file: str
    #: 1-based record number in the file (shown as the line of the evidence)
    index: int
    offset: int

    def event(self, source: str) -> Event:
        # sshd writes failed logins to btmp as LOGIN_PROCESS, login(1) as USER_PROCESS: both are failures.
        kind = (
            "failed-login"
            if source == "btmp"
            else {
                "user-process": "login",
                "dead-process": "logout",
                "boot": "boot",
                "run-level": "run-level",
                "login-process": "login-prompt",
            }.get(self.type, self.type)
        )
        where = f" from {self.host}" if self.host else ""
        return Event(
            time_ns=self.time_ns,
            precision_ns=1000,
            source=source,
            kind=kind,
            user=self.user or None,
            ip=self.ip,
            message=f"{kind} {self.user or '-'} on {self.line or '-'}{where}",
            source_file=self.source_file,
            source_line=self.index,
            extra={"pid": self.pid, "line": self.line, "id": self.id, "host": self.host, "offset": self.offset},
        )


def choose_layout(data: bytes) -> Layout:
    """The layout that divides the size and gives the most plausible first records."""
    candidates = [layout for layout in (LAYOUT_32, LAYOUT_64) if len(data) % layout.size == 0] or [LAYOUT_32, LAYOUT_64]
    return max(candidates, key=lambda layout: _plausible(data, layout))


def _plausible(data: bytes, layout: Layout) -> int:
    score = 0
    for start in range(0, min(len(data), layout.size * 16) - layout.size + 1, layout.size):
        fields = struct.unpack_from(layout.fmt, data, start)
        if 0 <= fields[0] <= 9 and (fields[0] == 0 or fields[9] > PLAUSIBLE_SECONDS) and 0 <= fields[10] < 1_000_000:
            score += 1
    return score


def parse(data: bytes, path: str, problems: Problems, layout: Layout | None = None) -> Iterator[UtmpRecord]:
    """Records of one utmp-format file's bytes."""
    layout = layout or choose_layout(data)
    size = layout.size
    whole = len(data) - len(data) % size
    if whole != len(data):
        problems.add(
            path,
            "partial-record",
            f"{len(data) % size} bytes after the last whole {size}-byte record at offset {whole}",
        )
    last = 0
    seen_real = False
    zeroed: list[int] = []
    for index, start in enumerate(range(0, min(whole, MAX_RECORDS * size), size), 1):
        chunk = data[start : start + size]
        if not chunk.strip(b"\x00"):
            zeroed.append(start)
            continue
        if zeroed and seen_real:
            for offset in zeroed:
                problems.add(path, "zeroed-record", f"record {offset // size + 1} at offset {offset} is all zero bytes")
        zeroed = []
        seen_real = True
        ut_type, pid, line, ut_id, user, host, _term, _exit, session, seconds, micros, addr = struct.unpack(
            layout.fmt, chunk
        )
        time_ns = seconds * 1_000_000_000 + micros * 1000
        if time_ns < last - 60 * 1_000_000_000 and ut_type not in (3, 4):
            problems.add(path, "time-backwards", f"record {index} at offset {start} is earlier than the one before")
        last = max(last, time_ns)
        yield UtmpRecord(
            time_ns=time_ns,
            type=TYPES.get(ut_type, f"type-{ut_type}"),
            pid=pid,
            line=_text(line),
            id=_text(ut_id),
            user=_text(user),
            host=_text(host),
            ip=_address(addr),
            session=session,
            source_file=path,
            index=index,
            offset=start,
        )


def _text(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("utf-8", "backslashreplace")


def _address(raw: bytes) -> str | None:
    if not raw.strip(b"\x00"):
        return None
    if not raw[4:].strip(b"\x00"):
        return str(ipaddress.IPv4Address(raw[:4]))
    return str(ipaddress.IPv6Address(raw))


def read_utmp(source: Source, paths: list[str], problems: Problems) -> Iterator[UtmpRecord]:
    """Records of a wtmp/btmp family (oldest first); compressed members are decompressed."""
    from breachkit.artifacts.rotated import _chunks

    for path in paths:
        try:
            handle = open_stream(source, path)
        except OSError as exc:
            problems.add(path, "unreadable-log", exc.strerror or str(exc))
            continue
        with handle:
            data = bytearray()
            limit = MAX_RECORDS * LAYOUT_64.size
            for chunk in _chunks(handle, path, problems):
                data += chunk
                if len(data) > limit:
                    problems.add(path, "record-cap", f"read only the first {limit} bytes")
                    break
        yield from parse(bytes(data), path, problems)


def utmp_families(source: Source) -> list[tuple[str, list[str]]]:
    """(``wtmp``/``btmp``/``utmp``, family oldest first) for the files present."""
    found = [
        ("wtmp", family(source, "/var/log", "wtmp")),
        ("btmp", family(source, "/var/log", "btmp")),
        ("utmp", family(source, "/run", "utmp") or family(source, "/var/run", "utmp")),
    ]
    return [(name, members) for name, members in found if members]
