from __future__ import annotations

import io
import os
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from breachkit.indicators import export, extract
from breachkit.indicators.hunt import HuntLimits, date_in_name, host_path, hunt, load_iocs, sweep_archive
from breachkit.indicators.model import Indicator
from tests.hostile import build_hostile_root, snapshot, snapshot_diff
from tests.indicators.conftest import DemoCase, backup, before_attack

BAD = b"<?php @eval($_POST['x']); ?>\n"
BAD_SHA = "f8d1c7fc2a0bd1b7b7ba0e7c4c1a4cc18d1e8b77e0e0cf0c0a8f0d3f3c8b0f2c"


def _iocs(tmp_path: Path, items: list[Indicator]) -> Path:
    path = tmp_path / "iocs.json"
    path.write_text(export.to_json(items))
    return path


def _demo_iocs(demo_case: DemoCase, tmp_path: Path) -> Path:
    return _iocs(tmp_path, extract(demo_case.case).indicators)


def test_backup_from_before_the_attack_is_clean_and_the_later_one_is_not(demo_case: DemoCase, tmp_path: Path) -> None:
    iocs = load_iocs([_demo_iocs(demo_case, tmp_path)])
    old = backup(tmp_path / "www-2026-10-01.tar.gz", before_attack(demo_case))
    older = backup(tmp_path / "www-2026-09-01.tar.bz2", before_attack(demo_case), compression="bz2")
    late = backup(tmp_path / "www-2026-11-28.tar.xz", demo_case.entries, compression="xz")
    result = hunt(iocs, archives=[late, old, older])
    status = {Path(t.path).name: t.status for t in result.targets}
    assert status == {late.name: "infected", old.name: "clean", older.name: "clean"}
    assert result.newest_clean is not None and result.newest_clean.path == str(old)
    infected = result.targets[0]
    members = {hit.member for hit in infected.hits if hit.strength == "strong"}
    webshell = next(m for m in demo_case.truth.malicious if m.role == "webshell")
    dropped = next(m for m in demo_case.truth.malicious if m.role == "dos-tool")
    assert webshell.path.lstrip("/") in members and dropped.path.lstrip("/") in members
    titles = [f.title for f in result.findings()]
    assert any(webshell.path.lstrip("/") in t for t in titles)
    assert f"Newest clean backup: {old.name}" in titles


def test_site_backup_rooted_elsewhere_and_zip(demo_case: DemoCase, tmp_path: Path) -> None:
    iocs = load_iocs([_demo_iocs(demo_case, tmp_path)])
    site = "/var/www/shop.example-client.de/"
    entries = [e for e in demo_case.entries if e.path.startswith(site)]
    archive = tmp_path / "shop.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in entries:
            if entry.kind == "file":
                out.writestr("shop-backup/" + entry.path[len(site) :], entry.data)
    result = hunt(iocs, archives=[archive])
    target = result.targets[0]
    assert target.status == "infected"
    assert any(h.member == "shop-backup/htdocs/images/thumb_cache.php" and h.kind == "path" for h in target.hits)
    assert result.newest_clean is None
    assert any(f.check == "hunt.no-clean-backup" for f in result.findings())


def test_loki_files_work_as_iocs(demo_case: DemoCase, tmp_path: Path) -> None:
    files = export.write(
        extract(demo_case.case).indicators, "loki", tmp_path / "loki", case_id="", case_name="", created_utc=""
    )
    late = backup(tmp_path / "late.tar", demo_case.entries, compression="")
    target = hunt(load_iocs(files), archives=[late]).targets[0]
    assert target.status == "infected"
    assert {h.kind for h in target.hits} >= {"sha256", "name-regex"}


def test_same_path_with_other_content_is_a_weak_hit(tmp_path: Path) -> None:
    iocs = load_iocs(
        [_iocs(tmp_path, [Indicator("path", "/var/www/html/index.php", 0.9, "critical", "modified", sha256="0" * 64)])]
    )
    archive = tmp_path / "b.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("var/www/html/index.php")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"<html>"))
    target = hunt(iocs, archives=[archive]).targets[0]
    assert [h.strength for h in target.hits] == ["weak"] and target.status == "clean"


