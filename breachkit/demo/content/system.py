"""Text of the demo host's system files: accounts, ssh, apache, php, cron, logrotate, systemd.

Modelled on a Debian 12 (bookworm) install with Apache 2.4 + mod_php 8.2, shortened to
the settings an investigator reads (real ``php.ini`` is 70 kB of comments). Values that
matter to the story are deliberate:

* ``session.gc_maxlifetime = 172800`` in the Apache ``php.ini``: the shop keeps carts for
  two days, so Debian's ``sessionclean`` leaves the weekend's session files in place.
* ``apache2.service.d/override.conf`` turns ``PrivateTmp`` off (for the shop's image
  import), which is why the attacker's ``/tmp/.X11-cache`` is in the real ``/tmp``.
* The Apache logs rotate weekly and keep eight weeks, so the access logs reach back two
  months; rsyslog's keep Debian's default of four weeks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

HOSTNAME = "web01"
FQDN = "web01.hosting.example-client.de"
DEBIAN_VERSION = "12.8"
KERNEL = "6.1.0-27-amd64"


@dataclass(frozen=True, slots=True)
class Account:
    """One line of ``/etc/passwd`` plus what ``/etc/shadow`` and the home folder need."""

    name: str
    uid: int
    gid: int
    gecos: str
    home: str
    shell: str
    #: a password hash, ``*`` (no password) or ``!`` (locked)
    password: str = "*"  # noqa: S105 - "*" is shadow's "no password", not a secret


SYSTEM_ACCOUNTS: tuple[Account, ...] = (
    Account("daemon", 1, 1, "daemon", "/usr/sbin", "/usr/sbin/nologin"),
    Account("bin", 2, 2, "bin", "/bin", "/usr/sbin/nologin"),
    Account("sys", 3, 3, "sys", "/dev", "/usr/sbin/nologin"),
    Account("sync", 4, 65534, "sync", "/bin", "/bin/sync"),
    Account("games", 5, 60, "games", "/usr/games", "/usr/sbin/nologin"),
    Account("man", 6, 12, "man", "/var/cache/man", "/usr/sbin/nologin"),
    Account("lp", 7, 7, "lp", "/var/spool/lpd", "/usr/sbin/nologin"),
    Account("mail", 8, 8, "mail", "/var/mail", "/usr/sbin/nologin"),
    Account("news", 9, 9, "news", "/var/spool/news", "/usr/sbin/nologin"),
    Account("uucp", 10, 10, "uucp", "/var/spool/uucp", "/usr/sbin/nologin"),
    Account("proxy", 13, 13, "proxy", "/bin", "/usr/sbin/nologin"),
    Account("www-data", 33, 33, "www-data", "/var/www", "/usr/sbin/nologin"),
    Account("backup", 34, 34, "backup", "/var/backups", "/usr/sbin/nologin"),
    Account("list", 38, 38, "Mailing List Manager", "/var/list", "/usr/sbin/nologin"),
    Account("irc", 39, 39, "ircd", "/run/ircd", "/usr/sbin/nologin"),
    Account("_apt", 42, 65534, "", "/nonexistent", "/usr/sbin/nologin"),
    Account("nobody", 65534, 65534, "nobody", "/nonexistent", "/usr/sbin/nologin"),
    Account("systemd-network", 998, 998, "systemd Network Management", "/", "/usr/sbin/nologin"),
    Account("systemd-timesync", 997, 997, "systemd Time Synchronization", "/", "/usr/sbin/nologin"),
    Account("messagebus", 100, 103, "", "/nonexistent", "/usr/sbin/nologin"),
    Account("sshd", 101, 65534, "", "/run/sshd", "/usr/sbin/nologin"),
    Account("mysql", 102, 105, "MariaDB Server,,,", "/nonexistent", "/bin/false"),
)

#: (name, gid, members)
GROUPS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("root", 0, ()),
    ("daemon", 1, ()),
    ("bin", 2, ()),
    ("sys", 3, ()),
    ("adm", 4, ("thomas",)),
    ("tty", 5, ()),
    ("disk", 6, ()),
    ("lp", 7, ()),
    ("mail", 8, ()),
    ("news", 9, ()),
    ("uucp", 10, ()),
    ("man", 12, ()),
    ("proxy", 13, ()),
    ("kmem", 15, ()),
    ("dialout", 20, ()),
    ("fax", 21, ()),
    ("voice", 22, ()),
    ("cdrom", 24, ("thomas",)),
    ("floppy", 25, ()),
    ("tape", 26, ()),
    ("sudo", 27, ("thomas", "anna")),
    ("audio", 29, ()),
    ("dip", 30, ()),
    ("www-data", 33, ("thomas", "anna")),
    ("backup", 34, ()),
    ("operator", 37, ()),
    ("list", 38, ()),
    ("irc", 39, ()),
    ("src", 40, ()),
    ("shadow", 42, ()),
    ("utmp", 43, ()),
    ("video", 44, ()),
    ("sasl", 45, ()),
    ("plugdev", 46, ()),
    ("staff", 50, ()),
    ("games", 60, ()),
    ("users", 100, ()),
    ("nogroup", 65534, ()),
    ("systemd-journal", 999, ()),
    ("systemd-network", 998, ()),
    ("systemd-timesync", 997, ()),
    ("input", 996, ()),
    ("sgx", 995, ()),
    ("kvm", 994, ()),
    ("render", 993, ()),
    ("crontab", 102, ()),
    ("messagebus", 103, ()),
    ("ssl-cert", 104, ()),
    ("mysql", 105, ()),
    ("thomas", 1000, ()),
    ("anna", 1001, ()),
)

GID_CRONTAB = 102
GID_UTMP = 43
GID_ADM = 4
GID_SHADOW = 42


def passwd(accounts: Sequence[Account]) -> bytes:
    lines = [f"{a.name}:x:{a.uid}:{a.gid}:{a.gecos}:{a.home}:{a.shell}" for a in accounts]
    return ("\n".join(lines) + "\n").encode()


def shadow(accounts: Sequence[Account], last_change_days: dict[str, int]) -> bytes:
    lines = []
    for a in accounts:
        days = last_change_days.get(a.name, last_change_days["*"])
        lines.append(f"{a.name}:{a.password}:{days}:0:99999:7:::")
    return ("\n".join(lines) + "\n").encode()


def group() -> bytes:
    return ("".join(f"{n}:x:{g}:{','.join(m)}\n" for n, g, m in GROUPS)).encode()


def gshadow() -> bytes:
    return ("".join(f"{n}:*::{','.join(m)}\n" for n, _g, m in GROUPS)).encode()


def hosts(ip: str) -> bytes:
    return (
        "127.0.0.1\tlocalhost\n"
        f"{ip}\t{FQDN}\t{HOSTNAME}\n\n"
        "# The following lines are desirable for IPv6 capable hosts\n"
        "::1     localhost ip6-localhost ip6-loopback\n"
        "ff02::1 ip6-allnodes\n"
        "ff02::2 ip6-allrouters\n"
    ).encode()


OS_RELEASE = b"""PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"""


def network_interfaces(ip: str, gateway: str) -> bytes:
    return (
        "# This file describes the network interfaces available on your system\n"
        "# and how to activate them. For more information, see interfaces(5).\n\n"
        "source /etc/network/interfaces.d/*\n\n"
        "# The loopback network interface\n"
        "auto lo\niface lo inet loopback\n\n"
        "# The primary network interface\n"
        "allow-hotplug ens18\n"
        "iface ens18 inet static\n"
        f"\taddress {ip}/24\n"
        f"\tgateway {gateway}\n"
        "\tdns-nameservers 192.0.2.53\n"
    ).encode()


FSTAB = b"""# /etc/fstab: static file system information.
#
# Use 'blkid' to print the universally unique identifier for a
# device; this may be used with UUID= as a more robust way to name devices
# that works even if disks are added and removed. See fstab(5).
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
# / was on /dev/sda1 during installation
UUID=6f1c2a3e-8d4b-4c5e-9a7f-2b1d0e3c4f5a /               ext4    errors=remount-ro 0       1
# swap was on /dev/sda5 during installation
UUID=0b9e8d7c-6a5f-4e3d-2c1b-0a9f8e7d6c5b none            swap    sw              0       0
"""

SSHD_CONFIG = b"""
# This is the sshd server system-wide configuration file.  See
# sshd_config(5) for more information.

