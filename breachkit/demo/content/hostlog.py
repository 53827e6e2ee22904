"""System log lines of the demo host: syslog, auth.log, kern.log and the utmp files.

Debian 12's rsyslog writes RFC 3339 stamps with microseconds and the UTC offset
(``2026-11-21T23:45:01.123456+01:00 web01 CRON[81234]: ...``); the message texts
follow OpenSSH 9.2, Linux-PAM 1.5, Debian cron 3.0pl1 and systemd 252 as they
appear on such a host. One helper per kind of event keeps related lines
consistent: a cron job gives its ``CMD`` line in syslog and its PAM session
lines in auth.log; an SSH login gives auth.log lines, a systemd scope line, a
wtmp record pair and the account's lastlog entry.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from breachkit.demo.content import blobs, clock
from breachkit.demo.content.system import HOSTNAME

Line = tuple[int, str]

CRON_DAEMON_PID = 612
SSHD_PID = 655
LOGIND_PID = 498
RSYSLOG_PID = 531
TIMESYNCD_PID = 412


@dataclass(slots=True)
class HostLog:
    """Collects lines per log file; call :meth:`sorted` for each when done."""

    rng: random.Random
    boots: list[int]
    syslog: list[Line] = field(default_factory=list)
    auth: list[Line] = field(default_factory=list)
    kern: list[Line] = field(default_factory=list)
    wtmp: list[tuple[int, bytes]] = field(default_factory=list)
    btmp: list[tuple[int, bytes]] = field(default_factory=list)
    #: every interactive login: (time, user, uid, tty, address), for lastlog
    logins: list[tuple[int, str, int, str, str]] = field(default_factory=list)
    session_no: int = 0

    def pid(self, t: int) -> int:
        """A plausible PID for a process started at ``t``: rising with uptime, never reused soon."""
        boot = max((b for b in self.boots if b <= t), default=self.boots[0] - 30 * clock.DAY)
        return 1_100 + (t - boot) // (9 * clock.SECOND) + self.rng.randrange(0, 7)

    def uptime(self, t: int) -> str:
        boot = max((b for b in self.boots if b <= t), default=self.boots[0] - 30 * clock.DAY)
        micro = (t - boot) // clock.US
        return f"[{micro // 1_000_000:>5}.{micro % 1_000_000:06d}]"

    def _line(self, target: list[Line], t: int, proc: str, msg: str) -> None:
        if t % clock.MS == 0:
            t += self.rng.randrange(1, clock.MS)  # events planned to the millisecond still log microseconds
        target.append((t, f"{clock.rfc3339(t)} {HOSTNAME} {proc}: {msg}"))

    def sys(self, t: int, proc: str, msg: str) -> None:
        self._line(self.syslog, t, proc, msg)

    def authlog(self, t: int, proc: str, msg: str) -> None:
        self._line(self.auth, t, proc, msg)

    def kernel(self, t: int, msg: str) -> None:
        text = f"{self.uptime(t)} {msg}"
        self._line(self.kern, t, "kernel", text)
        self._line(self.syslog, t, "kernel", text)

    def cron(self, t: int, user: str, uid: int, command: str, duration: int) -> None:
        """One cron job run: CMD in syslog, the PAM session around it in auth.log."""
        pid = self.pid(t)
        self.authlog(
            t + 2 * clock.MS,
            f"CRON[{pid}]",
            f"pam_unix(cron:session): session opened for user {user}(uid={uid}) by (uid=0)",
        )
        self.sys(t + 3 * clock.MS, f"CRON[{pid + 1}]", f"({user}) CMD ({command})")
        self.authlog(t + duration, f"CRON[{pid}]", f"pam_unix(cron:session): session closed for user {user}")

    def unit(self, t: int, unit: str, description: str, duration: int) -> None:
        """A oneshot systemd service run by a timer."""
        self.sys(t, "systemd[1]", f"Starting {unit} - {description}...")
        self.sys(t + duration, "systemd[1]", f"{unit}: Deactivated successfully.")
        self.sys(t + duration + 300 * clock.US, "systemd[1]", f"Finished {unit} - {description}.")

    def ssh_session(self, start: int, end: int, user: str, uid: int, ip: str, fingerprint: str | None) -> str:
        """An SSH login with a key (a password without ``fingerprint``) and its logout, with wtmp records.

        Returns the session's terminal (``pts/0``).
        """
        self.session_no += 1
        number = self.session_no
        pid = self.pid(start)
        port = self.rng.randrange(40_000, 65_000)
        how = f"publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:{fingerprint}"
        if fingerprint is None:
            how = f"password for {user} from {ip} port {port} ssh2"
        self.authlog(start, f"sshd[{pid}]", f"Accepted {how}")
        self.authlog(
            start + 4 * clock.MS,
            f"sshd[{pid}]",
            f"pam_unix(sshd:session): session opened for user {user}(uid={uid}) by (uid=0)",
        )
        self.authlog(start + 9 * clock.MS, f"systemd-logind[{LOGIND_PID}]", f"New session {number} of user {user}.")
        self.sys(
            start + 11 * clock.MS, "systemd[1]", f"Started session-{number}.scope - Session {number} of User {user}."
        )
        tty = f"pts/{self.rng.randrange(0, 2)}"
        self.wtmp.append(
            (start, blobs.utmp_record(blobs.UT_USER_PROCESS, pid + 2, tty, "ts/" + tty[4:], user, ip, start))
        )
        self.logins.append((start, user, uid, tty, ip))
        self.authlog(end, f"sshd[{pid + 2}]", f"Received disconnect from {ip} port {port}:11: disconnected by user")
        self.authlog(end + 200 * clock.US, f"sshd[{pid + 2}]", f"Disconnected from user {user} {ip} port {port}")
        self.authlog(end + 3 * clock.MS, f"sshd[{pid}]", f"pam_unix(sshd:session): session closed for user {user}")
        self.authlog(
            end + 5 * clock.MS,
            f"systemd-logind[{LOGIND_PID}]",
            f"Session {number} logged out. Waiting for processes to exit.",
        )
        self.authlog(end + 12 * clock.MS, f"systemd-logind[{LOGIND_PID}]", f"Removed session {number}.")
        self.sys(end + 11 * clock.MS, "systemd[1]", f"session-{number}.scope: Deactivated successfully.")
        self.wtmp.append((end, blobs.utmp_record(blobs.UT_DEAD_PROCESS, pid + 2, tty, "ts/" + tty[4:], "", "", end)))
        return tty

    def sudo(self, t: int, user: str, uid: int, pwd: str, command: str, duration: int, tty: str = "pts/0") -> None:
        self.authlog(t, "sudo", f"{user:>8} : TTY={tty} ; PWD={pwd} ; USER=root ; COMMAND={command}")
        self.authlog(
            t + 2 * clock.MS,
            "sudo",
            f"pam_unix(sudo:session): session opened for user root(uid=0) by {user}(uid={uid})",
        )
        self.authlog(t + duration, "sudo", "pam_unix(sudo:session): session closed for user root")

    def ssh_failure(self, t: int, user: str, ip: str, valid: bool) -> None:
        """One password guess by a brute-forcer, as sshd and PAM log it; and its btmp record."""
        pid = self.pid(t)
        port = self.rng.randrange(30_000, 65_000)
        proc = f"sshd[{pid}]"
        if valid:
            self.authlog(
                t + 1_800 * clock.MS,
                proc,
                "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                f"ruser= rhost={ip}  user={user}",
            )
            self.authlog(t + 3_900 * clock.MS, proc, f"Failed password for {user} from {ip} port {port} ssh2")
            self.authlog(
                t + 4_300 * clock.MS,
                proc,
                f"Connection closed by authenticating user {user} {ip} port {port} [preauth]",
            )
        else:
            self.authlog(t, proc, f"Invalid user {user} from {ip} port {port}")
            self.authlog(t + 1_700 * clock.MS, proc, "pam_unix(sshd:auth): check pass; user unknown")
            self.authlog(
                t + 1_701 * clock.MS,
                proc,
                f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip} ",
            )
            self.authlog(
                t + 3_800 * clock.MS, proc, f"Failed password for invalid user {user} from {ip} port {port} ssh2"
            )
            self.authlog(t + 4_200 * clock.MS, proc, f"Received disconnect from {ip} port {port}:11: Bye Bye [preauth]")
            self.authlog(
                t + 4_201 * clock.MS, proc, f"Disconnected from invalid user {user} {ip} port {port} [preauth]"
            )
        self.btmp.append(
            (t, blobs.utmp_record(blobs.UT_LOGIN_PROCESS, pid, "ssh:notty", "", user, ip, t + 3_800 * clock.MS))
        )

    def boot(self, t: int, kernel: str) -> None:
        """The part of a boot an investigator looks at: kernel banner, services, the wtmp reboot record."""
        self.kernel(
            t,
            f"Linux version {kernel} (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) "
            "12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.153-1 "
            "(2025-09-20)",
        )
        self.kernel(
            t + 1,
            f"Command line: BOOT_IMAGE=/boot/vmlinuz-{kernel} root=UUID=6f1c2a3e-8d4b-4c5e-9a7f-2b1d0e3c4f5a ro quiet",
        )
        self.kernel(
            t + 2,
            "DMI: QEMU Standard PC (i440FX + PIIX, 1996), BIOS rel-1.16.2-0-gea1b7a073390-prebuilt.qemu.org 04/01/2014",
        )
        self.kernel(
            t + 2_100 * clock.MS,
            "EXT4-fs (sda1): mounted filesystem 6f1c2a3e-8d4b-4c5e-9a7f-2b1d0e3c4f5a "
            "ro with ordered data mode. Quota mode: none.",
        )
        self.kernel(
            t + 3_400 * clock.MS,
            "EXT4-fs (sda1): re-mounted 6f1c2a3e-8d4b-4c5e-9a7f-2b1d0e3c4f5a r/w. Quota mode: none.",
        )
        self.sys(
            t + 5 * clock.SECOND,
            f"rsyslogd[{RSYSLOG_PID}]",
            '[origin software="rsyslogd" swVersion="8.2302.0" '
            f'x-pid="{RSYSLOG_PID}" x-info="https://www.rsyslog.com"] start',
        )
        for offset, unit, desc in (
            (5_400, "ssh.service", "OpenBSD Secure Shell server"),
            (5_600, "cron.service", "Regular background program processing daemon"),
            (6_900, "mariadb.service", "MariaDB 10.11.14 database server"),
            (7_300, "apache2.service", "The Apache HTTP Server"),
        ):
            self.sys(t + offset * clock.MS, "systemd[1]", f"Started {unit} - {desc}.")
        self.sys(t + 5_650 * clock.MS, f"cron[{CRON_DAEMON_PID}]", "(CRON) INFO (pidfile fd = 3)")
        self.sys(t + 5_660 * clock.MS, f"cron[{CRON_DAEMON_PID}]", "(CRON) INFO (Running @reboot jobs)")
        self.authlog(t + 5_500 * clock.MS, f"sshd[{SSHD_PID}]", "Server listening on 0.0.0.0 port 22.")
        self.authlog(t + 5_510 * clock.MS, f"sshd[{SSHD_PID}]", "Server listening on :: port 22.")
        self.authlog(t + 4_800 * clock.MS, f"systemd-logind[{LOGIND_PID}]", "New seat seat0.")
        self.wtmp.append((t, blobs.utmp_record(blobs.UT_BOOT_TIME, 0, "~", "~~", "reboot", kernel, t)))
        self.wtmp.append(
            (
                t + 6 * clock.SECOND,
                blobs.utmp_record(blobs.UT_RUN_LVL, 53, "~", "~~", "runlevel", kernel, t + 6 * clock.SECOND),
            )
        )

    def shutdown(self, t: int) -> None:
        self.sys(t, "systemd[1]", "Stopping apache2.service - The Apache HTTP Server...")
        self.sys(t + 1_300 * clock.MS, "systemd[1]", "apache2.service: Deactivated successfully.")
        self.sys(
            t + 2_100 * clock.MS,
            f"rsyslogd[{RSYSLOG_PID}]",
            '[origin software="rsyslogd" '
            f'swVersion="8.2302.0" x-pid="{RSYSLOG_PID}" x-info="https://www.rsyslog.com"] exiting on signal 15.',
        )
        self.wtmp.append(
            (
                t + 2 * clock.SECOND,
                blobs.utmp_record(blobs.UT_RUN_LVL, 48, "~", "~~", "shutdown", "", t + 2 * clock.SECOND),
            )
        )

    def rsyslog_hup(self, t: int) -> None:
        self.sys(
            t,
            f"rsyslogd[{RSYSLOG_PID}]",
            '[origin software="rsyslogd" swVersion="8.2302.0" '
            f'x-pid="{RSYSLOG_PID}" x-info="https://www.rsyslog.com"] rsyslogd was HUPed',
        )

    def lastlog(self, until: int) -> bytes:
        """``/var/log/lastlog`` as sshd leaves it: one record per UID up to the highest that logged in.

        Only logins before ``until`` count; a UID that never logged in keeps an
        all-zero record (real files are sparse there).
        """
        latest: dict[int, tuple[int, str, str]] = {}
        for t, _user, uid, tty, ip in sorted(self.logins):
            if t < until:
                latest[uid] = (t, tty, ip)
        if not latest:
            return b""
        empty = blobs.lastlog_record(0, "", "")
        return b"".join(
            blobs.lastlog_record(latest[uid][0], latest[uid][1], latest[uid][2]) if uid in latest else empty
            for uid in range(max(latest) + 1)
        )

    @staticmethod
    def sorted(lines: list[Line]) -> list[Line]:
        return sorted(lines, key=lambda item: item[0])
