"""The log files under ``/var/log``: Apache's, syslog, auth.log, kern.log, wtmp and btmp, written and rotated.

Takes the lines the other parts gathered in the :class:`~breachkit.demo.world.World`
and lays them out as weekly logrotate does
(:func:`breachkit.demo.rotation.rotate_log`); wtmp and btmp rotate monthly.
"""

from __future__ import annotations

from breachkit.demo.calendar import APACHE_LOG_FROM, ROTATION_SUNDAYS, SNAPSHOT, SYSLOG_FROM, TSV_DEPLOY, midnights
from breachkit.demo.content import clock, system, web
from breachkit.demo.content.clock import HOUR, MINUTE, MS, SECOND, local_ns
from breachkit.demo.rotation import rotate_log
from breachkit.demo.world import World


def build(world: World) -> None:
    """Write every log file the host keeps under ``/var/log``, rotated."""
    tree = world.tree
    log = world.log
    apache_rotations = tuple(world.rotation_at[r] for r in ROTATION_SUNDAYS)
    for domain in (web.SHOP, web.BLOG, web.KANZLEI, web.TSV, ""):
        hits = sorted(world.hits.get(domain, []), key=lambda h: h.time_ns)
        name = f"{domain}_access.log" if domain else "access.log"
        lines = [(h.time_ns, h.line()) for h in hits]
        rotate_log(
            tree,
            f"/var/log/apache2/{name}",
            lines,
            apache_rotations,
            8,
            noise=world.noise,
            delay=30 * MS + len(name) * MS,
        )
    for domain in (web.SHOP, web.BLOG, web.KANZLEI, ""):
        name = f"{domain}_error.log" if domain else "error.log"
        lines = [(t, text) for t, text in world.error_lines.get(domain, []) if t >= APACHE_LOG_FROM]
        rotate_log(
            tree,
            f"/var/log/apache2/{name}",
            lines,
            apache_rotations,
            8,
            noise=world.noise,
            delay=20 * MS + len(name) * MS,
        )
    tree.write(
        f"/var/log/apache2/{web.TSV}_error.log",
        b"",
        TSV_DEPLOY - 2 * HOUR + 3 * MINUTE + tree.ns(),
        gid=system.GID_ADM,
        mode=0o640,
    )
    sys_rotations = tuple(world.rotation_at[r] for r in ROTATION_SUNDAYS if r >= SYSLOG_FROM)
    for n, (name, lines) in enumerate((("syslog", log.syslog), ("auth.log", log.auth), ("kern.log", log.kern))):
        kept = [(t, line) for t, line in lines if t < SNAPSHOT]
        rotate_log(tree, f"/var/log/{name}", kept, sys_rotations, 4, noise=world.noise, delay=600 * MS + n * 40 * MS)
    # utmp files rotate monthly: wtmp and btmp hold November
    november = local_ns(2026, 11, 1)
    for name, records, mode in (("wtmp", log.wtmp, 0o664), ("btmp", log.btmp, 0o660)):
        utmp = sorted((r for r in records if november <= r[0] < SNAPSHOT), key=lambda r: r[0])
        data = b"".join(rec for _t, rec in utmp)
        last = utmp[-1][0] if utmp else november
        tree.write(
            f"/var/log/{name}",
            data,
            november + 4 * SECOND + tree.ns(),
            gid=system.GID_UTMP,
            mode=mode,
            done=last + tree.small(),
        )
    tree.write(
        "/var/log/backup-sites.log",
        b"".join(
            f"{clock.plain(day + HOUR + 30 * MINUTE)} backup ok\n".encode()
            for day in midnights(local_ns(2026, 11, 1), SNAPSHOT)
            if day + HOUR + 30 * MINUTE < SNAPSHOT
        ),
        local_ns(2024, 2, 20, 1, 30, 0) + tree.ns(),
        done=clock.day_start(SNAPSHOT) + HOUR + 36 * MINUTE,
    )
