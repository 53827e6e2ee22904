"""A log far thinner than its rotated predecessor is pointed out; ordinary rotation is not."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from breachkit.demo import DemoHost
from breachkit.logs import analyze
from breachkit.sources import RootSource
from tests.artifacts.conftest import put

START = datetime(2026, 3, 1, tzinfo=timezone.utc)


def _lines(first: datetime, hours: int, every: int) -> bytes:
    out = []
    for hour in range(0, hours, every):
        moment = (first + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        out.append(f"{moment} db02 CRON[{hour}]: (root) CMD (command -v debian-sa1 > /dev/null)\n")
    return "".join(out).encode()


def _thinned(root: Path) -> list[str]:
    source = RootSource(str(root))
    try:
        result = analyze(source)
    finally:
        source.close()
    return [e.path or "" for f in result.findings if f.check == "logs.thinned" for e in f.evidence]


def test_a_log_cut_to_a_tenth_is_pointed_out(tmp_path: Path) -> None:
    put(tmp_path, "/etc/timezone", b"Etc/UTC\n")
    put(tmp_path, "/var/log/syslog.1", _lines(START, 10 * 24, 1))  # every hour for ten days
    put(tmp_path, "/var/log/syslog", _lines(START + timedelta(days=10), 6 * 24, 24))  # once a day
    assert _thinned(tmp_path) == ["/var/log/syslog"]


def test_a_steady_log_is_not(tmp_path: Path) -> None:
    put(tmp_path, "/etc/timezone", b"Etc/UTC\n")
    put(tmp_path, "/var/log/syslog.1", _lines(START, 10 * 24, 1))
    put(tmp_path, "/var/log/syslog", _lines(START + timedelta(days=10), 3 * 24, 1))
    assert _thinned(tmp_path) == []


def test_the_demo_logs_are_not_thinned(demo_host: DemoHost) -> None:
    assert _thinned(Path(demo_host.root)) == []
