"""Files in system locations that no installed package owns.

An intruder's tools, a trojaned library dropped next to the real ones, a PAM
module or kernel module added by hand: none of them belongs to a package.
This walks the folders where only packages should put files
(:data:`SYSTEM_LOCATIONS`) and reports every regular file or symlink that no
package's file list names. Paths are compared after resolving the folders
they sit in inside the examined root, so on a merged-/usr system ``/bin/ls``
(what the package lists) and ``/usr/bin/ls`` (what the walk sees) are one file.

Files a running system legitimately creates there (byte-compiled Python,
``ld.so.cache``, kernel module indexes, ``update-alternatives`` links into
``/etc/alternatives``) are matched by :data:`GENERATED` and reported separately
as expected, not as suspicious.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from breachkit.host.records import FileStat, WarningRecord
from breachkit.host.rootfs import RootFS

SYSTEM_LOCATIONS = (
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/usr/lib",
    "/usr/lib32",
    "/usr/lib64",
    "/usr/libx32",
    "/usr/libexec",
    "/etc/pam.d",
    "/etc/ld.so.preload",
    "/etc/ld.so.conf.d",
)
#: Created on the system by package scripts or the OS, not shipped in a package.
GENERATED = re.compile(
    r"(\.pyc$|/__pycache__/|^/usr/lib/locale/locale-archive$|^/etc/ld\.so\.cache$|"
    r"^/usr/lib/modules/[^/]+/modules\.|^/lib/modules/[^/]+/modules\.|/gconv/gconv-modules\.cache$|"
    r"^/usr/lib/x86_64-linux-gnu/gdk-pixbuf-2\.0/.*/loaders\.cache$|/mime/mime\.cache$|"
    r"^/usr/lib/udev/hwdb\.bin$|^/usr/lib/jvm/.*/jre/lib/security/cacerts$|/giomodule\.cache$|"
    r"/icon-theme\.cache$|^/usr/lib/python3/dist-packages/.*\.egg-info/|/fonts/.*\.cache-\d+$|"
    r"^/usr/lib/ssl/certs/|^/usr/sbin/policy-rc\.d$|^/usr/lib/sysimage/rpm/)"
)


@dataclass(frozen=True, slots=True)
class Unowned:
    """A file no package owns."""

    path: str
    entry: FileStat
    #: True for files the system generates itself (caches, byte code).
    generated: bool

    @property
    def executable(self) -> bool:
        return self.entry.type == "f" and bool(self.entry.mode & 0o111)


class Canonical:
    """Maps host paths to their canonical form: folders resolved inside the root (cached per folder)."""

    def __init__(self, fs: RootFS) -> None:
        self.fs = fs
        self._dirs: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        head, _, name = path.rpartition("/")
        head = head or "/"
        resolved = self._dirs.get(head)
        if resolved is None:
            try:
                resolved = self.fs.resolve(head)
            except OSError:
                resolved = head
            self._dirs[head] = resolved
        return (resolved.rstrip("/") or "") + "/" + name


def find_unowned(
    fs: RootFS,
    owned: Iterable[str],
    locations: Iterable[str] = SYSTEM_LOCATIONS,
) -> Iterator[Unowned | WarningRecord]:
    """Regular files and symlinks under ``locations`` that are not in ``owned``; walk warnings pass through."""
    canonical = Canonical(fs)
    known = {canonical(path) for path in owned}
    seen_starts: set[str] = set()
    for location in locations:
        try:
            start = fs.resolve(location)
        except OSError:
            continue
        if start in seen_starts or any(start.startswith(s.rstrip("/") + "/") for s in seen_starts):
            continue  # /bin -> /usr/bin on merged-/usr systems: walk once
        seen_starts.add(start)
        for item in fs.walk(start):
            if isinstance(item, WarningRecord):
                yield item
                continue
            if item.type not in ("f", "l"):
                continue
            path = canonical(item.path)
            if path in known:
                continue
            generated = bool(GENERATED.search(item.path)) or (
                item.type == "l" and (item.target or "").startswith("/etc/alternatives/")
            )
            yield Unowned(item.path, item, generated)
