"""File capabilities: the ``security.capability`` extended attribute, read inside the root.

``setcap cap_setuid+ep /tmp/x`` gives a program root's powers without a SUID
bit, so ``find -perm -4000`` never sees it: attackers use it to keep root.
The attribute is a ``vfs_cap_data`` structure (little-endian ``magic_etc``
with the revision and the effective flag, then permitted/inheritable masks
as 32-bit halves, and for revision 3 the namespace root uid;
https://man7.org/linux/man-pages/man7/capabilities.7.html, ``linux/capability.h``).

How it is read without leaving the root: the parent directory is opened
through :class:`~breachkit.host.rootfs.RootFS` (in-root resolution, no symlink
followed out), and the attribute is read from
``/proc/self/fd/<dir fd>/<name>`` with ``follow_symlinks=False``. The kernel
resolves the magic link to exactly that directory, and the last name is not
followed, so a symlink swapped in meanwhile is read as the link itself. The
file is not opened (an ``O_PATH`` descriptor cannot carry ``getxattr``, and
opening needs read permission and could block on a FIFO). Only regular files
with an execute or SUID/SGID bit are asked: a capability on anything else has
no effect. One directory descriptor is kept for consecutive files of a folder.
"""

from __future__ import annotations

import errno
import os
import struct

from breachkit.host.records import FileStat
from breachkit.host.rootfs import RootFS

XATTR = "security.capability"

#: Capability numbers -> names (linux/capability.h, up to 6.x kernels).
CAP_NAMES = (
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
)

#: Capabilities that amount to root (or a straight path to it).
DANGEROUS = frozenset(
    [
        "setuid",
        "setgid",
        "sys_admin",
        "dac_override",
        "dac_read_search",
        "sys_ptrace",
        "sys_module",
        "fowner",
        "chown",
        "setfcap",
        "sys_rawio",
        "bpf",
    ]
)


def decode(value: bytes) -> str:
    """``vfs_cap_data`` -> ``cap_net_raw,cap_setuid=ep`` (the ``getcap`` style)."""
    if len(value) < 4:
        return "malformed"
    magic = struct.unpack_from("<I", value)[0]
    revision, effective = magic & 0xFF000000, magic & 0x1
    if revision == 0x01000000 and len(value) >= 12:
        permitted, inheritable = struct.unpack_from("<II", value, 4)
    elif revision in (0x02000000, 0x03000000) and len(value) >= 20:
        p_lo, i_lo, p_hi, i_hi = struct.unpack_from("<IIII", value, 4)
        permitted, inheritable = p_lo | (p_hi << 32), i_lo | (i_hi << 32)
    else:
        return f"unknown revision 0x{magic:08x}"
    names: list[str] = []
    for bit in range(64):
        if (permitted | inheritable) & (1 << bit):
            names.append("cap_" + (CAP_NAMES[bit] if bit < len(CAP_NAMES) else str(bit)))
    flags = ("e" if effective else "") + ("p" if permitted else "") + ("i" if inheritable else "")
    text = ",".join(names) + "=" + flags if names else "(empty)"
    if revision == 0x03000000 and len(value) >= 24:
        text += f" [rootid={struct.unpack_from('<I', value, 20)[0]}]"
    return text


def dangerous(text: str) -> list[str]:
    """The root-equivalent capabilities named in a decoded value."""
    caps = text.split("=", 1)[0].split(",")
    return [cap for cap in caps if cap.removeprefix("cap_") in DANGEROUS]


class CapabilityReader:
    """Callable: the decoded capability of a walk entry, or None. Counts what it could not read."""

    def __init__(self, fs: RootFS) -> None:
        self.fs = fs
        self._dir_path: str | None = None
        self._dir_fd = -1
        #: devices whose file system keeps no extended attributes (asked once each)
        self.unsupported: set[int] = set()
        self.errors = 0
        self.found = 0

    def __call__(self, entry: FileStat) -> str | None:
        if entry.dev in self.unsupported or entry.type != "f" or not entry.mode & 0o6111:
            return None
        parent, _, name = entry.path.rpartition("/")
        parent = parent or "/"
        try:
            if parent != self._dir_path:
                self._close()
                self._dir_fd = self.fs.open_dir(parent)
                self._dir_path = parent
            raw = os.getxattr(b"/proc/self/fd/%d/" % self._dir_fd + os.fsencode(name), XATTR, follow_symlinks=False)
        except OSError as exc:
            if exc.errno in (errno.ENODATA, errno.ENOENT):
                return None
            if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
                self.unsupported.add(entry.dev)  # no xattrs on this file system: stop asking
                return None
            self.errors += 1
            return None
        self.found += 1
        return decode(raw)

    def _close(self) -> None:
        if self._dir_fd >= 0:
            os.close(self._dir_fd)
        self._dir_fd, self._dir_path = -1, None

    def close(self) -> None:
        self._close()
