"""syslog lines: both stamp formats mixed, time going backwards, garbage."""

from __future__ import annotations

import calendar
from datetime import timezone
from pathlib import Path

from breachkit.artifacts.linux.syslog import SyslogParser, syslog_families
from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.years import TimeContext, host_zone
from breachkit.sources import RootSource
from tests.artifacts.conftest import put

LOG = (
    b"2026-11-21T10:00:00.5+00:00 web01 systemd[1]: Started cron.service\n"
    b"Nov 21 10:00:05 web01 kernel: [  1.0] eth0: link up\n"
    b"\x00\x00\x00\x00\n"
    b"\x1b[2J\xff\xfe not syslog\n"
    b"Nov 21 08:00:00 web01 CRON[9]: (root) CMD (true)\n"
    b"Feb 30 08:00:00 web01 bad[1]: no such day\n"
)


def test_mixed_formats_backwards_time_and_garbage(tmp_path: Path) -> None:
    put(tmp_path, "/var/log/syslog", LOG, mtime=calendar.timegm((2026, 11, 22, 0, 0, 0)))
    source = RootSource(str(tmp_path))
    problems = Problems()
    zone = host_zone(source, problems)
    assert zone is timezone.utc and problems.counts["unknown-timezone"] == 1
    parser = SyslogParser(source, TimeContext(zone, 0), problems)
    lines = [line for members in syslog_families(source) for line in parser.read(members)]
    source.close()
    assert [(line.program, line.pid, line.source_line) for line in lines] == [
        ("systemd", 1, 1),
        ("kernel", None, 2),
        ("CRON", 9, 5),
    ]
    assert lines[0].precision_ns == 100_000_000 and lines[0].flags == ""
    assert lines[1].flags == "year-inferred"
    assert lines[2].time_ns == calendar.timegm((2026, 11, 21, 8, 0, 0)) * 1_000_000_000
    assert problems.counts["time-backwards"] == 1
    assert problems.counts["unparsed-line"] == 2
    assert problems.counts["blank-line"] == 1
