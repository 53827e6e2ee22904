"""Network state from ``/proc/net`` and ``/sys/class/net``, sockets mapped to processes.

Formats (proc(5), https://man7.org/linux/man-pages/man5/proc.5.html, and the
kernel's ``net/ipv4/tcp_ipv4.c`` ``get_tcp4_sock``):

* ``tcp``, ``tcp6``, ``udp``, ``udp6``, ``raw``, ``raw6``: one socket a line,
  addresses as hex of the in-memory 32-bit words (so byte order is the host's),
  port in hex, state as the kernel's hex code, owner uid, socket inode.
* ``unix``: ``Num RefCount Protocol Flags Type St Inode Path`` (``@name`` is
  an abstract socket).
* ``packet``: ``sk RefCnt Type Proto Iface R Rmem User Inode`` (sniffers,
  raw frame senders).
* ``route`` (IPv4 routing table), ``arp`` (neighbour cache).
* ``/sys/class/net/IF/flags``: ``IFF_PROMISC`` (0x100) set while something sniffs.

``/proc/net`` shows the reader's network namespace only; the sockets of
containers live in others, so each distinct namespace is read once through a
process inside it (``/proc/PID/net``). A socket's owner is found by the inode
in ``/proc/PID/fd`` (``socket:[INODE]``).
"""

import os
import socket
import sys
from typing import Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple

from .processes import ProcessRecord
from .procfs import Warn, problem, read_file, read_text
from .tools import ToolOutput, find_tool, run_tool

TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
    "0C": "NEW_SYN_RECV",
}
#: ``__SO_ACCEPTCON`` in the flags of a listening unix socket.
ACCEPTCON = 0x10000
UNIX_STATES = {"01": "UNCONNECTED", "02": "CONNECTING", "03": "CONNECTED", "04": "DISCONNECTING"}
UNIX_TYPES = {"0001": "stream", "0002": "dgram", "0005": "seqpacket"}
INET_TABLES = ("tcp", "tcp6", "udp", "udp6", "raw", "raw6")
TABLE_CAP = 256 * 1024 * 1024
IFF_UP = 0x1
IFF_PROMISC = 0x100


class SocketRecord(NamedTuple):
    """One socket. ``state`` is the TCP state (UDP: ``ESTABLISHED`` connected, ``CLOSE`` unconnected)."""

    proto: str
    netns: Optional[str]
    local_addr: Optional[str]
    local_port: Optional[int]
    remote_addr: Optional[str]
    remote_port: Optional[int]
    state: str
    uid: Optional[int]
    inode: int
    pids: List[int]
    process_names: List[str]
    path: Optional[str] = None
    detail: Optional[str] = None

    def to_json(self) -> Dict[str, object]:
        return dict(self._asdict())


class Interface(NamedTuple):
    name: str
    flags: int
    up: bool
    promiscuous: bool
    address: Optional[str]

    def to_json(self) -> Dict[str, object]:
        return dict(self._asdict())


class Route(NamedTuple):
    iface: str
    destination: str
    gateway: str
    mask: str
    flags: int
    metric: int

    def to_json(self) -> Dict[str, object]:
        return dict(self._asdict())


class Neighbour(NamedTuple):
    ip: str
    hw_address: str
    flags: str
    device: str

    def to_json(self) -> Dict[str, object]:
        return dict(self._asdict())


def _word(hex8: str) -> bytes:
    raw = bytes.fromhex(hex8)
    return raw[::-1] if sys.byteorder == "little" else raw


def decode_address(text: str) -> Tuple[str, int]:
    """``0100007F:1F90`` -> (``127.0.0.1``, 8080); 32 hex digits for IPv6."""
    addr, _, port = text.partition(":")
    if len(addr) == 8:
        return socket.inet_ntop(socket.AF_INET, _word(addr)), int(port, 16)
    if len(addr) == 32:
        raw = b"".join(_word(addr[i : i + 8]) for i in range(0, 32, 8))
        ip = socket.inet_ntop(socket.AF_INET6, raw)
        if ip.startswith("::ffff:") and "." in ip:
            ip = ip[7:]  # an IPv4 peer on a dual-stack socket
        return ip, int(port, 16)
    raise ValueError("bad address %r" % text)


Owners = Dict[int, List[Tuple[int, str]]]


def socket_owners(processes: Iterable[ProcessRecord]) -> Owners:
    owners: Owners = {}
    for record in processes:
        for inode in record.socket_inodes:
            owners.setdefault(inode, []).append((record.pid, record.name))
    return owners


def parse_inet(proto: str, text: str, owners: Owners, netns: Optional[str]) -> Iterator[SocketRecord]:
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 10:
            continue
        try:
            local, lport = decode_address(parts[1])
            remote, rport = decode_address(parts[2])
            inode = int(parts[9])
            uid: Optional[int] = int(parts[7])
        except ValueError:
            continue
        if proto.startswith("raw"):
            state = "RAW"
            detail: Optional[str] = "ip protocol %d" % lport  # the "port" of a raw socket
        else:
            state = TCP_STATES.get(parts[3].upper(), parts[3])
            detail = None
        found = owners.get(inode, [])
        yield SocketRecord(
            proto,
            netns,
            local,
            lport,
            remote,
            rport,
            state,
            uid,
            inode,
            [pid for pid, _ in found],
            [name for _, name in found],
            None,
            detail,
        )