def test_network_indicators_in_text_with_line_numbers(tmp_path: Path) -> None:
    iocs = load_iocs(
        [
            _iocs(
                tmp_path,
                [
                    Indicator("ip", "203.0.113.7", 0.9, "high", "attacker"),
                    Indicator("user-agent", "python-requests/2.31", 0.4, "high", "attacker"),
                ],
            )
        ]
    )
    log = b"".join(b"10.0.0.%d - - GET / 200\n" % (i % 250) for i in range(300_000))
    log += b"203.0.113.70 - - GET / 200\n"  # a longer address is not a hit
    log += b"203.0.113.7 - - POST /x.php 200 python-requests/2.31\n"
    archive = tmp_path / "logs.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("var/log/nginx/access.log")
        info.size = len(log)
        tar.addfile(info, io.BytesIO(log))
        binary = b"\0ELF 203.0.113.7"
        info = tarfile.TarInfo("usr/bin/tool")
        info.size = len(binary)
        tar.addfile(info, io.BytesIO(binary))
    target = hunt(iocs, archives=[archive]).targets[0]
    hits = {(h.member, h.kind): h for h in target.hits}
    ip = hits[("var/log/nginx/access.log", "ip")]
    assert ip.line == 300_002 and ip.count == 1 and ip.strength == "medium"
    assert hits[("var/log/nginx/access.log", "user-agent")].strength == "weak"
    assert ("usr/bin/tool", "ip") not in hits  # binary files are hashed, not searched
    assert target.status == "infected"


def _hostile_tar(path: Path, big: int) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name in ("../../etc/passwd", "/etc/shadow", "a/\x1b[31mred\nname.php", "a/bad\udcffname"):
            data = BAD
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, kind, link in (
            ("link-out", tarfile.SYMTYPE, "/etc/shadow"),
            ("hard", tarfile.LNKTYPE, "../../etc/passwd"),
            ("dev", tarfile.CHRTYPE, ""),
            ("fifo", tarfile.FIFOTYPE, ""),
        ):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = link
            tar.addfile(info)
        info = tarfile.TarInfo("big.img")
        info.size = big
        tar.addfile(info, _Zeros(big))
    return path


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def test_hostile_archive_members_are_data(tmp_path: Path) -> None:
    bad_sha = __import__("hashlib").sha256(BAD).hexdigest()
    iocs = load_iocs([_iocs(tmp_path, [Indicator("sha256", bad_sha, 0.9, "critical", "webshell")])])
    archive = _hostile_tar(tmp_path / "hostile.tar.gz", 48 << 20)
    work = tmp_path / "work"
    work.mkdir()
    cwd = os.getcwd()
    os.chdir(work)
    try:
        started = time.monotonic()
        target = sweep_archive(archive, iocs, HuntLimits(member_bytes=1 << 20))
        assert time.monotonic() - started < 30
    finally:
        os.chdir(cwd)
    assert list(work.iterdir()) == []  # nothing extracted
    hit_members = {h.member for h in target.hits}
    assert {"../../etc/passwd", "/etc/shadow", "a/\x1b[31mred\nname.php", "a/bad\udcffname"} <= hit_members
    assert target.status == "infected"
    assert any(w.kind == "too-large" and w.member == "big.img" for w in target.warnings)
    assert target.members == 9
    assert host_path("../../etc/passwd") == "/etc/passwd"


def test_big_member_alone_makes_the_archive_incomplete_not_clean(tmp_path: Path) -> None:
    iocs = load_iocs([_iocs(tmp_path, [Indicator("sha256", "1" * 64, 0.9, "critical", "x")])])
    archive = tmp_path / "big.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("big.img")
        info.size = 16 << 20
        tar.addfile(info, _Zeros(16 << 20))
    assert sweep_archive(archive, iocs, HuntLimits(member_bytes=1 << 20)).status == "incomplete"
    assert sweep_archive(archive, iocs).status == "clean"


def test_zip_bomb_is_capped(tmp_path: Path) -> None:
    iocs = load_iocs([_iocs(tmp_path, [Indicator("sha256", "1" * 64, 0.9, "critical", "x")])])
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out, out.open("zeros", "w", force_zip64=True) as handle:
        chunk = bytes(1 << 20)
        for _ in range(64):
            handle.write(chunk)
    assert archive.stat().st_size < 1 << 20
    started = time.monotonic()
    target = sweep_archive(archive, iocs, HuntLimits(archive_bytes=4 << 20))
    assert time.monotonic() - started < 10
    assert target.status == "incomplete" and target.bytes_read <= 4 << 20


def test_truncated_and_garbage_archives(tmp_path: Path) -> None:
    iocs = load_iocs([_iocs(tmp_path, [Indicator("sha256", "1" * 64, 0.9, "critical", "x")])])
    good = _hostile_tar(tmp_path / "h.tar.gz", 1 << 20)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    garbage = tmp_path / "garbage.tgz"
    garbage.write_bytes(os.urandom(4096))
    for path in (cut, garbage):
        target = sweep_archive(path, iocs)
        assert target.status == "incomplete"
        assert any(w.kind == "unreadable" for w in target.warnings)


