"""Libraries forced into every program: ``/etc/ld.so.preload`` and odd ``ld.so.conf`` paths.

``/etc/ld.so.preload`` (ld.so(8) FILES) lists libraries the dynamic linker
loads into every program before anything else: the hook of userland rootkits
(Jynx, Azazel, libprocesshider) that then hide files, processes and
connections. ``/etc/ld.so.conf.d/*.conf`` adds library folders; one in a temp,
hidden or web folder lets a planted library shadow a system one. (LD_PRELOAD
in environment and shell files is checked by :mod:`.shellrc`, in systemd units
by :mod:`.systemd`.)
"""

from __future__ import annotations

from collections.abc import Iterator

from breachkit.detect.persistence.base import Reader, finding
from breachkit.findings import Evidence, Finding, Severity

CHECK = "persistence.preload"
_ODD_LIB_DIRS = ("/tmp/", "/var/tmp/", "/dev/shm/", "/var/www/", "/home/", "/srv/")


def check(reader: Reader) -> Iterator[Finding]:
    entries = [
        Evidence(path="/etc/ld.so.preload", line=n, excerpt=line.strip())
        for n, line in reader.lines("/etc/ld.so.preload")
    ]
    if entries:
        yield finding(
            CHECK,
            "Libraries forced into every program (ld.so.preload)",
            Severity.CRITICAL,
            0.85,
            "/etc/ld.so.preload makes every program load these libraries first: the usual hook of userland "
            "rootkits, which then hide files, processes and connections from the tools you run.",
            entries,
            "Trust no output of this live system; examine a read-only image from another machine.",
        )
    paths = ["/etc/ld.so.conf"] + [p for p in reader.files("/etc/ld.so.conf.d") if p.endswith(".conf")]
    for path in paths:
        odd = [
            Evidence(path=path, line=n, excerpt=line.strip())
            for n, line in reader.lines(path)
            if not line.strip().startswith("include")
            and (line.strip().startswith(_ODD_LIB_DIRS) or "/." in line.strip())
        ]
        if odd:
            yield finding(
                CHECK,
                "Library search path points to a writable or hidden folder",
                Severity.HIGH,
                0.7,
                f"{path} makes programs look for libraries in a folder that is not a system folder; a library "
                "planted there replaces the real one.",
                odd,
            )
