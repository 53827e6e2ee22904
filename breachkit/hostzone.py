"""The examined host's time zone, read from its own files, for "was this during office hours?".

Debian and Ubuntu keep the zone's name in ``/etc/timezone``; every systemd
distribution makes ``/etc/localtime`` a symlink into ``/usr/share/zoneinfo``
(the link target names the zone) or a copy of the TZif file itself
(https://man7.org/linux/man-pages/man5/tzfile.5.html,
https://www.freedesktop.org/software/systemd/man/latest/localtime.html).

Order of trust: the host's own TZif data (``/etc/localtime`` read inside the
root, which is what the host's programs used), else the zone named by the
link or by ``/etc/timezone`` looked up in the analyst's zone database, else
UTC — and the result says which, so a report can state it.
"""

from __future__ import annotations

import io
import zoneinfo
from dataclasses import dataclass
from datetime import tzinfo

from breachkit.sources.base import Source

MAX_TZIF = 1024 * 1024
_ZONEINFO_DIRS = ("/usr/share/zoneinfo/", "/usr/lib/zoneinfo/", "/usr/share/lib/zoneinfo/")


@dataclass(frozen=True, slots=True)
class HostZone:
    """The zone and how it was found (``how`` is shown to the user)."""

    name: str
    zone: tzinfo
    how: str


def host_zone(source: Source) -> HostZone:
    """The time zone the examined host used; UTC (and says so) when it cannot tell."""
    name = _zone_name(source)
    try:
        data, truncated = source.read_bytes("/etc/localtime", MAX_TZIF)
    except OSError:
        data, truncated = b"", True
    if data.startswith(b"TZif") and not truncated:
        zone = _tzif(data, name or "host")
        if zone is not None:
            return HostZone(name or "host /etc/localtime", zone, "the host's /etc/localtime")
    if name:
        try:
            return HostZone(name, zoneinfo.ZoneInfo(name), f"zone name {name} from the host, rules of this machine")
        except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
            pass
    return HostZone("UTC", zoneinfo.ZoneInfo("UTC"), "no usable zone on the host: UTC assumed")


def _tzif(data: bytes, key: str) -> tzinfo | None:
    try:
        return zoneinfo.ZoneInfo.from_file(io.BytesIO(data), key=key)
    except Exception:  # a damaged TZif raises anything from ValueError to struct.error
        return None


def _zone_name(source: Source) -> str | None:
    readlink = getattr(getattr(source, "fs", None), "readlink", None)
    if readlink is not None:
        try:
            target = str(readlink("/etc/localtime"))
        except OSError:
            target = ""
        for folder in _ZONEINFO_DIRS:
            if folder in target:
                return _clean(target.split(folder, 1)[1])
    try:
        data, _ = source.read_bytes("/etc/timezone", 4096)
    except OSError:
        return None
    lines = data.decode("utf-8", "replace").split()
    return _clean(lines[0]) if lines else None


def _clean(name: str) -> str | None:
    """A plausible IANA zone name, or None (the name is evidence: never a path to follow)."""
    name = name.strip()
    if not name or len(name) > 64 or name.startswith("/") or ".." in name:
        return None
    if not all(ch.isalnum() or ch in "/_+-" for ch in name):
        return None
    return name.removeprefix("posix/").removeprefix("right/")
