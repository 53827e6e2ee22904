"""An SSH login that auth.log accepted and wtmp lost is pointed out; matching records are not."""

from __future__ import annotations

import calendar
from pathlib import Path

from breachkit.logs import analyze
from breachkit.sources import RootSource
from tests.artifacts.conftest import put
from tests.logs.test_host_detections import _utmp

DAY = calendar.timegm((2026, 3, 6, 0, 0, 0))
AUTH = (
    b"2026-03-06T10:00:00.100000+00:00 db02 sshd[100]: Accepted publickey for anna from 192.0.2.10 port 50000 ssh2\n"
    b"2026-03-06T12:00:00.200000+00:00 db02 sshd[101]: Accepted password for root from 203.0.113.66 port 4444 ssh2\n"
    b"2026-03-06T14:00:00.300000+00:00 db02 sshd[102]: Accepted publickey for anna from 192.0.2.10 port 50001 ssh2\n"
)


def _missing(root: Path) -> list[tuple[str | None, str | None]]:
    source = RootSource(str(root))
    try:
        result = analyze(source)
    finally:
        source.close()
    return [
        (e.excerpt, e.note) for f in result.findings if f.check == "logs.login-missing-from-wtmp" for e in f.evidence
    ]


def _root(tmp_path: Path, wtmp: bytes) -> Path:
    put(tmp_path, "/etc/timezone", b"Etc/UTC\n")
    put(tmp_path, "/var/log/auth.log", AUTH)
    put(tmp_path, "/var/log/wtmp", wtmp)
    return tmp_path


def test_a_removed_wtmp_record_is_found(tmp_path: Path) -> None:
    wtmp = _utmp(b"anna", b"192.0.2.10", DAY + 10 * 3600) + _utmp(b"anna", b"192.0.2.10", DAY + 14 * 3600)
    missing = _missing(_root(tmp_path, wtmp))
    assert len(missing) == 1
    excerpt, note = missing[0]
    assert excerpt is not None and "for root from 203.0.113.66" in excerpt and note == "from 203.0.113.66"


def test_complete_records_raise_nothing(tmp_path: Path) -> None:
    wtmp = b"".join(
        _utmp(user, b"x", DAY + hour * 3600) for user, hour in ((b"anna", 10), (b"root", 12), (b"anna", 14))
    )
    assert _missing(_root(tmp_path, wtmp)) == []


def _lastlog_findings(tmp_path: Path, auth: bytes) -> list[tuple[str | None, int | None, str | None]]:
    import struct

    put(tmp_path, "/etc/timezone", b"Etc/UTC\n")
    put(tmp_path, "/etc/passwd", b"root:x:0:0:root:/root:/bin/bash\nanna:x:1:1::/home/anna:/bin/bash\n")
    put(tmp_path, "/var/log/auth.log", auth)
    put(
        tmp_path,
        "/var/log/wtmp",
        _utmp(b"anna", b"192.0.2.10", DAY + 10 * 3600) + _utmp(b"anna", b"192.0.2.10", DAY + 14 * 3600),
    )
    lastlog = struct.pack("<i32s256s", DAY + 12 * 3600, b"pts/1", b"203.0.113.66")  # root, at noon
    lastlog += struct.pack("<i32s256s", DAY + 14 * 3600, b"pts/0", b"192.0.2.10")  # anna: wtmp has it
    put(tmp_path, "/var/log/lastlog", lastlog)
    source = RootSource(str(tmp_path))
    try:
        result = analyze(source)
    finally:
        source.close()
    return [
        (e.path, e.line, e.note) for f in result.findings if f.check == "logs.lastlog-not-in-wtmp" for e in f.evidence
    ]


def test_a_last_login_wtmp_lost_is_found_in_lastlog(tmp_path: Path) -> None:
    assert _lastlog_findings(tmp_path, AUTH) == [
        ("/var/log/lastlog", 0, "root from 203.0.113.66; auth.log has it (/var/log/auth.log:2)")
    ]


def test_lastlog_may_be_the_only_record_left(tmp_path: Path) -> None:
    without_root = b"".join(line + b"\n" for line in AUTH.splitlines() if b"root" not in line)
    assert _lastlog_findings(tmp_path, without_root) == [
        ("/var/log/lastlog", 0, "root from 203.0.113.66; auth.log has no such login either")
    ]
