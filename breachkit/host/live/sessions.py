"""Who is logged in: utmp records, SSH sessions and SSH agent sockets.

``/var/run/utmp`` (``/run/utmp``) is an array of ``struct utmp`` (utmp(5),
https://man7.org/linux/man-pages/man5/utmp.5.html); glibc on 64-bit Linux
keeps 32-bit times for compatibility, so one record is 384 bytes on x86-64,
aarch64 and the other common platforms: ``short ut_type; pid_t ut_pid;
char ut_line[32], ut_id[4], ut_user[32], ut_host[256]; struct exit_status;
int32 ut_session; int32 tv_sec, tv_usec; int32 ut_addr_v6[4]; char pad[20]``.
It is parsed here rather than with ``who``, which an intruder may replace;
an intruder can also wipe utmp, which is why the SSH sessions are read from
the processes as well (``sshd: user@pts/0`` titles and ``SSH_CONNECTION`` in
their environments). Agent sockets (``SSH_AUTH_SOCK``) let anyone with root
on this host use the forwarded keys to log in elsewhere.
"""

import datetime
import socket
import struct
from typing import Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple

from .processes import ProcessRecord

UTMP = struct.Struct("<h2xi32s4s32s256shhiii16s20s")
UT_TYPES = {
    0: "EMPTY",
    1: "RUN_LVL",
    2: "BOOT_TIME",
    3: "NEW_TIME",
    4: "OLD_TIME",
    5: "INIT_PROCESS",
    6: "LOGIN_PROCESS",
    7: "USER_PROCESS",
    8: "DEAD_PROCESS",
    9: "ACCOUNTING",
}
UTMP_CAP = 16 * 1024 * 1024


class UtmpRecord(NamedTuple):
    type: str
    pid: int
    line: str
    user: str
    host: str
    address: Optional[str]
    time_utc: Optional[str]
    offset: int

    def to_json(self) -> Dict[str, object]:
        return dict(self._asdict())


class Session(NamedTuple):
    """A login session seen in utmp or in the processes."""

    source: str
    user: Optional[str]
    tty: Optional[str]
    remote: Optional[str]
    pid: Optional[int]
    time_utc: Optional[str]
    agent_socket: Optional[str] = None

    def to_json(self) -> Dict[str, object]:
        return dict(self._asdict())


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _address(raw: bytes) -> Optional[str]:
    if raw == b"\0" * 16:
        return None
    if raw[4:] == b"\0" * 12:
        return socket.inet_ntop(socket.AF_INET, raw[:4])
    return socket.inet_ntop(socket.AF_INET6, raw)


def parse_utmp(data: bytes) -> Iterator[UtmpRecord]:
    """Every non-empty record; a trailing partial record is ignored (a truncated file)."""
    for offset in range(0, len(data) - UTMP.size + 1, UTMP.size):
        ut_type, pid, line, _id, user, host, _term, _exit, _session, sec, usec, addr, _pad = UTMP.unpack_from(
            data, offset
        )
        if ut_type == 0:
            continue
        when = None
        if sec > 0:
            moment = datetime.datetime.fromtimestamp(sec + usec / 1e6, tz=datetime.timezone.utc)
            when = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        yield UtmpRecord(
            UT_TYPES.get(ut_type, str(ut_type)),
            pid,
            _text(line),
            _text(user),
            _text(host),
            _address(addr),
            when,
            offset,
        )


def utmp_sessions(records: Iterable[UtmpRecord]) -> List[Session]:
    """Logged-in users (``USER_PROCESS`` records) as sessions."""
    return [
        Session("utmp", r.user, r.line, r.host or r.address, r.pid, r.time_utc)
        for r in records
        if r.type == "USER_PROCESS"
    ]


def read_utmp(read_bytes: Callable[[str, int], Tuple[bytes, bool]]) -> List[UtmpRecord]:
    """The records of the first utmp file that exists (``/run/utmp``, then ``/var/run/utmp``)."""
    for path in ("/run/utmp", "/var/run/utmp"):
        try:
            data, _ = read_bytes(path, UTMP_CAP)
        except OSError:
            continue
        return list(parse_utmp(data))
    return []


def ssh_sessions(processes: Iterable[ProcessRecord]) -> List[Session]:
    """SSH sessions from the process table: session processes and their SSH variables."""
    records = list(processes)
    by_pid = {p.pid: p for p in records}
    found: List[Session] = []
    for record in records:
        title = " ".join(record.cmdline)
        connection = record.environ.get("SSH_CONNECTION") or record.environ.get("SSH_CLIENT")
        agent = record.environ.get("SSH_AUTH_SOCK")
        if record.name == "sshd" and title.startswith("sshd: ") and "@" in title:
            user, _, tty = title[6:].partition("@")
            found.append(Session("sshd-process", user.strip(), tty.strip(), None, record.pid, record.start_utc))
        elif connection and _parent_name(by_pid, record) == "sshd":
            remote = " ".join(connection.split()[:2])
            found.append(
                Session(
                    "ssh-environment",
                    record.environ.get("USER") or record.environ.get("LOGNAME"),
                    None,
                    remote,
                    record.pid,
                    record.start_utc,
                    agent,
                )
            )
    return found


def _parent_name(by_pid: Dict[int, ProcessRecord], record: ProcessRecord) -> Optional[str]:
    """Only a session's first process counts, not every descendant that inherited the variables."""
    parent = by_pid.get(record.ppid)
    return parent.name if parent is not None else None


def agent_sockets(processes: Iterable[ProcessRecord]) -> List[str]:
    """Distinct ``SSH_AUTH_SOCK`` paths of running processes."""
    seen: List[str] = []
    for record in processes:
        path = record.environ.get("SSH_AUTH_SOCK")
        if path and path not in seen:
            seen.append(path)
    return seen
