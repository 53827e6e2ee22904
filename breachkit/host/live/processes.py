"""Processes, read from ``/proc`` directly (never from ``ps``, which a rootkit may replace).

Per process (``/proc/PID/…``, see proc(5): https://man7.org/linux/man-pages/man5/proc.5.html):

* ``stat``: state, parent, threads and start time (clock ticks after boot; the
  boot time is ``btime`` in ``/proc/stat``). The command name sits in
  parentheses and may itself hold ``)`` or spaces, so the line is split at the
  *last* ``)``.
* ``status``: real and effective user and group ids.
* ``cmdline``, ``environ``: NUL-separated, capped (a process can make them
  megabytes long); only the environment variables a responder needs are kept
  (``LD_PRELOAD`` and friends, SSH session variables, history settings) —
  the rest may hold secrets and is only counted.
* ``exe``, ``cwd``, ``root``: links; an executable deleted after start shows
  as ``/path (deleted)`` and its inode has no links left.
* ``maps``: deleted or ``memfd:`` mappings and anonymous executable regions
  (injected code); ``[vdso]`` and ``[vsyscall]`` are the kernel's own.
* ``fd/``: open files and socket inodes (``socket:[INODE]``), which
  :mod:`breachkit.host.live.network` maps to ``/proc/net`` entries.

Kernel versions: all of this exists since Linux 2.6; fields a kernel lacks
are recorded as missed, not guessed.
"""

import os
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

from ..records import WarningRecord
from .procfs import DENIED, GONE, Warn, decode, pid_names, problem, read_file, read_text

CMDLINE_CAP = 64 * 1024
ENVIRON_CAP = 256 * 1024
MAPS_CAP = 8 * 1024 * 1024
#: Open files kept by name per process (all socket inodes are kept).
OPEN_FILES_KEPT = 64
SOCKETS_KEPT = 4096
MAPS_KEPT = 32

#: Environment variables kept: how code gets injected, and who is behind a session.
ENV_KEEP_PREFIXES = ("LD_", "SSH_", "HIST")
ENV_KEEP = frozenset(["PROMPT_COMMAND", "SUDO_USER", "SUDO_COMMAND", "USER", "LOGNAME", "HOME", "PWD", "PATH"])

#: Kernel-provided executable mappings, not injected code.
KERNEL_MAPS = frozenset(["[vdso]", "[vsyscall]", "[uprobes]"])

Note = Callable[[str, OSError], None]


class ProcessRecord(NamedTuple):
    """One process as ``/proc`` shows it. ``missed`` lists what could not be read, and why."""

    pid: int
    ppid: int
    name: str
    state: str
    uid: Optional[int]
    euid: Optional[int]
    gid: Optional[int]
    egid: Optional[int]
    threads: int
    start_utc: Optional[str]
    cmdline: List[str]
    cmdline_truncated: bool
    exe: Optional[str]
    exe_deleted: bool
    cwd: Optional[str]
    root: Optional[str]
    environ: Dict[str, str]
    environ_count: int
    maps_deleted: List[str]
    maps_memfd: List[str]
    anon_exec: int
    fd_count: Optional[int]
    socket_inodes: List[int]
    open_files: List[str]
    netns: Optional[str]
    kernel_thread: bool
    missed: List[str]
    #: Filled by the collection (hashing through ``/proc/PID/exe``), else ``None``.
    exe_sha256: Optional[str] = None
    exe_md5: Optional[str] = None
    exe_size: Optional[int] = None
    exe_copy: Optional[str] = None

    def to_json(self) -> Dict[str, object]:
        return dict(self._asdict())


def boot_time(proc: str = "/proc") -> Optional[float]:
    """Seconds since the epoch at boot (``btime`` in ``/proc/stat``)."""
    try:
        text = read_text(os.path.join(proc, "stat"), 4 * 1024 * 1024)
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("btime "):
            try:
                return float(line.split()[1])
            except (IndexError, ValueError):
                return None
    return None


def clock_ticks() -> int:
    try:
        return int(os.sysconf("SC_CLK_TCK")) or 100
    except (ValueError, OSError, AttributeError):
        return 100


def read_processes(proc: str = "/proc", warn: Optional[Warn] = None) -> Iterator[ProcessRecord]:
    """Every process ``proc`` lists; one that exits mid-read is skipped (or kept partly) with a warning."""
    boot = boot_time(proc)
    ticks = clock_ticks()
    for pid in pid_names(proc):
        record = read_process(proc, pid, boot, ticks, warn)
        if record is not None:
            yield record


