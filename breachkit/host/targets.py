"""What a collection copies from the examined root, and why.

A static list, reviewed like code: each :class:`Target` names a host path
pattern (``*`` and ``?`` match within one component), whether directories
matching it are copied recursively, a per-file byte cap, and the reason a
responder wants it. Symlinked directories (``/lib`` -> ``usr/lib``) are resolved
inside the root, so a file reached through two names is copied once, under
the name it really has.
"""

import fnmatch
from typing import Iterator, List, NamedTuple, Set

from .rootfs import RootFS, join_host_path, split_host_path

MiB = 1024 * 1024


class Target(NamedTuple):
    pattern: str
    recursive: bool
    #: Bytes copied of one file at most (the rest is left, and a warning says so).
    cap: int
    why: str
    #: Bytes copied for the whole target at most; 0 for no limit. World-writable
    #: folders can hold anything (build trees, downloads, other bundles): their
    #: metadata is always in the walk, their content only up to this budget.
    budget: int = 0


TARGETS = (
    Target("/etc", True, 16 * MiB, "system configuration: accounts, PAM, sshd, cron, web servers, startup"),
    Target("/var/log", True, 512 * MiB, "system, auth, web and package logs, rotated ones included", 4096 * MiB),
    Target("/var/spool/cron", True, 4 * MiB, "per-user crontabs"),
    Target("/var/spool/at", True, 4 * MiB, "at jobs"),
    Target("/var/spool/anacron", True, 1 * MiB, "anacron time stamps"),
    Target("/lib/systemd/system", True, 4 * MiB, "systemd units shipped by packages (compare with /etc)"),
    Target("/usr/lib/systemd/system", True, 4 * MiB, "systemd units shipped by packages (compare with /etc)"),
    Target("/usr/local/lib/systemd", True, 4 * MiB, "locally installed systemd units"),
    Target("/root/.*history", False, 64 * MiB, "root's shell history"),
    Target("/root/.ssh", True, 4 * MiB, "root's SSH keys and authorized_keys"),
    Target("/root/.profile", False, 1 * MiB, "root's login scripts"),
    Target("/root/.bashrc", False, 1 * MiB, "root's shell start-up"),
    Target("/root/.config/systemd", True, 4 * MiB, "root's systemd user units"),
    Target("/home/*/.*history", False, 64 * MiB, "users' shell histories"),
    Target("/home/*/.ssh", True, 4 * MiB, "users' SSH keys and authorized_keys"),
    Target("/home/*/.profile", False, 1 * MiB, "users' login scripts"),
    Target("/home/*/.bashrc", False, 1 * MiB, "users' shell start-up"),
    Target("/home/*/.config/systemd", True, 4 * MiB, "users' systemd user units"),
    Target("/var/www/.ssh", True, 1 * MiB, "web server user's SSH keys"),
    Target("/var/www/.*history", False, 16 * MiB, "web server user's shell history"),
    Target("/var/lib/dpkg/status", False, 64 * MiB, "installed Debian packages"),
    Target("/var/lib/dpkg/info/*.md5sums", False, 16 * MiB, "package checksums (integrity without a baseline)"),
    Target("/var/lib/dpkg/info/*.conffiles", False, 1 * MiB, "package configuration files"),
    Target("/var/lib/rpm/rpmdb.sqlite", False, 512 * MiB, "installed RPM packages and their checksums"),
    Target("/var/lib/rpm/Packages", False, 512 * MiB, "installed RPM packages (Berkeley DB)"),
    Target("/var/lib/rpm/Packages.db", False, 512 * MiB, "installed RPM packages (NDB, SUSE)"),
    # Newer Fedora and openSUSE keep the database here (/var/lib/rpm may be a link to it).
    Target("/usr/lib/sysimage/rpm/rpmdb.sqlite", False, 512 * MiB, "installed RPM packages and their checksums"),
    Target("/usr/lib/sysimage/rpm/Packages.db", False, 512 * MiB, "installed RPM packages (NDB, SUSE)"),
    Target("/usr/lib/sysimage/rpm/Packages", False, 512 * MiB, "installed RPM packages (Berkeley DB)"),
    Target("/tmp", True, 32 * MiB, "world-writable: attackers drop tools here", 256 * MiB),
    Target("/var/tmp", True, 32 * MiB, "world-writable and survives reboots: attackers drop tools here", 256 * MiB),
    Target("/dev/shm", True, 32 * MiB, "memory-backed and world-writable: attackers hide tools here", 256 * MiB),
    # Live state the kernel exposes as files; only present on a live root. Processes,
    # sockets and modules are parsed into live/*.jsonl by the live step instead.
    Target("/proc/mounts", False, 4 * MiB, "mounted file systems at collection time"),
    Target("/proc/uptime", False, 1 * MiB, "uptime, to place boot time"),
    Target("/proc/version", False, 1 * MiB, "running kernel"),
    Target("/proc/cmdline", False, 1 * MiB, "kernel command line"),
)


def expand(fs: RootFS, pattern: str) -> Iterator[str]:
    """Host paths in ``fs`` matching ``pattern`` (wildcards per component), resolved in the root."""
    parts = split_host_path(pattern)
    current: List[str] = ["/"]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        found: List[str] = []
        for base in current:
            if not any(ch in part for ch in "*?["):
                found.append(join_host_path(base, part))
                continue
            try:
                names = fs.listdir(base)
            except OSError:
                continue
            found.extend(join_host_path(base, name) for name in names if fnmatch.fnmatchcase(name, part))
        current = found if last else [p for p in found if _is_dir(fs, p)]
    seen: Set[str] = set()
    for path in current:
        try:
            resolved = fs.resolve(path)
        except OSError:
            # A symlink loop or a dangling link: the caller records the link
            # itself (and warns about the loop) rather than skip it silently.
            resolved = path
        if resolved not in seen:
            seen.add(resolved)
            yield resolved


def _is_dir(fs: RootFS, path: str) -> bool:
    try:
        return fs.stat(path).type == "d"
    except OSError:
        return False
