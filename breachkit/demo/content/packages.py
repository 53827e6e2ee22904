"""The Debian packages whose files the demo host carries, and dpkg's records of them.

A handful of real package names with the files an investigator checks first
(``ls``, ``ps``, ``sshd``, ``sudo``, ``crontab``, the PHP module). Each file is
a fake ELF (see :func:`breachkit.demo.content.blobs.elf`), and dpkg's own
``/var/lib/dpkg/info/<pkg>.md5sums`` lists the right MD5, so a debsums-style
check passes on this host: the attacker never had root and changed no
system binary. That is itself a finding the integrity check must be able to
report ("no package file modified").

dpkg gives an unpacked file the modification time stored in the ``.deb``
(whole seconds, the package's build time), and the inode is new (unpacked as
``.dpkg-new`` and renamed), so birth and change time are the install time:
package files legitimately have ``mtime < birth`` with zero nanoseconds. A
timestomping check has to tell those apart from the attacker's file.
"""

from __future__ import annotations

from dataclasses import dataclass

#: (path, strings found in it, size in bytes, mode)
FileSpec = tuple[str, tuple[str, ...], int, int]


@dataclass(frozen=True, slots=True)
class Package:
    """One installed package, as far as the demo host needs it."""

    name: str
    version: str
    section: str
    priority: str
    description: str
    #: local date-time string ``YYYY-MM-DD HH:MM:SS`` the current version was unpacked;
    #: ``"install"`` for the base system, ``"upgrade"`` for the apt run before the attack
    unpacked: str
    #: build date of the .deb (becomes the files' mtime), ``YYYY-MM-DD HH:MM:SS`` UTC
    built: str
    files: tuple[FileSpec, ...]
    #: previous version for packages upgraded in the recent apt run
    old_version: str = ""


_LIBC = ("GLIBC_2.34", "libc.so.6")

