"""Collect an evidence bundle from an examined root (live ``/`` or a mounted image).

Order matters for a live host: the facts that change fastest (clock, uptime)
are taken first, then the live state of the running system (processes,
sockets, kernel modules, sessions: :mod:`breachkit.host.live.collect`, skipped
with ``live=False`` and never run on an image), then the file walk (metadata of every file, before
anything reads contents), then copies of the files a responder needs
(:mod:`breachkit.host.targets`). Each step is logged with its status, so a
partial bundle says exactly what it holds. Nothing in the examined root is
written; the bundle folder, if it lies inside the root, is left out of the walk.
"""

import datetime
import errno
import hashlib
import os
import platform
import socket
import time
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Set, Tuple, Union

from .bundle import BundleWriter, HashingWriter, dumps
from .records import FileStat, WarningRecord
from .rootfs import RootFS, join_host_path, warning_for
from .statx import StatRun
from .targets import TARGETS, MiB, Target, expand
from .toolinfo import examiner_name, tool_info
from .walklines import Walk

#: File system types a live walk enters: disks and memory-backed scratch space.
#: Pseudo (proc, sysfs, cgroup), device and network file systems are left out.
LOCAL_FS_TYPES = frozenset(
    [
        "ext2",
        "ext3",
        "ext4",
        "xfs",
        "btrfs",
        "zfs",
        "f2fs",
        "jfs",
        "reiserfs",
        "vfat",
        "exfat",
        "ntfs",
        "ntfs3",
        "tmpfs",
        "overlay",
    ]
)

Progress = Callable[[str], None]


class CollectResult(NamedTuple):
    bundle: str
    manifest_sha256: str
    files_walked: int
    files_copied: int
    bytes_copied: int
    warnings: int
    steps: List[Dict[str, object]]


def utc_iso(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def local_iso(seconds: float) -> str:
    """The host clock as it reads locally, with its UTC offset."""
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc).astimezone().isoformat()


def parse_true_time(text: str) -> float:
    """Seconds since the epoch from an ISO 8601 time the responder read off a trusted clock."""
    value = text.strip().replace("Z", "+00:00").replace(" ", "T", 1)
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


class _Log:
    """Steps of the acquisition, to ``acquisition.log`` as they happen and kept for the JSON."""

    def __init__(self, writer: HashingWriter, progress: Optional[Progress]) -> None:
        self.writer = writer
        self.steps: List[Dict[str, object]] = []
        self.progress = progress

    def step(self, name: str, status: str, started: float, **details: object) -> None:
        record: Dict[str, object] = {
            "step": name,
            "status": status,
            "started": utc_iso(started),
            "finished": utc_iso(time.time()),
        }
        record.update(details)
        self.steps.append(record)
        self.writer.write((dumps(record) + "\n").encode("ascii"))
        if self.progress is not None:
            self.progress("%s: %s" % (name, status))


