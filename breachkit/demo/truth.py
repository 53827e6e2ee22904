"""The demo host as data: its files (:class:`Entry`) and the answer key (:class:`GroundTruth`).

These are the records :func:`breachkit.demo.generate` returns and everything
else consumes (:mod:`breachkit.demo.build` writes them to disk, tests and
analyses check their findings against them). Times are integer nanoseconds since
the epoch, UTC, as an inode stores them; paths are host paths (``/etc/passwd``).
They hold no logic beyond lookups and JSON, so they can be read without knowing
how the host is generated.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from breachkit.demo.content import clock

#: what an :class:`Entry` is; the demo host has no devices, sockets or hard links
Kind = Literal["file", "dir", "symlink"]


@dataclass(frozen=True, slots=True)
class FileTimes:
    """The four inode times, nanoseconds since the epoch (UTC)."""

    atime_ns: int
    mtime_ns: int
    ctime_ns: int
    btime_ns: int


@dataclass(frozen=True, slots=True)
class Entry:
    """One file system object of the demo host. ``path`` is the host path (``/etc/passwd``)."""

    path: str
    kind: Kind
    mode: int
    uid: int
    gid: int
    times: FileTimes
    data: bytes = b""
    target: str = ""

    @property
    def size(self) -> int:
        return len(self.data) if self.kind == "file" else len(self.target.encode())


@dataclass(frozen=True, slots=True)
class MaliciousFile:
    """A file the attacker created, with what it is for."""

    path: str
    #: "webshell", "backdoor", "dos-tool", "launcher", "persistence", "hidden-dir", "miner", "miner-config"
    role: str
    description: str
    #: SHA-256 of the content; empty for a directory
    sha256: str
    btime_ns: int


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """How the attacker got in: the request that created the first malicious file."""

    url: str
    method: str
    #: the vulnerable script on disk
    script: str
    weakness: str
    #: when Apache received the request (the log shows it truncated to the second)
    request_ns: int
    log_path: str
    log_line: str
    created: str


@dataclass(frozen=True, slots=True)
class AttackRequest:
    """One request of the attacker, as it stands in an access log."""

    time_ns: int
    ip: str
    method: str
    target: str
    status: int
    #: the file that holds the line at the snapshot; when ``wiped``, the file it was cut out of
    log_path: str
    purpose: str
    #: the attacker removed this line from the log afterwards: only the answer key still has it
    wiped: bool = False


@dataclass(frozen=True, slots=True)
class Timestomp:
    """The file whose times the attacker forged with ``touch -d``."""

    path: str
    forged_mtime_ns: int
    forged_atime_ns: int
    real_btime_ns: int
    ctime_ns: int
    command: str


@dataclass(frozen=True, slots=True)
class Trace:
    """Something the attack changed that is not itself malicious (an atime, a session file)."""

    path: str
    what: str


@dataclass(frozen=True, slots=True)
class BenignNoise:
    """A file created or changed in or near the attack window for an innocent reason."""

    path: str
    #: "php-session", "cms-cache", "log-rotation", "customer-upload", "shop-admin-upload",
    #: "package-update", "cron-output", "service-state"
    category: str
    reason: str


@dataclass(frozen=True, slots=True)
class AttackerAddress:
    """One address the attacker used, what for, and where it still shows on the host."""

    ip: str
    #: "web client", "ssh login", "download host", …
    role: str
    what: str
    #: files that still name it at the snapshot
    seen_in: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AttackerLogin:
    """A login of the attacker with a real account, and which records of it survived the cover-up."""

    time_ns: int
    end_ns: int
    user: str
    ip: str
    #: "password" or "publickey", as sshd logs it
    method: str
    #: files that still record it at the snapshot
    recorded_in: tuple[str, ...]
    #: files it was erased from
    erased_from: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Wipe:
    """Something the attacker erased or cut to hide, and what survived it."""

    path: str
    #: "lines-removed", "truncated", "records-zeroed", "deleted", "linked-to-dev-null"
    action: str
    time_ns: int
    command: str
    #: what is gone, in words
    removed: str
    #: lines or records it removed; and lines written afterwards that never reached the file
    lines_removed: int = 0
    lines_lost: int = 0
    #: files where what it removed can still be found
    survives_in: tuple[str, ...] = ()
    #: what an examiner can still tell from the host, in words
    tells: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Vhost:
    """A site on the host: where its files and its logs are."""

    domain: str
    document_root: str
    access_logs: tuple[str, ...]
    error_logs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """What really happened on the demo host; the answer key for every analysis.

    Paths are host paths (as seen from the examined root). Times are integer
    nanoseconds since the epoch, UTC; :meth:`to_json` adds ISO 8601 strings.
    """

    seed: int
    hostname: str
    timezone: str
    os_release: str
    #: when the disk was imaged (nothing on it is later)
    snapshot_ns: int
    #: when the provider cut the network (no inbound traffic after)
    network_cut_ns: int
    #: addresses of the attacker: the client, then the payload/C2 host
    attacker_ips: tuple[str, ...]
    payload_url: str
    c2: str
    attack_start_ns: int
    attack_end_ns: int
    entry_point: EntryPoint
    malicious: tuple[MaliciousFile, ...]
    hidden_dirs: tuple[str, ...]
    persistence: tuple[str, ...]
    timestomped: Timestomp
    attacker_requests: tuple[AttackRequest, ...]
    attacker_commands: tuple[str, ...]
    traces: tuple[Trace, ...]
    #: secrets the attacker read and that must be changed
    exposed_credentials: tuple[str, ...]
    benign_noise: tuple[BenignNoise, ...]
    vhosts: tuple[Vhost, ...]
    #: accounts with a login shell, for "change every password"
    login_users: tuple[str, ...]
    #: which incident this is (``breachkit demo --scenario``) and the story in one sentence
    scenario: str = "upload"
    summary: str = ""
    #: every attacker address with its role (``attacker_ips`` lists the same addresses)
    addresses: tuple[AttackerAddress, ...] = ()
    #: the attacker's logins with real accounts (SSH)
    attacker_logins: tuple[AttackerLogin, ...] = ()
    #: what the attacker erased to hide, log by log
    wiping: tuple[Wipe, ...] = ()
    #: what the evidence on the host can no longer establish, in words
    not_established: tuple[str, ...] = ()

    def malicious_paths(self) -> tuple[str, ...]:
        return tuple(m.path for m in self.malicious)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; every ``*_ns`` field gets an ``*_utc`` ISO 8601 sibling."""
        out: dict[str, Any] = _jsonable(self)
        return out

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _jsonable(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        out: dict[str, Any] = {}
        for name in value.__dataclass_fields__:
            item = getattr(value, name)
            out[name] = _jsonable(item)
            if name.endswith("_ns") and isinstance(item, int):
                out[name[:-3] + "_utc"] = clock.iso_utc(item)
        return out
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Scenario:
    """Every file of the demo host and the truth about it, for one seed."""

    seed: int
    #: sorted by path, so every directory comes before what it contains
    entries: tuple[Entry, ...]
    ground_truth: GroundTruth
    #: the incident (``breachkit demo --scenario``)
    name: str = "upload"

    def entry(self, path: str) -> Entry:
        """The entry at a host path; ``KeyError`` if the host has no such file."""
        index = _index_of(self.entries, path)
        if index is None:
            raise KeyError(path)
        return self.entries[index]

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and _index_of(self.entries, path) is not None

    @property
    def total_bytes(self) -> int:
        return sum(len(e.data) for e in self.entries)


def _index_of(entries: tuple[Entry, ...], path: str) -> int | None:
    lo, hi = 0, len(entries)
    while lo < hi:
        mid = (lo + hi) // 2
        if entries[mid].path < path:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < len(entries) and entries[lo].path == path else None


def iter_paths(scenario: Scenario, prefix: str = "/") -> Iterator[Entry]:
    """Entries under a host path prefix, in path order."""
    for entry in scenario.entries:
        if entry.path == prefix or entry.path.startswith(prefix.rstrip("/") + "/"):
            yield entry