# The strategy used for options in the default sshd_config shipped with
# OpenSSH is to specify options with their default value where
# possible, but leave them commented.  Uncommented options override the
# default value.

Include /etc/ssh/sshd_config.d/*.conf

#Port 22
#AddressFamily any
#ListenAddress 0.0.0.0
#ListenAddress ::

#HostKey /etc/ssh/ssh_host_rsa_key
#HostKey /etc/ssh/ssh_host_ecdsa_key
#HostKey /etc/ssh/ssh_host_ed25519_key

# Logging
#SyslogFacility AUTH
#LogLevel INFO

# Authentication:

#LoginGraceTime 2m
PermitRootLogin prohibit-password
#StrictModes yes
MaxAuthTries 4
#MaxSessions 10

#PubkeyAuthentication yes

# Expect .ssh/authorized_keys2 to be disregarded by default in future.
#AuthorizedKeysFile	.ssh/authorized_keys .ssh/authorized_keys2

# To disable tunneled clear text passwords, change to no here!
#PasswordAuthentication yes
#PermitEmptyPasswords no

# Change to yes to enable challenge-response passwords (beware issues with
# some PAM modules and threads)
KbdInteractiveAuthentication no

UsePAM yes

#AllowAgentForwarding yes
#AllowTcpForwarding yes
#GatewayPorts no
X11Forwarding yes
#PrintMotd yes
PrintMotd no

# Allow client to pass locale environment variables
AcceptEnv LANG LC_*

# override default of no subsystems
Subsystem	sftp	/usr/lib/openssh/sftp-server
""".lstrip()

SUDOERS_ADMINS = b"""# Web admins may run anything; logged to auth.log
%sudo   ALL=(ALL:ALL) ALL
thomas  ALL=(root) NOPASSWD: /usr/bin/systemctl reload apache2
"""

RESOLV_CONF = b"domain hosting.example-client.de\nsearch hosting.example-client.de\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"

APT_SOURCES = b"""deb http://deb.debian.org/debian/ bookworm main non-free-firmware
deb-src http://deb.debian.org/debian/ bookworm main non-free-firmware

deb http://security.debian.org/debian-security bookworm-security main non-free-firmware
deb-src http://security.debian.org/debian-security bookworm-security main non-free-firmware

# bookworm-updates, to get updates before a point release is made;
deb http://deb.debian.org/debian/ bookworm-updates main non-free-firmware
deb-src http://deb.debian.org/debian/ bookworm-updates main non-free-firmware
"""

ETC_CRONTAB = b"""# /etc/crontab: system-wide crontab
# Unlike any other crontab you don't have to run the `crontab'
# command to install the new version when you edit this file
# and files in /etc/cron.d. These files also have username fields,
# that none of the other crontabs do.

SHELL=/bin/sh
# You can also override PATH, but by default, newer versions inherit it from the environment
#PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

# Example of job definition:
# .---------------- minute (0 - 59)
# |  .------------- hour (0 - 23)
# |  |  .---------- day of month (1 - 31)
# |  |  |  .------- month (1 - 12) OR jan,feb,mar,apr ...
# |  |  |  |  .---- day of week (0 - 6) (Sunday=0 or 7) OR sun,mon,tue,wed,thu,fri,sat
# |  |  |  |  |
# *  *  *  *  * user-name command to be executed
17 *	* * *	root	cd / && run-parts --report /etc/cron.hourly
25 6	* * *	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }
47 6	* * 7	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }
52 6	1 * *	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.monthly; }
#
"""

CRON_D_PHP = b"""# /etc/cron.d/php@PHP_VERSION@: crontab fragment for PHP
#  This purges session files in session.save_path older than X,
#  where X is defined in seconds as the largest value of
#  session.gc_maxlifetime from all your SAPI php.ini files
#  or 24 minutes if not defined.  The script triggers only
#  when session.save_handler=files.
#
#  WARNING: The scripts tries hard to honour all relevant
#  session PHP options, but if you do something unusual
#  you have to disable this script and take care of your
#  sessions yourself.

# Look for and purge old sessions every 30 minutes
09,39 *     * * *     root   [ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi
"""

CRON_D_E2SCRUB = b"""30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron
10 3 * * * root test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r
"""

CRON_D_SHOP = b"""# shop.example-client.de: nightly sitemap and stock import (added by thomas)
MAILTO=""
15 2 * * *   www-data  /usr/bin/php /var/www/shop.example-client.de/htdocs/cron/sitemap.php
*/15 7-19 * * 1-5  www-data  /usr/bin/php /var/www/shop.example-client.de/htdocs/cron/import_stock.php
"""

CRON_D_BACKUP = b"""# nightly file + database backup to the NAS (thomas)
30 1 * * *  root  /usr/local/sbin/backup-sites.sh >> /var/log/backup-sites.log 2>&1
"""

BACKUP_SCRIPT = b"""#!/bin/sh
# Nightly backup of all sites and databases to the office NAS.
set -e
DEST=/mnt/nas/web01/$(date +%F)
mkdir -p "$DEST"
tar -C /var/www -czf "$DEST/www.tar.gz" .
mysqldump --all-databases --single-transaction | gzip > "$DEST/mysql.sql.gz"
find /mnt/nas/web01 -maxdepth 1 -mtime +14 -exec rm -rf {} +
"""

LOGROTATE_CONF = b"""# see "man logrotate" for details