PACKAGES: tuple[Package, ...] = (
    Package(
        "coreutils",
        "9.1-1",
        "utils",
        "required",
        "GNU core utilities",
        "install",
        "2022-09-22 17:50:11",
        (
            ("/usr/bin/ls", ("Usage: %s [OPTION]... [FILE]...", "dired", *_LIBC), 14848, 0o755),
            ("/usr/bin/cat", ("Usage: %s [OPTION]... [FILE]...", "concatenate", *_LIBC), 4608, 0o755),
            ("/usr/bin/id", ("Usage: %s [OPTION]... [USER]...", "uid=%s", "groups=", *_LIBC), 4864, 0o755),
            ("/usr/bin/uname", ("Usage: %s [OPTION]...", "kernel-release", *_LIBC), 3840, 0o755),
            ("/usr/bin/touch", ("Usage: %s [OPTION]... FILE...", "setting times of %s", *_LIBC), 10240, 0o755),
            ("/usr/bin/chmod", ("Usage: %s [OPTION]... MODE[,MODE]... FILE...", *_LIBC), 6144, 0o755),
            ("/usr/bin/mkdir", ("Usage: %s [OPTION]... DIRECTORY...", *_LIBC), 7168, 0o755),
            ("/usr/bin/cp", ("Usage: %s [OPTION]... [-T] SOURCE DEST", *_LIBC), 14336, 0o755),
            ("/usr/bin/date", ("Usage: %s [OPTION]... [+FORMAT]", *_LIBC), 11264, 0o755),
        ),
    ),
    Package(
        "bash",
        "5.2.15-2+b7",
        "shells",
        "required",
        "GNU Bourne Again SHell",
        "install",
        "2024-03-21 10:02:41",
        (("/usr/bin/bash", ("GNU bash, version %s (%s)", "HISTFILE", *_LIBC), 24576, 0o755),),
    ),
    Package(
        "dash",
        "0.5.12-2",
        "shells",
        "required",
        "POSIX-compliant shell",
        "install",
        "2023-01-11 20:37:09",
        (("/usr/bin/dash", ("Syntax error: %s", "PS1", *_LIBC), 12288, 0o755),),
    ),
    Package(
        "debianutils",
        "5.7-0.5~deb12u1",
        "utils",
        "required",
        "Miscellaneous utilities specific to Debian",
        "install",
        "2023-05-28 13:11:02",
        (
            ("/usr/bin/which", ("#! /bin/sh", "set -ef"), 1075, 0o755),
            ("/usr/bin/run-parts", ("Usage: run-parts [OPTION]... DIRECTORY", *_LIBC), 4608, 0o755),
        ),
    ),
    Package(
        "procps",
        "2:4.0.2-3",
        "admin",
        "important",
        "/proc file system utilities",
        "install",
        "2023-01-29 21:41:50",
        (
            ("/usr/bin/ps", ("ps %s", "/proc/%d/stat", *_LIBC), 8704, 0o755),
            ("/usr/bin/pgrep", ("pattern that searches for process name", *_LIBC), 5120, 0o755),
            ("/usr/bin/top", ("top - %s up %s", *_LIBC), 16384, 0o755),
        ),
    ),
    Package(
        "grep",
        "3.8-5",
        "utils",
        "required",
        "GNU grep, egrep and fgrep",
        "install",
        "2023-02-12 17:21:09",
        (("/usr/bin/grep", ("Usage: %s [OPTION]... PATTERNS [FILE]...", *_LIBC), 9216, 0o755),),
    ),
    Package(
        "perl-base",
        "5.36.0-7+deb12u2",
        "perl",
        "required",
        "minimal Perl system",
        "2025-03-17 08:41:27",
        "2025-03-14 19:02:53",
        (("/usr/bin/perl", ("perl5db.pl", "PERL5LIB", *_LIBC), 20480, 0o755),),
    ),
    Package(
        "libc6",
        "2.36-9+deb12u13",
        "libs",
        "optional",
        "GNU C Library: Shared libraries",
        "2025-10-06 08:55:19",
        "2025-09-27 15:36:42",
        (
            (
                "/usr/lib/x86_64-linux-gnu/libc.so.6",
                ("GNU C Library (Debian GLIBC 2.36-9+deb12u13)", "GLIBC_2.34"),
                32768,
                0o755,
            ),
            (
                "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                ("ld.so", "LD_PRELOAD", "/etc/ld.so.preload"),
                12288,
                0o755,
            ),
        ),
    ),
    Package(
        "libssl3",
        "3.0.18-1~deb12u1",
        "libs",
        "optional",
        "Secure Sockets Layer toolkit - shared libraries",
        "upgrade",
        "2026-11-09 18:12:30",
        (
            ("/usr/lib/x86_64-linux-gnu/libssl.so.3", ("OpenSSL 3.0.18", "TLSv1.3", "OPENSSL_3.0.0"), 20480, 0o644),
            ("/usr/lib/x86_64-linux-gnu/libcrypto.so.3", ("OpenSSL 3.0.18", "AES-256-GCM"), 32768, 0o644),
        ),
        old_version="3.0.17-1~deb12u3",
    ),
    Package(
        "openssl",
        "3.0.18-1~deb12u1",
        "utils",
        "optional",
        "Secure Sockets Layer toolkit - cryptographic utility",
        "upgrade",
        "2026-11-09 18:12:30",
        (("/usr/bin/openssl", ("OpenSSL 3.0.18", "Usage: %s [options]", *_LIBC), 12288, 0o755),),
        old_version="3.0.17-1~deb12u3",
    ),
    Package(
        "curl",
        "7.88.1-10+deb12u15",
        "web",
        "optional",
        "command line tool for transferring data with URL syntax",
        "upgrade",
        "2026-11-06 21:40:15",
        (("/usr/bin/curl", ("curl 7.88.1", "Usage: curl [options...] <url>", *_LIBC), 8192, 0o755),),
        old_version="7.88.1-10+deb12u14",
    ),
    Package(
        "libcurl4",
        "7.88.1-10+deb12u15",
        "libs",
        "optional",
        "easy-to-use client-side URL transfer library (OpenSSL flavour)",
        "upgrade",
        "2026-11-06 21:40:15",
        (("/usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0", ("libcurl/7.88.1", "CURL_OPENSSL_4"), 24576, 0o644),),
        old_version="7.88.1-10+deb12u14",
    ),
    Package(
        "openssh-server",
        "1:9.2p1-2+deb12u7",
        "net",
        "optional",
        "secure shell (SSH) server, for secure access from remote machines",
        "2025-07-02 09:31:40",
        "2025-06-28 11:24:03",
        (
            (
                "/usr/sbin/sshd",
                ("OpenSSH_9.2p1 Debian-2+deb12u7", "Accepted %s for %s%.100s from %.200s port %d ssh2", *_LIBC),
                28672,
                0o755,
            ),
            ("/usr/lib/openssh/sftp-server", ("sftp-server", *_LIBC), 8192, 0o755),
        ),
    ),
    Package(
        "openssh-client",
        "1:9.2p1-2+deb12u7",
        "net",
        "standard",
        "secure shell (SSH) client, for secure access to remote machines",
        "2025-07-02 09:31:40",
        "2025-06-28 11:24:03",
        (
            (
                "/usr/bin/ssh",
                ("OpenSSH_9.2p1 Debian-2+deb12u7", "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy]", *_LIBC),
                20480,
                0o755,
            ),
        ),
    ),
    Package(
        "sudo",
        "1.9.13p3-1+deb12u2",
        "admin",
        "optional",
        "Provide limited super user privileges to specific users",
        "2025-07-02 09:31:44",
        "2025-06-30 16:05:38",
        (("/usr/bin/sudo", ("usage: sudo -h | -K | -k | -V", "/etc/sudoers", *_LIBC), 16384, 0o4755),),
    ),
    Package(
        "passwd",
        "1:4.13+dfsg1-1+deb12u1",
        "admin",
        "required",
        "change and administer password and group data",
        "install",
        "2023-11-24 12:58:10",
        (("/usr/bin/passwd", ("passwd: password updated successfully", *_LIBC), 8192, 0o4755),),
    ),
    Package(
        "util-linux",
        "2.38.1-5+deb12u3",
        "utils",
        "required",
        "miscellaneous system utilities",
        "2025-01-13 10:20:17",
        "2025-01-04 22:09:33",
        (
            ("/usr/bin/su", ("su: Authentication failure", *_LIBC), 9216, 0o4755),
            ("/usr/bin/mount", ("Usage:\n mount [-lhV]", *_LIBC), 8192, 0o4755),
        ),
    ),
    Package(
        "cron",
        "3.0pl1-162",
        "admin",
        "important",
        "process scheduling daemon",
        "install",
        "2023-02-11 11:02:45",
        (
            ("/usr/sbin/cron", ("(%s) CMD (%s)", "RELOAD", "crontabs/%s", *_LIBC), 12288, 0o755),
            ("/usr/bin/crontab", ("(%s) REPLACE (%s)", "no crontab for %s", *_LIBC), 8192, 0o2755),
        ),
    ),
    Package(
        "rsyslog",
        "8.2302.0-1+deb12u1",
        "admin",
        "important",
        "reliable system and kernel logging daemon",
        "install",
        "2023-08-19 09:14:21",
        (("/usr/sbin/rsyslogd", ("rsyslogd was HUPed", "imuxsock", *_LIBC), 24576, 0o755),),
    ),
    Package(
        "logrotate",
        "3.21.0-1",
        "admin",
        "important",
        "Log rotation utility",
        "install",
        "2023-01-06 20:33:14",
        (("/usr/sbin/logrotate", ("logrotate %s - Copyright (C) 1995-2001 Red Hat, Inc.", *_LIBC), 10240, 0o755),),
    ),
    Package(
        "systemd",
        "252.39-1~deb12u1",
        "admin",
        "important",
        "system and service manager",
        "2025-10-06 08:55:31",
        "2025-09-20 14:51:12",
        (
            ("/usr/lib/systemd/systemd", ("systemd 252 (252.39-1~deb12u1)", *_LIBC), 32768, 0o755),
            ("/usr/bin/systemctl", ("systemctl [OPTIONS...] COMMAND ...", *_LIBC), 24576, 0o755),
        ),
    ),
    Package(
        "apache2-bin",
        "2.4.65-1~deb12u1",
        "httpd",
        "optional",
        "Apache HTTP Server (modules and other binary files)",
        "2025-08-04 10:02:13",
        "2025-07-29 18:44:55",
        (
            ("/usr/sbin/apache2", ("Apache/2.4.65 (Debian)", "AH00163", *_LIBC), 28672, 0o755),
            ("/usr/lib/apache2/modules/mod_rewrite.so", ("rewrite_module", "RewriteEngine"), 6144, 0o644),
            ("/usr/lib/apache2/modules/mod_ssl.so", ("ssl_module", "SSLCertificateFile"), 16384, 0o644),
        ),
    ),
    Package(
        "php8.2-cli",
        "8.2.30-1~deb12u1",
        "php",
        "optional",
        "command-line interpreter for the PHP scripting language",
        "upgrade",
        "2026-11-12 07:18:46",
        (("/usr/bin/php8.2", ("PHP 8.2.30 (cli)", "Zend Engine v4.2.30", *_LIBC), 32768, 0o755),),
        old_version="8.2.29-1~deb12u1",
    ),
    Package(
        "libapache2-mod-php8.2",
        "8.2.30-1~deb12u1",
        "httpd",
        "optional",
        "server-side, HTML-embedded scripting language (Apache 2 module)",
        "upgrade",
        "2026-11-12 07:18:46",
        (("/usr/lib/apache2/modules/libphp8.2.so", ("php8_module", "PHP/8.2.30"), 32768, 0o644),),
        old_version="8.2.29-1~deb12u1",
    ),
    Package(
        "php-common", "2:93", "php", "optional", "Common files for PHP packages", "install", "2022-12-27 10:16:52", ()
    ),
    Package(
        "mariadb-server",
        "1:10.11.14-0+deb12u2",
        "database",
        "optional",
        "MariaDB database server binaries",
        "2025-09-01 09:12:08",
        "2025-08-21 06:33:27",
        (("/usr/sbin/mariadbd", ("mariadbd  Ver 10.11.14-MariaDB-0+deb12u2", *_LIBC), 32768, 0o755),),
    ),
)

