"""The dated events of the demo host's life, in host time (Europe/Berlin), as epoch nanoseconds.

Every part of the host takes its times from here, so its history stays
consistent: the install in February 2024, each site's deployment, the upgrades
and boots of autumn 2026, and the weekly logrotate Sundays that decide which
rotated log holds what. The dates of an incident (the attack, the network cut,
the disk image) belong to its story (:class:`breachkit.demo.story.Dates`). Also
the two small date helpers more than one part needs.

(Not the standard library's :mod:`calendar`; :func:`utc_ns` uses that one.)
"""

from __future__ import annotations

from calendar import timegm

from breachkit.demo.content import clock
from breachkit.demo.content.clock import HOUR, SECOND, local_ns

# the host's history, oldest first within each group
INSTALL = local_ns(2024, 2, 12, 10, 5, 31)
STACK_INSTALL = local_ns(2024, 2, 12, 14, 22, 8)
ANNA_CREATED = local_ns(2024, 5, 6, 9, 14, 2)
TSV_DEPLOY = local_ns(2024, 3, 4, 18, 22, 40)
KANZLEI_DEPLOY = local_ns(2024, 4, 15, 11, 3, 12)
BLOG_INSTALL = local_ns(2024, 9, 9, 14, 40, 55)
SHOP_LAUNCH = local_ns(2025, 3, 24, 10, 12, 19)
UPLOAD_FEATURE = local_ns(2025, 6, 10, 16, 47, 31)
PHP_TUNING = local_ns(2025, 11, 28, 15, 2, 44)
PREVIOUS_BOOT = local_ns(2026, 10, 6, 7, 40, 12)
KERNEL_UPGRADE = local_ns(2026, 11, 3, 7, 4, 51)
LAST_BOOT = local_ns(2026, 11, 3, 7, 12, 48)
APT_UPGRADE = local_ns(2026, 11, 17, 9, 12, 44)
# how far back the rotated logs reach: Apache keeps 8 weeks, syslog 4
APACHE_LOG_FROM = local_ns(2026, 9, 27)
SYSLOG_FROM = local_ns(2026, 10, 25)
# logrotate's weekly run at Sunday 00:00 (the exact instants: rotation.rotation_instants)
ROTATION_SUNDAYS = tuple(
    local_ns(*d)
    for d in (
        (2026, 9, 27),
        (2026, 10, 4),
        (2026, 10, 11),
        (2026, 10, 18),
        (2026, 10, 25),
        (2026, 11, 1),
        (2026, 11, 8),
        (2026, 11, 15),
        (2026, 11, 22),
    )
)
# the kernel running since LAST_BOOT (installed by KERNEL_UPGRADE)
KERNEL = "6.1.0-40-amd64"


def utc_ns(text: str) -> int:
    """``YYYY-MM-DD HH:MM:SS`` in UTC to epoch ns with zero nanoseconds (a build or archive time)."""
    date, clock_part = text.split(" ")
    y, m, d = (int(x) for x in date.split("-"))
    hh, mm, ss = (int(x) for x in clock_part.split(":"))
    return timegm((y, m, d, hh, mm, ss, 0, 0, 0)) * SECOND


def midnights(start: int, end: int) -> list[int]:
    """Local midnights from the day of ``start`` until ``end``; days are 23 or 25 hours at DST changes."""
    out = []
    t = clock.day_start(start)
    while t < end:
        out.append(t)
        moment = clock.to_local(t + 26 * HOUR)
        t = local_ns(moment.year, moment.month, moment.day)
    return out
