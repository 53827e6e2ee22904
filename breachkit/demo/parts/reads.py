"""Atimes: what Apache, PHP and the system daemons read, turned into atimes by ``relatime``.

:func:`from_requests` reads the files each web request serves (PHP files once
per opcache lifetime); :func:`by_services` reads what cron, sshd, the boot and
Apache's restarts read. Only the reads ``relatime`` lets through show, which is
why atimes on a real host are recent but rarely to the second.
"""

from __future__ import annotations

import urllib.parse

from breachkit.demo.calendar import LAST_BOOT, PREVIOUS_BOOT, SYSLOG_FROM, midnights
from breachkit.demo.content import web
from breachkit.demo.content.clock import DAY, HOUR, MINUTE, MS, SECOND
from breachkit.demo.world import World

_SHOP_INCLUDES = (
    "includes/config.php",
    "includes/db.php",
    "includes/functions.php",
    "includes/header.php",
    "includes/footer.php",
)


def from_requests(world: World) -> None:
    """Apache reads static files on every request; PHP files once per opcache lifetime (until the next
    graceful restart). relatime turns that into the atimes an investigator sees."""
    tree = world.tree
    restarts = world.apache_restarts
    for domain, hits in world.hits.items():
        if not domain:
            continue
        root = web.docroot(domain)
        compiled: set[str] = set()
        epoch = 0
        for hit in sorted(hits, key=lambda h: h.time_ns):
            while epoch < len(restarts) and restarts[epoch] <= hit.time_ns:
                compiled.clear()
                epoch += 1
            if hit.status >= 400 or hit.status == 304:
                continue
            rel = urllib.parse.unquote(hit.target.split("?", 1)[0])
            if rel.endswith("/"):
                rel += "index.html" if domain == web.TSV else "index.php"
            if domain == web.BLOG and not rel.startswith(("/wp-", "/xmlrpc")):
                rel = "/index.php"
            path = root + rel
            node = tree.nodes.get(path)
            if node is None or node.kind != "file":
                continue
            if path.endswith(".php"):
                targets = [path]
                if domain == web.SHOP:
                    targets += [f"{root}/{inc}" for inc in _SHOP_INCLUDES]
                for target in targets:
                    target_node = tree.nodes.get(target)
                    if target_node is None:
                        continue
                    changed = max([target_node.born, *target_node.mods])
                    if target not in compiled or changed > hit.time_ns - 2 * SECOND:
                        compiled.add(target)
                        tree.read(target, hit.time_ns + 3 * MS)
            else:
                tree.read(path, hit.time_ns + 2 * MS)


def by_services(world: World) -> None:
    """What daemons read: accounts on every cron job, configs on every (re)start, sshd_config on
    every SSH connection, programs and libraries when they are started. Only the reads relatime
    lets through show, so these files have recent but not up-to-the-second atimes."""
    tree = world.tree
    days = midnights(SYSLOG_FROM - DAY, world.dates.snapshot)
    for day in days:
        for hour in range(24):
            t = day + hour * HOUR + 17 * MINUTE + 4 * MS
            if t >= world.dates.snapshot:
                break
            for path in (
                "/etc/passwd",
                "/etc/group",
                "/etc/shadow",
                "/etc/localtime",
                "/usr/lib/x86_64-linux-gnu/libc.so.6",
                "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                "/usr/bin/dash",
                "/usr/bin/run-parts",
            ):
                tree.read(path, t)
    for line_time, line in world.log.auth:
        if "sshd[" in line and ("Accepted" in line or "Invalid user" in line or "Failed password for root" in line):
            tree.read("/etc/ssh/sshd_config", line_time - 300 * MS)
            tree.read("/usr/sbin/sshd", line_time - 320 * MS)
    daemons = (
        "/usr/lib/systemd/systemd",
        "/usr/sbin/sshd",
        "/usr/sbin/cron",
        "/usr/sbin/rsyslogd",
        "/usr/sbin/mariadbd",
        "/usr/sbin/apache2",
        "/etc/rsyslog.conf",
        "/etc/crontab",
        "/etc/ssh/ssh_host_ed25519_key",
        "/etc/hostname",
        "/etc/hosts",
        "/etc/fstab",
    )
    for boot in (PREVIOUS_BOOT, LAST_BOOT):
        for n, path in enumerate(daemons):
            tree.read(path, boot + 2 * SECOND + n * 150 * MS)
    apache_config = [
        p for p in tree.nodes if p.startswith(("/etc/apache2/", "/etc/letsencrypt/")) and tree.nodes[p].kind == "file"
    ]
    apache_config += [
        "/etc/php/8.2/apache2/php.ini",
        "/usr/lib/apache2/modules/libphp8.2.so",
        "/usr/lib/apache2/modules/mod_rewrite.so",
        "/usr/lib/apache2/modules/mod_ssl.so",
        "/usr/lib/x86_64-linux-gnu/libssl.so.3",
        "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
    ]
    for restart in world.apache_restarts:
        for path in apache_config:
            tree.read(path, restart - 400 * MS)