def _utc(seconds: float) -> str:
    import datetime

    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stat(text: str) -> Tuple[str, str, int, int, int]:
    """(name, state, ppid, threads, start ticks) of a ``/proc/PID/stat`` line."""
    open_at = text.index("(")
    close_at = text.rindex(")")
    name = text[open_at + 1 : close_at]
    rest = text[close_at + 2 :].split()
    return name, rest[0], int(rest[1]), int(rest[17]), int(rest[19])


def parse_status_ids(text: str) -> Dict[str, Tuple[int, int]]:
    """``Uid``/``Gid`` lines of ``/proc/PID/status`` as (real, effective)."""
    ids: Dict[str, Tuple[int, int]] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("Uid", "Gid", "Tgid"):
            parts = value.split()
            try:
                ids[key] = (int(parts[0]), int(parts[1]) if len(parts) > 1 else int(parts[0]))
            except (IndexError, ValueError):
                continue
    return ids


def read_process(
    proc: str, pid: int, boot: Optional[float], ticks: int, warn: Optional[Warn] = None
) -> Optional[ProcessRecord]:
    base = os.path.join(proc, str(pid))
    missed: List[str] = []

    def note(part: str, exc: OSError) -> None:
        record = problem(os.path.join(base, part), exc)
        missed.append("%s: %s" % (part, record.detail))
        if warn is not None:
            warn(record)

    try:
        stat_text = read_text(os.path.join(base, "stat"), 64 * 1024)
        name, state, ppid, threads, start_ticks = parse_stat(stat_text)
    except OSError as exc:
        if warn is not None:
            warn(problem(os.path.join(base, "stat"), exc))
        return None
    except (ValueError, IndexError):
        if warn is not None:
            warn(WarningRecord(os.path.join(base, "stat"), "malformed", "unexpected /proc/PID/stat format"))
        return None
    start = None
    if boot is not None:
        try:
            start = _utc(boot + start_ticks / float(ticks))
        except (OverflowError, OSError, ValueError):
            missed.append("start time: out of range")

    ids: Dict[str, Tuple[int, int]] = {}
    try:
        ids = parse_status_ids(read_text(os.path.join(base, "status"), 64 * 1024))
    except OSError as exc:
        note("status", exc)
    uid = ids.get("Uid", (None, None))
    gid = ids.get("Gid", (None, None))

    cmdline: List[str] = []
    truncated = False
    try:
        data, truncated = read_file(os.path.join(base, "cmdline"), CMDLINE_CAP)
        cmdline = [decode(part) for part in data.rstrip(b"\0").split(b"\0")] if data else []
    except OSError as exc:
        note("cmdline", exc)
    # Kernel threads have no command line and no executable; ppid 2 is kthreadd.
    kernel_thread = not cmdline and (ppid == 2 or pid == 2)

    exe: Optional[str] = None
    exe_deleted = False
    cwd = root = netns = None
    if not kernel_thread:
        exe, exe_deleted = _exe(base, note)
        cwd = _link(base, "cwd", note)
        root = _link(base, "root", note)
    # Kernels before 3.0 have no ns/ links: absence is not a missed read.
    netns = _link(base, "ns/net", None)

    environ: Dict[str, str] = {}
    environ_count = 0
    if not kernel_thread:
        environ, environ_count = _environ(base, note)

    maps_deleted: List[str] = []
    maps_memfd: List[str] = []
    anon_exec = 0
    if not kernel_thread:
        maps_deleted, maps_memfd, anon_exec = _maps(base, note)

    fd_count: Optional[int] = None
    sockets: List[int] = []
    files: List[str] = []
    if not kernel_thread:
        fd_count, sockets, files = _fds(base, note)

    return ProcessRecord(
        pid=pid,
        ppid=ppid,
        name=name,
        state=state,
        uid=uid[0],
        euid=uid[1],
        gid=gid[0],
        egid=gid[1],
        threads=threads,
        start_utc=start,
        cmdline=cmdline,
        cmdline_truncated=truncated,
        exe=exe,
        exe_deleted=exe_deleted,
        cwd=cwd,
        root=root,
        environ=environ,
        environ_count=environ_count,
        maps_deleted=maps_deleted,
        maps_memfd=maps_memfd,
        anon_exec=anon_exec,
        fd_count=fd_count,
        socket_inodes=sockets,
        open_files=files,
        netns=netns,
        kernel_thread=kernel_thread,
        missed=missed,
    )