def test_hostile_root_and_bundle(tmp_path: Path, demo_case: DemoCase) -> None:
    hostile = build_hostile_root(tmp_path / "root")
    iocs = load_iocs(
        [
            _iocs(
                tmp_path,
                [
                    Indicator("filename", "passwd", 0.5, "high", "x"),
                    Indicator("ip", "198.51.100.23", 0.9, "high", "c2"),
                ],
            )
        ]
    )
    before = snapshot(hostile.path)
    result = hunt(iocs, root=str(hostile.path), limits=HuntLimits(member_bytes=1 << 20))
    assert snapshot_diff(before, snapshot(hostile.path)) == []
    assert result.targets[0].kind == "root" and result.targets[0].members > 0
    assert any(w.kind == "sparse" and w.member == hostile.sparse for w in result.targets[0].warnings)
    bundle = next((demo_case.case / "evidence" / "bundles").iterdir())
    swept = hunt(load_iocs([_demo_iocs(demo_case, tmp_path)]), bundle=str(bundle)).targets[0]
    assert swept.status == "infected"
    assert any(h.kind == "sha256" for h in swept.hits)


def test_load_iocs_reports_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}')
    with pytest.raises(Exception, match="no usable indicators"):
        load_iocs([bad, tmp_path / "missing.txt"])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("www-2026-11-20.tar.gz", "2026-11-20T00:00"),
        ("db_20261120-0315.zip", "2026-11-20T03:15"),
        ("backup-2026-11-20T03-15-30.tgz", "2026-11-20T03:15"),
        ("site.tar.gz", None),
        ("build-12345678.tar", None),
    ],
)
def test_date_in_name(name: str, expected: str | None) -> None:
    from datetime import datetime, timezone

    found = date_in_name(name)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert datetime.fromtimestamp(found / 1e9, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M") == expected


def test_member_claiming_a_terabyte_stops_the_stream_at_once(tmp_path: Path) -> None:
    import gzip

    iocs = load_iocs([_iocs(tmp_path, [Indicator("path", "/var/huge.img", 0.9, "high", "x")])])
    first = tarfile.TarInfo("etc/hosts")
    first.size = 10
    header = first.tobuf(format=tarfile.GNU_FORMAT) + b"127.0.0.1\n".ljust(512, b"\0")
    huge = tarfile.TarInfo("var/huge.img")
    huge.size = 1 << 40
    archive = tmp_path / "claims.tar.gz"
    archive.write_bytes(gzip.compress(header + huge.tobuf(format=tarfile.GNU_FORMAT) + bytes(4096)))
    started = time.monotonic()
    target = sweep_archive(archive, iocs)
    assert time.monotonic() - started < 5
    assert target.status == "infected"  # the name still matched
    assert any(w.kind == "too-large" and w.member == "var/huge.img" for w in target.warnings)
    assert target.incomplete


def test_rotated_gzip_logs_are_searched_decompressed(tmp_path: Path) -> None:
    import gzip

    iocs = load_iocs([_iocs(tmp_path, [Indicator("ip", "203.0.113.7", 0.9, "high", "attacker")])])
    log = b"10.0.0.1 - - GET / 200\n" * 2 + b"203.0.113.7 - - POST /upload.php 200\n"
    two_members = gzip.compress(b"10.0.0.2 - - GET /a 200\n" * 100_000) + gzip.compress(log)
    bomb = gzip.compress(b"A" * (64 << 20))  # text, but far beyond the text cap
    archive = tmp_path / "logs.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in (("var/log/nginx/access.log.2.gz", two_members), ("var/log/bomb.log.1.gz", bomb)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    started = time.monotonic()
    target = sweep_archive(archive, iocs, HuntLimits(text_bytes=8 << 20))
    assert time.monotonic() - started < 10
    hit = next(h for h in target.hits if h.member == "var/log/nginx/access.log.2.gz")
    assert hit.kind == "ip" and hit.line == 100_003
    assert target.status == "infected"


@pytest.mark.parametrize("suffix", [".bz2", ".xz"])
def test_rotated_bzip2_and_xz_logs_are_searched_decompressed(tmp_path: Path, suffix: str) -> None:
    import bz2
    import lzma

    compress = bz2.compress if suffix == ".bz2" else lzma.compress
    iocs = load_iocs([_iocs(tmp_path, [Indicator("ip", "203.0.113.7", 0.9, "high", "attacker")])])
    log = b"10.0.0.1 - - GET / 200\n" * 2 + b"203.0.113.7 - - POST /upload.php 200\n"
    # Two streams one after the other, the first one far larger than a read chunk once decompressed.
    two_streams = compress(b"10.0.0.2 - - GET /a 200\n" * 100_000) + compress(log)
    bomb = compress(b"A" * (64 << 20))
    archive = tmp_path / "logs.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in ((f"var/log/auth.log.2{suffix}", two_streams), (f"var/log/bomb.log.1{suffix}", bomb)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target = sweep_archive(archive, iocs, HuntLimits(text_bytes=8 << 20))
    hit = next(h for h in target.hits if h.member == f"var/log/auth.log.2{suffix}")
    assert hit.kind == "ip" and hit.line == 100_003
    assert not any(h.member.startswith("var/log/bomb") for h in target.hits)
