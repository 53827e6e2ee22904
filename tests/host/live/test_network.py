"""Sockets, interfaces, routes and neighbours from a synthetic /proc/net and /sys/class/net."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachkit.host.live.network import (
    decode_address,
    read_arp,
    read_interfaces,
    read_routes,
    read_sockets,
)
from breachkit.host.live.processes import read_processes
from breachkit.host.records import WarningRecord
from tests.host.live.fakeproc import PACKET_HEADER, UNIX_HEADER, FakeProc, FakeProcess, hex_v4, hex_v6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0100007F:1F90", ("127.0.0.1", 8080)),
        ("00000000:0016", ("0.0.0.0", 22)),
        (hex_v4("203.0.113.66", 443), ("203.0.113.66", 443)),
        (hex_v6("2001:db8::1", 80), ("2001:db8::1", 80)),
        (hex_v6("::ffff:198.51.100.7", 4444), ("198.51.100.7", 4444)),
    ],
)
def test_addresses(text: str, expected: tuple[str, int]) -> None:
    assert decode_address(text) == expected


def test_sockets_are_attributed_to_their_processes(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path)
    fake.add(FakeProcess(700, "sshd", ["/usr/sbin/sshd", "-D"], exe="/usr/sbin/sshd", fds={3: "socket:[1001]"}))
    fake.add(
        FakeProcess(
            4242,
            "kworker",
            ["/dev/shm/.x/kworker"],
            exe="/dev/shm/.x/kworker",
            fds={5: "socket:[2002]", 6: "socket:[2003]", 7: "socket:[3001]"},
        )
    )
    fake.net(
        "tcp",
        [
            fake.tcp_line(0, hex_v4("0.0.0.0", 22), hex_v4("0.0.0.0", 0), "0A", 1001),
            fake.tcp_line(1, hex_v4("10.0.0.5", 40000), hex_v4("198.51.100.7", 80), "01", 2002, uid=33),
            fake.tcp_line(2, hex_v4("10.0.0.5", 40001), hex_v4("198.51.100.7", 80), "02", 2003, uid=33),
            fake.tcp_line(3, hex_v4("10.0.0.5", 22), hex_v4("192.0.2.9", 51000), "06", 0),
            "garbage line",
        ],
    )
    fake.net("tcp6", [fake.tcp_line(0, hex_v6("::", 80), hex_v6("::", 0), "0A", 4001)])
    fake.net(
        "unix",
        [
            "0000000000000000: 00000002 00000000 00010000 0001 01 3001 /run/.s.hidden",
            "0000000000000000: 00000003 00000000 00000000 0001 03 3002",
            "0000000000000000: 00000002 00000000 00010000 0001 01 3003 @abstract name",
        ],
        header=UNIX_HEADER,
    )
    fake.net("packet", ["ffff8d0c0a0b0c00 3        3      0003   2     1 0      0      5001"], header=PACKET_HEADER)
    # udp, udp6, raw, raw6 missing: a kernel without them
    processes = list(read_processes(str(fake.proc)))
    warnings: list[WarningRecord] = []
    sockets = list(read_sockets(str(fake.proc), processes, warnings.append))

    by_inode = {s.inode: s for s in sockets}
    assert by_inode[1001].state == "LISTEN" and by_inode[1001].process_names == ["sshd"]
    flood = by_inode[2002]
    assert (flood.remote_addr, flood.remote_port, flood.state, flood.uid) == ("198.51.100.7", 80, "ESTABLISHED", 33)
    assert flood.pids == [4242] and by_inode[2003].state == "SYN_SENT"
    assert by_inode[0].pids == []  # TIME_WAIT has no owner
    assert by_inode[4001].proto == "tcp6" and by_inode[4001].local_addr == "::"
    assert by_inode[3001].state == "LISTEN" and by_inode[3001].path == "/run/.s.hidden"
    assert by_inode[3001].process_names == ["kworker"]
    assert by_inode[3002].state == "CONNECTED" and by_inode[3002].path is None
    assert by_inode[3003].path == "@abstract name"
    assert by_inode[5001].proto == "packet" and "ethertype 0x0003" in (by_inode[5001].detail or "")
    assert len(sockets) == 9
    assert {Path(w.path).name for w in warnings} == {"udp", "udp6", "raw", "raw6"}
    assert {w.kind for w in warnings} == {"absent"}


def test_thousands_of_sockets(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path)
    fds = {10 + n: f"socket:[{100000 + n}]" for n in range(5000)}
    fake.add(FakeProcess(900, "slowloris", ["./slowloris"], exe="/tmp/slowloris", fds=fds))
    fake.net(
        "tcp",
        [
            fake.tcp_line(n, hex_v4("10.0.0.5", 20000 + n), hex_v4("203.0.113.10", 443), "01", 100000 + n)
            for n in range(20000)
        ],
    )
    sockets = list(read_sockets(str(fake.proc), list(read_processes(str(fake.proc)))))
    assert len(sockets) == 20000
    assert sum(1 for s in sockets if s.pids == [900]) == 4096  # socket inodes kept per process are capped


def test_interfaces_routes_and_neighbours(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path)
    fake.interface("lo", 0x9)
    fake.interface("eth0", 0x1103)  # UP|BROADCAST|MULTICAST|PROMISC
    (fake.proc / "net" / "route").write_text(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    )
    (fake.proc / "net" / "arp").write_text(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "10.0.0.1         0x1         0x2         52:54:00:aa:bb:cc     *        eth0\n"
    )
    interfaces = {i.name: i for i in read_interfaces(str(fake.sys))}
    assert interfaces["eth0"].promiscuous and interfaces["eth0"].up
    assert not interfaces["lo"].promiscuous
    routes = read_routes(str(fake.proc))
    assert [(r.destination, r.gateway, r.mask, r.metric) for r in routes] == [
        ("0.0.0.0", "10.0.0.1", "0.0.0.0", 100),
        ("10.0.0.0", "0.0.0.0", "255.255.255.0", 0),
    ]
    (neighbour,) = read_arp(str(fake.proc))
    assert (neighbour.ip, neighbour.hw_address, neighbour.device) == ("10.0.0.1", "52:54:00:aa:bb:cc", "eth0")


def test_missing_network_files_are_warnings(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path)
    warnings: list[WarningRecord] = []
    assert read_routes(str(fake.proc), warnings.append) == []
    assert read_arp(str(fake.proc), warnings.append) == []
    assert read_interfaces(str(fake.sys), warnings.append) == []
    assert len(warnings) == 3 and {w.kind for w in warnings} == {"absent"}
