"""Apache 2.4 with mod_php 8.2: configuration, modules, one vhost per site, Let's Encrypt certificates, PHP's ini files and session folder.

Debian's layout (``sites-available``/``sites-enabled`` symlinks,
``/etc/letsencrypt/live`` pointing into ``archive``), so tools that enumerate
vhosts and document roots from the configuration find the four sites. The
systemd timer stamp files are created here; their times are set by
:mod:`breachkit.demo.parts.host_activity`.
"""

from __future__ import annotations

from breachkit.demo import forge
from breachkit.demo.calendar import (
    BLOG_INSTALL,
    INSTALL,
    KANZLEI_DEPLOY,
    PHP_TUNING,
    SHOP_LAUNCH,
    STACK_INSTALL,
    TSV_DEPLOY,
    utc_ns,
)
from breachkit.demo.content import system, web
from breachkit.demo.content.clock import DAY, HOUR, MINUTE, MS, local_ns
from breachkit.demo.world import World


def build(world: World) -> None:
    """Add Apache's and PHP's configuration, the vhosts and their certificates."""
    tree = world.tree
    t = STACK_INSTALL
    build = utc_ns("2025-07-29 18:44:55")
    for sub in ("sites-available", "sites-enabled", "mods-available", "mods-enabled", "conf-available", "conf-enabled"):
        tree.mkdirs(f"/etc/apache2/{sub}", t + tree.small())
    tree.write("/etc/apache2/apache2.conf", system.APACHE2_CONF, t + tree.ns(), mtime=build)
    tree.write("/etc/apache2/ports.conf", system.PORTS_CONF, t + tree.ns(), mtime=build)
    tree.write("/etc/apache2/envvars", system.APACHE_ENVVARS, t + tree.ns(), mtime=build)
    tree.write("/etc/apache2/conf-available/security.conf", system.APACHE_SECURITY_CONF, t + tree.ns(), mtime=build)
    tree.symlink("/etc/apache2/conf-enabled/security.conf", "../conf-available/security.conf", t + tree.ns())
    for mod in (
        "rewrite",
        "ssl",
        "headers",
        "php8.2",
        "mpm_prefork",
        "socache_shmcb",
        "mime",
        "dir",
        "alias",
        "deflate",
        "setenvif",
        "status",
        "authz_core",
        "authz_host",
    ):
        module, library = f"{mod}_module", f"mod_{mod}.so"
        if mod == "php8.2":
            module, library = "php_module", "libphp8.2.so"
        tree.write(
            f"/etc/apache2/mods-available/{mod}.load",
            f"LoadModule {module} /usr/lib/apache2/modules/{library}\n".encode(),
            t + tree.ns(),
            mtime=build,
        )
        tree.symlink(
            f"/etc/apache2/mods-enabled/{mod}.load", f"../mods-available/{mod}.load", t + 5 * MINUTE + tree.ns()
        )
    tree.write("/etc/apache2/sites-available/000-default.conf", system.DEFAULT_VHOST, t + tree.ns(), mtime=build)
    tree.symlink("/etc/apache2/sites-enabled/000-default.conf", "../sites-available/000-default.conf", t + tree.ns())
    for domain, when, aliases in (
        (web.TSV, TSV_DEPLOY, ("www." + web.TSV,)),
        (web.KANZLEI, KANZLEI_DEPLOY, ("www." + web.KANZLEI,)),
        (web.BLOG, BLOG_INSTALL, ()),
        (web.SHOP, SHOP_LAUNCH, ("www." + web.SHOP,)),
    ):
        made = when - 2 * HOUR + tree.ns()
        tree.write(
            f"/etc/apache2/sites-available/{domain}.conf",
            system.vhost(domain, web.docroot(domain), aliases=aliases),
            made,
        )
        tree.symlink(
            f"/etc/apache2/sites-enabled/{domain}.conf",
            f"../sites-available/{domain}.conf",
            made + 3 * MINUTE + tree.ns(),
        )
        _letsencrypt(world, domain, made + 9 * MINUTE)
    tree.mkdirs("/etc/systemd/system/apache2.service.d", local_ns(2025, 4, 2, 11, 26, 40))
    tree.write(
        "/etc/systemd/system/apache2.service.d/override.conf",
        system.APACHE_OVERRIDE,
        local_ns(2025, 4, 2, 11, 26, 40) + tree.ns(),
    )
    tree.mkdirs("/usr/lib/systemd/system", t)
    tree.write("/usr/lib/systemd/system/apache2.service", system.APACHE_UNIT, t + tree.ns(), mtime=build)
    tree.symlink(
        "/etc/systemd/system/multi-user.target.wants/apache2.service",
        "/lib/systemd/system/apache2.service",
        t + tree.ns(),
    )
    tree.write("/etc/logrotate.d/apache2", system.LOGROTATE_APACHE, local_ns(2025, 9, 15, 14, 9, 27) + tree.ns())
    tree.mkdirs("/var/log/apache2", t, gid=system.GID_ADM, mode=0o750)
    tree.nodes["/var/log/apache2"].mode = 0o750
    tree.nodes["/var/log/apache2"].gid = system.GID_ADM
    tree.mkdirs("/var/www/html", t)
    tree.write("/var/www/html/index.html", web.DEFAULT_INDEX, t + tree.ns())
    # php
    for sapi in ("apache2", "cli"):
        tree.mkdirs(f"/etc/php/8.2/{sapi}/conf.d", t + tree.small())
    tree.write("/etc/php/8.2/cli/php.ini", system.php_ini("cli"), t + tree.ns(), mtime=utc_ns("2025-07-04 09:12:40"))
    tree.write("/etc/php/8.2/apache2/php.ini", system.php_ini("apache2"), PHP_TUNING + tree.ns())
    tree.write(
        "/etc/cron.d/php",
        system.CRON_D_PHP.replace(b"@PHP_VERSION@", b""),
        t + tree.ns(),
        mtime=utc_ns("2022-12-27 10:16:52"),
    )
    tree.mkdirs("/var/lib/php", t)
    tree.mkdir("/var/lib/php/sessions", t + tree.ns(), mode=0o1733)
    tree.write("/etc/cron.d/shop", system.CRON_D_SHOP, SHOP_LAUNCH + 3 * HOUR + tree.ns())
    # the timers' stamps; mtimes are set by parts.host_activity
    for timer in (
        "apt-daily",
        "apt-daily-upgrade",
        "logrotate",
        "man-db",
        "phpsessionclean",
        "systemd-tmpfiles-clean",
        "e2scrub_all",
    ):
        tree.write(f"/var/lib/systemd/timers/stamp-{timer}.timer", b"", INSTALL + 30 * MINUTE + tree.ns())


def _letsencrypt(world: World, domain: str, t: int) -> None:
    tree = world.tree
    renewals = 1 + (world.dates.snapshot - DAY - t) // (60 * DAY)
    tree.mkdirs(f"/etc/letsencrypt/live/{domain}", t, mode=0o700)
    tree.mkdirs(f"/etc/letsencrypt/archive/{domain}", t, mode=0o700)
    # certbot.timer renews every 60 days; the files of the latest renewal are current
    last = t + (renewals - 1) * 60 * DAY + tree.ns()
    for name in ("cert", "chain", "fullchain", "privkey"):
        label = "PRIVATE KEY" if name == "privkey" else "CERTIFICATE"
        tree.write(
            f"/etc/letsencrypt/archive/{domain}/{name}{renewals}.pem",
            forge.pem(world.rng, label, 180),
            last + tree.small(),
            mode=0o600 if name == "privkey" else 0o644,
        )
        tree.symlink(
            f"/etc/letsencrypt/live/{domain}/{name}.pem",
            f"../../archive/{domain}/{name}{renewals}.pem",
            last + tree.small(1_000, 9_000),
        )
        tree.nodes[f"/etc/letsencrypt/live/{domain}/{name}.pem"].changes.append(last + 20 * MS)
