"""A synthetic ``/proc`` and ``/sys`` tree with realistic content, for the live readers.

Lines follow what Linux 6.1 prints (proc(5)); the builder writes only what a
test asks for, so a missing file is a kernel that lacks it or a process that
exited between two reads.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path

BOOT = 1_700_000_000  # 2023-11-14T22:13:20Z
TICKS = 100

TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
UNIX_HEADER = "Num       RefCount Protocol Flags    Type St Inode Path\n"
PACKET_HEADER = "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n"


def hex_v4(address: str, port: int) -> str:
    """How /proc/net/tcp writes an IPv4 address and port (little-endian host)."""
    raw = socket.inet_pton(socket.AF_INET, address)
    return f"{struct.unpack('<I', raw)[0]:08X}:{port:04X}"


def hex_v6(address: str, port: int) -> str:
    raw = socket.inet_pton(socket.AF_INET6, address)
    words = struct.unpack("<4I", raw)
    return "".join(f"{w:08X}" for w in words) + f":{port:04X}"


@dataclass
class FakeProcess:
    pid: int
    name: str
    cmdline: list[str]
    ppid: int = 1
    uid: int = 0
    exe: str | None = None
    deleted: bool = False
    cwd: str = "/"
    environ: dict[str, str] = field(default_factory=dict)
    maps: list[str] = field(default_factory=list)
    fds: dict[int, str] = field(default_factory=dict)
    start_ticks: int = 12_345
    tgid: int | None = None


class FakeProc:
    """``root/proc`` and ``root/sys`` under a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.proc = root / "proc"
        self.sys = root / "sys"
        self.proc.mkdir(parents=True)
        self.sys.mkdir(parents=True)
        (self.proc / "stat").write_text(f"cpu  1 2 3 4\nbtime {BOOT}\nprocesses 4242\n")
        (self.proc / "net").mkdir()
        (self.proc / "sys" / "kernel").mkdir(parents=True)
        (self.proc / "sys" / "kernel" / "pid_max").write_text("32768\n")

    def add(self, p: FakeProcess, files: Path | None = None) -> Path:
        base = self.proc / str(p.pid)
        base.mkdir()
        comm = p.name
        fields = ["S", str(p.ppid)] + ["0"] * 15 + ["1", "0", str(p.start_ticks)] + ["0"] * 30
        (base / "stat").write_text(f"{p.pid} ({comm}) " + " ".join(fields) + "\n")
        (base / "comm").write_text(comm[:15] + "\n")
        tgid = p.tgid if p.tgid is not None else p.pid
        (base / "status").write_text(
            f"Name:\t{comm}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{tgid}\nPid:\t{p.pid}\nPPid:\t{p.ppid}\n"
            f"Uid:\t{p.uid}\t{p.uid}\t{p.uid}\t{p.uid}\nGid:\t{p.uid}\t{p.uid}\t{p.uid}\t{p.uid}\n"
        )
        (base / "cmdline").write_bytes(b"".join(os.fsencode(a) + b"\0" for a in p.cmdline))
        (base / "environ").write_bytes(b"".join(f"{k}={v}".encode() + b"\0" for k, v in p.environ.items()))
        (base / "maps").write_text("".join(line + "\n" for line in p.maps))
        if p.exe is not None:
            os.symlink(p.exe + (" (deleted)" if p.deleted else ""), base / "exe")
        os.symlink(p.cwd, base / "cwd")
        os.symlink("/", base / "root")
        (base / "fd").mkdir()
        for number, target in p.fds.items():
            os.symlink(target, base / "fd" / str(number))
        return base

    def net(self, name: str, lines: list[str], header: str = TCP_HEADER) -> None:
        (self.proc / "net" / name).write_text(header + "".join(line + "\n" for line in lines))

    def tcp_line(self, slot: int, local: str, remote: str, state: str, inode: int, uid: int = 0) -> str:
        return (
            f"{slot:4d}: {local} {remote} {state} 00000000:00000000 00:00000000 00000000 "
            f"{uid:5d}        0 {inode} 1 0000000000000000 100 0 0 10 0"
        )

    def interface(self, name: str, flags: int, mac: str = "52:54:00:12:34:56") -> None:
        folder = self.sys / "class" / "net" / name
        folder.mkdir(parents=True)
        (folder / "flags").write_text(f"0x{flags:x}\n")
        (folder / "address").write_text(mac + "\n")

    def module(self, name: str, taint: str = "", in_proc: bool = True, in_sys: bool = True) -> None:
        if in_proc:
            with (self.proc / "modules").open("a") as handle:
                suffix = f" ({taint})" if taint else ""
                handle.write(f"{name} 16384 0 - Live 0x0000000000000000{suffix}\n")
        if in_sys:
            folder = self.sys / "module" / name
            folder.mkdir(parents=True)
            (folder / "initstate").write_text("live\n")
            (folder / "taint").write_text(taint + "\n")