# global options do not affect preceding include directives

# rotate log files weekly
weekly

# keep 4 weeks worth of backlogs
rotate 4

# create new (empty) log files after rotating old ones
create

# use date as a suffix of the rotated file
#dateext

# uncomment this if you want your log files compressed
#compress

# packages drop log rotation information into this directory
include /etc/logrotate.d

# system-specific logs may also be configured here.
"""

LOGROTATE_APACHE = b"""# weekly, eight weeks kept: customers ask about orders from last month (thomas)
/var/log/apache2/*.log {
	weekly
	missingok
	rotate 8
	compress
	delaycompress
	notifempty
	create 640 root adm
	sharedscripts
	prerotate
		if [ -d /etc/logrotate.d/httpd-prerotate ]; then
			run-parts /etc/logrotate.d/httpd-prerotate
		fi
	endscript
	postrotate
		if pgrep -f ^/usr/sbin/apache2 > /dev/null; then
			invoke-rc.d apache2 reload 2>&1 | logger -t apache2.logrotate
		fi
	endscript
}
"""

LOGROTATE_RSYSLOG = b"""/var/log/syslog
/var/log/mail.log
/var/log/kern.log
/var/log/auth.log
/var/log/user.log
/var/log/cron.log
{
	rotate 4
	weekly
	missingok
	notifempty
	compress
	delaycompress
	sharedscripts
	postrotate
		/usr/lib/rsyslog/rsyslog-rotate
	endscript
}
"""

LOGROTATE_SMALL = {
    "apt": b"/var/log/apt/term.log {\n  rotate 12\n  monthly\n  compress\n  missingok\n  notifempty\n}\n\n"
    b"/var/log/apt/history.log {\n  rotate 12\n  monthly\n  compress\n  missingok\n  notifempty\n}\n",
    "dpkg": b"/var/log/dpkg.log {\n\tmonthly\n\trotate 12\n\tcompress\n\tdelaycompress\n"
    b"\tmissingok\n\tnotifempty\n\tcreate 644 root root\n}\n",
    "btmp": b"# no packages own btmp -- we'll rotate it here\n/var/log/btmp {\n"
    b"    missingok\n    monthly\n    create 0660 root utmp\n    rotate 1\n}\n",
    "wtmp": b"# no packages own wtmp -- we'll rotate it here\n/var/log/wtmp {\n"
    b"    missingok\n    monthly\n    create 0664 root utmp\n    minsize 1M\n    rotate 1\n}\n",
}

RSYSLOG_CONF = b"""# /etc/rsyslog.conf configuration file for rsyslog
#
# For more information install rsyslog-doc and see
# /usr/share/doc/rsyslog-doc/html/configuration/index.html

#################
#### MODULES ####
#################

module(load="imuxsock") # provides support for local system logging
module(load="imklog")   # provides kernel logging support

###########################
#### GLOBAL DIRECTIVES ####
###########################

$FileOwner root
$FileGroup adm
$FileCreateMode 0640
$DirCreateMode 0755
$Umask 0022
$WorkDirectory /var/spool/rsyslog
$IncludeConfig /etc/rsyslog.d/*.conf

###############
#### RULES ####
###############

*.*;auth,authpriv.none		-/var/log/syslog
auth,authpriv.*			/var/log/auth.log
kern.*				-/var/log/kern.log
mail.*				-/var/log/mail.log
user.*				-/var/log/user.log

*.emerg				:omusrmsg:*
"""

APACHE2_CONF = b"""# This is the main Apache server configuration file.  It contains the
# configuration directives that give the server its instructions.
# See http://httpd.apache.org/docs/2.4/ for detailed information about
# the directives and /usr/share/doc/apache2/README.Debian about Debian specific
# hints.

DefaultRuntimeDir ${APACHE_RUN_DIR}
PidFile ${APACHE_PID_FILE}
Timeout 300
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5

User ${APACHE_RUN_USER}
Group ${APACHE_RUN_GROUP}

HostnameLookups Off
ErrorLog ${APACHE_LOG_DIR}/error.log
LogLevel warn

IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf

Include ports.conf

<Directory />
	Options FollowSymLinks
	AllowOverride None
	Require all denied
</Directory>

<Directory /usr/share>
	AllowOverride None
	Require all granted
</Directory>

<Directory /var/www/>
	Options Indexes FollowSymLinks
	AllowOverride All
	Require all granted
</Directory>

AccessFileName .htaccess

<FilesMatch "^\\.ht">
	Require all denied
</FilesMatch>

LogFormat "%v:%p %h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" vhost_combined
LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined
LogFormat "%h %l %u %t \\"%r\\" %>s %O" common
LogFormat "%{Referer}i -> %U" referer
LogFormat "%{User-agent}i" agent

IncludeOptional conf-enabled/*.conf
IncludeOptional sites-enabled/*.conf
"""

PORTS_CONF = b"""# If you just change the port or add more ports here, you will likely also
# have to change the VirtualHost statement in
# /etc/apache2/sites-enabled/000-default.conf

Listen 80

<IfModule ssl_module>
	Listen 443
</IfModule>

<IfModule mod_gnutls.c>
	Listen 443
</IfModule>
"""

APACHE_ENVVARS = b"""# envvars - default environment variables for apache2ctl
unset HOME
if [ "${APACHE_CONFDIR##/etc/apache2-}" != "${APACHE_CONFDIR}" ] ; then
	SUFFIX="-${APACHE_CONFDIR##/etc/apache2-}"
else
	SUFFIX=
fi
export APACHE_RUN_USER=www-data
export APACHE_RUN_GROUP=www-data
export APACHE_PID_FILE=/var/run/apache2$SUFFIX/apache2.pid
export APACHE_RUN_DIR=/var/run/apache2$SUFFIX
export APACHE_LOCK_DIR=/var/lock/apache2$SUFFIX
export APACHE_LOG_DIR=/var/log/apache2$SUFFIX
export LANG=C
export LANG
"""

APACHE_SECURITY_CONF = b"""ServerTokens OS
ServerSignature On
TraceEnable Off
"""

DEFAULT_VHOST = b"""<VirtualHost *:80>
	ServerAdmin webmaster@localhost
	DocumentRoot /var/www/html
	ErrorLog ${APACHE_LOG_DIR}/error.log
	CustomLog ${APACHE_LOG_DIR}/access.log combined
</VirtualHost>
"""


def vhost(domain: str, docroot: str, *, aliases: Sequence[str] = ()) -> bytes:
    """An HTTP->HTTPS redirect and the TLS vhost, logging to per-site files as certbot leaves it."""
    alias = "".join(f"\tServerAlias {a}\n" for a in aliases)
    conds = " [OR]\n\tRewriteCond %{SERVER_NAME} =".join([domain, *aliases])
    return (
        "<VirtualHost *:80>\n"
        f"\tServerName {domain}\n{alias}"
        f"\tDocumentRoot {docroot}\n"
        f"\tErrorLog ${{APACHE_LOG_DIR}}/{domain}_error.log\n"
        f"\tCustomLog ${{APACHE_LOG_DIR}}/{domain}_access.log combined\n"
        "\tRewriteEngine on\n"
        f"\tRewriteCond %{{SERVER_NAME}} ={conds}\n"
        "\tRewriteRule ^ https://%{SERVER_NAME}%{REQUEST_URI} [END,NE,R=permanent]\n"
        "</VirtualHost>\n\n"
        "<IfModule mod_ssl.c>\n"
        "<VirtualHost *:443>\n"
        f"\tServerName {domain}\n{alias}"
        f"\tServerAdmin webmaster@{domain}\n"
        f"\tDocumentRoot {docroot}\n"
        f"\t<Directory {docroot}>\n"
        "\t\tOptions -Indexes +FollowSymLinks\n"
        "\t\tAllowOverride All\n"
        "\t</Directory>\n"
        f"\tErrorLog ${{APACHE_LOG_DIR}}/{domain}_error.log\n"
        f"\tCustomLog ${{APACHE_LOG_DIR}}/{domain}_access.log combined\n"
        f"\tSSLCertificateFile /etc/letsencrypt/live/{domain}/fullchain.pem\n"
        f"\tSSLCertificateKeyFile /etc/letsencrypt/live/{domain}/privkey.pem\n"
        "\tInclude /etc/letsencrypt/options-ssl-apache.conf\n"
        "</VirtualHost>\n"
        "</IfModule>\n"
    ).encode()


APACHE_OVERRIDE = b"""# /etc/systemd/system/apache2.service.d/override.conf
# The shop's image import (cron/import_stock.php) picks up files that
# apache writes to /tmp; with PrivateTmp they were invisible to cron. -- thomas
[Service]
PrivateTmp=false
"""

APACHE_UNIT = b"""[Unit]
Description=The Apache HTTP Server
After=network.target remote-fs.target nss-lookup.target
Documentation=https://httpd.apache.org/docs/2.4/

[Service]
Type=forking
Environment=APACHE_STARTED_BY_SYSTEMD=true
ExecStart=/usr/sbin/apachectl start
ExecStop=/usr/sbin/apachectl graceful-stop
ExecReload=/usr/sbin/apachectl graceful
KillMode=mixed
PrivateTmp=true
Restart=on-abort
OOMPolicy=continue

[Install]
WantedBy=multi-user.target
"""

SSH_UNIT = b"""[Unit]
Description=OpenBSD Secure Shell server
Documentation=man:sshd(8) man:sshd_config(5)
After=network.target auditd.service
ConditionPathExists=!/etc/ssh/sshd_not_to_be_run

[Service]
EnvironmentFile=-/etc/default/ssh
ExecStartPre=/usr/sbin/sshd -t
ExecStart=/usr/sbin/sshd -D $SSHD_OPTS
ExecReload=/usr/sbin/sshd -t
ExecReload=/bin/kill -HUP $MAINPID
KillMode=process
Restart=on-failure
RestartPreventExitStatus=255
Type=notify
RuntimeDirectory=sshd
RuntimeDirectoryMode=0755

[Install]
WantedBy=multi-user.target
Alias=sshd.service
"""

CRON_UNIT = b"""[Unit]
Description=Regular background program processing daemon
Documentation=man:cron(8)
After=remote-fs.target nss-user-lookup.target

[Service]
EnvironmentFile=-/etc/default/cron
ExecStart=/usr/sbin/cron -f -P $EXTRA_OPTS
IgnoreSIGPIPE=false
KillMode=process
Restart=on-failure
SyslogFacility=cron

[Install]
WantedBy=multi-user.target
"""


def php_ini(sapi: str) -> bytes:
    """The settings of ``php.ini`` that matter, Debian's production defaults otherwise."""
    lifetime = "172800" if sapi == "apache2" else "1440"
    memory = "256M" if sapi == "apache2" else "-1"
    return f"""[PHP]

;;;;;;;;;;;;;;;;;;;
; About php.ini   ;
;;;;;;;;;;;;;;;;;;;
; PHP's initialization file, generally called php.ini, is responsible for
; configuring many of the aspects of PHP's behavior.
; (shortened; Debian production defaults unless marked)

engine = On
short_open_tag = Off
precision = 14
output_buffering = 4096
zlib.output_compression = Off
implicit_flush = Off
serialize_precision = -1
disable_functions = pcntl_alarm,pcntl_fork,pcntl_waitpid,pcntl_wait,pcntl_wifexited,pcntl_wifstopped,pcntl_wifsignaled,pcntl_wifcontinued,pcntl_wexitstatus,pcntl_wtermsig,pcntl_wstopsig,pcntl_signal,pcntl_signal_get_handler,pcntl_signal_dispatch,pcntl_get_last_error,pcntl_strerror,pcntl_sigprocmask,pcntl_sigwaitinfo,pcntl_sigtimedwait,pcntl_exec,pcntl_getpriority,pcntl_setpriority,pcntl_async_signals,pcntl_unshare,
disable_classes =
zend.enable_gc = On
expose_php = Off
max_execution_time = 60
max_input_time = 60
memory_limit = {memory}
error_reporting = E_ALL & ~E_DEPRECATED & ~E_STRICT
display_errors = Off
display_startup_errors = Off
log_errors = On
ignore_repeated_errors = Off
report_memleaks = On
variables_order = "GPCS"
request_order = "GP"
register_argc_argv = Off
auto_globals_jit = On
post_max_size = 32M
default_mimetype = "text/html"
default_charset = "UTF-8"
enable_dl = Off
file_uploads = On
upload_max_filesize = 16M
max_file_uploads = 20
allow_url_fopen = On
allow_url_include = Off
default_socket_timeout = 60

[Date]
date.timezone = Europe/Berlin

[Session]
session.save_handler = files
session.save_path = "/var/lib/php/sessions"
session.use_strict_mode = 0
session.use_cookies = 1
session.use_only_cookies = 1
session.name = PHPSESSID
session.auto_start = 0
session.cookie_lifetime = 0
session.cookie_path = /
session.cookie_httponly =
session.serialize_handler = php
session.gc_probability = 0
session.gc_divisor = 1000
; shop carts must survive a weekend (thomas)
session.gc_maxlifetime = {lifetime}
session.cache_limiter = nocache
session.cache_expire = 180
session.use_trans_sid = 0
session.sid_length = 26
session.sid_bits_per_character = 5

[opcache]
opcache.enable=1
opcache.memory_consumption=128
opcache.validate_timestamps=1
opcache.revalidate_freq=2
""".encode()


BASHRC_SKEL = b"""# ~/.bashrc: executed by bash(1) for non-login shells.
# see /usr/share/doc/bash/examples/startup-files (in the package bash-doc)
# for examples

# If not running interactively, don't do anything
case $- in
    *i*) ;;
      *) return;;
esac

# don't put duplicate lines or lines starting with space in the history.
HISTCONTROL=ignoreboth

# append to the history file, don't overwrite it
shopt -s histappend

# for setting history length see HISTSIZE and HISTFILESIZE in bash(1)
HISTSIZE=1000
HISTFILESIZE=2000

shopt -s checkwinsize

PS1='${debian_chroot:+($debian_chroot)}\\u@\\h:\\w\\$ '

if [ -x /usr/bin/dircolors ]; then
    test -r ~/.dircolors && eval "$(dircolors -b ~/.dircolors)" || eval "$(dircolors -b)"
    alias ls='ls --color=auto'
    alias grep='grep --color=auto'
fi

alias ll='ls -l'
alias la='ls -A'

if [ -f ~/.bash_aliases ]; then
    . ~/.bash_aliases
fi

if ! shopt -oq posix; then
  if [ -f /usr/share/bash-completion/bash_completion ]; then
    . /usr/share/bash-completion/bash_completion
  elif [ -f /etc/bash_completion ]; then
    . /etc/bash_completion
  fi
fi
"""

PROFILE_SKEL = b"""# ~/.profile: executed by the command interpreter for login shells.
# This file is not read by bash(1), if ~/.bash_profile or ~/.bash_login
# exists.

# if running bash
if [ -n "$BASH_VERSION" ]; then
    # include .bashrc if it exists
    if [ -f "$HOME/.bashrc" ]; then
	. "$HOME/.bashrc"
    fi
fi

# set PATH so it includes user's private bin if it exists
if [ -d "$HOME/bin" ] ; then
    PATH="$HOME/bin:$PATH"
fi

# set PATH so it includes user's private bin if it exists
if [ -d "$HOME/.local/bin" ] ; then
    PATH="$HOME/.local/bin:$PATH"
fi
"""

BASH_LOGOUT_SKEL = b"""# ~/.bash_logout: executed by bash(1) when login shell exits.

# when leaving the console clear the screen to increase privacy

if [ "$SHLVL" = 1 ]; then
    [ -x /usr/bin/clear_console ] && /usr/bin/clear_console -q
fi
"""

ROOT_BASHRC = b"""# ~/.bashrc: executed by bash(1) for non-login shells.

# Note: PS1 and umask are already set in /etc/profile. You should not
# need this unless you want different defaults for root.
# PS1='${debian_chroot:+($debian_chroot)}\\h:\\w\\$ '
# umask 022

# You may uncomment the following lines if you want `ls' to be colorized:
# export LS_OPTIONS='--color=auto'
# eval "$(dircolors)"
# alias ls='ls $LS_OPTIONS'
"""

ROOT_PROFILE = b"""# ~/.profile: executed by Bourne-compatible login shells.

if [ "$BASH" ]; then
  if [ -f ~/.bashrc ]; then
    . ~/.bashrc
  fi
fi

mesg n 2> /dev/null || true
"""

ROOT_HISTORY = b"""apt update
apt full-upgrade
systemctl status apache2
a2enmod rewrite ssl headers
apt install certbot python3-certbot-apache
certbot --apache -d shop.example-client.de -d www.shop.example-client.de
systemctl edit apache2
systemctl daemon-reload
systemctl restart apache2
tail -f /var/log/apache2/shop.example-client.de_error.log
vi /etc/php/8.2/apache2/php.ini
systemctl reload apache2
df -h
du -sh /var/www/*
mysql -e 'show databases'
crontab -l
ls -la /etc/cron.d
vi /etc/cron.d/shop
vi /etc/logrotate.d/apache2
logrotate -d /etc/logrotate.d/apache2
apt update
apt list --upgradable
apt upgrade
reboot
uptime
apt update
apt upgrade
systemctl status apache2 mariadb
exit
"""

MOTD = b"""
The programs included with the Debian GNU/Linux system are free software;
the exact distribution terms for each program are described in the
individual files in /usr/share/doc/*/copyright.

Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent
permitted by applicable law.
"""