def collect(
    root: str,
    out: str,
    examiner: Optional[str] = None,
    true_time: Optional[str] = None,
    walk: bool = True,
    cross_mounts: bool = False,
    exclude: Sequence[str] = (),
    targets: Sequence[Target] = TARGETS,
    progress: Optional[Progress] = None,
    live: Optional[bool] = None,
    memory_tool: Optional[str] = None,
) -> CollectResult:
    """Write an evidence bundle of ``root`` to the new folder ``out``.

    ``live`` (default: whether ``root`` is ``/``) adds the running system's state;
    ``memory_tool`` (AVML binary or LiME module on the responder's media) adds a
    memory image to it.
    """
    invoked = time.time()
    fs = RootFS(root)
    bundle = BundleWriter(out)
    log_writer = bundle.open("acquisition.log")
    log = _Log(log_writer, progress)
    excluded = list(exclude) + _inside(fs.root, bundle.out)
    warnings = bundle.open("warnings.jsonl")
    counts = {"warnings": 0}
    # The copy step walks folders the full walk has seen: an unreadable folder
    # is one problem, recorded and counted once.
    warned: Set[Tuple[str, str]] = set()

    def warn(record: WarningRecord) -> None:
        if (record.path, record.kind) in warned:
            return
        warned.add((record.path, record.kind))
        counts["warnings"] += 1
        warnings.write_line(record.to_json())

    facts = _host_facts(fs, invoked, true_time)
    log.step("host-facts", "ok", invoked, hostname=facts["hostname"])

    live_summary: Optional[Dict[str, object]] = None
    if live is None:
        live = fs.is_live
    if live and fs.is_live:
        started = time.time()
        try:
            # Imported here: only a live collection needs it, and a collector built
            # without the subpackage still collects images (and says what it missed).
            from .live.collect import collect_live

            live_summary = collect_live(bundle, warn, fs=fs, memory_tool=memory_tool, progress=progress)
            counts_live = live_summary["counts"]
            log.step("live", "ok", started, **(counts_live if isinstance(counts_live, dict) else {}))
        except OSError as exc:  # /proc itself unreadable: the rest of the collection still runs
            log.step("live", "error", started, error=str(exc))
        except ImportError as exc:
            log.step("live", "error", started, error="collector lacks breachkit.host.live (%s): rebuild it" % exc)
    elif live:
        log.step("live", "skipped", time.time(), reason="the root is not the running system /")

    walked = 0
    if walk:
        started = time.time()
        walk_out = bundle.open("walk.jsonl")

        def walk_progress(count: int) -> None:
            nonlocal walked
            if progress is not None and count // 100000 > walked // 100000:
                progress("walk: %d entries" % (count // 100000 * 100000))
            walked = count

        try:
            walk_root(fs, excluded, cross_mounts).write_jsonl(walk_out.write, warn, walk_progress)
            log.step("walk", "ok", started, entries=walked)
        except OSError as exc:  # the root itself became unreadable
            log.step("walk", "error", started, entries=walked, error=str(exc))
        bundle.close("walk.jsonl")

    started = time.time()
    copied, copied_bytes = _copy_targets(fs, bundle, targets, excluded, warn)
    log.step("copy", "ok", started, files=copied, bytes=copied_bytes)

    bundle.close("warnings.jsonl")
    finished = time.time()
    facts.update(
        {
            "examiner": examiner or examiner_name(),
            "root": fs.root,
            "live": fs.is_live,
            "started_utc": utc_iso(invoked),
            "finished_utc": utc_iso(finished),
            "tool": tool_info(),
            "counts": {
                "walked": walked,
                "copied": copied,
                "bytes_copied": copied_bytes,
                "warnings": counts["warnings"],
            },
            "steps": log.steps,
        }
    )
    if live_summary is not None:
        facts["live_summary"] = live_summary
    bundle.close("acquisition.log")
    bundle.write_json("acquisition.json", facts)
    manifest_hash = bundle.finish()
    fs.close()
    return CollectResult(bundle.out, manifest_hash, walked, copied, copied_bytes, counts["warnings"], log.steps)


def _inside(root: str, path: str) -> List[str]:
    """The host path of ``path`` if it lies inside ``root`` (so the walk leaves it out)."""
    root = root.rstrip("/") or "/"
    if root == "/":
        return [path]
    if path.startswith(root + "/"):
        return [path[len(root) :]]
    return []


def _host_facts(fs: RootFS, invoked: float, true_time: Optional[str]) -> Dict[str, object]:
    facts: Dict[str, object] = {
        "host_clock_utc": utc_iso(invoked),
        "host_clock_local": local_iso(invoked),
        "collector_hostname": socket.gethostname(),
        "collector_platform": platform.platform(),
    }
    hostname = _read_small(fs, "/etc/hostname").strip()
    facts["hostname"] = hostname or (socket.gethostname() if fs.is_live else "unknown")
    facts["timezone"] = _read_small(fs, "/etc/timezone").strip() or _zone_from_localtime(fs)
    if true_time:
        true_seconds = parse_true_time(true_time)
        facts["true_time_utc"] = utc_iso(true_seconds)
        facts["host_clock_offset_seconds"] = round(invoked - true_seconds, 3)
    if fs.is_live:
        uptime = _read_small(fs, "/proc/uptime").split()
        if uptime:
            facts["boot_time_utc"] = utc_iso(invoked - float(uptime[0]))
        facts["kernel"] = " ".join(platform.uname()[2:4])
    return facts


def _read_small(fs: RootFS, path: str) -> str:
    try:
        data, _ = fs.read_bytes(path, 4096)
    except OSError:
        return ""
    return data.decode("utf-8", "replace")


def _zone_from_localtime(fs: RootFS) -> str:
    try:
        target = fs.readlink("/etc/localtime")
    except OSError:
        return ""
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else ""


def walk_root(fs: RootFS, excluded: Sequence[str] = (), cross_mounts: bool = False) -> Walk:
    """The walk a collection makes: one file system, or on a live host every local one.

    Iterate the result for :class:`FileStat` and :class:`WarningRecord`
    items, or call its ``write_jsonl`` for the lines of ``walk.jsonl``.
    """
    return Walk(lambda batch: _root_runs(fs, excluded, cross_mounts, batch))


def _root_runs(
    fs: RootFS, excluded: Sequence[str], cross_mounts: bool, batch: bool
) -> Iterator[Union[StatRun, WarningRecord]]:
    if cross_mounts:
        yield from _cross_runs(fs, excluded, batch)
        return
    devices, extra_starts = _live_mounts(fs) if fs.is_live else (None, [])
    yield from fs.walk_runs("/", skip=excluded, devices=devices, batch=batch)
    for start in extra_starts:  # e.g. /dev/shm, below the skipped /dev
        yield from fs.walk_runs(start, skip=excluded, devices=devices, batch=batch)


def _cross_runs(fs: RootFS, excluded: Sequence[str], batch: bool) -> Iterator[Union[StatRun, WarningRecord]]:
    """A walk that enters every file system mounted below the root (``--cross-mounts``)."""
    pending = ["/"]
    while pending:
        start = pending.pop()
        for item in fs.walk_runs(start, skip=excluded, batch=batch):
            if isinstance(item, WarningRecord):
                if item.kind == "mount-point":
                    pending.append(item.path)
                    continue
            elif start != "/" and item.paths[0] == start:
                continue  # the start alone: the walk above already listed the mount point
            yield item


def _live_mounts(fs: RootFS) -> Tuple[Optional[Set[int]], List[str]]:
    """Devices of local file systems, and mount points reachable only through a pseudo fs.

    ``/dev/shm`` is the usual case: a tmpfs attackers like, mounted inside
    ``/dev``, which the walk itself never enters.
    """
    devices: Set[int] = {fs.root_stat.dev}
    local_points: List[str] = []
    try:
        data, _ = fs.read_bytes("/proc/self/mountinfo", 16 * 1024 * 1024)
    except OSError:
        return devices, []
    for line in data.decode("utf-8", "replace").splitlines():
        fields = line.split(" - ", 1)
        if len(fields) != 2:
            continue
        left, right = fields[0].split(), fields[1].split()
        if len(left) < 5 or not right or right[0] not in LOCAL_FS_TYPES:
            continue
        if len(right) > 1 and right[1].startswith("/dev/loop"):
            # A loop-mounted image is evidence someone is examining (or a
            # download), not part of this host's own disks.
            continue
        point = left[4].replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")
        try:
            devices.add(fs.lstat(point).dev)
        except OSError:
            continue
        local_points.append(point)
    extra = [p for p in local_points if p.startswith("/dev/")]
    return devices, sorted(extra)


def _copy_targets(
    fs: RootFS,
    bundle: BundleWriter,
    targets: Sequence[Target],
    excluded: Sequence[str],
    warn: Callable[[WarningRecord], None],
) -> Tuple[int, int]:
    copied_log = bundle.open("copied.jsonl")
    done: Set[str] = set()
    files = 0
    total = 0
    for target in targets:
        spent = 0
        over: List[int] = []  # sizes of the files the budget left out
        for path in expand(fs, target.pattern):
            try:
                top = fs.lstat(path)
            except FileNotFoundError:
                continue  # an absent target is normal (no /var/lib/rpm on Debian)
            except OSError as exc:
                warn(warning_for(path, exc))
                continue
            entries: Iterator[object]
            if top.type == "d" and target.recursive:
                entries = fs.walk(path, skip=excluded)
            else:
                entries = iter([top])
            for entry in entries:
                if isinstance(entry, WarningRecord):
                    if entry.kind not in ("mount-point",):
                        warn(entry)
                    continue
                assert isinstance(entry, FileStat)
                if entry.path in done:
                    continue
                done.add(entry.path)
                if entry.type not in ("f", "l"):
                    if entry.type != "d":  # never opened, but never passed over in silence
                        warn(WarningRecord(entry.path, "not-regular", _NOT_COPIED[entry.type]))
                    continue
                if target.budget and entry.type == "f" and spent + min(entry.size, target.cap) > target.budget:
                    over.append(entry.size)
                    continue
                record = _copy_one(fs, bundle, entry, target.cap, warn)
                if record is not None:
                    copied_log.write_line(record)
                    files += 1
                    copied = int(record.get("copied", 0))  # type: ignore[call-overload]
                    spent += copied
                    total += copied
        if over:
            warn(
                WarningRecord(
                    target.pattern,
                    "budget",
                    "%d files (%d bytes) not copied: the %d MiB budget for %s is spent; their metadata is in "
                    "walk.jsonl" % (len(over), sum(over), target.budget // MiB, target.pattern),
                )
            )
    bundle.close("copied.jsonl")
    return files, total


#: Copies whose bundle path would be longer than this go to ``longpaths/<sha256 of
#: the host path>`` instead, so the bundle stays well inside PATH_MAX wherever it
#: is moved to (deep trees are a classic way to hide from tools).
LONG_PATH = 1024


def bundle_path_for(host_path: str) -> str:
    """Where the copy of ``host_path`` lies in the bundle (``copied.jsonl`` records it too)."""
    rel = "root" + host_path
    raw = os.fsencode(rel)
    if len(raw) > LONG_PATH or any(len(part) > 255 for part in raw.split(b"/")):
        return "longpaths/" + hashlib.sha256(os.fsencode(host_path)).hexdigest()
    return rel


_NOT_COPIED = {
    "p": "FIFO: not copied (reading could block)",
    "s": "socket: not copied",
    "c": "character device: not copied",
    "b": "block device: not copied",
    "?": "unknown file type: not copied",
}


def _copy_one(
    fs: RootFS, bundle: BundleWriter, entry: FileStat, cap: int, warn: Callable[[WarningRecord], None]
) -> Optional[Dict[str, object]]:
    record: Dict[str, object] = {"stat": entry.to_json(), "path": entry.to_json()["path"]}
    if "path_b64" in record["stat"]:  # type: ignore[operator]
        record["path_b64"] = record["stat"]["path_b64"]  # type: ignore[index]
    if entry.type == "l":
        record["copied"] = 0
        try:
            fs.resolve(entry.path)
        except OSError as exc:  # a loop is worth a warning; a dangling link is common
            if exc.errno == errno.ELOOP:
                warn(warning_for(entry.path, exc))
        return record
    rel = bundle_path_for(entry.path)
    try:
        handle = fs.open_file(entry.path, follow=False)
    except OSError as exc:
        warn(warning_for(entry.path, exc))
        return None
    try:
        writer = bundle.open(rel)
    except OSError as exc:
        handle.close()
        warn(WarningRecord(entry.path, "not-copied", "cannot create the copy in the bundle: %s" % exc))
        return None
    copied = 0
    truncated = False
    try:
        with handle:
            while True:
                chunk = handle.read(min(1024 * 1024, cap + 1 - copied))
                if not chunk:
                    break
                if copied + len(chunk) > cap:
                    chunk = chunk[: cap - copied]
                    truncated = True
                writer.write(chunk)
                copied += len(chunk)
                if truncated:
                    break
    except OSError as exc:
        warn(warning_for(entry.path, exc))
        truncated = True
    digest = bundle.close(rel)
    if truncated:
        warn(WarningRecord(entry.path, "truncated", "copied the first %d bytes only (cap %d)" % (copied, cap)))
    try:
        os.utime(os.path.join(bundle.out, rel), ns=(entry.atime_ns, entry.mtime_ns))
    except OSError:
        pass
    record.update({"bundle_path": rel, "sha256": digest, "copied": copied, "truncated": truncated})
    return record


__all__ = ["CollectResult", "collect", "join_host_path", "parse_true_time", "walk_root"]
