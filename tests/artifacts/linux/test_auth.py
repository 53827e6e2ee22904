"""auth.log lines classified, with year inference across New Year and the host's own zone."""

from __future__ import annotations

import calendar
from datetime import datetime, timezone
from pathlib import Path

from breachkit.artifacts.linux.auth import read_auth
from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.years import TimeContext, host_zone
from breachkit.sources import RootSource
from tests.artifacts.conftest import DATA, put

NEW_YEAR = calendar.timegm((2027, 1, 1, 9, 0, 0))


def _events(tmp_path: Path, zone: str = "Europe/Berlin") -> tuple[list, Problems]:  # type: ignore[type-arg]
    put(tmp_path, "/etc/timezone", zone.encode() + b"\n")
    put(tmp_path, "/var/log/auth.log", (DATA / "linux/auth/auth.log").read_bytes(), mtime=NEW_YEAR)
    source = RootSource(str(tmp_path))
    problems = Problems()
    time = TimeContext(host_zone(source, problems), fallback_ns=0)
    events = list(read_auth(source, time, problems))
    source.close()
    return events, problems


def _utc(*fields: int) -> int:
    return calendar.timegm(fields) * 1_000_000_000


def test_kinds_users_and_addresses(tmp_path: Path) -> None:
    events, problems = _events(tmp_path)
    kinds = [(e.kind, e.user, e.ip) for e in events]
    assert kinds == [
        ("ssh-invalid-user", "oracle", "198.51.100.9"),
        ("ssh-fail", "oracle", "198.51.100.9"),
        ("ssh-accept", "maria", "192.0.2.44"),
        ("session-open", "maria", None),
        ("sudo", "maria", None),
        ("ssh-fail", "root", "203.0.113.50"),
        ("ssh-accept", "root", "203.0.113.50"),
        ("user-add", "sysupd", None),
        ("group-member-add", "sysupd", None),
        ("su", "maria", None),
        ("cron-session-open", "root", None),
        ("ssh-disconnect", None, "203.0.113.50"),
    ]
    assert events[1].invalid_user and events[1].detail == "password"
    assert events[4].detail == "as root: /usr/bin/systemctl restart postgresql"
    assert events[8].detail == "group sudo"
    assert problems.counts["unparsed-line"] == 1
    assert "line 12" in problems.items[0].detail


def test_year_inferred_across_new_year_in_host_zone(tmp_path: Path) -> None:
    events, _ = _events(tmp_path)
    # Dec 30 23:59:58 Berlin (UTC+1) in the year before the file's mtime (Jan 2027).
    assert events[0].time_ns == _utc(2026, 12, 30, 22, 59, 58)
    assert events[5].time_ns == _utc(2027, 1, 1, 2, 4, 5)
    assert all("year-inferred" in e.flags for e in events)
    assert events[0].source_line == 1 and events[-1].source_line == 13
    event = events[6].event()
    assert (event.source, event.kind, event.user, event.ip) == ("auth", "ssh-accept", "root", "203.0.113.50")
    assert event.precision_ns == 1_000_000_000


def test_zone_comes_from_the_examined_root_not_the_analyst(tmp_path: Path) -> None:
    events, _ = _events(tmp_path, "America/New_York")
    assert events[0].time_ns == _utc(2026, 12, 31, 4, 59, 58)


def test_rfc3339_lines_need_no_inference(tmp_path: Path) -> None:
    put(
        tmp_path,
        "/var/log/secure",
        b"2026-11-21T23:41:17.719119+01:00 web01 sshd[5]: Accepted password for anna from 192.0.2.1 port 5 ssh2\n",
    )
    source = RootSource(str(tmp_path))
    problems = Problems()
    time = TimeContext(timezone.utc, 0, clock_offset_ns=90 * 1_000_000_000)
    (event,) = list(read_auth(source, time, problems))
    source.close()
    expected = datetime(2026, 11, 21, 22, 41, 17, 719119, tzinfo=timezone.utc)
    assert event.time_ns == int(expected.timestamp()) * 1_000_000_000 + 719119000 + 90 * 1_000_000_000
    assert event.precision_ns == 1000
    assert event.flags == "clock-corrected"
    assert problems.counts["unknown-timezone"] == 0
