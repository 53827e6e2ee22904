"""Small builders of live records for the analyst-side tests (a realistic compromised web server)."""

from __future__ import annotations

from typing import Any

from breachkit.host.live.network import Interface, SocketRecord
from breachkit.host.live.processes import ProcessRecord


def proc(pid: int, name: str, cmdline: list[str], **fields: Any) -> ProcessRecord:
    base: dict[str, Any] = {
        "pid": pid,
        "ppid": 1,
        "name": name,
        "state": "S",
        "uid": 0,
        "euid": 0,
        "gid": 0,
        "egid": 0,
        "threads": 1,
        "start_utc": "2024-05-18T21:04:11.000000Z",
        "cmdline": cmdline,
        "cmdline_truncated": False,
        "exe": cmdline[0] if cmdline and cmdline[0].startswith("/") else None,
        "exe_deleted": False,
        "cwd": "/",
        "root": "/",
        "environ": {},
        "environ_count": 0,
        "maps_deleted": [],
        "maps_memfd": [],
        "anon_exec": 0,
        "fd_count": 4,
        "socket_inodes": [],
        "open_files": [],
        "netns": "net:[4026531840]",
        "kernel_thread": False,
        "missed": [],
    }
    base.update(fields)
    return ProcessRecord(**base)


def tcp(
    local: tuple[str, int], remote: tuple[str, int], state: str, inode: int, *owners: ProcessRecord
) -> SocketRecord:
    return SocketRecord(
        "tcp",
        "net:[4026531840]",
        local[0],
        local[1],
        remote[0],
        remote[1],
        state,
        0,
        inode,
        [o.pid for o in owners],
        [o.name for o in owners],
    )


def benign_server() -> tuple[list[ProcessRecord], list[SocketRecord], list[Interface]]:
    """systemd, sshd, nginx with php-fpm, mariadb on loopback, a logged-in admin's bash."""
    init = proc(1, "systemd", ["/sbin/init"], ppid=0, exe="/usr/lib/systemd/systemd")
    kthreadd = proc(2, "kthreadd", [], ppid=0, kernel_thread=True, exe=None)
    sshd = proc(700, "sshd", ["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"], exe="/usr/sbin/sshd")
    nginx = proc(800, "nginx", ["nginx: master process /usr/sbin/nginx"], exe="/usr/sbin/nginx")
    worker = proc(801, "nginx", ["nginx: worker process"], ppid=800, uid=33, exe="/usr/sbin/nginx")
    fpm = proc(
        900, "php-fpm8.2", ["php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)"], exe="/usr/sbin/php-fpm8.2"
    )
    pool = proc(901, "php-fpm8.2", ["php-fpm: pool www"], ppid=900, uid=33, exe="/usr/sbin/php-fpm8.2")
    db = proc(950, "mariadbd", ["/usr/sbin/mariadbd"], uid=106)
    admin = proc(3120, "bash", ["-bash"], ppid=3119, uid=1000, exe="/usr/bin/bash")
    processes = [init, kthreadd, sshd, nginx, worker, fpm, pool, db, admin]
    sockets = [
        tcp(("0.0.0.0", 22), ("0.0.0.0", 0), "LISTEN", 101, sshd),
        tcp(("0.0.0.0", 80), ("0.0.0.0", 0), "LISTEN", 102, nginx, worker),
        tcp(("127.0.0.1", 3306), ("0.0.0.0", 0), "LISTEN", 103, db),
        tcp(("10.0.0.5", 22), ("192.0.2.10", 51022), "ESTABLISHED", 104, sshd),
        tcp(("10.0.0.5", 80), ("198.51.100.20", 40500), "ESTABLISHED", 105, worker),
    ]
    interfaces = [
        Interface("lo", 0x9, True, False, "00:00:00:00:00:00"),
        Interface("eth0", 0x1003, True, False, "52:54:00:12:34:56"),
    ]
    return processes, sockets, interfaces
