"""lastlog records by UID, and cron job lines."""

from __future__ import annotations

import struct
from datetime import timezone
from pathlib import Path

from breachkit.artifacts.linux.cron_log import read_cron
from breachkit.artifacts.linux.lastlog import read_lastlog
from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.years import TimeContext
from breachkit.sources import RootSource
from tests.artifacts.conftest import put


def test_lastlog_sparse_by_uid(tmp_path: Path) -> None:
    put(tmp_path, "/etc/passwd", b"root:x:0:0::/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n")
    records = bytearray(292 * 1002)
    records[33 * 292 : 34 * 292] = struct.pack("<i32s256s", 1795301000, b"pts/3", b"203.0.113.77")
    records[1001 * 292 : 1002 * 292] = struct.pack("<i32s256s", 1795000000, b"pts/0", b"192.0.2.10")
    put(tmp_path, "/var/log/lastlog", bytes(records))
    source = RootSource(str(tmp_path))
    logins = list(read_lastlog(source, Problems()))
    source.close()
    assert [(r.uid, r.user, r.line, r.host) for r in logins] == [
        (33, "www-data", "pts/3", "203.0.113.77"),
        (1001, None, "pts/0", "192.0.2.10"),
    ]
    assert logins[0].event().ip == "203.0.113.77" and logins[1].event().user == "1001"


def test_cron_log(tmp_path: Path) -> None:
    put(
        tmp_path,
        "/var/log/cron",
        b"Nov 22 00:05:01 web01 CROND[180652]: (www-data) CMD (/tmp/.X11-cache/run.sh >/dev/null 2>&1)\n"
        b"Nov 22 00:05:01 web01 CROND[180653]: (root) CMDOUT (hello)\n"
        b"Nov 22 00:06:01 web01 crond[1]: (CRON) INFO (running with inotify support)\n",
    )
    source = RootSource(str(tmp_path))
    (run,) = list(read_cron(source, TimeContext(timezone.utc, 1795400000 * 10**9), Problems()))
    source.close()
    assert (run.user, run.command, run.pid, run.source_line) == (
        "www-data",
        "/tmp/.X11-cache/run.sh >/dev/null 2>&1",
        180652,
        1,
    )
    assert run.event().kind == "cron-command" and "year-inferred" in run.flags
