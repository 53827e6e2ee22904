"""Error logs of Apache 2.4, 2.2 and nginx, and the raw stderr lines scripts leave."""

from __future__ import annotations

import calendar
import zoneinfo
from pathlib import Path

from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.web.error import read_error_log
from breachkit.artifacts.years import TimeContext
from breachkit.sources import RootSource
from tests.artifacts.conftest import DATA, put


def test_formats_and_stderr(tmp_path: Path) -> None:
    put(tmp_path, "/var/log/apache2/error.log", (DATA / "web/error/error.log").read_bytes())
    source = RootSource(str(tmp_path))
    problems = Problems()
    time = TimeContext(zoneinfo.ZoneInfo("Europe/Berlin"), 0)
    php, stderr, old, nginx = list(read_error_log(source, ["/var/log/apache2/error.log"], time, problems))
    source.close()
    assert (php.level, php.module, php.pid, php.client) == ("warn", "php", 1234, "203.0.113.77")
    assert php.time_ns == calendar.timegm((2026, 11, 21, 22, 41, 17)) * 10**9 + 719119000 and php.precision_ns == 1000
    assert (stderr.level, stderr.message, stderr.time_ns, stderr.flags) == (
        "stderr",
        "sh: 1: wget: not found",
        php.time_ns,
        "time-from-previous-line",
    )
    assert (old.level, old.module, old.client) == ("error", None, "192.0.2.4")
    assert (nginx.level, nginx.pid, nginx.client) == ("error", 811, "198.51.100.3")
    assert problems.counts["unparsed-line"] == 1
    assert stderr.event("shop.test").kind == "stderr"
