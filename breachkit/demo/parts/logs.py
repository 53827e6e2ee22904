"""The log files under ``/var/log``: Apache's, syslog, auth.log, kern.log, wtmp, btmp and lastlog, written and rotated.

Takes the lines the other parts gathered in the :class:`~breachkit.demo.world.World`
and lays them out as weekly logrotate does
(:func:`breachkit.demo.rotation.rotate_log`); wtmp and btmp rotate monthly,
lastlog never. What the attacker did to a file (``world.log_edits``) is applied
here, and how many lines it took is noted in ``world.edit_counts``.
"""

from __future__ import annotations

from breachkit.demo.calendar import (
    APACHE_LOG_FROM,
    INSTALL,
    ROTATION_SUNDAYS,
    SYSLOG_FROM,
    TSV_DEPLOY,
    midnights,
)
from breachkit.demo.content import clock, system, web
from breachkit.demo.content.clock import HOUR, MINUTE, MS, SECOND, local_ns
from breachkit.demo.rotation import LiveEdit, ZeroedRecords, rotate_log
from breachkit.demo.world import World


def _rotated(
    world: World, path: str, lines: list[tuple[int, str]], rotations: tuple[int, ...], keep: int, delay: int
) -> None:
    edit = world.log_edits.get(path)
    assert edit is None or isinstance(edit, LiveEdit), path
    counts = rotate_log(world.tree, path, lines, rotations, keep, noise=world.noise, delay=delay, edit=edit)
    if edit is not None:
        world.edit_counts[path] = counts


def build(world: World) -> None:
    """Write every log file the host keeps under ``/var/log``, rotated."""
    tree = world.tree
    log = world.log
    snapshot = world.dates.snapshot
    apache_rotations = tuple(world.rotation_at[r] for r in ROTATION_SUNDAYS)
    for domain in (web.SHOP, web.BLOG, web.KANZLEI, web.TSV, ""):
        hits = sorted(world.hits.get(domain, []), key=lambda h: h.time_ns)
        name = f"{domain}_access.log" if domain else "access.log"
        lines = [(h.time_ns, h.line()) for h in hits]
        _rotated(world, f"/var/log/apache2/{name}", lines, apache_rotations, 8, 30 * MS + len(name) * MS)
    for domain in (web.SHOP, web.BLOG, web.KANZLEI, ""):
        name = f"{domain}_error.log" if domain else "error.log"
        lines = [(t, text) for t, text in world.error_lines.get(domain, []) if t >= APACHE_LOG_FROM]
        _rotated(world, f"/var/log/apache2/{name}", lines, apache_rotations, 8, 20 * MS + len(name) * MS)
    tree.write(
        f"/var/log/apache2/{web.TSV}_error.log",
        b"",
        TSV_DEPLOY - 2 * HOUR + 3 * MINUTE + tree.ns(),
        gid=system.GID_ADM,
        mode=0o640,
    )
    sys_rotations = tuple(world.rotation_at[r] for r in ROTATION_SUNDAYS if r >= SYSLOG_FROM)
    for n, (name, lines) in enumerate((("syslog", log.syslog), ("auth.log", log.auth), ("kern.log", log.kern))):
        kept = [(t, line) for t, line in lines if t < snapshot]
        _rotated(world, f"/var/log/{name}", kept, sys_rotations, 4, 600 * MS + n * 40 * MS)
    # utmp files rotate monthly: wtmp and btmp hold November
    november = local_ns(2026, 11, 1)
    for name, records, mode in (("wtmp", log.wtmp, 0o664), ("btmp", log.btmp, 0o660)):
        path = f"/var/log/{name}"
        utmp = sorted((r for r in records if november <= r[0] < snapshot), key=lambda r: r[0])
        last = utmp[-1][0] if utmp else november
        edit = world.log_edits.get(path)
        if edit is not None:
            assert isinstance(edit, ZeroedRecords), path
            # a cleaner overwrites the records in place: same inode, same size, zeros where they were
            zeroed = [(t, bytes(len(rec)) if t < edit.at and edit.zero(rec) else rec) for t, rec in utmp]
            world.edit_counts[path] = (sum(1 for a, b in zip(utmp, zeroed, strict=True) if a != b), 0)
            utmp, last = zeroed, max(last, edit.at)
        tree.write(
            path,
            b"".join(rec for _t, rec in utmp),
            november + 4 * SECOND + tree.ns(),
            gid=system.GID_UTMP,
            mode=mode,
            done=last + tree.small(),
        )
    # lastlog: sshd rewrites the account's record at every login; created by the installer
    logins = [t for t, *_ in log.logins if t < snapshot]
    tree.write(
        "/var/log/lastlog",
        log.lastlog(snapshot),
        INSTALL + 3 * MINUTE + tree.ns(),
        gid=system.GID_UTMP,
        mode=0o664,
        done=max(logins, default=INSTALL + 3 * MINUTE) + 2 * MS + tree.small(),
    )
    tree.write(
        "/var/log/backup-sites.log",
        b"".join(
            f"{clock.plain(day + HOUR + 30 * MINUTE)} backup ok\n".encode()
            for day in midnights(local_ns(2026, 11, 1), snapshot)
            if day + HOUR + 30 * MINUTE < snapshot
        ),
        local_ns(2024, 2, 20, 1, 30, 0) + tree.ns(),
        done=clock.day_start(snapshot) + HOUR + 36 * MINUTE,
    )
