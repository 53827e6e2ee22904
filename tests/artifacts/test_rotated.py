"""Rotated families in order, transparent decompression, and hostile compressed files."""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
from pathlib import Path

import pytest

from breachkit.artifacts import rotated
from breachkit.artifacts.rotated import Problems, families, family, read_lines
from breachkit.sources import RootSource
from tests.artifacts.conftest import put


def test_family_is_ordered_oldest_first(tmp_path: Path) -> None:
    for name in (
        "auth.log",
        "auth.log.1",
        "auth.log.2.gz",
        "auth.log.10.gz",
        "auth.log.3.bz2",
        "authx.log",
        "auth.log.bak",
    ):
        put(tmp_path, f"/var/log/{name}", b"x\n")
    source = RootSource(str(tmp_path))
    assert family(source, "/var/log", "auth.log") == [
        "/var/log/auth.log.10.gz",
        "/var/log/auth.log.3.bz2",
        "/var/log/auth.log.2.gz",
        "/var/log/auth.log.1",
        "/var/log/auth.log",
    ]
    source.close()


def test_dated_family_and_family_without_live_file(tmp_path: Path) -> None:
    for name in ("secure-20261115", "secure-20261108.gz", "secure", "site_access.log.1", "site_access.log.2.gz"):
        put(tmp_path, f"/var/log/{name}", b"x\n")
    source = RootSource(str(tmp_path))
    assert family(source, "/var/log", "secure") == [
        "/var/log/secure-20261108.gz",
        "/var/log/secure-20261115",
        "/var/log/secure",
    ]
    # The attacker deleted site_access.log: its rotated copies are still a family.
    assert families(source, "/var/log", re.compile("access")) == [
        ["/var/log/site_access.log.2.gz", "/var/log/site_access.log.1"]
    ]
    source.close()


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress])
def test_compressed_members_read_by_magic_not_name(tmp_path: Path, compress: object) -> None:
    body = b"".join(b"line %d\n" % i for i in range(5000))
    assert callable(compress)
    put(tmp_path, "/var/log/app.log.1", compress(body[:20000]) + compress(body[20000:]))  # two members, no suffix
    source = RootSource(str(tmp_path))
    problems = Problems()
    lines = list(read_lines(source, "/var/log/app.log.1", problems))
    source.close()
    assert [n for n, _ in lines] == list(range(1, 5001))
    assert lines[4999][1] == b"line 4999"
    assert problems.total == 0


def test_corrupt_member_gives_partial_lines_and_offset(tmp_path: Path) -> None:
    body = b"".join(b"Nov 21 10:00:%02d host prog: event %d %x\n" % (i % 60, i, i * 2654435761) for i in range(60000))
    blob = bytearray(gzip.compress(body, compresslevel=1))
    middle = len(blob) // 2
    blob[middle : middle + 64] = b"\xff" * 64
    put(tmp_path, "/var/log/syslog.2.gz", bytes(blob))
    source = RootSource(str(tmp_path))
    problems = Problems()
    lines = list(read_lines(source, "/var/log/syslog.2.gz", problems))
    source.close()
    assert 0 < len(lines) < 60000
    assert problems.counts["corrupt-compressed"] == 1
    detail = problems.items[0].detail
    offset = int(re.search(r"offset (\d+)", detail).group(1))  # type: ignore[union-attr]
    assert 0 < offset <= len(blob)


def test_truncated_gzip_and_bomb_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rotated, "MIN_EXPANDED", 1 << 20)
    put(tmp_path, "/var/log/bomb.gz", gzip.compress(b"A" * (64 << 20)))
    put(tmp_path, "/var/log/cut.gz", gzip.compress(b"ok line\n" * 100000)[:600])
    source = RootSource(str(tmp_path))
    problems = Problems()
    seen = sum(len(line) for _, line in read_lines(source, "/var/log/bomb.gz", problems))
    assert seen < 64 << 20
    assert problems.counts["decompression-cap"] == 1
    cut = list(read_lines(source, "/var/log/cut.gz", problems))
    assert cut and problems.counts["truncated-compressed"] == 1
    source.close()


def test_long_lines_are_cut_and_numbering_continues(tmp_path: Path) -> None:
    put(tmp_path, "/var/log/x.log", b"first\n" + b"A" * (3 * rotated.MAX_LINE) + b"\nthird\nno newline")
    source = RootSource(str(tmp_path))
    problems = Problems()
    lines = list(read_lines(source, "/var/log/x.log", problems))
    source.close()
    assert [(n, len(text)) for n, text in lines] == [(1, 5), (2, rotated.MAX_LINE), (3, 5), (4, 10)]
    assert problems.counts["long-line"] == 1
    assert problems.counts["truncated-line"] == 1


def test_unreadable_member_is_a_problem_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "var/log").mkdir(parents=True)
    (tmp_path / "var/log/fifo.log").symlink_to("/etc/shadow")  # absolute link: resolved inside the root only
    source = RootSource(str(tmp_path))
    problems = Problems()
    assert list(read_lines(source, "/var/log/fifo.log", problems)) == []
    assert problems.counts["unreadable-log"] == 1
    source.close()
