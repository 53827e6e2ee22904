"""utmp parsed from its binary layout; SSH sessions and agent sockets from the processes."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

from breachkit.host.live.processes import read_processes
from breachkit.host.live.sessions import UTMP, agent_sockets, parse_utmp, ssh_sessions
from tests.host.live.fakeproc import FakeProc, FakeProcess


def utmp_record(kind: int, pid: int, line: str, user: str, host: str, when: int, ip: str | None) -> bytes:
    addr = socket.inet_pton(socket.AF_INET, ip) + b"\0" * 12 if ip else b"\0" * 16
    return UTMP.pack(
        kind, pid, line.encode(), line[-2:].encode(), user.encode(), host.encode(), 0, 0, 0, when, 250000, addr, b""
    )


def test_utmp_layout_is_glibcs() -> None:
    assert UTMP.size == 384


def test_utmp_records() -> None:
    data = (
        utmp_record(2, 0, "~", "reboot", "6.1.0-18-amd64", 1_716_000_000, None)
        + b"\0" * 384  # an empty slot
        + utmp_record(7, 3120, "pts/0", "deploy", "203.0.113.66", 1_716_003_600, "203.0.113.66")
        + utmp_record(7, 3199, "pts/1", "root\x1b[2J", "", 1_716_007_200, None)
        + b"\x07" * 100  # a torn trailing record
    )
    records = list(parse_utmp(data))
    assert [r.type for r in records] == ["BOOT_TIME", "USER_PROCESS", "USER_PROCESS"]
    login = records[1]
    assert (login.user, login.line, login.host, login.address, login.pid) == (
        "deploy",
        "pts/0",
        "203.0.113.66",
        "203.0.113.66",
        3120,
    )
    assert login.time_utc == "2024-05-18T03:40:00.250000Z"
    assert records[2].user == "root\x1b[2J"  # kept as evidence; escaped only when shown
    assert struct.calcsize("<h2xi") == 8


def test_ssh_sessions_from_processes(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path)
    fake.add(
        FakeProcess(700, "sshd", ["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"], exe="/usr/sbin/sshd")
    )
    fake.add(FakeProcess(3118, "sshd", ["sshd: deploy [priv]"], ppid=700, exe="/usr/sbin/sshd"))
    fake.add(FakeProcess(3119, "sshd", ["sshd: deploy@pts/0"], ppid=3118, uid=1000, exe="/usr/sbin/sshd"))
    env = {
        "SSH_CONNECTION": "203.0.113.66 51234 10.0.0.5 22",
        "SSH_AUTH_SOCK": "/tmp/ssh-XXXXabc/agent.3119",
        "USER": "deploy",
    }
    fake.add(FakeProcess(3120, "bash", ["-bash"], ppid=3119, uid=1000, exe="/usr/bin/bash", environ=env))
    fake.add(FakeProcess(3200, "vim", ["vim"], ppid=3120, uid=1000, exe="/usr/bin/vim", environ=env))
    processes = list(read_processes(str(fake.proc)))
    sessions = ssh_sessions(processes)
    assert [(s.source, s.user, s.tty, s.remote, s.pid) for s in sessions] == [
        ("sshd-process", "deploy", "pts/0", None, 3119),
        (
            "ssh-environment",
            "deploy",
            None,
            "203.0.113.66 51234",
            3120,
        ),
    ]
    assert sessions[1].agent_socket == "/tmp/ssh-XXXXabc/agent.3119"
    assert agent_sockets(processes) == ["/tmp/ssh-XXXXabc/agent.3119"]


def test_utmp_is_read_through_the_examined_root(tmp_path: Path) -> None:
    from breachkit.host.live.sessions import read_utmp, utmp_sessions
    from breachkit.host.rootfs import RootFS

    (tmp_path / "var" / "run").mkdir(parents=True)
    (tmp_path / "var" / "run" / "utmp").write_bytes(
        utmp_record(7, 3120, "pts/0", "deploy", "203.0.113.66", 1_716_003_600, "203.0.113.66")
    )
    with RootFS(str(tmp_path)) as fs:
        records = read_utmp(fs.read_bytes)
    (session,) = utmp_sessions(records)
    assert (session.source, session.user, session.tty, session.remote) == ("utmp", "deploy", "pts/0", "203.0.113.66")
    (tmp_path / "empty").mkdir()
    with RootFS(str(tmp_path / "empty")) as fs:
        assert read_utmp(fs.read_bytes) == []  # no utmp: no sessions, no error