def _link(base: str, part: str, note: Optional[Note]) -> Optional[str]:
    try:
        return os.readlink(os.path.join(base, part))
    except OSError as exc:
        if note is not None:
            note(part, exc)
        return None


DELETED = " (deleted)"


def _exe(base: str, note: Optional[Note]) -> Tuple[Optional[str], bool]:
    exe = _link(base, "exe", note)
    if exe is None:
        return None, False
    deleted = exe.endswith(DELETED)
    try:
        # The link text can lie (a file really named "x (deleted)"); the inode cannot.
        deleted = os.stat(os.path.join(base, "exe")).st_nlink == 0
    except OSError:
        pass
    if exe.endswith(DELETED) and deleted:
        exe = exe[: -len(DELETED)]
    return exe, deleted


def _environ(base: str, note: Optional[Note]) -> Tuple[Dict[str, str], int]:
    try:
        data, _ = read_file(os.path.join(base, "environ"), ENVIRON_CAP)
    except OSError as exc:
        if note is not None:
            note("environ", exc)
        return {}, 0
    kept: Dict[str, str] = {}
    count = 0
    for item in data.split(b"\0"):
        if not item:
            continue
        count += 1
        key, _, value = decode(item).partition("=")
        if key in ENV_KEEP or key.startswith(ENV_KEEP_PREFIXES):
            kept[key] = value[:4096]
    return kept, count


def _maps(base: str, note: Optional[Note]) -> Tuple[List[str], List[str], int]:
    try:
        data, _ = read_file(os.path.join(base, "maps"), MAPS_CAP)
    except OSError as exc:
        if note is not None:
            note("maps", exc)
        return [], [], 0
    return parse_maps(decode(data))


def parse_maps(text: str) -> Tuple[List[str], List[str], int]:
    """(deleted mapped files, memfd mappings, anonymous executable regions) of a maps file.

    Mapped files and memfd names carry `` [x]`` when the mapping is executable.
    """
    deleted: List[str] = []
    memfd: List[str] = []
    anon_exec = 0
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 5:
            continue
        perms = parts[1]
        path = parts[5].strip() if len(parts) == 6 else ""
        if path.startswith("/memfd:"):
            # memfd files are always "(deleted)": they never had a name on disk.
            name = path[: -len(DELETED)] if path.endswith(DELETED) else path
            entry = name + (" [x]" if "x" in perms else "")
            if entry not in memfd and len(memfd) < MAPS_KEPT:
                memfd.append(entry)
            continue
        if path.endswith(DELETED) and path.startswith("/"):
            # SysV shared memory and deleted-then-mapped temp files are common; the
            # analyst side tells them apart (executable mappings matter most).
            entry = path[: -len(DELETED)] + (" [x]" if "x" in perms else "")
            if entry not in deleted and len(deleted) < MAPS_KEPT:
                deleted.append(entry)
            continue
        if "x" in perms and (not path or (path.startswith("[") and path not in KERNEL_MAPS)):
            anon_exec += 1
    return deleted, memfd, anon_exec


def _fds(base: str, note: Optional[Note]) -> Tuple[Optional[int], List[int], List[str]]:
    folder = os.path.join(base, "fd")
    try:
        names = os.listdir(folder)
    except OSError as exc:
        if note is not None:
            note("fd", exc)
        return None, [], []
    sockets: List[int] = []
    files: List[str] = []
    for name in sorted(names, key=lambda n: int(n) if n.isdigit() else -1):
        try:
            target = os.readlink(os.path.join(folder, name))
        except OSError as exc:
            if exc.errno in GONE:
                continue  # closed between listing and reading: normal churn
            if exc.errno in DENIED and note is not None:
                note("fd", exc)
                break
            continue
        if target.startswith("socket:["):
            try:
                if len(sockets) < SOCKETS_KEPT:
                    sockets.append(int(target[8:-1]))
            except ValueError:
                pass
        elif target.startswith("/") and len(files) < OPEN_FILES_KEPT:
            files.append(target)
    return len(names), sockets, files
