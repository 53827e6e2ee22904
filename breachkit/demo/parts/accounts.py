"""The accounts: ``passwd``/``shadow``/``group`` (with their ``-`` backups), root's and the two admins' homes.

``thomas`` has been there since the install, ``anna`` was added in May 2024 (so
the backup files still lack her). SSH keys, shell histories and root's MariaDB
password file are here; the admins' shell histories are written by
:mod:`breachkit.demo.parts.host_activity`, at their last logout.
"""

from __future__ import annotations

import random

from breachkit.demo import forge
from breachkit.demo.calendar import ANNA_CREATED, APT_UPGRADE, INSTALL, STACK_INSTALL, utc_ns
from breachkit.demo.content import system
from breachkit.demo.content.clock import MINUTE, MS, SECOND, US, local_ns
from breachkit.demo.world import ANNA, THOMAS, World


def build(world: World) -> None:
    """Add the account databases and the homes; keep the admins' SSH keys in ``world.keys``."""
    tree, rng = world.tree, world.rng
    thomas_keys = [forge.ed25519(rng, "thomas@thinkpad-t14"), forge.ed25519(rng, "thomas@buero-pc")]
    anna_key = forge.ed25519(rng, "anna.wagner@macbook")
    world.keys = {"thomas": thomas_keys[0], "thomas-office": thomas_keys[1], "anna": anna_key}
    root_pw, thomas_pw, anna_pw = _fake_hash(rng), _fake_hash(rng), _fake_hash(rng)
    accounts = (
        system.Account("root", 0, 0, "root", "/root", "/bin/bash", root_pw),
        *system.SYSTEM_ACCOUNTS,
        system.Account("thomas", THOMAS, THOMAS, "Thomas Becker,,,", "/home/thomas", "/bin/bash", thomas_pw),
        system.Account("anna", ANNA, ANNA, "Anna Wagner,,,", "/home/anna", "/bin/bash", anna_pw),
    )
    without_anna = tuple(a for a in accounts if a.name != "anna")
    days = {"*": 19765, "thomas": 20514, "anna": 19849}
    t = ANNA_CREATED
    tree.write("/etc/passwd-", system.passwd(without_anna), STACK_INSTALL + 12 * SECOND + tree.ns())
    tree.write("/etc/passwd", system.passwd(accounts), t + tree.ns())
    tree.write("/etc/group-", system.group().replace(b"anna:x:1001:\n", b""), STACK_INSTALL + 12 * SECOND + tree.ns())
    tree.write("/etc/group", system.group(), t + tree.ns())
    tree.write("/etc/gshadow", system.gshadow(), t + tree.ns(), gid=system.GID_SHADOW, mode=0o640)
    shadow_changed = local_ns(2026, 3, 2, 10, 41, 17) + tree.ns()
    tree.write(
        "/etc/shadow-", system.shadow(without_anna, days), ANNA_CREATED + tree.ns(), gid=system.GID_SHADOW, mode=0o640
    )
    tree.write("/etc/shadow", system.shadow(accounts, days), shadow_changed, gid=system.GID_SHADOW, mode=0o640)

    # homes
    tree.write(
        "/root/.bashrc", system.ROOT_BASHRC, INSTALL + 200 * SECOND + tree.ns(), mtime=utc_ns("2023-01-01 18:59:21")
    )
    tree.write(
        "/root/.profile", system.ROOT_PROFILE, INSTALL + 200 * SECOND + tree.ns(), mtime=utc_ns("2023-01-01 18:59:21")
    )
    tree.mkdir("/root/.ssh", INSTALL + 20 * MINUTE + tree.ns(), mode=0o700)
    tree.write(
        "/root/.ssh/authorized_keys", (thomas_keys[0][0] + "\n").encode(), INSTALL + 20 * MINUTE + tree.ns(), mode=0o600
    )
    tree.write(
        "/root/.my.cnf",
        f"[client]\nuser=root\npassword={forge.secret(rng, 18)}\n".encode(),
        STACK_INSTALL + 8 * MINUTE + tree.ns(),
        mode=0o600,
    )
    root_hist = tree.write(
        "/root/.bash_history",
        system.ROOT_HISTORY,
        local_ns(2024, 2, 12, 11, 2, 9) + tree.ns(),
        mode=0o600,
        done=APT_UPGRADE + 55 * SECOND + tree.ns(),
    )
    root_hist.changes.append(APT_UPGRADE + 55 * SECOND + 100 * US)
    tree.write(
        "/root/.lesshst",
        b'.less-history-file:\n.search\n"AH00\n',
        local_ns(2025, 11, 28, 15, 20, 1) + tree.ns(),
        mode=0o600,
    )
    for user, uid, created, keys, history in (
        ("thomas", THOMAS, INSTALL + 150 * SECOND, [k for k, _ in thomas_keys], _THOMAS_HISTORY),
        ("anna", ANNA, ANNA_CREATED, [anna_key[0]], _ANNA_HISTORY),
    ):
        home = f"/home/{user}"
        tree.mkdir(home, created + tree.ns(), uid=uid, gid=uid, mode=0o700)
        for name, data in (
            (".bashrc", system.BASHRC_SKEL),
            (".profile", system.PROFILE_SKEL),
            (".bash_logout", system.BASH_LOGOUT_SKEL),
        ):
            tree.write(
                f"{home}/{name}",
                data,
                created + 200 * MS + tree.small(),
                uid=uid,
                gid=uid,
                mtime=utc_ns("2023-01-01 18:59:21"),
            )
        tree.mkdir(f"{home}/.ssh", created + 4 * MINUTE + tree.ns(), uid=uid, gid=uid, mode=0o700)
        tree.write(
            f"{home}/.ssh/authorized_keys",
            ("\n".join(keys) + "\n").encode(),
            created + 4 * MINUTE + tree.ns(),
            uid=uid,
            gid=uid,
            mode=0o600,
        )
        world.secrets[f"history:{user}"] = history
    tree.write(
        "/home/anna/.gitconfig",
        b"[user]\n\tname = Anna Wagner\n\temail = anna@example-client.de\n[pull]\n\trebase = true\n",
        ANNA_CREATED + 6 * MINUTE + tree.ns(),
        uid=ANNA,
        gid=ANNA,
    )
    tree.write(
        "/home/thomas/.selected_editor",
        b'# Generated by /usr/bin/select-editor\nSELECTED_EDITOR="/usr/bin/vim.basic"\n',
        INSTALL + 31 * MINUTE + tree.ns(),
        uid=THOMAS,
        gid=THOMAS,
    )


_THOMAS_HISTORY = """sudo -i
ls -la /var/www
cd /var/www/shop.example-client.de/htdocs
git status
ls -la images | tail
sudo tail -n 50 /var/log/apache2/shop.example-client.de_error.log
df -h
free -m
sudo systemctl reload apache2
sudo apt update
sudo apt upgrade
uptime
ls -la /var/www/blog.example-client.de/htdocs/wp-content/uploads/2026/11
sudo -u www-data php /var/www/shop.example-client.de/htdocs/cron/sitemap.php
sudo tail -f /var/log/apache2/shop.example-client.de_access.log
htop
exit
"""

_ANNA_HISTORY = """cd /var/www/kanzlei-schneider.example/htdocs
ls
vim kontakt.php
php -l kontakt.php
cd /var/www/shop.example-client.de/htdocs/admin
ls -la
php -l upload.php
tail /var/log/apache2/kanzlei-schneider.example_error.log
exit
"""


def _fake_hash(rng: random.Random) -> str:
    alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    salt = "".join(rng.choice(alphabet) for _ in range(22))
    digest = "".join(rng.choice(alphabet) for _ in range(43))
    return f"$y$j9T${salt}${digest}"
