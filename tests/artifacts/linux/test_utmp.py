"""wtmp/btmp records in both layouts, and the traces of a wtmp cleaner."""

from __future__ import annotations

import gzip
import ipaddress
import struct
from pathlib import Path

import pytest

from breachkit.artifacts.linux.utmp import LAYOUT_32, LAYOUT_64, Layout, choose_layout, parse, read_utmp, utmp_families
from breachkit.artifacts.rotated import Problems
from breachkit.sources import RootSource
from tests.artifacts.conftest import put

T = 1795300877


def record(layout: Layout, ut_type: int, user: str, host: str, seconds: int, line: str = "pts/0") -> bytes:
    try:
        addr = ipaddress.ip_address(host).packed.ljust(16, b"\x00")
    except ValueError:
        addr = b"\x00" * 16
    return struct.pack(
        layout.fmt, ut_type, 4242, line.encode(), b"ts/0", user.encode(), host.encode(), 0, 0, 7, seconds, 123456, addr
    ).ljust(layout.size, b"\x00")


@pytest.mark.parametrize("layout", [LAYOUT_32, LAYOUT_64])
def test_both_layouts(layout: Layout) -> None:
    data = record(layout, 2, "reboot", "6.1.0-40-amd64", T - 100, "~") + record(layout, 7, "anna", "2001:db8::7", T)
    assert choose_layout(data) is layout
    problems = Problems()
    boot, login = list(parse(data, "/var/log/wtmp", problems))
    assert (boot.type, boot.user, boot.ip) == ("boot", "reboot", None)
    assert (login.type, login.user, login.ip, login.line) == ("user-process", "anna", "2001:db8::7", "pts/0")
    assert login.time_ns == T * 10**9 + 123456000
    assert login.index == 2 and login.offset == layout.size
    assert problems.total == 0
    event = login.event("wtmp")
    assert (event.source, event.kind, event.user, event.ip, event.source_line) == (
        "wtmp",
        "login",
        "anna",
        "2001:db8::7",
        2,
    )


def test_zeroed_and_cut_records_and_time_backwards() -> None:
    good = record(LAYOUT_32, 7, "root", "203.0.113.5", T)
    data = (
        good
        + b"\x00" * 384
        + record(LAYOUT_32, 8, "", "", T + 60)
        + record(LAYOUT_32, 7, "x", "", T - 3600)
        + b"\x01" * 50
    )
    problems = Problems()
    records = list(parse(data, "/var/log/wtmp", problems, LAYOUT_32))
    assert [r.index for r in records] == [1, 3, 4]
    assert problems.counts == {"zeroed-record": 1, "partial-record": 1, "time-backwards": 1}
    assert "offset 384" in next(i.detail for i in problems.items if i.kind == "zeroed-record")


def test_rotated_compressed_btmp_family(tmp_path: Path) -> None:
    put(
        tmp_path,
        "/var/log/btmp.1.gz",
        gzip.compress(record(LAYOUT_32, 6, "oracle", "198.51.100.9", T - 10, "ssh:notty")),
    )
    put(tmp_path, "/var/log/btmp", record(LAYOUT_32, 6, "admin", "198.51.100.9", T, "ssh:notty"))
    source = RootSource(str(tmp_path))
    ((name, members),) = utmp_families(source)
    problems = Problems()
    records = list(read_utmp(source, members, problems))
    source.close()
    assert name == "btmp" and [r.user for r in records] == ["oracle", "admin"]
    assert {r.event("btmp").kind for r in records} == {"failed-login"}
