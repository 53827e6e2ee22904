"""The live step of a collection: volatile state of the running host into the bundle.

Runs only when the examined root is the live ``/`` (``--no-live`` skips it),
right after the host facts and before the file walk, in order of volatility:
processes and sockets (which change by the second), then hidden-process
checks, kernel modules and settings, sessions, interfaces, routes and
neighbours, the read-only listing tools (firewall, eBPF, containers) and last
the optional memory image (minutes long; the picture above is taken first).

Bundle layout (under ``live/``)::

    summary.json        counts, collector pid, privileges and what was missed
    processes.jsonl     one ProcessRecord a line (with exe hashes)
    sockets.jsonl       one SocketRecord a line, owners attached
    hidden.jsonl        processes one view shows and another does not
    modules.jsonl       kernel modules from /proc/modules and /sys/module
    kernel.json         taint (decoded), cmdline, version, sysctls, eBPF listing
    utmp.jsonl          /var/run/utmp records
    sessions.jsonl      SSH sessions from utmp and the process table
    interfaces.jsonl    network interfaces (promiscuous flag)
    routes.jsonl, arp.jsonl
    containers.jsonl    docker/podman containers
    tools.jsonl         what each optional tool printed (firewall rules …)
    exe/<pid>           copies of deleted executables, read through /proc/PID/exe
    memory.lime         the memory image, when a memory tool was given

Executables are hashed (SHA-256 for the bundle, MD5 to compare with dpkg's
``md5sums``) once per distinct inode, through ``/proc/PID/exe``: that is the
file the process runs even when its path was deleted or replaced.
"""

import errno
import hashlib
import os
import stat
import time
from typing import Callable, Dict, Iterable, List, Optional, Protocol, Tuple

from ..bundle import BundleWriter
from ..records import WarningRecord
from ..rootfs import RootFS
from .containers import list_containers
from .hidden import find_hidden
from .kernel import read_kernel, read_modules
from .memory import capture_memory
from .network import firewall_rules, read_arp, read_interfaces, read_routes, read_sockets
from .processes import ProcessRecord, read_processes
from .procfs import problem
from .sessions import Session, read_utmp, ssh_sessions, utmp_sessions
from .tools import ToolOutput

Warn = Callable[[WarningRecord], None]
Progress = Callable[[str], None]

MiB = 1024 * 1024
#: Deleted executables are copied up to this size (a packed implant is a few MiB).
EXE_COPY_CAP = 256 * MiB
#: Executables larger than this are not hashed (time budget); the record says so.
HASH_CAP = 512 * MiB
_O_NOATIME = getattr(os, "O_NOATIME", 0)


def _open_exe(path: str) -> int:
    """Open what ``/proc/PID/exe`` points at: a regular file only, without moving its atime."""
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK
    fd = -1
    if _O_NOATIME:
        try:
            fd = os.open(path, flags | _O_NOATIME)
        except PermissionError:
            pass
    if fd < 0:
        fd = os.open(path, flags)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", path)
    return fd


class ExeHasher:
    """Hashes (and for deleted ones, copies) executables once per distinct file."""

    def __init__(self, bundle: Optional[BundleWriter], proc: str, warn: Warn) -> None:
        self.bundle = bundle
        self.proc = proc
        self.warn = warn
        self.done: Dict[Tuple[int, int, int, int], Tuple[str, str, int, Optional[str]]] = {}
        self.copied = 0
        self.copied_bytes = 0

    def hashed(self, record: ProcessRecord) -> ProcessRecord:
        if record.kernel_thread or record.exe is None:
            return record
        path = os.path.join(self.proc, str(record.pid), "exe")
        try:
            st = os.stat(path)
        except OSError as exc:
            self.warn(problem(path, exc))
            return record
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        known = self.done.get(key)
        if known is None:
            if st.st_size > HASH_CAP and not record.exe_deleted:
                self.warn(WarningRecord(path, "not-hashed", "executable larger than %d bytes: not hashed" % HASH_CAP))
                return record
            computed = self._hash(path, record)
            if computed is None:
                return record
            known = computed
            self.done[key] = known
        sha, md5, size, copy = known
        return record._replace(exe_sha256=sha, exe_md5=md5, exe_size=size, exe_copy=copy)

    def _hash(self, path: str, record: ProcessRecord) -> Optional[Tuple[str, str, int, Optional[str]]]:
        sha = hashlib.sha256()
        md5 = hashlib.md5()  # noqa: S324 - dpkg's md5sums are MD5; this compares, it does not protect
        size = 0
        copy: Optional[str] = None
        writer = None
        bundle = self.bundle
        try:
            fd = _open_exe(path)
        except OSError as exc:
            self.warn(problem(path, exc))
            return None
        try:
            if record.exe_deleted and bundle is not None:
                copy = "live/exe/%d" % record.pid
                writer = bundle.open(copy)
            while True:
                chunk = os.read(fd, MiB)
                if not chunk:
                    break
                sha.update(chunk)
                md5.update(chunk)
                if writer is not None and size < EXE_COPY_CAP:
                    writer.write(chunk[: EXE_COPY_CAP - size])
                size += len(chunk)
                if size > HASH_CAP:
                    self.warn(WarningRecord(path, "not-hashed", "grew beyond %d bytes while hashed" % HASH_CAP))
                    return None
        except OSError as exc:
            self.warn(problem(path, exc))
            return None
        finally:
            os.close(fd)
            if bundle is not None and writer is not None and copy is not None:
                bundle.close(copy)
                self.copied += 1
                self.copied_bytes += min(size, EXE_COPY_CAP)
        if copy is not None and size > EXE_COPY_CAP:
            self.warn(WarningRecord(path, "truncated", "deleted executable copied up to %d bytes only" % EXE_COPY_CAP))
        return sha.hexdigest(), md5.hexdigest(), size, copy


