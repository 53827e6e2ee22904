"""The live state an analysis reads: from a bundle's ``live/`` tables or straight from this host.

Both paths give the same typed records (the host half's NamedTuples), so every
check runs the same on a collected bundle and on ``breachkit live``. A bundle
collected from an image has no ``live/`` folder: :attr:`LiveState.missing`
says so. A malformed line is counted in :attr:`LiveState.bad_lines` and
skipped, never fatal (a bundle is evidence from a hostile host).

Package checksums for executables come from dpkg's ``/var/lib/dpkg/info/*.md5sums``
(the bundle's copies, or the host's files), one ``MD5  relative/path`` a line
(https://man7.org/linux/man-pages/man1/dpkg.1.html, ``debsums`` reads the same).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from breachkit.host.live.hidden import HiddenProcess, find_hidden
from breachkit.host.live.kernel import ModuleRecord, read_kernel, read_modules
from breachkit.host.live.network import Interface, SocketRecord, read_interfaces, read_sockets
from breachkit.host.live.processes import ProcessRecord, read_processes
from breachkit.host.live.sessions import Session, read_utmp, ssh_sessions, utmp_sessions
from breachkit.host.records import WarningRecord
from breachkit.host.rootfs import RootFS
from breachkit.sources.base import Source

T = TypeVar("T")

MD5SUMS_DIR = "/var/lib/dpkg/info"
MD5SUMS_CAP = 16 * 1024 * 1024


@dataclass(slots=True)
class LiveState:
    """What the running host showed; ``missing`` explains an absent live picture."""

    processes: list[ProcessRecord] = field(default_factory=list)
    sockets: list[SocketRecord] = field(default_factory=list)
    hidden: list[HiddenProcess] = field(default_factory=list)
    modules: list[ModuleRecord] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    kernel: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    #: Where the state came from, for the user.
    label: str = ""
    missing: str | None = None
    bad_lines: list[tuple[str, int]] = field(default_factory=list)
    warnings: list[WarningRecord] = field(default_factory=list)
    #: Package checksums by host path (``/usr/bin/ls`` -> md5), empty when unavailable.
    package_md5: dict[str, str] = field(default_factory=dict)

    @property
    def collector_pid(self) -> int | None:
        pid = self.summary.get("collector_pid")
        return pid if isinstance(pid, int) else None


def _rows(path: Path, build: Callable[..., T], bad: list[tuple[str, int]]) -> Iterator[T]:
    if not path.exists():
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                data = json.loads(raw)
                if not isinstance(data, dict):
                    raise TypeError("not an object")
                yield build(**data)
            except (ValueError, TypeError):
                bad.append((f"live/{path.name}", number))


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def from_bundle(bundle_dir: Path, source: Source | None = None) -> LiveState:
    """The live tables of a bundle (``missing`` is set when it has none)."""
    live = Path(bundle_dir) / "live"
    state = LiveState(label=f"bundle {bundle_dir}")
    if not (live / "processes.jsonl").is_file():
        state.missing = (
            "this bundle holds no live state: it was collected from an image or with --no-live, "
            "so processes, connections and modules cannot be checked"
        )
        return state
    bad = state.bad_lines
    state.processes = list(_rows(live / "processes.jsonl", ProcessRecord, bad))
    state.sockets = list(_rows(live / "sockets.jsonl", SocketRecord, bad))
    state.hidden = list(_rows(live / "hidden.jsonl", HiddenProcess, bad))
    state.modules = list(_rows(live / "modules.jsonl", ModuleRecord, bad))
    state.interfaces = list(_rows(live / "interfaces.jsonl", Interface, bad))
    state.sessions = list(_rows(live / "sessions.jsonl", Session, bad))
    state.kernel = _json(live / "kernel.json")
    state.summary = _json(live / "summary.json")
    if source is not None:
        state.package_md5 = package_md5(source)
    return state


def from_host(proc: str = "/proc", sys_root: str = "/sys", run_tools: bool = True) -> LiveState:
    """The live state of this machine, read now (nothing is written anywhere)."""
    from breachkit.host.live.collect import ExeHasher

    state = LiveState(label="this host (live)")
    warn = state.warnings.append
    hasher = ExeHasher(None, proc, warn)
    state.processes = [hasher.hashed(record) for record in read_processes(proc, warn)]
    state.sockets = list(read_sockets(proc, state.processes, warn))
    state.hidden = find_hidden(proc, use_ps=run_tools, warn=warn).hidden
    state.modules = read_modules(proc, sys_root, warn)
    state.interfaces = read_interfaces(sys_root, warn)
    state.kernel = read_kernel(proc, warn, run_bpftool=run_tools).to_json()
    state.summary = {"collector_pid": os.getpid(), "euid": os.geteuid()}
    with RootFS("/") as fs:
        state.package_md5 = _md5sums(fs.listdir, fs.read_bytes)
        state.sessions = utmp_sessions(read_utmp(fs.read_bytes)) + ssh_sessions(state.processes)
    return state


def package_md5(source: Source) -> dict[str, str]:
    """dpkg's recorded MD5 of every packaged file, by host path; empty without dpkg data."""
    return _md5sums(source.listdir, source.read_bytes)


def _md5sums(
    listdir: Callable[[str], list[str]], read_bytes: Callable[[str, int], tuple[bytes, bool]]
) -> dict[str, str]:
    try:
        names = listdir(MD5SUMS_DIR)
    except OSError:
        return {}
    sums: dict[str, str] = {}
    for name in names:
        if not name.endswith(".md5sums"):
            continue
        try:
            data, _ = read_bytes(f"{MD5SUMS_DIR}/{name}", MD5SUMS_CAP)
        except OSError:
            continue
        for line in data.decode("utf-8", "surrogateescape").splitlines():
            digest, _, rel = line.partition("  ")
            if len(digest) == 32 and rel:
                sums["/" + rel.lstrip("/")] = digest.lower()
    return sums
