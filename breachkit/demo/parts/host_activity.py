"""The host's own life in its logs: cron jobs, systemd timers, SSH logins and brute force, sudo, boots, rotation restarts.

Fills the :class:`~breachkit.demo.content.hostlog.HostLog` (syslog, auth.log,
kern.log, wtmp, btmp) and Apache's error lines, from October 2026 to the
snapshot; what the attack keeps doing on the host is its story's ``aftermath``.
The files these jobs read get their atimes; the timer stamps, logrotate's state
file and the admins' shell histories get their final times.
"""

from __future__ import annotations

from breachkit.demo.calendar import (
    ANNA_CREATED,
    APACHE_LOG_FROM,
    APT_UPGRADE,
    INSTALL,
    KERNEL,
    KERNEL_UPGRADE,
    LAST_BOOT,
    PREVIOUS_BOOT,
    SYSLOG_FROM,
    midnights,
)
from breachkit.demo.content import clock, hostlog, traffic, web
from breachkit.demo.content.clock import DAY, HOUR, MINUTE, MS, SECOND
from breachkit.demo.truth import BenignNoise
from breachkit.demo.world import ANNA, THOMAS, WWW, World, random_for


def cron_job(world: World, t: int, user: str, uid: int, command: str, duration: int) -> None:
    """One run of a cron job before the snapshot: CMD in syslog, the PAM session in auth.log."""
    if t < world.dates.snapshot:
        world.log.cron(t, user, uid, command, duration)