def parse_unix(text: str, owners: Owners, netns: Optional[str]) -> Iterator[SocketRecord]:
    for line in text.splitlines()[1:]:
        parts = line.split(None, 7)
        if len(parts) < 7:
            continue
        try:
            inode = int(parts[6])
        except ValueError:
            continue
        path = parts[7] if len(parts) == 8 else None
        try:
            listening = bool(int(parts[3], 16) & ACCEPTCON)
        except ValueError:
            listening = False
        state = "LISTEN" if listening else UNIX_STATES.get(parts[5], parts[5])
        found = owners.get(inode, [])
        yield SocketRecord(
            "unix",
            netns,
            None,
            None,
            None,
            None,
            state,
            None,
            inode,
            [pid for pid, _ in found],
            [name for _, name in found],
            path,
            UNIX_TYPES.get(parts[4], parts[4]),
        )


def parse_packet(text: str, owners: Owners, netns: Optional[str]) -> Iterator[SocketRecord]:
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 9:
            continue
        try:
            inode = int(parts[8])
            uid: Optional[int] = int(parts[7])
        except ValueError:
            continue
        found = owners.get(inode, [])
        yield SocketRecord(
            "packet",
            netns,
            None,
            None,
            None,
            None,
            "RAW",
            uid,
            inode,
            [pid for pid, _ in found],
            [name for _, name in found],
            None,
            "ethertype 0x%s interface index %s" % (parts[3], parts[4]),
        )


def _namespaces(proc: str, processes: List[ProcessRecord]) -> List[Tuple[Optional[str], str]]:
    """(namespace, net folder) for the reader's namespace and each other one a process is in."""
    try:
        own: Optional[str] = os.readlink(os.path.join(proc, "self", "ns", "net"))
    except OSError:
        own = None
    folders: List[Tuple[Optional[str], str]] = [(own, os.path.join(proc, "net"))]
    seen = {own}
    for record in processes:
        if record.netns is not None and record.netns not in seen:
            seen.add(record.netns)
            folders.append((record.netns, os.path.join(proc, str(record.pid), "net")))
    return folders


def read_sockets(
    proc: str = "/proc", processes: Optional[List[ProcessRecord]] = None, warn: Optional[Warn] = None
) -> Iterator[SocketRecord]:
    """Every socket of every network namespace a process is in, with its owning processes."""
    processes = processes or []
    owners = socket_owners(processes)
    for netns, folder in _namespaces(proc, processes):
        for name in INET_TABLES + ("unix", "packet"):
            path = os.path.join(folder, name)
            try:
                data, truncated = read_file(path, TABLE_CAP)
            except OSError as exc:
                if warn is not None:
                    # A kernel without IPv6 has no tcp6; a process may have exited.
                    warn(problem(path, exc, "absent"))
                continue
            if truncated and warn is not None:
                warn(problem(path, OSError(0, "table larger than %d bytes: rest not read" % TABLE_CAP)))
            text = data.decode("ascii", "replace") if name != "unix" else data.decode("utf-8", "surrogateescape")
            if name == "unix":
                yield from parse_unix(text, owners, netns)
            elif name == "packet":
                yield from parse_packet(text, owners, netns)
            else:
                yield from parse_inet(name, text, owners, netns)


def read_interfaces(sys_root: str = "/sys", warn: Optional[Warn] = None) -> List[Interface]:
    folder = os.path.join(sys_root, "class", "net")
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        if warn is not None:
            warn(problem(folder, exc, "absent"))
        return []
    found = []
    for name in names:
        try:
            flags = int(read_text(os.path.join(folder, name, "flags"), 64).strip(), 16)
        except (OSError, ValueError) as exc:
            if warn is not None and isinstance(exc, OSError):
                warn(problem(os.path.join(folder, name, "flags"), exc, "absent"))
            continue
        try:
            address: Optional[str] = read_text(os.path.join(folder, name, "address"), 256).strip()
        except OSError:
            address = None
        found.append(Interface(name, flags, bool(flags & IFF_UP), bool(flags & IFF_PROMISC), address))
    return found


def _ipv4(hex8: str) -> str:
    return socket.inet_ntop(socket.AF_INET, _word(hex8))


def read_routes(proc: str = "/proc", warn: Optional[Warn] = None) -> List[Route]:
    path = os.path.join(proc, "net", "route")
    try:
        text = read_text(path, 16 * 1024 * 1024)
    except OSError as exc:
        if warn is not None:
            warn(problem(path, exc, "absent"))
        return []
    routes = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 8:
            continue
        try:
            routes.append(
                Route(parts[0], _ipv4(parts[1]), _ipv4(parts[2]), _ipv4(parts[7]), int(parts[3], 16), int(parts[6]))
            )
        except ValueError:
            continue
    return routes


def read_arp(proc: str = "/proc", warn: Optional[Warn] = None) -> List[Neighbour]:
    path = os.path.join(proc, "net", "arp")
    try:
        text = read_text(path, 16 * 1024 * 1024)
    except OSError as exc:
        if warn is not None:
            warn(problem(path, exc, "absent"))
        return []
    found = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 6:
            found.append(Neighbour(parts[0], parts[3], parts[2], parts[5]))
    return found


#: Read-only listing commands; the first that exists of each family runs.
FIREWALL_COMMANDS = (
    ["nft", "list", "ruleset"],
    ["iptables-save"],
    ["ip6tables-save"],
)


def firewall_rules() -> List[ToolOutput]:
    """The firewall rule sets, from the listing tools that are installed (live host only)."""
    return [run_tool(list(argv)) for argv in FIREWALL_COMMANDS if find_tool(argv[0]) is not None]