#: /usr/lib/php/sessionclean from php-common: the script Debian runs every 30 minutes
SESSIONCLEAN = b"""#!/bin/sh -e
#
# sessionclean - a script to cleanup stale PHP sessions
#
# Copyright 2013-2015 Ondrej Sury <ondrej@sury.org>

SAPIS="apache2:apache2 apache2filter:apache2 cgi:php@VERSION@ fpm:php-fpm@VERSION@ cli:php@VERSION@"

# Iterate through all web SAPIs
(
proc_names=""
for version in $(/usr/sbin/phpquery -V); do
    for sapi in ${SAPIS}; do
    conf_dir=${sapi%%:*}
    proc_name=${sapi##*:}
    if [ -e /etc/php/${version}/${conf_dir}/php.ini ]; then
        # Get all session variables once so we don't need to start PHP to get each config option
        session_config=$(PHP_INI_SCAN_DIR=/etc/php/${version}/${conf_dir}/conf.d/ php${version} -c /etc/php/${version}/${conf_dir}/php.ini -d "error_reporting='~E_ALL'" -r 'foreach(ini_get_all("session") as $k => $v) echo "$k=".$v["local_value"]."\\n";')
        save_handler=$(echo "$session_config" | sed -ne 's/^session\\.save_handler=\\(.*\\)$/\\1/p')
        save_path=$(echo "$session_config" | sed -ne 's/^session\\.save_path=\\(.*;\\)\\?\\(.*\\)$/\\2/p')
        gc_maxlifetime=$(($(echo "$session_config" | sed -ne 's/^session\\.gc_maxlifetime=\\(.*\\)$/\\1/p')/60))
        if [ "$save_handler" = "files" -a -d "$save_path" ]; then
        proc_names="$proc_names $proc_name";
        printf "%s:%s\\n" "$save_path" "$gc_maxlifetime"
        fi
    fi
    done
done
) | sort -rn -t: -k2,2 | sort -u -t: -k 1,1 | while IFS=: read -r save_path gc_maxlifetime; do
    # find all files older then maxlifetime and delete them
    find -O3 "$save_path/" -ignore_readdir_race -depth -mindepth 1 -name 'sess_*' -type f -cmin "+$gc_maxlifetime" -delete
done

exit 0
"""


def status_entry(pkg: Package) -> str:
    """The package's paragraph in ``/var/lib/dpkg/status``."""
    size = max(1, sum(f[2] for f in pkg.files) // 1024)
    return (
        f"Package: {pkg.name}\n"
        "Status: install ok installed\n"
        f"Priority: {pkg.priority}\n"
        f"Section: {pkg.section}\n"
        f"Installed-Size: {size}\n"
        "Maintainer: Debian Developers <debian-devel@lists.debian.org>\n"
        "Architecture: amd64\n"
        f"Version: {pkg.version}\n"
        f"Description: {pkg.description}\n"
    )


def list_file(pkg: Package, extra: tuple[str, ...] = ()) -> bytes:
    """``/var/lib/dpkg/info/<pkg>.list``: every directory and file the package owns."""
    paths: set[str] = {"/."}
    for path in (*(f[0] for f in pkg.files), *extra):
        parts = path.split("/")
        for i in range(2, len(parts)):
            paths.add("/".join(parts[:i]))
        paths.add(path)
    return ("\n".join(sorted(paths)) + "\n").encode()