def build(world: World) -> None:
    """Cron, timers, logins, brute force, boots, rotations: syslog, auth.log, kern.log, wtmp, btmp."""
    log, tree = world.log, world.tree
    rng = random_for(world.seed, "host")
    snapshot, network_cut = world.dates.snapshot, world.dates.network_cut
    days = midnights(SYSLOG_FROM - DAY, snapshot)
    boots = (PREVIOUS_BOOT, LAST_BOOT)
    for boot in boots:
        if boot != PREVIOUS_BOOT:
            log.shutdown(boot - 41 * SECOND)
        log.boot(boot + 1_100 * MS, KERNEL if boot == LAST_BOOT else "6.1.0-39-amd64")
    stamp_last: dict[str, int] = {}

    def cron(t: int, user: str, uid: int, command: str, duration: int) -> None:
        cron_job(world, t, user, uid, command, duration)

    php_clean = (
        "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi"
    )
    for day in days:
        weekday = clock.weekday(day)
        for hour in range(24):
            h = day + hour * HOUR
            if h >= snapshot:
                break
            cron(
                h + 17 * MINUTE + rng.randrange(80) * MS,
                "root",
                0,
                "cd / && run-parts --report /etc/cron.hourly",
                20 * MS,
            )
            for minute in (9, 39):
                t = h + minute * MINUTE + rng.randrange(80) * MS
                if t >= snapshot:
                    continue
                cron(t, "root", 0, php_clean, 12 * MS)
                run = t + rng.randrange(20, 900) * MS
                log.unit(run, "phpsessionclean.service", "Clean php session files", 600 * MS + rng.randrange(400) * MS)
                stamp_last["phpsessionclean"] = run
                tree.read("/usr/lib/php/sessionclean", run + 5 * MS)
                tree.read("/var/lib/php/sessions", run + 300 * MS)
                tree.read("/usr/bin/dash", t + 4 * MS)
            if weekday < 5 and 7 <= hour <= 19:
                for minute in (0, 15, 30, 45):
                    cron(
                        h + minute * MINUTE + rng.randrange(60) * MS,
                        "www-data",
                        WWW,
                        f"/usr/bin/php {web.docroot(web.SHOP)}/cron/import_stock.php",
                        180 * MS,
                    )
        cron(
            day + HOUR + 30 * MINUTE + rng.randrange(80) * MS,
            "root",
            0,
            "/usr/local/sbin/backup-sites.sh >> /var/log/backup-sites.log 2>&1",
            6 * MINUTE,
        )
        cron(
            day + 2 * HOUR + 15 * MINUTE + rng.randrange(80) * MS,
            "www-data",
            WWW,
            f"/usr/bin/php {web.docroot(web.SHOP)}/cron/sitemap.php",
            1_400 * MS,
        )
        cron(
            day + 6 * HOUR + 25 * MINUTE + rng.randrange(80) * MS,
            "root",
            0,
            "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }",
            90 * MS,
        )
        tree.read("/usr/bin/php8.2", day + 2 * HOUR + 15 * MINUTE + 10 * MS)
        if weekday == 6:
            cron(
                day + 6 * HOUR + 47 * MINUTE + rng.randrange(80) * MS,
                "root",
                0,
                "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }",
                90 * MS,
            )
        # daily timers
        for name, unit, desc, at_time, dur in (
            (
                "logrotate",
                "logrotate.service",
                "Rotate log files",
                world.rotation_at.get(day, day + 4 * SECOND) - day - 60 * MS,
                1_900 * MS,
            ),
            ("man-db", "man-db.service", "Daily man-db regeneration", 6 * HOUR + 3 * MINUTE, 800 * MS),
            (
                "apt-daily",
                "apt-daily.service",
                "Daily apt download activities",
                (6 + rng.randrange(12)) * HOUR + rng.randrange(HOUR),
                3_200 * MS,
            ),
            (
                "apt-daily-upgrade",
                "apt-daily-upgrade.service",
                "Daily apt upgrade and clean activities",
                6 * HOUR + rng.randrange(HOUR),
                1_100 * MS,
            ),
            (
                "systemd-tmpfiles-clean",
                "systemd-tmpfiles-clean.service",
                "Cleanup of Temporary Directories",
                7 * HOUR + 27 * MINUTE + rng.randrange(MINUTE),
                90 * MS,
            ),
        ):
            t = day + at_time + rng.randrange(SECOND)
            if t >= snapshot:
                continue
            log.unit(t, unit, desc, dur)
            stamp_last[name] = t
            if name == "systemd-tmpfiles-clean":
                for path, node in tree.nodes.items():
                    if (path == "/tmp" or path.startswith("/tmp/")) and node.kind == "dir":
                        tree.read(path, t + 20 * MS)
            if name == "logrotate":
                tree.read("/etc/logrotate.d", t + 5 * MS)
                tree.read("/usr/sbin/logrotate", t + 2 * MS)
        # admins: SSH on workdays from the office, sometimes in the evening from home
        if weekday < 5:
            for user, uid, key, ip, chance in (
                ("thomas", THOMAS, world.keys["thomas-office"][1], traffic.OFFICE_IP, 0.9),
                ("anna", ANNA, world.keys["anna"][1], "192.0.2.11", 0.45),
            ):
                if rng.random() < chance:
                    t = day + 8 * HOUR + rng.randrange(8 * HOUR)
                    end = t + rng.randrange(4 * MINUTE, 70 * MINUTE)
                    if end < world.dates.admins_until:
                        log.ssh_session(t, end, user, uid, ip, key)
                        world.secrets[f"last-logout:{user}"] = f"{end}"
            if rng.random() < 0.15:
                t = day + 20 * HOUR + rng.randrange(2 * HOUR)
                if t < world.dates.admins_until:
                    log.ssh_session(
                        t,
                        t + rng.randrange(3 * MINUTE, 25 * MINUTE),
                        "thomas",
                        THOMAS,
                        traffic.THOMAS_HOME_IP,
                        world.keys["thomas"][1],
                    )
        # SSH brute force from the internet, any time, both real and invented user names
        for _ in range(rng.randrange(4, 16)):
            t = day + rng.randrange(DAY)
            if t >= network_cut:
                continue
            ip = f"{rng.choice(('203.0.113', '198.51.100'))}.{rng.randrange(100, 251)}"
            if ip in traffic.RESERVED_IPS:
                continue
            for _n in range(rng.randrange(1, 6)):
                user = rng.choice(
                    (
                        "root",
                        "root",
                        "admin",
                        "ubuntu",
                        "test",
                        "oracle",
                        "postgres",
                        "user",
                        "git",
                        "deploy",
                        "ftpuser",
                        "www",
                    )
                )
                log.ssh_failure(t, user, ip, user == "root")
                t += rng.randrange(5, 40) * SECOND
    # the apt runs: thomas logged in and used sudo
    for when, fp in (
        (KERNEL_UPGRADE - 3 * MINUTE, world.keys["thomas-office"][1]),
        (APT_UPGRADE - 2 * MINUTE, world.keys["thomas-office"][1]),
    ):
        log.ssh_session(when, when + 9 * MINUTE, "thomas", THOMAS, traffic.OFFICE_IP, fp)
        log.sudo(when + 50 * SECOND, "thomas", THOMAS, "/home/thomas", "/usr/bin/apt update", 12 * SECOND)
        log.sudo(when + 2 * MINUTE + 40 * SECOND, "thomas", THOMAS, "/home/thomas", "/usr/bin/apt upgrade", 80 * SECOND)
    log.sudo(KERNEL_UPGRADE + 3 * MINUTE, "thomas", THOMAS, "/home/thomas", "/usr/sbin/reboot", SECOND)
    # rotation: rsyslog HUP and apache's graceful restart
    for when in world.rotation_at.values():
        log.rsyslog_hup(when + 900 * MS)
        world.error_lines.setdefault("", []).extend(
            [
                (
                    when + 1_200 * MS,
                    f"[{clock.apache_error(when + 1_200 * MS)}] [mpm_prefork:notice] [pid 812] AH00171: "
                    "Graceful restart requested, doing restart",
                ),
                (
                    when + 1_260 * MS,
                    f"[{clock.apache_error(when + 1_260 * MS)}] [mpm_prefork:notice] [pid 812] AH00163: "
                    "Apache/2.4.65 (Debian) OpenSSL/3.0.18 configured -- resuming normal operations",
                ),
            ]
        )
    for restart in (APT_UPGRADE + 41 * SECOND, PREVIOUS_BOOT + 7 * SECOND, LAST_BOOT + 7 * SECOND):
        world.error_lines.setdefault("", []).append(
            (
                restart,
                f"[{clock.apache_error(restart)}] [mpm_prefork:notice] [pid 812] AH00163: Apache/2.4.65 "
                "(Debian) OpenSSL/3.0.18 configured -- resuming normal operations",
            )
        )
    # everyday PHP warnings per site (so every week has error log lines)
    for domain, message in (
        (
            web.SHOP,
            'PHP Warning:  Undefined array key "qty" in /var/www/shop.example-client.de/htdocs/cart.php on line 12',
        ),
        (
            web.BLOG,
            "PHP Deprecated:  Creation of dynamic property WP_Super_Cache::$cache_path is deprecated in "
            "/var/www/blog.example-client.de/htdocs/wp-content/plugins/wp-super-cache/wp-cache.php on line 88",
        ),
        (
            web.KANZLEI,
            "PHP Warning:  mail(): Could not execute mail delivery program '/usr/sbin/sendmail -t -i' in "
            "/var/www/kanzlei-schneider.example/htdocs/kontakt.php on line 7",
        ),
    ):
        for day in midnights(APACHE_LOG_FROM, network_cut):
            if rng.random() < 0.35:
                t = day + rng.randrange(DAY)
                if t < network_cut:
                    ip = f"198.51.100.{rng.randrange(30, 60)}"
                    world.error_lines.setdefault(domain, []).append(
                        (
                            t,
                            f"[{clock.apache_error(t)}] [php:warn] [pid {rng.randrange(20_000, 90_000)}] "
                            f"[client {ip}:{rng.randrange(30_000, 65_000)}] {message}",
                        )
                    )
    t = network_cut + 8 * MINUTE
    while t < snapshot:
        log.sys(
            t,
            f"systemd-timesyncd[{hostlog.TIMESYNCD_PID}]",
            "Timed out waiting for reply from 192.0.2.123:123 (0.debian.pool.ntp.org).",
        )
        t += 34 * MINUTE + rng.randrange(MINUTE)
    for name, when in stamp_last.items():
        tree.nodes[f"/var/lib/systemd/timers/stamp-{name}.timer"].mods.append(when)
    # logrotate's state file: rewritten (new inode) by every daily run
    last = stamp_last["logrotate"]
    status = "logrotate state -- version 2\n" + "".join(
        f'"{p}" {clock.to_local(last).strftime("%Y-%-m-%-d-%-H:%-M:%-S")}\n'
        for p in (
            "/var/log/syslog",
            "/var/log/auth.log",
            "/var/log/kern.log",
            "/var/log/apache2/*.log",
            "/var/log/apt/term.log",
            "/var/log/apt/history.log",
            "/var/log/dpkg.log",
            "/var/log/btmp",
            "/var/log/wtmp",
        )
    )
    tree.write("/var/lib/logrotate/status", status.encode(), last + 1_700 * MS, linked=last + 1_702 * MS)
    tree.removed("/var/lib/logrotate", last + 1_702 * MS)
    world.noise.append(
        BenignNoise(
            "/var/lib/logrotate/status", "service-state", "logrotate rewrites its state file on every daily run"
        )
    )
    # shell histories: written at logout
    for user, uid in (("thomas", THOMAS), ("anna", ANNA)):
        end = int(world.secrets.get(f"last-logout:{user}", str(ANNA_CREATED))) - 2 * MS
        first = (INSTALL if user == "thomas" else ANNA_CREATED) + HOUR + tree.ns()
        tree.write(
            f"/home/{user}/.bash_history",
            world.secrets[f"history:{user}"].encode(),
            first,
            uid=uid,
            gid=uid,
            mode=0o600,
            done=end,
        )