class _Record(Protocol):
    def to_json(self) -> Dict[str, object]: ...


def _write_jsonl(bundle: BundleWriter, rel: str, records: Iterable[_Record]) -> int:
    out = bundle.open(rel)
    count = 0
    for record in records:
        out.write_line(record.to_json())
        count += 1
    bundle.close(rel)
    return count


def collect_live(
    bundle: BundleWriter,
    warn: Warn,
    fs: Optional[RootFS] = None,
    proc: str = "/proc",
    sys_root: str = "/sys",
    run_tools: bool = True,
    memory_tool: Optional[str] = None,
    progress: Optional[Progress] = None,
) -> Dict[str, object]:
    """Write the ``live/`` tables of the running host into ``bundle``; return the summary."""
    started = time.time()
    counts: Dict[str, int] = {}
    missed: Dict[str, int] = {}

    def counted(record: WarningRecord) -> None:
        missed[record.kind] = missed.get(record.kind, 0) + 1
        warn(record)

    def say(message: str) -> None:
        if progress is not None:
            progress("live: " + message)

    hasher = ExeHasher(bundle, proc, counted)
    processes = [hasher.hashed(record) for record in read_processes(proc, counted)]
    sockets = list(read_sockets(proc, processes, counted))
    counts["processes"] = _write_jsonl(bundle, "live/processes.jsonl", processes)
    counts["sockets"] = _write_jsonl(bundle, "live/sockets.jsonl", sockets)
    counts["deleted_exe_copied"] = hasher.copied
    say("%d processes, %d sockets" % (counts["processes"], counts["sockets"]))

    hidden = find_hidden(proc, use_ps=run_tools, warn=counted)
    counts["hidden"] = _write_jsonl(bundle, "live/hidden.jsonl", hidden.hidden)

    modules = read_modules(proc, sys_root, counted)
    counts["modules"] = _write_jsonl(bundle, "live/modules.jsonl", modules)
    kernel = read_kernel(proc, counted, run_bpftool=run_tools)
    bundle.write_json("live/kernel.json", kernel.to_json())

    utmp = read_utmp(fs.read_bytes) if fs is not None else []
    sessions: List[Session] = utmp_sessions(utmp)
    sessions.extend(ssh_sessions(processes))
    counts["utmp"] = _write_jsonl(bundle, "live/utmp.jsonl", utmp)
    counts["sessions"] = _write_jsonl(bundle, "live/sessions.jsonl", sessions)

    counts["interfaces"] = _write_jsonl(bundle, "live/interfaces.jsonl", read_interfaces(sys_root, counted))
    counts["routes"] = _write_jsonl(bundle, "live/routes.jsonl", read_routes(proc, counted))
    counts["arp"] = _write_jsonl(bundle, "live/arp.jsonl", read_arp(proc, counted))

    outputs: List[ToolOutput] = []
    containers = []
    if run_tools:
        say("firewall rules, containers")
        outputs.extend(firewall_rules())
        listing = list_containers()
        containers = listing.containers
        outputs.extend(listing.outputs)
        if kernel.bpf is not None:
            outputs.append(kernel.bpf)
    counts["containers"] = _write_jsonl(bundle, "live/containers.jsonl", containers)
    counts["tool_outputs"] = _write_jsonl(bundle, "live/tools.jsonl", outputs)

    memory = None
    if memory_tool:
        say("memory image with %s (this takes minutes)" % memory_tool)
        image = os.path.join(bundle.out, "live", "memory.lime")
        capture = capture_memory(memory_tool, image)
        if capture.sha256 is not None:
            bundle.entries.append(("live/memory.lime", capture.sha256, capture.size))
        if capture.error:
            warn(WarningRecord(memory_tool, "memory-capture", capture.error))
        memory = capture.to_json()

    partly = sum(1 for record in processes if record.missed and not record.kernel_thread)
    summary: Dict[str, object] = {
        "collector_pid": os.getpid(),
        "euid": os.geteuid(),
        "counts": counts,
        "missed": missed,
        "processes_partly_read": partly,
        "hidden_probe_up_to": hidden.probed_up_to,
        "ps_cross_check": hidden.ps_used,
        "memory": memory,
        "seconds": round(time.time() - started, 3),
    }
    if os.geteuid() != 0:
        summary["privileges"] = (
            "not root: the executables, open files, environments and memory maps of other users' "
            "processes (%d processes) could not be read, nor their sockets attributed" % partly
        )
    bundle.write_json("live/summary.json", summary)
    return summary
