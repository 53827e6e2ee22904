"""Processes from a synthetic /proc: parsing, caps, and processes that exit mid-read."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from breachkit.host.live.processes import CMDLINE_CAP, parse_maps, parse_stat, read_processes
from breachkit.host.records import WarningRecord
from tests.host.live.fakeproc import FakeProc, FakeProcess


@pytest.fixture
def fake(tmp_path: Path) -> FakeProc:
    return FakeProc(tmp_path)


def test_a_dropped_miner_is_read_completely(fake: FakeProc, tmp_path: Path) -> None:
    fake.add(FakeProcess(1, "systemd", ["/sbin/init", "splash"], ppid=0, exe="/usr/lib/systemd/systemd"))
    fake.add(FakeProcess(2, "kthreadd", [], ppid=0))
    fake.add(
        FakeProcess(
            4242,
            "kworker) (x",  # a name built to break naive parsing of /proc/PID/stat
            ["/dev/shm/.x/kworker", "-o", "pool.example:3333"],
            ppid=1,
            uid=33,
            exe="/dev/shm/.x/kworker",
            deleted=True,
            cwd="/var/www/shop/images",
            environ={"LD_PRELOAD": "/usr/lib/libsystem.so", "SECRET_TOKEN": "hunter2", "HOME": "/var/www"},
            maps=[
                "55d0c0a00000-55d0c0a21000 r-xp 00000000 00:1a 5 /dev/shm/.x/kworker (deleted)",
                "7f1c00000000-7f1c00021000 rwxp 00000000 00:00 0 ",
                "7f1c10000000-7f1c10001000 r-xp 00000000 00:01 77 /memfd:payload (deleted)",
                "7ffd5a5f2000-7ffd5a5f4000 r-xp 00000000 00:00 0 [vdso]",
                "7f1c20000000-7f1c20200000 r-xp 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6",
            ],
            fds={0: "/dev/null", 1: "/var/log/apache2/error.log", 3: "socket:[31337]", 4: "pipe:[99]"},
            start_ticks=60_000,
        )
    )
    warnings: list[WarningRecord] = []
    records = {r.pid: r for r in read_processes(str(fake.proc), warnings.append)}

    assert sorted(records) == [1, 2, 4242]
    assert records[2].kernel_thread and records[2].exe is None
    miner = records[4242]
    assert miner.name == "kworker) (x"
    assert (miner.ppid, miner.uid, miner.euid, miner.threads) == (1, 33, 33, 1)
    assert miner.cmdline == ["/dev/shm/.x/kworker", "-o", "pool.example:3333"]
    assert miner.start_utc == "2023-11-14T22:23:20.000000Z"  # boot + 600 s
    assert miner.exe == "/dev/shm/.x/kworker"  # " (deleted)" stripped only when marked deleted
    assert miner.cwd == "/var/www/shop/images"
    assert miner.environ == {"LD_PRELOAD": "/usr/lib/libsystem.so", "HOME": "/var/www"}
    assert miner.environ_count == 3  # the secret is counted, not kept
    assert miner.maps_deleted == ["/dev/shm/.x/kworker [x]"]
    assert miner.maps_memfd == ["/memfd:payload [x]"]
    assert miner.anon_exec == 1
    assert miner.socket_inodes == [31337]
    assert miner.open_files == ["/dev/null", "/var/log/apache2/error.log"]
    assert miner.fd_count == 4
    assert miner.missed == []


def test_stat_line_with_spaces_and_parentheses_in_the_name() -> None:
    line = "77 (a) b (c)) R 5 77 77 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 3 0 999 0 0"
    assert parse_stat(line) == ("a) b (c)", "R", 5, 3, 999)


def test_maps_ignore_the_kernels_own_executable_pages() -> None:
    deleted, memfd, anon = parse_maps(
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n"
        "7f00-7f10 rw-s 00000000 00:05 3 /SYSV00000000 (deleted)\n"
        "bad line\n"
    )
    assert (deleted, memfd, anon) == (["/SYSV00000000"], [], 0)


def test_huge_command_lines_are_capped(fake: FakeProc) -> None:
    fake.add(FakeProcess(10, "perl", ["perl", "-e", "A" * (CMDLINE_CAP * 4)], exe="/usr/bin/perl"))
    (record,) = read_processes(str(fake.proc))
    assert record.cmdline_truncated
    assert sum(len(part) + 1 for part in record.cmdline) <= CMDLINE_CAP + 1


def test_a_process_exiting_mid_read_is_a_warning_not_a_crash(fake: FakeProc) -> None:
    gone = fake.add(FakeProcess(20, "sh", ["sh"], exe="/bin/sh"))
    half = fake.add(FakeProcess(21, "sleep", ["sleep", "100"], exe="/bin/sleep"))
    fake.add(FakeProcess(22, "cron", ["/usr/sbin/cron"], exe="/usr/sbin/cron"))
    (gone / "stat").unlink()  # exited after the listing
    for name in ("status", "environ", "maps"):
        (half / name).unlink()  # exited half-way through
    os.unlink(half / "exe")
    warnings: list[WarningRecord] = []
    records = {r.pid: r for r in read_processes(str(fake.proc), warnings.append)}
    assert sorted(records) == [21, 22]
    assert records[21].uid is None and records[21].exe is None
    assert {m.split(":")[0] for m in records[21].missed} == {"status", "exe", "environ", "maps"}
    kinds = {(Path(w.path).parent.name, Path(w.path).name, w.kind) for w in warnings}
    assert ("20", "stat", "process-gone") in kinds
    assert ("21", "status", "process-gone") in kinds


def test_a_fifo_planted_in_proc_is_never_read(fake: FakeProc) -> None:
    base = fake.add(FakeProcess(30, "x", ["x"], exe="/usr/bin/x"))
    (base / "environ").unlink()
    os.mkfifo(base / "environ")
    warnings: list[WarningRecord] = []
    (record,) = read_processes(str(fake.proc), warnings.append)  # returns: a FIFO read would block
    assert record.environ == {} and any(w.path.endswith("/30/environ") for w in warnings)


def test_thousands_of_processes() -> None:
    # Thousands of small files: build them in memory-backed /dev/shm when there is one.
    scratch = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        _many_processes(FakeProc(Path(folder)))


def _many_processes(fake: FakeProc) -> None:
    for pid in range(100, 2100):
        fake.add(FakeProcess(pid, "php-fpm8.2", ["php-fpm: pool www"], ppid=99, uid=33, exe="/usr/sbin/php-fpm8.2"))
    records = list(read_processes(str(fake.proc)))
    assert len(records) == 2000
    assert records[0].pid == 100 and records[-1].pid == 2099
