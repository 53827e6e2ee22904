"""Hidden processes: what the ``/proc`` listing leaves out, found three other ways.

A userland or kernel rootkit hides a process by filtering ``getdents`` on
``/proc`` (libprocesshider via ``LD_PRELOAD``, Diamorphine, Reptile), by
replacing ``ps``, or by bind-mounting an empty folder over ``/proc/PID`` (no
privilege beyond ``mount`` needed). Like ``unhide``, this compares:

1. the ``/proc`` listing;
2. a probe of every PID up to the highest one in use (``/proc/sys/kernel/ns_last_pid``
   or the highest listed, plus a margin; the whole range after a wrap):
   ``kill(pid, 0)`` (and ``stat(/proc/PID)`` while the range is small, see
   :data:`STAT_PROBE_LIMIT`) reach a process whose directory entry is filtered
   out. Thread ids answer too and are told apart by ``Tgid``;
3. ``ps -e`` output, when ``ps`` exists (live root only: its own gaps are a
   finding, since a trojaned ``ps`` hides what ``/proc`` shows);
4. ``/proc/self/mountinfo`` mount points at ``/proc/PID``.

A candidate is checked again before it is reported: processes start and
exit during the probe, so only one that still exists and is still missing
from a fresh listing counts.
"""

import errno
import os
from typing import Callable, Dict, List, NamedTuple, Optional, Set

from .processes import parse_status_ids
from .procfs import Warn, pid_names, problem, read_text
from .tools import find_tool, run_tool

#: PIDs probed beyond the highest one seen in use.
PROBE_MARGIN = 4096

Probe = Callable[[int], bool]


class HiddenProcess(NamedTuple):
    """A process one view shows and another does not; ``how`` names the views."""

    pid: int
    how: str
    detail: str
    name: Optional[str]
    cmdline: Optional[str]

    def to_json(self) -> Dict[str, object]:
        return dict(self._asdict())


class HiddenResult(NamedTuple):
    hidden: List[HiddenProcess]
    probed_up_to: int
    ps_used: Optional[str]

    def to_json(self) -> Dict[str, object]:
        return {"probed_up_to": self.probed_up_to, "ps_used": self.ps_used}


#: Up to this many PIDs the sweep asks procfs too (``stat`` costs about four times ``kill``);
#: beyond it (``pid_max`` is 4194304 on most 64-bit systems) ``kill`` alone keeps the
#: probe within seconds.
STAT_PROBE_LIMIT = 262144


def live_probe(proc: str, with_stat: bool = True) -> Probe:
    """Does ``pid`` exist? ``kill(pid, 0)`` asks the kernel's task table; ``stat`` asks procfs."""

    def probe(pid: int) -> bool:
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            pass
        except PermissionError:
            return True
        except OSError:
            pass
        if not with_stat:
            return False
        try:
            os.stat(os.path.join(proc, str(pid)))
            return True
        except OSError:
            return False

    return probe


def dir_probe(proc: str) -> Probe:
    """Existence by ``stat(/proc/PID)`` only (used on a copied or synthetic ``/proc``)."""

    def probe(pid: int) -> bool:
        try:
            os.stat(os.path.join(proc, str(pid)))
            return True
        except OSError:
            return False

    return probe


def _int_file(path: str) -> Optional[int]:
    try:
        return int(read_text(path, 64).strip())
    except (OSError, ValueError):
        return None


def probe_limit(proc: str, listed: List[int]) -> int:
    pid_max = _int_file(os.path.join(proc, "sys", "kernel", "pid_max")) or 32768
    last = _int_file(os.path.join(proc, "sys", "kernel", "ns_last_pid")) or 0
    highest = max([last] + listed)
    if listed and last and last < max(listed):
        return pid_max  # the counter wrapped: any PID may be in use
    return min(pid_max, highest + PROBE_MARGIN)


def _thread_group(proc: str, pid: int) -> Optional[int]:
    try:
        ids = parse_status_ids(read_text(os.path.join(proc, str(pid), "status"), 64 * 1024))
    except OSError:
        return None
    tgid = ids.get("Tgid")
    return tgid[0] if tgid else None


