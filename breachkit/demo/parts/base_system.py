"""The Debian 12 base install of February 2024: the top-level folders, ``/etc``, sshd, sudo, cron, systemd units, ``/tmp``.

What the installer and the admin's first evening left behind, with the build
times the package files carry (dpkg keeps a file's mtime from the ``.deb``).
The boot-time folders in ``/tmp`` (``.X11-unix`` and ``systemd-private-*``) are
here too: they are legitimate hidden folders an investigator must not mistake for
the attacker's.
"""

from __future__ import annotations

import hashlib

from breachkit.demo import forge
from breachkit.demo.calendar import INSTALL, LAST_BOOT, utc_ns
from breachkit.demo.content import blobs, clock, system, traffic
from breachkit.demo.content.clock import MINUTE, MS, SECOND, local_ns
from breachkit.demo.world import World


def build(world: World) -> None:
    """Add the base install to ``world.tree``."""
    tree = world.tree
    t = INSTALL
    tree.mkdir("/", t)
    for path, mode in (
        ("/boot", 0o755),
        ("/dev", 0o755),
        ("/etc", 0o755),
        ("/home", 0o755),
        ("/media", 0o755),
        ("/mnt", 0o755),
        ("/opt", 0o755),
        ("/proc", 0o555),
        ("/root", 0o700),
        ("/run", 0o755),
        ("/srv", 0o755),
        ("/sys", 0o555),
        ("/tmp", 0o1777),
        ("/usr", 0o755),
        ("/var", 0o755),
    ):
        tree.mkdir(path, t + tree.small(), mode=mode)
    tree.mkdir("/lost+found", t, mode=0o700)
    for path in (
        "/usr/bin",
        "/usr/sbin",
        "/usr/lib",
        "/usr/lib64",
        "/usr/share",
        "/usr/local",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/usr/lib/x86_64-linux-gnu",
    ):
        tree.mkdirs(path, t + tree.small())
    for name in ("bin", "sbin", "lib", "lib64"):
        tree.symlink(f"/{name}", f"usr/{name}", t + tree.small())
    t += 3 * MINUTE + tree.ns()
    etc_files = {
        "/etc/debian_version": b"12.12\n",
        "/etc/hostname": f"{system.HOSTNAME}\n".encode(),
        "/etc/hosts": system.hosts(traffic.SERVER_IP),
        "/etc/timezone": f"{clock.TZ_NAME}\n".encode(),
        "/etc/fstab": system.FSTAB,
        "/etc/resolv.conf": system.RESOLV_CONF,
        "/etc/motd": system.MOTD,
        "/etc/issue": b"Debian GNU/Linux 12 \\n \\l\n\n",
        "/etc/crontab": system.ETC_CRONTAB,
        "/etc/logrotate.conf": system.LOGROTATE_CONF,
        "/etc/rsyslog.conf": system.RSYSLOG_CONF,
    }
    for path, data in etc_files.items():
        tree.write(path, data, t + tree.ns())
    tree.mkdirs("/usr/lib", t)
    tree.write("/usr/lib/os-release", system.OS_RELEASE, t + tree.ns(), mtime=utc_ns("2025-09-06 07:10:44"))
    tree.symlink("/etc/os-release", "../usr/lib/os-release", t + tree.ns())
    tree.mkdirs("/usr/share/zoneinfo/Europe", t)
    tree.write(
        "/usr/share/zoneinfo/Europe/Berlin",
        blobs.tzif_central_europe(),
        t + tree.ns(),
        mtime=utc_ns("2025-03-25 18:44:07"),
    )
    tree.symlink("/etc/localtime", "/usr/share/zoneinfo/Europe/Berlin", t + 5 * MINUTE + tree.ns())
    tree.mkdirs("/etc/network", t)
    tree.write(
        "/etc/network/interfaces", system.network_interfaces(traffic.SERVER_IP, traffic.GATEWAY_IP), t + tree.ns()
    )
    tree.mkdirs("/etc/apt/sources.list.d", t)
    tree.write("/etc/apt/sources.list", system.APT_SOURCES, t + tree.ns())
    tree.mkdirs("/etc/ssh/sshd_config.d", t)
    tree.write(
        "/etc/ssh/ssh_config",
        b"Host *\n    SendEnv LANG LC_*\n    HashKnownHosts yes\n    GSSAPIAuthentication yes\n",
        t + tree.ns(),
        mtime=utc_ns("2025-06-28 11:24:03"),
    )
    # ssh-keygen at install: private keys 0600
    host_key = forge.pem(world.rng, "OPENSSH PRIVATE KEY", 300)
    pub, _fp = forge.ed25519(world.rng, f"root@{system.HOSTNAME}")
    tree.write("/etc/ssh/ssh_host_ed25519_key", host_key, t + 40 * SECOND + tree.ns(), mode=0o600)
    tree.write("/etc/ssh/ssh_host_ed25519_key.pub", pub.encode() + b"\n", t + 40 * SECOND + tree.ns())
    # the admin tightened sshd the first evening
    tree.write("/etc/ssh/sshd_config", system.SSHD_CONFIG, local_ns(2024, 2, 12, 18, 31, 5) + tree.ns())
    tree.mkdirs("/etc/sudoers.d", t)
    tree.write(
        "/etc/sudoers",
        b'Defaults\tenv_reset\nDefaults\tmail_badpass\nDefaults\tsecure_path="'
        b'/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"\nDefaults\tuse_pty\n\n'
        b"root\tALL=(ALL:ALL) ALL\n\n@includedir /etc/sudoers.d\n",
        t + tree.ns(),
        mode=0o440,
        mtime=utc_ns("2025-06-30 16:05:38"),
    )
    tree.write(
        "/etc/sudoers.d/admins", system.SUDOERS_ADMINS, local_ns(2024, 2, 12, 18, 40, 12) + tree.ns(), mode=0o440
    )
    for sub in (
        "cron.d",
        "cron.daily",
        "cron.hourly",
        "cron.weekly",
        "cron.monthly",
        "logrotate.d",
        "systemd/system/multi-user.target.wants",
        "systemd/system/timers.target.wants",
        "rsyslog.d",
        "default",
        "alternatives",
    ):
        tree.mkdirs(f"/etc/{sub}", t + tree.small())
    tree.write("/etc/cron.d/e2scrub_all", system.CRON_D_E2SCRUB, t + tree.ns(), mtime=utc_ns("2023-02-06 12:12:51"))
    for name in ("apt-compat", "dpkg", "man-db", "logrotate"):
        tree.write(
            f"/etc/cron.daily/{name}",
            b"#!/bin/sh\n\n# skip in favour of systemd timer\nif [ -d /run/systemd/system ]; then\n    exit 0\nfi\n",
            t + tree.ns(),
            mode=0o755,
            mtime=utc_ns("2023-01-20 09:31:02"),
        )
    for name in ("rsyslog", "apt", "dpkg", "btmp", "wtmp"):
        data = system.LOGROTATE_RSYSLOG if name == "rsyslog" else system.LOGROTATE_SMALL[name]
        tree.write(f"/etc/logrotate.d/{name}", data, t + tree.ns(), mtime=utc_ns("2023-01-06 20:33:14"))
    for unit, data in (("ssh.service", system.SSH_UNIT), ("cron.service", system.CRON_UNIT)):
        tree.mkdirs("/usr/lib/systemd/system", t)
        tree.write(f"/usr/lib/systemd/system/{unit}", data, t + tree.ns(), mtime=utc_ns("2024-01-03 17:00:21"))
        tree.symlink(
            f"/etc/systemd/system/multi-user.target.wants/{unit}", f"/lib/systemd/system/{unit}", t + tree.ns()
        )
    tree.symlink("/etc/systemd/system/sshd.service", "/lib/systemd/system/ssh.service", t + tree.ns())
    # /tmp: folders systemd-tmpfiles makes at every boot (x11.conf) – hidden, and normal
    for name in (".X11-unix", ".ICE-unix", ".XIM-unix", ".font-unix"):
        tree.mkdir(f"/tmp/{name}", LAST_BOOT + 2_300 * MS + tree.small(), mode=0o1777)
    for unit in ("systemd-logind.service", "systemd-timesyncd.service"):
        tag = hashlib.sha256(f"{world.seed}:{unit}".encode()).hexdigest()[:32]
        suffix = forge.secret(world.rng, 6)
        top = f"/tmp/systemd-private-{tag}-{unit}-{suffix}"
        born = LAST_BOOT + 4 * SECOND + tree.small(1_000, 900_000)
        tree.mkdir(top, born, mode=0o700)
        tree.mkdir(f"{top}/tmp", born + tree.small(), mode=0o1777)
    tree.mkdirs("/var/tmp", t, mode=0o1777)
    tree.nodes["/var/tmp"].mode = 0o1777
    for path in (
        "/var/backups",
        "/var/cache",
        "/var/lib",
        "/var/local",
        "/var/mail",
        "/var/opt",
        "/var/spool",
        "/var/log",
        "/var/lib/dpkg/info",
        "/var/lib/systemd/timers",
        "/var/lib/logrotate",
        "/var/log/apt",
        "/var/spool/rsyslog",
        "/var/cache/apt",
        "/var/lib/apt",
    ):
        tree.mkdirs(path, t + tree.small())
    tree.mkdirs("/var/spool/cron", t)
    tree.mkdir("/var/spool/cron/crontabs", t + tree.small(), gid=system.GID_CRONTAB, mode=0o1730)
    tree.mkdirs("/usr/local/sbin", t)
    tree.write(
        "/usr/local/sbin/backup-sites.sh",
        system.BACKUP_SCRIPT,
        local_ns(2024, 2, 19, 16, 3, 41) + tree.ns(),
        mode=0o750,
    )
    tree.write("/etc/cron.d/backup-sites", system.CRON_D_BACKUP, local_ns(2024, 2, 19, 16, 6, 2) + tree.ns())
    tree.symlink("/var/run", "/run", t + tree.small())
    tree.symlink("/var/lock", "/run/lock", t + tree.small())
