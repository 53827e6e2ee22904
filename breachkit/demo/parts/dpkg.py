"""The installed packages: their programs and libraries, the dpkg database and apt's logs.

Each package of :mod:`breachkit.demo.content.packages` is unpacked the way dpkg
does it (written as ``.dpkg-new``, renamed into place, mtime from the build),
with ``/var/lib/dpkg/info/*.list``/``*.md5sums`` and ``status`` so package
verification works on the demo. The apt runs of November 2026 (kernel, then an
upgrade on the 17th) fill ``/var/log/apt/`` and ``/var/log/dpkg.log``; the files
that upgrade replaced are recorded as benign noise.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

from breachkit.demo.calendar import APT_UPGRADE, INSTALL, KERNEL, KERNEL_UPGRADE, STACK_INSTALL, utc_ns
from breachkit.demo.content import blobs, clock, packages, system
from breachkit.demo.content.clock import MS, SECOND, local_ns
from breachkit.demo.truth import BenignNoise
from breachkit.demo.world import World


def _pkg_time(pkg: packages.Package, index: int) -> int:
    if pkg.unpacked == "install":
        return INSTALL + 90 * SECOND + index * 700 * MS
    if pkg.unpacked == "upgrade":
        return APT_UPGRADE + 9 * SECOND + index * 400 * MS
    date, clock_part = pkg.unpacked.split(" ")
    y, m, d = (int(x) for x in date.split("-"))
    hh, mm, ss = (int(x) for x in clock_part.split(":"))
    return local_ns(y, m, d, hh, mm, ss)


def build(world: World) -> None:
    """Add every package's files, the dpkg database and apt's logs; note what the upgrade replaced."""
    tree = world.tree
    status: list[str] = []
    for index, pkg in enumerate(packages.PACKAGES):
        unpack = _pkg_time(pkg, index) + tree.ns()
        build = utc_ns(pkg.built)
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
        local_ns(2026, 11, 1, 0, 0, 4) + tree.ns(),
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
        local_ns(2026, 11, 1, 0, 0, 4) + tree.ns(),
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
        local_ns(2026, 11, 1, 0, 0, 4) + tree.ns(),
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