def _describe(proc: str, pid: int) -> Dict[str, Optional[str]]:
    info: Dict[str, Optional[str]] = {"name": None, "cmdline": None}
    try:
        info["name"] = read_text(os.path.join(proc, str(pid), "comm"), 256).strip()
        raw = read_text(os.path.join(proc, str(pid), "cmdline"), 4096)
        info["cmdline"] = raw.rstrip("\0").replace("\0", " ")
    except OSError:
        pass
    return info


def bind_mounted_pids(proc: str, warn: Optional[Warn] = None) -> Dict[int, str]:
    """PIDs whose ``/proc/PID`` folder has something mounted over it, with the mount source."""
    path = os.path.join(proc, "self", "mountinfo")
    try:
        text = read_text(path, 16 * 1024 * 1024)
    except OSError as exc:
        if warn is not None:
            warn(problem(path, exc, "absent"))
        return {}
    found: Dict[int, str] = {}
    prefix = proc.rstrip("/") + "/"
    for line in text.splitlines():
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5:
            continue
        point = fields[4]
        if not point.startswith(prefix):
            continue
        first = point[len(prefix) :].split("/")[0]
        if first.isdigit():
            found[int(first)] = "%s mounted over %s (root %s)" % (right.split(" ")[0] or "?", point, fields[3])
    return found


def ps_pids(ps_path: Optional[str] = None) -> Optional[Set[int]]:
    """PIDs ``ps -e`` lists, or ``None`` when there is no ``ps`` or it failed."""
    path = ps_path or find_tool("ps")
    if path is None:
        return None
    out = run_tool([path, "-e", "-o", "pid="], timeout=30)
    if out.error is not None or out.returncode != 0:
        return None
    pids = set()
    for line in out.stdout.split():
        if line.isdigit():
            pids.add(int(line))
    return pids


def find_hidden(
    proc: str = "/proc",
    probe: Optional[Probe] = None,
    use_ps: bool = False,
    warn: Optional[Warn] = None,
) -> HiddenResult:
    """Compare the views; ``probe`` defaults to :func:`live_probe` for ``/proc`` and :func:`dir_probe` otherwise."""
    listed = pid_names(proc)
    listed_set = set(listed)
    limit = probe_limit(proc, listed)
    if probe is None:
        live = os.path.realpath(proc) == "/proc"
        probe = live_probe(proc, with_stat=limit <= STAT_PROBE_LIMIT) if live else dir_probe(proc)
    hidden: List[HiddenProcess] = []

    candidates = [pid for pid in range(1, limit + 1) if pid not in listed_set and probe(pid)]
    if candidates:
        fresh = set(pid_names(proc))  # processes started during the probe are listed by now
        for pid in candidates:
            if pid in fresh or not probe(pid):
                continue
            tgid = _thread_group(proc, pid)
            if tgid is not None and tgid != pid:
                # A thread: /proc/TID answers but only its process is listed. Hidden only
                # if its process is missing from the listing too (checked on its own).
                continue
            info = _describe(proc, pid)
            hidden.append(
                HiddenProcess(
                    pid,
                    "probe-not-listed",
                    "PID %d answers kill(pid, 0) or stat(/proc/%d) but is missing from the /proc listing" % (pid, pid),
                    info["name"],
                    info["cmdline"],
                )
            )

    for pid, detail in sorted(bind_mounted_pids(proc, warn).items()):
        info = _describe(proc, pid)
        hidden.append(HiddenProcess(pid, "bind-mount", detail, info["name"], info["cmdline"]))

    ps_used = None
    if use_ps:
        path = find_tool("ps")
        shown = ps_pids(path) if path else None
        if shown is not None:
            ps_used = path
            now = set(pid_names(proc))
            missing = [pid for pid in sorted(listed_set & now) if pid not in shown]
            # A second ps run rules out processes that exited or were reused in between.
            again = ps_pids(path) if missing else set()
            for pid in missing:
                if again is None or pid in again or not _exists(proc, pid):
                    continue
                info = _describe(proc, pid)
                hidden.append(
                    HiddenProcess(
                        pid,
                        "ps-missing",
                        "listed in /proc but missing from the output of %s (a replaced ps hides it)" % path,
                        info["name"],
                        info["cmdline"],
                    )
                )
    return HiddenResult(hidden, limit, ps_used)


def _exists(proc: str, pid: int) -> bool:
    try:
        os.stat(os.path.join(proc, str(pid)))
    except OSError as exc:
        return exc.errno not in (errno.ENOENT, errno.ESRCH)
    return True
